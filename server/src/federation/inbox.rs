//! Receiving activities. Every request is hostile until proven otherwise;
//! the checks run cheapest first and each failure answers 4xx with its
//! reason, logs one line and stores nothing from the activity (an actor
//! document fetched from its own server to check the key may stay cached):
//!
//! 1. the body is at most 1 MiB (enforced by the router);
//! 2. the HTTP signature covers `(request-target)`, `host`, `date`, `digest`,
//!    its date is within the window and the digest matches the body;
//! 3. the body parses as an activity whose id is on its actor's server, and
//!    that server is not blocked (nor, in allowlist mode, left off the list);
//! 4. the signing key belongs to that actor, and the signature verifies
//!    (after one refetch of the actor, in case it rotated its key), and the
//!    actor is not suspended;
//! 5. the activity's own rules (authorship, addressing) hold.
//!
//! An activity id seen before is acknowledged and skipped.

use super::{
    Data, intake,
    objects::{ApubActor, ApubNote, note},
    signatures::{self, CheckedSignature},
};
use crate::{
    db::models::Account,
    domain::{
        inbound::{self, Outcome},
        network_reports, remote_objects,
    },
    error::{Error, Result},
    protocol::{self, Activity, object_id, object_type, same_origin},
};
use activitypub_federation::fetch::object_id::ObjectId;
use axum::{
    body::Bytes,
    extract::OriginalUri,
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Response},
};
use url::Url;

/// Inbox bodies above this size are refused before they are read in full.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub async fn receive(
    data: Data,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    match receive_checked(&data, &method, path, &headers, &body).await {
        Ok(outcome) => {
            tracing::debug!(?outcome, "activity processed");
            StatusCode::ACCEPTED.into_response()
        }
        Err(error) => {
            let id = protocol_id(&body);
            tracing::info!(status = error.status().as_u16(), %error, activity = %id, "inbox refused an activity");
            error.into_response()
        }
    }
}

fn protocol_id(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(String::from))
        .unwrap_or_else(|| "-".into())
}

