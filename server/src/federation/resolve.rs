//! Finding accounts by handle or URL: the database first, then WebFinger and
//! a fetch of the actor.

use super::{
    Data,
    objects::{ApubActor, ApubNote},
};
use crate::{
    db::models::Account,
    domain::{
        accounts,
        text::{Handle, ResolvedMentions},
    },
    error::{Error, Result},
};
use activitypub_federation::fetch::{object_id::ObjectId, webfinger::webfinger_resolve_actor};
use url::Url;

/// Whether `username@domain` could name an account anywhere: letters,
/// digits, `_`, `.` and `-` before the `@`, a bare host (and port) after
/// it. Anything else is not looked up: no WebFinger request goes out for
/// markup, paths or empty names, and the caller answers "not found"
/// rather than passing on a remote failure.
fn plausible_handle(username: &str, domain: &str) -> bool {
    let username_ok = !username.is_empty()
        && username.len() <= 64
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
    let domain_ok = domain.len() <= 253
        && url::Url::parse(&format!("https://{domain}/")).is_ok_and(|url| {
            url.host_str().is_some()
                && url.username().is_empty()
                && url.path() == "/"
                && url.query().is_none()
                && url.fragment().is_none()
        });
    username_ok && domain_ok
}

/// The account `user` (local) or `user@domain`, fetched when unknown and
/// `resolve` is set.
pub async fn account_by_acct(data: &Data, acct: &str, resolve: bool) -> Result<Option<Account>> {
    let acct = acct.trim().trim_start_matches('@');
    if let Some(account) = accounts::by_acct(data, acct).await? {
        return Ok(Some(account));
    }
    let Some((username, domain)) = acct.split_once('@') else {
        return Ok(None);
    };
    if !resolve
        || !plausible_handle(username, domain)
        || domain.eq_ignore_ascii_case(&data.urls.domain())
    {
        return Ok(None);
    }
    let actor: ApubActor = webfinger_resolve_actor(&format!("{username}@{domain}"), data).await?;
    let account = actor.account;
    // WebFinger may point anywhere; only accept an actor that carries the
    // handle that was asked for.
    if !account.username.eq_ignore_ascii_case(username)
        || !account.domain.eq_ignore_ascii_case(domain)
    {
        return Err(Error::BadRequest(format!(
            "{acct} resolved to {}, which has a different handle",
            account.ap_id
        )));
    }
    Ok(Some(account))
}

/// The actor at `url`, fetched when unknown or stale.
pub async fn account_by_url(data: &Data, url: Url) -> Result<Account> {
    Ok(ObjectId::<ApubActor>::from(url)
        .dereference(data)
        .await?
        .account)
}

/// The network actor named `acct` (`name@host`), fetched when unknown; an
/// account of another kind is refused.
pub async fn network_actor(data: &Data, acct: &str) -> Result<Account> {
    let account = account_by_acct(data, acct, true)
        .await?
        .ok_or_else(|| Error::Validation(format!("no network {acct:?} was found")))?;
    if account.actor_type != "Organization" {
        return Err(Error::Validation(format!(
            "{acct} is not a network's actor"
        )));
    }
    Ok(account)
}

/// Applies `changes` to the network. A new parent is looked up first, so a
/// name that leads nowhere changes nothing; then the network actor follows
/// it (and unfollows any earlier one).
pub async fn update_network(
    data: &Data,
    changes: crate::domain::network::NetworkChanges,
) -> Result<crate::domain::network::Network> {
    use crate::domain::network;
    let parent = match changes.parent.as_ref() {
        Some(Some(acct)) if !acct.trim().is_empty() => Some(Some(network_actor(data, acct).await?)),
        Some(_) => Some(None),
        None => None,
    };
    let saved = network::update(data, changes).await?;
    if let Some(parent) = parent {
        network::follow_parent(data, parent).await?;
    }
    Ok(saved)
}

/// The status at `url`, fetched (and stored) when unknown.
pub async fn status_by_url(data: &Data, url: Url) -> Result<crate::db::models::Status> {
    Ok(ObjectId::<ApubNote>::from(url)
        .dereference(data)
        .await?
        .status)
}

/// The accounts behind the mentions of a status being written. Mentions that
/// cannot be resolved stay plain text, as on Mastodon.
pub async fn mentions(data: &Data, handles: Vec<Handle>) -> ResolvedMentions {
    let mut resolved = ResolvedMentions::new();
    for handle in handles {
        match account_by_acct(data, &handle.acct(), true).await {
            Ok(Some(account)) => {
                resolved.insert(handle, account);
            }
            Ok(None) => {}
            Err(error) => tracing::info!(acct = %handle.acct(), %error, "mention not resolved"),
        }
    }
    resolved
}

#[cfg(test)]
mod tests {
    use super::plausible_handle;

    #[test]
    fn only_plausible_handles_are_looked_up() {
        for (username, domain) in [
            ("network", "kent.example"),
            ("ann_b.c-d", "localhost:8080"),
            ("Ann", "xn--bcher-kva.example"),
        ] {
            assert!(plausible_handle(username, domain), "{username}@{domain}");
        }
        for (username, domain) in [
            ("<b>network</b>", "kent.example"),
            ("", "kent.example"),
            ("network", ""),
            ("network", "kent.example/users"),
            ("network", "a@kent.example"),
            ("network", "kent example"),
            ("network", "kent.example?x=1"),
            ("net\u{0}work", "kent.example"),
        ] {
            assert!(
                !plausible_handle(username, domain),
                "{username:?}@{domain:?}"
            );
        }
    }
}
