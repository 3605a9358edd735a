//! Actors (people, services, groups, the instance actor) on other servers.

use super::super::{Data, intake, signatures::host_header};
use crate::{
    db::{
        self,
        ids::next_id,
        models::{Account, ProfileField},
    },
    domain::{accounts::validate_username, inbound, render},
    error::{Error, Result},
    protocol::{self, same_origin},
};
use activitypub_federation::traits::{Actor, Object};
use chrono::{DateTime, Utc};
use url::Url;

#[derive(Debug, Clone)]
pub struct ApubActor {
    pub account: Account,
    id: Url,
}

impl ApubActor {
    pub fn new(account: Account) -> Result<ApubActor> {
        let id = Url::parse(&account.ap_id)
            .map_err(|e| Error::Internal(format!("stored actor id: {e}")))?;
        Ok(ApubActor { account, id })
    }
}

const ACTOR_TYPES: [&str; 5] = ["Person", "Service", "Application", "Group", "Organization"];

/// Checks that an actor document describes itself consistently and only
/// points at its own server.
pub fn check_actor_json(json: &protocol::Actor, fetched_from: &Url) -> Result<()> {
    let refuse = |why: &str| Err(Error::BadRequest(format!("actor {}: {why}", json.id)));
    if !same_origin(&json.id, fetched_from) {
        return refuse("its id is on a different server than the URL it came from");
    }
    if !ACTOR_TYPES.contains(&json.kind.as_str()) {
        return refuse("not an actor type");
    }
    if json.public_key.owner != json.id {
        return refuse("its key belongs to someone else");
    }
    let key_id_origin_ok =
        Url::parse(&json.public_key.id).is_ok_and(|key| same_origin(&key, &json.id));
    if !key_id_origin_ok {
        return refuse("its key id is on a different server");
    }
    let endpoints = [
        Some(&json.inbox),
        json.outbox.as_ref(),
        json.followers.as_ref(),
    ];
    if endpoints
        .into_iter()
        .flatten()
        .any(|url| !same_origin(url, &json.id))
    {
        return refuse("its inbox or collections are on a different server");
    }
    if validate_username(&json.preferred_username).is_err()
        && !json
            .preferred_username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
    {
        return refuse("its preferredUsername has unexpected characters");
    }
    Ok(())
}

/// `PropertyValue` attachments as profile fields, values sanitised, as many
/// as a local member may have.
fn profile_fields(attachment: &[serde_json::Value]) -> Vec<ProfileField> {
    attachment
        .iter()
        .filter(|a| a["type"] == "PropertyValue")
        .filter_map(|a| {
            let name = a["name"].as_str()?.chars().take(255).collect::<String>();
            let value = crate::domain::text::sanitize_remote_html(a["value"].as_str()?);
            Some(ProfileField { name, value })
        })
        .take(crate::domain::accounts::MAX_FIELDS)
        .collect()
}

fn account_from_json(json: protocol::Actor) -> Account {
    let now = db::now();
    // Mastodon's rule: automated actors are Services and Applications; a
    // Group (a Lemmy community, a Trellis community) is people, not a bot.
    let bot = matches!(json.kind.as_str(), "Service" | "Application");
    let fields = profile_fields(&json.attachment);
    let shared_inbox = json
        .endpoints
        .and_then(|e| e.shared_inbox)
        .filter(|inbox| same_origin(inbox, &json.id))
        .map(String::from);
    let url = match json.url {
        Some(serde_json::Value::String(url)) => Some(url),
        _ => None,
    };
    Account {
        id: next_id(),
        username: json.preferred_username,
        domain: host_header(&json.id).to_lowercase(),
        local: false,
        actor_type: json.kind,
        display_name: json.name.unwrap_or_default(),
        note: crate::domain::text::sanitize_remote_html(&json.summary.unwrap_or_default()),
        ap_id: json.id.to_string(),
        url,
        inbox_url: json.inbox.to_string(),
        shared_inbox_url: shared_inbox,
        outbox_url: json.outbox.map(String::from),
        followers_url: json.followers.map(String::from),
        following_url: json.following.map(String::from),
        public_key_id: json.public_key.id,
        public_key_pem: json.public_key.public_key_pem,
        private_key_pem: None,
        locked: json.manually_approves_followers.unwrap_or(false),
        bot,
        discoverable: json.discoverable.unwrap_or(false),
        created_at: json.published.map(|p| p.naive_utc()).unwrap_or(now),
        updated_at: now,
        last_fetched_at: Some(now),
        deleted_at: None,
        fields: serde_json::to_string(&fields).unwrap_or_else(|_| "[]".into()),
    }
}

#[async_trait::async_trait]
impl Object for ApubActor {
    type DataType = crate::domain::Context;
    type Kind = protocol::Actor;
    type Error = Error;

    fn id(&self) -> &Url {
        &self.id
    }

    fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        if self.account.local {
            return None;
        }
        Some(
            self.account
                .last_fetched_at
                .unwrap_or(self.account.updated_at)
                .and_utc(),
        )
    }

    async fn read_from_id(object_id: Url, data: &Data) -> Result<Option<Self>> {
        match inbound::account_by_ap_id(data, object_id.as_str()).await? {
            Some(account) if account.deleted_at.is_none() => Ok(Some(ApubActor::new(account)?)),
            _ => Ok(None),
        }
    }

    fn is_deleted(&self) -> bool {
        self.account.deleted_at.is_some()
    }

    async fn into_json(self, _data: &Data) -> Result<protocol::Actor> {
        Ok(render::actor(&self.account))
    }

    async fn verify(json: &protocol::Actor, expected_domain: &Url, _data: &Data) -> Result<()> {
        check_actor_json(json, expected_domain)
    }

    async fn from_json(json: protocol::Actor, data: &Data) -> Result<Self> {
        let mut json = intake::without_nul(json)?;
        intake::cap_actor(&mut json);
        let practice = json
            .practice
            .as_ref()
            .map(crate::domain::practice::Practice::from_remote)
            .unwrap_or_default();
        let community = json.community.clone();
        let network = json.network.clone();
        let images = inbound::RemoteImages {
            icon: json.icon.clone(),
            image: json.image.clone(),
        };
        let account = inbound::store_remote_actor(
            data,
            account_from_json(json),
            practice,
            community,
            network,
            images,
        )
        .await
        .inspect_err(|error| tracing::info!(%error, "could not store a fetched actor"))?;
        ApubActor::new(account)
    }
}

impl Actor for ApubActor {
    fn public_key_pem(&self) -> &str {
        &self.account.public_key_pem
    }

    fn private_key_pem(&self) -> Option<String> {
        self.account.private_key_pem.clone()
    }

    fn inbox(&self) -> Url {
        Url::parse(&self.account.inbox_url).unwrap_or_else(|_| self.id.clone())
    }

    fn shared_inbox(&self) -> Option<Url> {
        self.account
            .shared_inbox_url
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
    }
}