async fn receive_checked(
    data: &Data,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Outcome> {
    let signature =
        signatures::check_request(data.urls.base().scheme(), method, path, headers, Some(body))
            .map_err(|e| Error::Unauthorized(e.to_string()))?;
    let activity: Activity =
        intake::parse(body).map_err(|e| Error::BadRequest(format!("not an activity: {e}")))?;
    if !same_origin(&activity.id, &activity.actor) {
        return Err(Error::BadRequest(
            "the activity id is not on its actor's server".into(),
        ));
    }
    if data.urls.is_local(&activity.actor) {
        return Err(Error::BadRequest(
            "activities from this server's own actors are not accepted here".into(),
        ));
    }
    let gate = inbound::gate(data, signature.key_id()).await?;
    refuse_blocked(&gate.policy, &activity.actor, signature.key_id())?;
    let known = gate.signer.clone();
    let Some(actor) = signer(data, &signature, &activity, known).await? else {
        // A Delete from an actor we never knew and can no longer fetch.
        return Ok(Outcome::Ignored("deleted actor we never knew"));
    };
    if matches!(signature, signatures::CheckedSignature::Rfc9421(_)) {
        learn_rfc9421(data, &actor).await;
    }
    let suspended = match &gate.signer {
        Some(known) if known.id == actor.id => gate.signer_suspended,
        // Met (or refetched) just now: ask about the stored row.
        _ => {
            let actor_id = actor.id;
            data.db
                .read(move |conn| {
                    Ok::<_, Error>(crate::domain::moderation::is_suspended(conn, actor_id)?)
                })
                .await?
        }
    };
    if suspended {
        return Err(Error::Forbidden(
            "the actor is suspended on this server".into(),
        ));
    }
    dispatch(data, activity, actor).await
}

/// Servers already recorded by this process as signing with RFC 9421, so
/// that their requests cost no write after the first.
static SIGNS_RFC9421: std::sync::LazyLock<std::sync::Mutex<std::collections::HashSet<String>>> =
    std::sync::LazyLock::new(Default::default);

/// A server whose request carried a valid RFC 9421 signature reads them
/// too: deliveries to it are signed that way from now on (unless it once
/// refused one). A failure to record it changes nothing for the request.
async fn learn_rfc9421(data: &Data, actor: &Account) {
    let Some(host) = Url::parse(&actor.ap_id)
        .ok()
        .and_then(|url| crate::domain::moderation::host_of(&url))
    else {
        return;
    };
    let known = SIGNS_RFC9421
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .contains(&host);
    if known {
        return;
    }
    let learned = host.clone();
    let recorded = data
        .db
        .write(move |conn| {
            crate::db::signature_standards::learn(
                conn,
                &learned,
                crate::db::signature_standards::RFC9421,
            )
            .map_err(Error::from)
        })
        .await;
    match recorded {
        Ok(()) => {
            SIGNS_RFC9421
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .insert(host);
        }
        Err(error) => {
            tracing::warn!(%host, %error, "could not record that a server signs with RFC 9421")
        }
    }
}

/// Refuses, before anything is fetched, an activity whose actor or signing
/// key is on a server this one blocks (or, in allowlist mode, has not
/// allowed).
async fn refuse_blocked_servers(data: &Data, actor: &Url, key_id: &str) -> Result<()> {
    refuse_blocked(
        &crate::domain::moderation::policy(data).await?,
        actor,
        key_id,
    )
}

fn refuse_blocked(
    policy: &crate::domain::moderation::Policy,
    actor: &Url,
    key_id: &str,
) -> Result<()> {
    let key_host = Url::parse(key_id)
        .ok()
        .and_then(|key| crate::domain::moderation::host_of(&key));
    let hosts = crate::domain::moderation::host_of(actor)
        .into_iter()
        .chain(key_host);
    for host in hosts {
        if let Some(reason) = policy.refusal(&host) {
            return Err(Error::Forbidden(reason));
        }
    }
    Ok(())
}

/// The verified actor who signed the request, or None for the Delete of an
/// unknown actor that is already gone.
///
/// A key we already hold must belong to the activity's actor and verify.
/// Otherwise the actor is fetched afresh (first contact, or a rotated key)
/// and must name the signing key as its own; key ids are not parsed for an
/// owner, since servers shape them differently (`#main-key`, `/main-key`).
/// `known`: the account that holds the signing key, if any.
async fn signer(
    data: &Data,
    signature: &CheckedSignature,
    activity: &Activity,
    known: Option<Account>,
) -> Result<Option<Account>> {
    let key_id = signature.key_id();
    let not_owner =
        || Error::Unauthorized("the signing key does not belong to the activity's actor".into());
    let invalid = |account: &Account| {
        Error::Unauthorized(signatures::SignatureError::Invalid(account.ap_id.clone()).to_string())
    };
    if let Some(known) = known {
        if known.ap_id != activity.actor.as_str() {
            return Err(not_owner());
        }
        if signature.verify(&known.public_key_pem) {
            return Ok(Some(known));
        }
        if activity.kind == "Delete" {
            // A deleted actor cannot be refetched; its old key is all there is.
            return Err(invalid(&known));
        }
    }
    let fetched = match ObjectId::<ApubActor>::from(activity.actor.clone())
        .dereference_forced(data)
        .await
    {
        Ok(actor) => actor.account,
        // A Delete from an actor we cannot fetch (gone, or its server now
        // answers with an error page) concerns nothing we could hold.
        Err(_) if activity.kind == "Delete" => return Ok(None),
        Err(error) => {
            return Err(Error::Unauthorized(format!(
                "cannot fetch the signing actor: {error}"
            )));
        }
    };
    if fetched.public_key_id != key_id {
        return Err(not_owner());
    }
    if signature.verify(&fetched.public_key_pem) {
        Ok(Some(fetched))
    } else {
        Err(invalid(&fetched))
    }
}

/// The host of the server that signed a GET, once its signature
/// verifies with its actor's key; `None` when the request is not signed.
/// For documents shown only to some servers (a network's report).
pub async fn signing_host(
    data: &Data,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Result<Option<String>> {
    let signature =
        match signatures::check_request(data.urls.base().scheme(), method, path, headers, None) {
            Ok(signature) => signature,
            Err(signatures::SignatureError::Missing) => return Ok(None),
            Err(error) => return Err(Error::Unauthorized(error.to_string())),
        };
    let key_id = signature.key_id().to_string();
    let mut actor_url = Url::parse(&key_id)
        .map_err(|_| Error::Unauthorized("the signing key is not named by a URL".into()))?;
    refuse_blocked_servers(data, &actor_url, &key_id).await?;
    if let Some(known) = inbound::account_by_key_id(data, &key_id).await?
        && signature.verify(&known.public_key_pem)
    {
        return Ok(Some(known.domain.to_lowercase()));
    }
    actor_url.set_fragment(None);
    let fetched = ObjectId::<ApubActor>::from(actor_url)
        .dereference_forced(data)
        .await
        .map_err(|e| Error::Unauthorized(format!("cannot fetch the signing actor: {e}")))?
        .account;
    if fetched.public_key_id != key_id || !signature.verify(&fetched.public_key_pem) {
        return Err(Error::Unauthorized(
            "the signature does not verify with its actor's key".into(),
        ));
    }
    Ok(Some(fetched.domain.to_lowercase()))
}

fn require_same_origin(object: &Url, actor: &Account, what: &str) -> Result<()> {
    let actor_id = Url::parse(&actor.ap_id).map_err(|e| Error::Internal(e.to_string()))?;
    if same_origin(object, &actor_id) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "{what} {object} is not on the actor's server"
        )))
    }
}

