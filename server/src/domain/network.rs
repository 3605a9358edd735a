//! The network this instance is: its name, place, level, type and charter,
//! and the actor that speaks for it. Other networks and people follow that
//! actor; its profile carries the charter as an extension property and, for
//! apps that know nothing of it, as profile fields.

use super::{
    Context, accounts, render,
    terms::{Synonyms, Vocabulary},
    text,
};
use crate::{
    db::{self, ids::next_id, models::Account, models::ProfileField},
    error::{Error, Result},
};
use serde::{Deserialize, Deserializer, Serialize};

/// Username of the network actor, reserved for it.
pub const NETWORK_USERNAME: &str = "network";

/// Where a network sits in the nesting of places.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Town,
    County,
    Region,
    State,
    Country,
    #[default]
    None,
}

/// What the network is for, in the field's three kinds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkType {
    /// Members exchange and learn.
    #[default]
    Connectivity,
    /// Members share goals and coordinate.
    Alignment,
    /// Members make things together.
    Production,
}

/// The start-up design questions a network answers about itself.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Charter {
    pub purpose: String,
    pub membership: String,
    pub value_proposition: String,
    pub coordination: String,
    pub resources: String,
    pub governance: String,
    pub assessment: String,
    /// Short texts, each also one of the instance's rules.
    pub operating_principles: Vec<String>,
}

/// Who receives the network's aggregate report (never personal data).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShareReport {
    /// No one: parent and linked networks list it as "not shared".
    None,
    /// The parent network, which passes it on to its own parent with its
    /// branch, so every level above sees it.
    #[default]
    Parent,
    /// The levels above, and the networks linked with this one as peers.
    Linked,
    /// Anyone who asks, as well.
    Public,
}

impl ShareReport {
    pub fn reaches_parent(self) -> bool {
        self != ShareReport::None
    }

    pub fn reaches_peers(self) -> bool {
        matches!(self, ShareReport::Linked | ShareReport::Public)
    }