/// The object of a `Create`, when it is something shown as a status:
/// embedded, or given by id and fetched from the actor's own server (never
/// from a third one: only the author's server speaks for what it created).
/// `None` for other objects, which are acknowledged and ignored.
async fn created_object(data: &Data, activity: &Activity) -> Result<Option<protocol::Note>> {
    if let Some(kind) = object_type(&activity.object) {
        if !remote_objects::shown_as_status(kind) {
            return Ok(None);
        }
        return embedded_note(activity).map(Some);
    }
    let id = match &activity.object {
        serde_json::Value::String(_) => object_id(&activity.object),
        _ => None,
    }
    .ok_or_else(|| Error::BadRequest("a Create needs an object, embedded or by id".into()))?;
    if !same_origin(&id, &activity.actor) {
        return Err(Error::Forbidden(format!(
            "the created object {id} is not on the actor's server"
        )));
    }
    let fetched =
        activitypub_federation::fetch::fetch_object_http::<_, serde_json::Value>(&id, data).await?;
    let mut object = fetched.object;
    intake::strip_nul(&mut object);
    match object_type(&object) {
        Some(kind) if remote_objects::shown_as_status(kind) => {}
        _ => return Ok(None),
    }
    let mut note: protocol::Note = serde_json::from_value(object)
        .map_err(|e| Error::BadRequest(format!("the created object is not a note: {e}")))?;
    intake::admit_note(&mut note)?;
    note::check_note_json(&note, &fetched.url)?;
    Ok(Some(note))
}

fn embedded_note(activity: &Activity) -> Result<protocol::Note> {
    if !activity.object.is_object() {
        return Err(Error::BadRequest(format!(
            "{} must embed its object",
            activity.kind
        )));
    }
    let mut note: protocol::Note = serde_json::from_value(activity.object.clone())
        .map_err(|e| Error::BadRequest(format!("object is not a note: {e}")))?;
    intake::admit_note(&mut note)?;
    Ok(note)
}

async fn dispatch(data: &Data, activity: Activity, actor: Account) -> Result<Outcome> {
    let id = activity.id.to_string();
    let object = object_id(&activity.object);
    match activity.kind.as_str() {
        "Follow" => {
            let target =
                object.ok_or_else(|| Error::BadRequest("Follow without an object".into()))?;
            let link = activity
                .link
                .as_ref()
                .and_then(|link| link["direction"].as_str())
                .and_then(crate::domain::links::Direction::parse);
            inbound::follow(data, &id, actor, target.to_string(), link).await
        }
        "Accept" | "Reject" => {
            let follower = activity
                .object
                .get("actor")
                .and_then(object_id)
                .map(String::from);
            if let Some(kind) = object_type(&activity.object).filter(|k| *k != "Follow") {
                return Ok(ignored_type(kind));
            }
            inbound::answer_follow(
                data,
                &id,
                actor,
                follower,
                object.map(String::from),
                activity.kind == "Accept",
            )
            .await
        }
        "Undo" => undo(data, &id, actor, &activity.object).await,
        "Create" => {
            let Some(note) = created_object(data, &activity).await? else {
                let kind = object_type(&activity.object).unwrap_or("unknown");
                return Ok(ignored_type(kind));
            };
            note::check_note_json(&note, &activity.id)?;
            if note.attributed_to.as_str() != actor.ap_id {
                return Err(Error::Forbidden(
                    "a Create must come from the note's author".into(),
                ));
            }
            if crate::domain::polls::looks_like_vote(&note)
                && let Some(outcome) =
                    inbound::poll_vote(data, &id, actor.clone(), note.clone()).await?
            {
                return Ok(outcome);
            }
            if !inbound::concerns_members(data, &actor, &note).await? {
                return Ok(Outcome::Ignored(
                    "no one here follows the author or is addressed",
                ));
            }
            let incoming = note::prepare(note, data).await?;
            inbound::create_note(data, &id, incoming).await
        }
        "Update" => match object_type(&activity.object) {
            Some(kind) if remote_objects::shown_as_status(kind) => {
                let note = embedded_note(&activity)?;
                note::check_note_json(&note, &activity.id)?;
                if note.attributed_to.as_str() != actor.ap_id {
                    return Err(Error::Forbidden(
                        "an Update must come from the note's author".into(),
                    ));
                }
                inbound::update_note(data, &id, actor, note).await
            }
            Some(kind) if network_reports::is_report_type(kind) => {
                let object_id =
                    object.ok_or_else(|| Error::BadRequest("a report without an id".into()))?;
                require_same_origin(&object_id, &actor, "the report")?;
                if activity.object.get("attributedTo").and_then(|a| a.as_str())
                    != Some(actor.ap_id.as_str())
                {
                    return Err(Error::Forbidden(
                        "a network report must come from its network".into(),
                    ));
                }
                let branch: network_reports::Branch = serde_json::from_value(
                    activity.object["trellis:branch"].clone(),
                )
                .map_err(|e| Error::BadRequest(format!("the report's branch is malformed: {e}")))?;
                inbound::network_report(data, &id, actor, branch).await
            }
            Some(_) if object.as_ref().is_some_and(|o| o.as_str() == actor.ap_id) => {
                // The actor changed its profile: refetch rather than trust
                // the embedded copy, so the stored profile is what its
                // server serves.
                ObjectId::<ApubActor>::from(activity.actor.clone())
                    .dereference_forced(data)
                    .await?;
                Ok(Outcome::Applied)
            }
            Some(kind) => Ok(ignored_type(kind)),
            None => Err(Error::BadRequest("Update must embed its object".into())),
        },
        "Delete" => {
            let target =
                object.ok_or_else(|| Error::BadRequest("Delete without an object".into()))?;
            require_same_origin(&target, &actor, "deleted object")?;
            if target.as_str() == network_reports::report_id(&actor.ap_id) {
                return inbound::network_report_withdrawn(data, &id, actor).await;
            }
            inbound::delete(data, &id, actor, target.to_string()).await
        }
        "Flag" => {
            // Mastodon lists the account and the statuses; a single
            // object, or objects embedded by id, read the same.
            let objects: Vec<String> = match &activity.object {
                serde_json::Value::Array(items) => items
                    .iter()
                    .filter_map(|item| object_id(item).map(|u| u.to_string()))
                    .collect(),
                other => object_id(other)
                    .map(|u| u.to_string())
                    .into_iter()
                    .collect(),
            };
            let content = activity
                .content
                .as_ref()
                .and_then(|c| c.as_str())
                .unwrap_or_default()
                .to_string();
            inbound::flag(data, &id, actor, objects, content).await
        }
        "Like" => {
            let target =
                object.ok_or_else(|| Error::BadRequest("Like without an object".into()))?;
            inbound::like(data, &id, actor, target.to_string()).await
        }
        "Block" | "Remove" => {
            let target =
                object.ok_or_else(|| Error::BadRequest("Block without an object".into()))?;
            // FEP-1b12: a community (or a moderator on its server) bans or
            // removes someone from that community only.
            if let Some(community) = activity.target.as_ref().and_then(object_id) {
                return inbound::community_removal(
                    data,
                    &id,
                    actor,
                    community,
                    target.to_string(),
                    activity.kind == "Block",
                )
                .await;
            }
            if activity.kind == "Remove" {
                return Ok(ignored_type("Remove without a community"));
            }
            inbound::block(data, &id, actor, target.to_string()).await
        }
        "Announce" => {
            let Some(shared) = Shared::of(&activity.object)? else {
                // A community relaying a vote or an edit: not handled.
                let kind = object_type(&activity.object).unwrap_or("unknown");
                return Ok(ignored_type(kind));
            };
            if !data.urls.is_local(shared.id())
                && !inbound::has_local_followers(data, actor.id).await?
            {
                return Ok(Outcome::Ignored("no one here follows the booster"));
            }
            let Some(original) = shared.resolve(data, &activity, &actor).await? else {
                return Ok(Outcome::Ignored(
                    "a followers-only post from a third server cannot be checked",
                ));
            };
            let audience = [activity.to.clone(), activity.cc.clone()].concat();
            inbound::announce(data, &id, actor, original, activity.published, audience).await
        }
        other => Ok(ignored_type(other)),
    }
}

/// What an `Announce` shares: a post by id (a boost, as Mastodon sends),
/// or the author's `Create` of it (a community's share, FEP-1b12), whose
/// note may be embedded.
enum Shared {
    Id(Url),
    Embedded(Box<protocol::Note>),
}