    pub fn is_public(self) -> bool {
        self == ShareReport::Public
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Network {
    pub name: String,
    pub summary: String,
    pub place: String,
    pub level: Level,
    #[serde(rename = "type")]
    pub kind: NetworkType,
    /// The network this one is part of, as `name@host`.
    pub parent: Option<String>,
    pub charter: Charter,
    /// Who receives the network report; a local choice, not published.
    pub share_report: ShareReport,
    /// Terms its members use for the same thing; matching uses them here
    /// and in the networks linked with this one. Left out when empty, as
    /// it was before networks had one.
    #[serde(skip_serializing_if = "Vocabulary::is_empty")]
    pub vocabulary: Vocabulary,
}

/// A change to the network: only what is named changes.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkChanges {
    pub name: Option<String>,
    pub summary: Option<String>,
    pub place: Option<String>,
    pub level: Option<Level>,
    #[serde(rename = "type")]
    pub kind: Option<NetworkType>,
    /// `null` (or an empty string) removes the parent.
    #[serde(default, deserialize_with = "present")]
    pub parent: Option<Option<String>>,
    pub charter: Option<CharterChanges>,
    pub share_report: Option<ShareReport>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CharterChanges {
    pub purpose: Option<String>,
    pub membership: Option<String>,
    pub value_proposition: Option<String>,
    pub coordination: Option<String>,
    pub resources: Option<String>,
    pub governance: Option<String>,
    pub assessment: Option<String>,
    pub operating_principles: Option<Vec<String>>,
}

/// Tells a key given as `null` from a key left out.
fn present<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

const MAX_NAME: usize = 100;
const MAX_SUMMARY: usize = 1000;
const MAX_PLACE: usize = 100;
const MAX_CHARTER_TEXT: usize = 5000;
const MAX_PRINCIPLES: usize = 30;
const MAX_PRINCIPLE: usize = 500;

fn checked(what: &str, text: String, max: usize) -> Result<String> {
    super::text::within_limit(what, &text, max)
}

/// `name@host`, with or without a leading `@`.
fn checked_acct(acct: &str) -> Result<String> {
    let acct = acct.trim().trim_start_matches('@');
    let valid = acct.split_once('@').is_some_and(|(name, host)| {
        !name.is_empty()
            && !host.is_empty()
            && !host.contains('@')
            && !acct.contains(char::is_whitespace)
    });
    if !valid {
        return Err(Error::Validation(format!(
            "parent must be a network's handle, name@host, not {acct:?}"
        )));
    }
    Ok(acct.to_lowercase())
}

impl Network {
    /// Applies `changes` after checking every one of them, so a bad value
    /// changes nothing.
    pub fn apply(&self, changes: NetworkChanges) -> Result<Network> {
        let mut next = self.clone();
        if let Some(name) = changes.name {
            next.name = checked("name", name, MAX_NAME)?;
        }
        if let Some(summary) = changes.summary {
            next.summary = checked("summary", summary, MAX_SUMMARY)?;
        }
        if let Some(place) = changes.place {
            next.place = checked("place", place, MAX_PLACE)?;
        }
        next.level = changes.level.unwrap_or(next.level);
        next.kind = changes.kind.unwrap_or(next.kind);
        next.share_report = changes.share_report.unwrap_or(next.share_report);
        if let Some(parent) = changes.parent {
            next.parent = match parent.as_deref().map(str::trim) {
                None | Some("") => None,
                Some(acct) => Some(checked_acct(acct)?),
            };
        }
        if let Some(charter) = changes.charter {
            let texts = [
                ("purpose", charter.purpose, &mut next.charter.purpose),
                (
                    "membership",
                    charter.membership,
                    &mut next.charter.membership,
                ),
                (
                    "value_proposition",
                    charter.value_proposition,
                    &mut next.charter.value_proposition,
                ),
                (
                    "coordination",
                    charter.coordination,
                    &mut next.charter.coordination,
                ),
                ("resources", charter.resources, &mut next.charter.resources),
                (
                    "governance",
                    charter.governance,
                    &mut next.charter.governance,
                ),
                (
                    "assessment",
                    charter.assessment,
                    &mut next.charter.assessment,
                ),
            ];
            for (what, change, slot) in texts {
                if let Some(text) = change {
                    *slot = checked(what, text, MAX_CHARTER_TEXT)?;
                }
            }
            if let Some(principles) = charter.operating_principles {
                if principles.len() > MAX_PRINCIPLES {
                    return Err(Error::Validation(format!(
                        "at most {MAX_PRINCIPLES} operating principles"
                    )));
                }
                let mut kept = Vec::with_capacity(principles.len());
                for principle in principles {
                    let principle = checked("an operating principle", principle, MAX_PRINCIPLE)?;
                    if principle.is_empty() {
                        return Err(Error::Validation("an operating principle is empty".into()));
                    }
                    kept.push(principle);
                }
                next.charter.operating_principles = kept;
            }
        }
        Ok(next)
    }

    /// The extension property the network actor carries.
    pub fn extension(&self) -> serde_json::Value {
        serde_json::json!({
            "type": "trellis:Network",
            "name": self.name,
            "place": self.place,
            "level": self.level,
            "networkType": self.kind,
            "parent": self.parent,
            "charter": {
                "purpose": self.charter.purpose,
                "membership": self.charter.membership,
                "valueProposition": self.charter.value_proposition,
                "coordination": self.charter.coordination,
                "resources": self.charter.resources,
                "governance": self.charter.governance,
                "assessment": self.charter.assessment,
                "operatingPrinciples": self.charter.operating_principles,
            },
            "vocabulary": self.vocabulary,
        })
    }

    /// Profile fields for apps that show only Mastodon's.
    fn fields(&self) -> Vec<(String, String)> {
        let mut fields = vec![
            ("Place".to_string(), self.place.clone()),
            ("Level".to_string(), word(&self.level)),
            ("Type".to_string(), word(&self.kind)),
        ];
        if let Some(parent) = &self.parent {
            fields.push(("Part of".to_string(), format!("@{parent}")));
        }
        fields.retain(|(_, value)| !value.is_empty());
        fields
    }
}

/// The word a setting is written as, or nothing for `none`.
pub fn word<T: Serialize>(setting: &T) -> String {
    match serde_json::to_value(setting) {
        Ok(serde_json::Value::String(word)) if word != "none" => word,
        _ => String::new(),
    }
}

fn parse(stored: Option<String>) -> Result<Network> {
    match stored {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| Error::Internal(format!("stored network profile: {e}"))),
        None => Ok(Network::default()),
    }
}

/// The network as stored, its name defaulting to the instance's.
pub async fn get(ctx: &Context) -> Result<Network> {
    let instance_name = ctx.config.instance_name.clone();
    ctx.db.read(move |conn| get_in(conn, &instance_name)).await
}

/// [`get`] inside a transaction.
pub fn get_in(conn: &mut db::DbConnection, instance_name: &str) -> Result<Network> {
    let mut network = parse(db::network::profile(conn)?)?;
    if network.name.is_empty() {
        network.name = instance_name.to_string();
    }
    Ok(network)
}

/// The network actor, created the first time it is needed.
pub async fn actor(ctx: &Context) -> Result<Account> {
    if let Ok(actor) = accounts::local_by_username(ctx, NETWORK_USERNAME).await {
        if !is_network_actor(&actor) {
            // Only a member who signed up before the name was reserved can
            // hold it; speaking for the network through their account would
            // overwrite their profile.
            return Err(Error::Conflict(format!(
                "the member account {NETWORK_USERNAME:?} holds the name reserved for the \
                 network actor; rename or delete it"
            )));
        }
        return Ok(actor);
    }
    let mut actor = accounts::new_local_actor(&ctx.urls, NETWORK_USERNAME, "Organization")?;
    actor.display_name = ctx.config.instance_name.clone();
    actor.discoverable = true;
    ctx.db
        .write(
            move |conn| match db::accounts::local_by_username(conn, NETWORK_USERNAME)? {
                Some(existing) => Ok(existing),
                None => Ok(db::accounts::insert(conn, &actor)?),
            },
        )
        .await
}

/// The extension the network actor carries, as stored (the name left
/// empty when the admins never set one falls back to the instance's).
pub fn extension_in(conn: &mut db::DbConnection, instance_name: &str) -> Result<serde_json::Value> {
    Ok(get_in(conn, instance_name)?.extension())
}

pub fn is_network_actor(account: &Account) -> bool {
    account.local && account.username == NETWORK_USERNAME && account.actor_type == "Organization"
}

/// Applies `changes`, shows them on the network actor's profile and tells
/// its followers' servers.
pub async fn update(ctx: &Context, changes: NetworkChanges) -> Result<Network> {
    let current = get(ctx).await?;
    let next = current.apply(changes)?;
    let share_changed = next.share_report != current.share_report;
    let saved = publish(ctx, next).await?;
    if share_changed {
        // Those the new choice no longer reaches forget the report; those
        // it now reaches get it at once.
        let sender = super::network_reports::Sender::of(ctx);
        let share = saved.share_report;
        ctx.db
            .write(move |conn| sender.withdraw(conn, share))
            .await?;
        super::network_reports::refresh(ctx, true).await?;
    }
    Ok(saved)
}

/// Replaces the network's vocabulary, checked whole first, and tells the
/// networks that follow it, whose matching uses it too.
pub async fn set_vocabulary(ctx: &Context, groups: Vec<Vec<String>>) -> Result<Network> {
    let vocabulary = Vocabulary::checked(groups)?;
    let mut next = get(ctx).await?;
    next.vocabulary = vocabulary;
    publish(ctx, next).await
}

/// The synonyms matching uses: this network's vocabulary and those of the
/// networks linked with it, merged.
pub fn synonyms_in(conn: &mut db::DbConnection) -> Result<Synonyms> {
    let own = parse(db::network::profile(conn)?)?;
    let linked = linked_vocabularies_in(conn)?;
    Ok(Synonyms::new(
        std::iter::once(&own.vocabulary).chain(linked.iter().map(|(_, v)| v)),
    ))
}

/// The vocabularies of the linked networks that publish one.
fn linked_vocabularies_in(conn: &mut db::DbConnection) -> Result<Vec<(Account, Vocabulary)>> {
    Ok(db::network::linked_profiles(conn)?
        .into_iter()
        .filter_map(|(account, json)| {
            let network: Network = serde_json::from_str(&json).ok()?;
            (!network.vocabulary.is_empty()).then_some((account, network.vocabulary))
        })
        .collect())
}

/// What the vocabulary endpoint shows: this network's groups and those
/// that come from linked networks.
pub async fn vocabularies(ctx: &Context) -> Result<(Vocabulary, Vec<(Account, Vocabulary)>)> {
    let own = get(ctx).await?.vocabulary;
    let linked = ctx.db.read(linked_vocabularies_in).await?;
    Ok((own, linked))
}

/// Stores `next`, shows it on the network actor's profile and sends the
/// actor's `Update` to its followers' servers.
async fn publish(ctx: &Context, next: Network) -> Result<Network> {
    let actor = actor(ctx).await?;
    let mut profile = actor.clone();
    profile.display_name = next.name.clone();
    profile.note = text::render_plain(&next.summary, &Default::default(), &ctx.urls);
    let fields: Vec<ProfileField> = next
        .fields()
        .into_iter()
        .map(|(name, value)| ProfileField {
            value: text::render_inline(&value, &ctx.urls),
            name,
        })
        .collect();
    profile.fields = serde_json::to_string(&fields).map_err(|e| Error::Internal(e.to_string()))?;
    let stored = serde_json::to_string(&next).map_err(|e| Error::Internal(e.to_string()))?;
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| -> Result<()> {
            db::network::save_profile(conn, &stored)?;
            let saved = db::accounts::update_profile(conn, &profile)?;
            let document = accounts::actor_document_in(conn, &urls, &saved)?;
            // The parent keeps this network's profile (and vocabulary) but
            // does not follow it: it hears of changes too.
            let parents = db::network::linked(conn, PARENT)?;
            accounts::send_actor_update_also(conn, &urls, &saved, document, &parents)
        })
        .await?;
    ctx.deliveries_queued();
    get(ctx).await
}