impl Shared {
    /// `None` when the Announce shares another kind of activity.
    fn of(object: &serde_json::Value) -> Result<Option<Shared>> {
        let missing = || Error::BadRequest("Announce without an object".into());
        let Some(kind) = object_type(object) else {
            let id = object_id(object).ok_or_else(missing)?;
            return Ok(Some(Shared::Id(id)));
        };
        if remote_objects::shown_as_status(kind) {
            // An embedded post is not trusted: it is fetched by id.
            return Ok(Some(Shared::Id(object_id(object).ok_or_else(missing)?)));
        }
        if kind != "Create" {
            return Ok(None);
        }
        let inner = &object["object"];
        if !inner.is_object() {
            let id = object_id(inner)
                .ok_or_else(|| Error::BadRequest("the announced Create has no object".into()))?;
            return Ok(Some(Shared::Id(id)));
        }
        let mut note: protocol::Note = serde_json::from_value(inner.clone())
            .map_err(|e| Error::BadRequest(format!("the announced object is not a note: {e}")))?;
        intake::admit_note(&mut note)?;
        if object.get("actor").and_then(object_id).as_ref() != Some(&note.attributed_to) {
            return Err(Error::Forbidden(
                "the announced Create does not come from the note's author".into(),
            ));
        }
        Ok(Some(Shared::Embedded(Box::new(note))))
    }

    fn id(&self) -> &Url {
        match self {
            Shared::Id(id) => id,
            Shared::Embedded(note) => &note.id,
        }
    }

    /// The shared post, stored. An embedded note is taken as sent only
    /// from its own server (the signed Announce vouches for it); from
    /// anywhere else it is fetched from its origin, which a followers-only
    /// post refuses: then there is nothing to show (`None`).
    async fn resolve(
        self,
        data: &Data,
        activity: &Activity,
        actor: &Account,
    ) -> Result<Option<crate::db::models::Status>> {
        if let Some(known) = inbound::status_by_ap_id(data, self.id().as_str()).await? {
            return Ok(Some(known));
        }
        let actor_id = Url::parse(&actor.ap_id).map_err(|e| Error::Internal(e.to_string()))?;
        let id = match self {
            Shared::Embedded(note) if same_origin(&note.id, &actor_id) => {
                note::check_note_json(&note, &activity.id)?;
                let incoming = note::prepare(*note, data).await?;
                return Ok(Some(inbound::store_fetched_note(data, incoming).await?));
            }
            Shared::Embedded(note) if !is_public(&note) => return Ok(None),
            Shared::Embedded(note) => note.id,
            Shared::Id(id) => id,
        };
        let fetched = ObjectId::<ApubNote>::from(id).dereference(data).await?;
        Ok(Some(fetched.status))
    }
}

fn is_public(note: &protocol::Note) -> bool {
    note.to
        .iter()
        .chain(&note.cc)
        .any(|a| a == protocol::PUBLIC)
}

fn ignored_type(kind: &str) -> Outcome {
    tracing::debug!(kind, "ignoring an activity type Trellis does not handle");
    Outcome::Ignored("activity type not handled")
}

async fn undo(data: &Data, id: &str, actor: Account, inner: &serde_json::Value) -> Result<Outcome> {
    let inner_id =
        object_id(inner).ok_or_else(|| Error::BadRequest("Undo without an object".into()))?;
    let Some(kind) = object_type(inner) else {
        return inbound::undo_by_id(data, id, actor, inner_id.to_string()).await;
    };
    if inner
        .get("actor")
        .and_then(object_id)
        .map(String::from)
        .as_deref()
        != Some(actor.ap_id.as_str())
    {
        return Err(Error::Forbidden(
            "an actor can only undo its own activities".into(),
        ));
    }
    let inner_object = inner.get("object").and_then(object_id).map(String::from);
    match kind {
        "Follow" => {
            let target = inner_object
                .ok_or_else(|| Error::BadRequest("undone Follow has no object".into()))?;
            inbound::undo_follow(data, id, actor, target, Some(inner_id.to_string())).await
        }
        "Like" => {
            inbound::undo_like(data, id, actor, Some(inner_id.to_string()), inner_object).await
        }
        "Announce" => {
            // The shared post, so that an Undo finds the boost even when it
            // was stored under the id of another Announce of the same post.
            let shared = match Shared::of(inner.get("object").unwrap_or(&serde_json::Value::Null)) {
                Ok(Some(Shared::Id(id))) => Some(id.to_string()),
                Ok(Some(Shared::Embedded(note))) => Some(note.id.to_string()),
                _ => None,
            };
            inbound::undo_announce(data, id, actor, inner_id.to_string(), shared).await
        }
        "Block" => inbound::undo_block(data, id, actor, inner_id.to_string()).await,
        other => Ok(ignored_type(other)),
    }
}