pub const PARENT: &str = "parent";
pub const CHILD: &str = "child";
/// A network linked side by side: the same kind of network in another
/// place. Peers exchange their reports when both share with linked networks.
pub const PEER: &str = "peer";

/// States of a link: parent and child links are active at once; a peer
/// link waits for the other side's admins.
pub const ACTIVE: &str = "active";
pub const PENDING_OUT: &str = "pending_out";
pub const PENDING_IN: &str = "pending_in";

/// Makes the network actor follow `parent` (another network's actor) as
/// its parent, or follow none with `None`; a parent declared before is
/// unfollowed. The parent's server lists this network among its children.
pub async fn follow_parent(ctx: &Context, parent: Option<Account>) -> Result<()> {
    let actor = actor(ctx).await?;
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| -> Result<()> {
            for old in db::network::linked(conn, PARENT)? {
                if parent.as_ref().is_some_and(|p| p.id == old.id) {
                    continue;
                }
                db::network::remove_link(conn, old.id)?;
                if let Some(follow) = db::follows::between(conn, actor.id, old.id)? {
                    db::follows::delete(conn, follow.id)?;
                    let activity = render::follow(&follow.ap_id, &actor, &old);
                    let undo = render::undo_of(&urls.activity(next_id()), &actor, activity);
                    super::outbox::enqueue(
                        conn,
                        &urls,
                        &actor,
                        &undo,
                        [old.inbox_url.clone()].into(),
                    )?;
                }
            }
            let Some(parent) = parent else {
                return Ok(());
            };
            db::network::set_link(conn, parent.id, PARENT)?;
            if db::follows::between(conn, actor.id, parent.id)?.is_some() {
                return Ok(());
            }
            let id = next_id();
            let follow = db::models::Follow {
                id,
                account_id: actor.id,
                target_account_id: parent.id,
                ap_id: urls.activity(id),
                accepted: false,
                created_at: db::now(),
                notify: false,
                show_reblogs: true,
            };
            db::follows::insert(conn, &follow)?;
            let mut activity = render::follow(&follow.ap_id, &actor, &parent);
            // What the receiver is to the sender, as links between
            // communities say it.
            activity["trellis:link"] = super::links::marker(super::links::Direction::Parent);
            super::outbox::enqueue(
                conn,
                &urls,
                &actor,
                &activity,
                [parent.inbox_url.clone()].into(),
            )?;
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// Another network's actor followed ours, saying we are its parent.
pub fn child_joined(conn: &mut db::DbConnection, child: &Account) -> Result<()> {
    Ok(db::network::set_link(conn, child.id, CHILD)?)
}

/// A network that stops following ours is no longer its child, nor its
/// peer; what it shared is forgotten.
pub fn link_ended(conn: &mut db::DbConnection, other: &Account) -> Result<()> {
    if let Some((relation, _)) = db::network::link_with(conn, other.id)?
        && relation != PARENT
    {
        db::network::remove_link(conn, other.id)?;
        db::network::remove_report(conn, other.id)?;
    }
    Ok(())
}

/// A link as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LinkView {
    pub acct: String,
    pub name: String,
    pub url: String,
    pub relation: String,
    pub state: String,
    pub since: chrono::DateTime<chrono::Utc>,
}

/// Every network linked with this one; pending peer requests only for
/// admins.
pub async fn links(ctx: &Context, with_pending: bool) -> Result<Vec<LinkView>> {
    ctx.db
        .read(move |conn| {
            Ok(db::network::all_links(conn)?
                .into_iter()
                .filter(|(_, _, state, _)| with_pending || state == ACTIVE)
                .map(|(account, relation, state, since)| LinkView {
                    acct: account.acct(),
                    name: account.display_name.clone(),
                    url: account.url.clone().unwrap_or_else(|| account.ap_id.clone()),
                    relation,
                    state,
                    since: since.and_utc(),
                })
                .collect())
        })
        .await
}

/// Asks `target` (another network's actor) to link as peers: our network
/// actor follows it with a `peer` marker, and the link waits for its
/// admins. If it had asked us first, asking back agrees.
pub async fn request_peer(ctx: &Context, target: Account) -> Result<LinkView> {
    let actor = actor(ctx).await?;
    if target.local || target.id == actor.id {
        return Err(Error::Validation(
            "a peer network is another server's network".into(),
        ));
    }
    let urls = ctx.urls.clone();
    let sender = super::network_reports::Sender::of(ctx);
    let acct = target.acct();
    ctx.db
        .write(move |conn| -> Result<()> {
            match db::network::link_with(conn, target.id)?
                .as_ref()
                .map(|(r, s)| (r.as_str(), s.as_str()))
            {
                Some((PEER, PENDING_IN)) => {
                    return accept_peer_in(conn, &urls, &sender, &actor, &target);
                }
                Some((PEER, _)) => return Ok(()),
                Some((relation, _)) => {
                    return Err(Error::Conflict(format!(
                        "{} is already linked as this network's {relation}",
                        target.acct()
                    )));
                }
                None => {}
            }
            db::network::set_link_state(conn, target.id, PEER, PENDING_OUT)?;
            if db::follows::between(conn, actor.id, target.id)?.is_none() {
                let id = next_id();
                let follow = db::models::Follow {
                    id,
                    account_id: actor.id,
                    target_account_id: target.id,
                    ap_id: urls.activity(id),
                    accepted: false,
                    created_at: db::now(),
                    notify: false,
                    show_reblogs: true,
                };
                db::follows::insert(conn, &follow)?;
                let mut activity = render::follow(&follow.ap_id, &actor, &target);
                activity["trellis:link"] = super::links::marker(super::links::Direction::Peer);
                super::outbox::enqueue(
                    conn,
                    &urls,
                    &actor,
                    &activity,
                    [target.inbox_url.clone()].into(),
                )?;
            }
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    links(ctx, true)
        .await?
        .into_iter()
        .find(|link| link.acct == acct)
        .ok_or_else(Error::not_found)
}

/// Another network asked to link as peers (its Follow is stored, not yet
/// accepted). If this network had asked it too, they agree at once.
pub fn peer_requested(
    conn: &mut db::DbConnection,
    urls: &super::urls::Urls,
    sender: &super::network_reports::Sender,
    us: &Account,
    other: &Account,
) -> Result<()> {
    match db::network::link_with(conn, other.id)? {
        Some((relation, state)) if relation == PEER && state == PENDING_OUT => {
            accept_peer_in(conn, urls, sender, us, other)
        }
        Some((relation, state)) if relation == PEER && state == ACTIVE => {
            accept_peer_in(conn, urls, sender, us, other)
        }
        Some(_) => Ok(()),
        None => Ok(db::network::set_link_state(
            conn, other.id, PEER, PENDING_IN,
        )?),
    }
}

/// Accepts the Follow `other` sent and makes the link active; both sides
/// then send their reports if they share with linked networks.
fn accept_peer_in(
    conn: &mut db::DbConnection,
    urls: &super::urls::Urls,
    sender: &super::network_reports::Sender,
    us: &Account,
    other: &Account,
) -> Result<()> {
    if let Some(follow) = db::follows::between(conn, other.id, us.id)? {
        if !follow.accepted {
            db::follows::accept(conn, follow.id)?;
        }
        let accept = render::follow_answer(
            "Accept",
            &urls.activity(next_id()),
            us,
            &follow.ap_id,
            other,
        );
        super::outbox::enqueue(conn, urls, us, &accept, [other.inbox_url.clone()].into())?;
    }
    db::network::set_link_state(conn, other.id, PEER, ACTIVE)?;
    sender.send(conn, Some(other.id))
}

/// An admin answers a peer request, or ends a peer link (`accept` false on
/// an active link). Ending it tells the other side: an Undo of our follow,
/// a Reject of theirs.
pub async fn answer_peer(ctx: &Context, other: Account, accept: bool) -> Result<()> {
    let us = actor(ctx).await?;
    let urls = ctx.urls.clone();
    let sender = super::network_reports::Sender::of(ctx);
    ctx.db
        .write(move |conn| -> Result<()> {
            let Some((relation, state)) = db::network::link_with(conn, other.id)? else {
                return Err(Error::not_found());
            };
            if relation != PEER {
                return Err(Error::Validation(format!(
                    "{} is this network's {relation}, not a peer",
                    other.acct()
                )));
            }
            if accept {
                if state != PENDING_IN {
                    return Err(Error::Validation(
                        "only a request from the other network can be accepted".into(),
                    ));
                }
                return accept_peer_in(conn, &urls, &sender, &us, &other);
            }
            if let Some(theirs) = db::follows::between(conn, other.id, us.id)? {
                db::follows::delete(conn, theirs.id)?;
                let reject = render::follow_answer(
                    "Reject",
                    &urls.activity(next_id()),
                    &us,
                    &theirs.ap_id,
                    &other,
                );
                super::outbox::enqueue(
                    conn,
                    &urls,
                    &us,
                    &reject,
                    [other.inbox_url.clone()].into(),
                )?;
            }
            if let Some(ours) = db::follows::between(conn, us.id, other.id)? {
                db::follows::delete(conn, ours.id)?;
                let follow = render::follow(&ours.ap_id, &us, &other);
                let undo = render::undo_of(&urls.activity(next_id()), &us, follow);
                super::outbox::enqueue(conn, &urls, &us, &undo, [other.inbox_url.clone()].into())?;
            }
            db::network::remove_link(conn, other.id)?;
            db::network::remove_report(conn, other.id)?;
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// The other network answered our Follow: a peer request becomes active
/// (and our report goes to it), or ends.
pub fn follow_answered(
    conn: &mut db::DbConnection,
    sender: &super::network_reports::Sender,
    us: &Account,
    other: &Account,
    accepted: bool,
) -> Result<()> {
    if !is_network_actor(us) {
        return Ok(());
    }
    let Some((relation, _)) = db::network::link_with(conn, other.id)? else {
        return Ok(());
    };
    if relation == PARENT && accepted {
        // The parent now lists this network among its children: the report
        // it sends is kept from here on.
        return sender.send(conn, Some(other.id));
    }
    if relation != PEER {
        return Ok(());
    }
    if accepted {
        db::network::set_link_state(conn, other.id, PEER, ACTIVE)?;
        sender.send(conn, Some(other.id))
    } else {
        db::network::remove_link(conn, other.id)?;
        db::network::remove_report(conn, other.id)?;
        Ok(())
    }
}

/// The networks that declared this one their parent, with what each says
/// about itself when it says it.
pub async fn children(ctx: &Context) -> Result<Vec<(Account, Option<Network>)>> {
    ctx.db
        .read(|conn| {
            let mut children = Vec::new();
            for child in db::network::linked(conn, CHILD)? {
                let profile = db::network::remote_profile(conn, child.id)?
                    .and_then(|json| serde_json::from_str(&json).ok());
                children.push((child, profile));
            }
            Ok(children)
        })
        .await
}

/// The `trellis:network` property as another server publishes it.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Published {
    name: Option<String>,
    place: Option<String>,
    level: Option<Level>,
    network_type: Option<NetworkType>,
    parent: Option<String>,
    charter: Option<PublishedCharter>,
    /// Read apart, so an odd vocabulary costs only itself.
    vocabulary: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PublishedCharter {
    purpose: Option<String>,
    membership: Option<String>,
    value_proposition: Option<String>,
    coordination: Option<String>,
    resources: Option<String>,
    governance: Option<String>,
    assessment: Option<String>,
    operating_principles: Option<Vec<String>>,
}

impl Network {
    /// Reads another network's `trellis:network` property under the same
    /// rules as a local change; `None` when it breaks them.
    pub fn from_published(property: &serde_json::Value) -> Option<Network> {
        let published: Published = serde_json::from_value(property.clone()).ok()?;
        let changes = NetworkChanges {
            name: published.name,
            // The summary is the actor's own `summary`.
            summary: None,
            place: published.place,
            level: published.level,
            kind: published.network_type,
            parent: Some(published.parent.filter(|p| checked_acct(p).is_ok())),
            charter: published.charter.map(|c| CharterChanges {
                purpose: c.purpose,
                membership: c.membership,
                value_proposition: c.value_proposition,
                coordination: c.coordination,
                resources: c.resources,
                governance: c.governance,
                assessment: c.assessment,
                operating_principles: c.operating_principles,
            }),
            share_report: None,
        };
        let mut network = Network::default().apply(changes).ok()?;
        network.vocabulary = published
            .vocabulary
            .and_then(|v| serde_json::from_value::<Vec<Vec<String>>>(v).ok())
            .map(Vocabulary::from_remote)
            .unwrap_or_default();
        Some(network)
    }
}

/// Keeps what a network actor elsewhere publishes about its network.
pub fn store_remote(
    conn: &mut db::DbConnection,
    account: &Account,
    property: &serde_json::Value,
) -> Result<()> {
    match Network::from_published(property) {
        Some(network) => {
            let json = serde_json::to_string(&network)
                .map_err(|e| Error::Internal(format!("network profile: {e}")))?;
            Ok(db::network::save_remote_profile(conn, account.id, &json)?)
        }
        None => {
            tracing::debug!(actor = %account.ap_id, "ignoring an invalid trellis:network");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changes(json: serde_json::Value) -> NetworkChanges {
        serde_json::from_value(json).expect("valid changes")
    }

    #[test]
    fn a_published_network_reads_back_as_it_was_written() {
        let mut written = Network {
            name: "Ashford".into(),
            place: "Ashford".into(),
            parent: Some("network@county.example".into()),
            ..Network::default()
        };
        written.charter.purpose = "Share what works".into();
        written.charter.operating_principles = vec!["Ask first".into()];
        written.vocabulary =
            Vocabulary::checked(vec![vec!["procurement".into(), "bulk purchasing".into()]])
                .unwrap();
        written = written
            .apply(changes(
                serde_json::json!({"level": "town", "type": "alignment"}),
            ))
            .unwrap();
        let read = Network::from_published(&written.extension()).expect("reads");
        assert_eq!(read, written);
        let bad = serde_json::json!({"name": "x".repeat(500)});
        assert_eq!(Network::from_published(&bad), None);
        let odd_parent = serde_json::json!({"name": "A", "parent": "not a handle"});
        assert_eq!(Network::from_published(&odd_parent).unwrap().parent, None);
    }

    #[test]
    fn an_odd_published_vocabulary_costs_only_itself() {
        let odd = serde_json::json!({"name": "A", "vocabulary": "procurement"});
        let read = Network::from_published(&odd).expect("the rest reads");
        assert_eq!(read.name, "A");
        assert!(read.vocabulary.is_empty());
        let partly = serde_json::json!({
            "name": "A",
            "vocabulary": [["procurement", "bulk purchasing"], ["alone"]],
        });
        assert_eq!(
            Network::from_published(&partly).unwrap().vocabulary.0,
            [["procurement", "bulk purchasing"]]
        );
    }

    #[test]
    fn a_partial_change_keeps_everything_it_does_not_name() {
        let before = Network {
            name: "Ashford".into(),
            place: "Ashford".into(),
            parent: Some("network@county.example".into()),
            charter: Charter {
                purpose: "Learn together".into(),
                operating_principles: vec!["Be kind".into()],
                ..Charter::default()
            },
            ..Network::default()
        };
        let after = before
            .apply(changes(serde_json::json!({
                "level": "town",
                "charter": {"governance": "  A steering group  "}
            })))
            .unwrap();
        assert_eq!(after.level, Level::Town);
        assert_eq!(after.charter.governance, "A steering group");
        assert_eq!(after.charter.purpose, "Learn together");
        assert_eq!(after.charter.operating_principles, ["Be kind"]);
        assert_eq!(after.parent.as_deref(), Some("network@county.example"));

        let orphan = after
            .apply(changes(serde_json::json!({"parent": null})))
            .unwrap();
        assert_eq!(orphan.parent, None);
        let kept = after.apply(changes(serde_json::json!({}))).unwrap();
        assert_eq!(kept, after);
    }

    #[test]
    fn bad_values_are_refused_whole() {
        let before = Network::default();
        for bad in [
            serde_json::json!({"name": "x".repeat(101)}),
            serde_json::json!({"parent": "@county.example"}),
            serde_json::json!({"parent": "a@b@c"}),
            serde_json::json!({"charter": {"operating_principles": vec!["p"; 31]}}),
            serde_json::json!({"charter": {"operating_principles": [""]}}),
        ] {
            assert!(before.apply(changes(bad.clone())).is_err(), "{bad}");
        }
        assert!(
            serde_json::from_value::<NetworkChanges>(serde_json::json!({"level": "city"})).is_err()
        );
        assert!(
            serde_json::from_value::<NetworkChanges>(serde_json::json!({"motto": "x"})).is_err()
        );
    }

    #[test]
    fn profile_fields_leave_out_what_is_unset() {
        let network = Network {
            place: "Ashford".into(),
            kind: NetworkType::Production,
            ..Network::default()
        };
        assert_eq!(
            network.fields(),
            [
                ("Place".to_string(), "Ashford".to_string()),
                ("Type".to_string(), "production".to_string())
            ]
        );
    }
}
