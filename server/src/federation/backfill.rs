//! What someone posted before a member here followed them. Following a
//! person on another server reads the latest public posts of their outbox
//! (at most 20), so an open question from last week can be found and
//! answered, and their profile here is not empty; and their pinned posts
//! (their `featured` collection), so their profile shows those first.

use super::{
    Data, intake,
    objects::{ApubNote, note},
};
use crate::{
    db::models::Account,
    domain::{follows, inbound},
    error::{Error, Result},
    protocol::{self, object_id, same_origin},
};
use activitypub_federation::fetch::{fetch_object_http, object_id::ObjectId};
use serde_json::Value;
use url::Url;

/// Posts read from an outbox at most.
const RECENT: usize = 20;

/// Starts reading `target`'s recent posts in the background, once
/// `follower` (a member here) followed them. Nothing for local accounts.
pub fn after_follow(data: &Data, follower: &Account, target: &Account) {
    if target.local || target.actor_type != "Person" {
        return;
    }
    let data = data.reset_request_count();
    let follower_id = follower.id;
    let target = target.clone();
    tokio::spawn(async move {
        match recent_posts(&data, follower_id, &target).await {
            Ok(count) => tracing::debug!(actor = %target.ap_id, count, "read recent posts"),
            Err(error) => tracing::info!(actor = %target.ap_id, %error, "recent posts not read"),
        }
        match pinned_posts(&data.reset_request_count(), &target).await {
            Ok(count) => tracing::debug!(actor = %target.ap_id, count, "read pinned posts"),
            Err(error) => tracing::info!(actor = %target.ap_id, %error, "pinned posts not read"),
        }
    });
}

/// Reads the first page of `target`'s outbox and stores its public posts;
/// returns how many it stored.
pub async fn recent_posts(data: &Data, follower_id: i64, target: &Account) -> Result<usize> {
    let actor = Url::parse(&target.ap_id).map_err(|e| Error::Internal(e.to_string()))?;
    let Some(outbox) = target
        .outbox_url
        .as_deref()
        .and_then(|url| Url::parse(url).ok())
        .filter(|url| same_origin(url, &actor))
    else {
        return Ok(0);
    };
    let collection = fetch_object_http::<_, Value>(&outbox, data).await?.object;
    // Mastodon pages its outbox; Trellis lists the items in the collection.
    let page = match &collection["first"] {
        Value::String(first) => {
            let first = Url::parse(first).map_err(|e| Error::BadRequest(e.to_string()))?;
            if !same_origin(&first, &actor) {
                return Ok(0);
            }
            fetch_object_http::<_, Value>(&first, data).await?.object
        }
        Value::Object(_) => collection["first"].clone(),
        _ => collection,
    };
    let items = page["orderedItems"].as_array().cloned().unwrap_or_default();
    let mut stored = 0;
    for item in items.into_iter().take(RECENT) {
        // Each post gets a request's worth of fetches (its mentions, the
        // post it replies to).
        let data = data.reset_request_count();
        match store_item(&data, target, &item).await {
            Ok(true) => stored += 1,
            Ok(false) => {}
            Err(error) => tracing::debug!(%error, "an outbox item was not stored"),
        }
    }
    if stored > 0 {
        follows::backfill_after_fetch(data, follower_id, target.id).await?;
    }
    Ok(stored)
}

/// Pinned posts read from a `featured` collection at most (Mastodon
/// allows 5).
const PINNED: usize = 20;

/// Reads `target`'s `featured` collection (its pinned posts), stores the
/// public posts of its own it lists, and makes them the account's pins
/// here, in its order; returns how many.
pub async fn pinned_posts(data: &Data, target: &Account) -> Result<usize> {
    let actor = Url::parse(&target.ap_id).map_err(|e| Error::Internal(e.to_string()))?;
    let document = fetch_object_http::<_, Value>(&actor, data).await?.object;
    let Some(featured) = document
        .get("featured")
        .and_then(object_id)
        .filter(|url| same_origin(url, &actor))
    else {
        return Ok(0);
    };
    let collection = fetch_object_http::<_, Value>(&featured, data).await?.object;
    let items = collection["orderedItems"]
        .as_array()
        .or_else(|| collection["items"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut pinned = Vec::new();
    for item in items.into_iter().take(PINNED) {
        let data = data.reset_request_count();
        match store_post(&data, target, &item).await {
            Ok(Some(status_id)) => pinned.push(status_id),
            Ok(None) => {}
            Err(error) => tracing::debug!(%error, "a pinned post was not stored"),
        }
    }
    let count = pinned.len();
    crate::domain::interactions::replace_remote_pins(data, target, pinned).await?;
    Ok(count)
}

/// Stores one outbox item if it is a public post of `target`'s own.
async fn store_item(data: &Data, target: &Account, item: &Value) -> Result<bool> {
    let fetched;
    let item = match item {
        // Listed by id (bovine does): fetched from the actor's own server,
        // and taken only when it is what it was listed as.
        Value::String(id) => {
            let (Ok(url), Ok(actor)) = (Url::parse(id), Url::parse(&target.ap_id)) else {
                return Ok(false);
            };
            if !same_origin(&url, &actor) {
                return Ok(false);
            }
            fetched = fetch_object_http::<_, Value>(&url, data).await?.object;
            if fetched["id"].as_str() != Some(id.as_str()) {
                return Ok(false);
            }
            &fetched
        }
        item => item,
    };
    if item["type"] != "Create" || item["actor"].as_str() != Some(target.ap_id.as_str()) {
        return Ok(false);
    }
    let object = &item["object"];
    if !object.is_object() {
        // Given by id: fetched from its own server, with the usual checks.
        let Some(id) = object_id(object) else {
            return Ok(false);
        };
        let note = ObjectId::<ApubNote>::from(id).dereference(data).await?;
        return Ok(note.status.account_id == target.id);
    }
    // Posts already known are not counted as read.
    if let Some(id) = object_id(object)
        && inbound::status_by_ap_id(data, id.as_str()).await?.is_some()
    {
        return Ok(false);
    }
    Ok(store_post(data, target, object).await?.is_some())
}

/// Stores a post of `target`'s (embedded, or by id and fetched with the
/// usual checks) when it is public and its own; answers its status id,
/// also when it was stored already.
async fn store_post(data: &Data, target: &Account, object: &Value) -> Result<Option<i64>> {
    if !object.is_object() {
        let Some(id) = object_id(object) else {
            return Ok(None);
        };
        let note = ObjectId::<ApubNote>::from(id).dereference(data).await?;
        let public = matches!(
            crate::domain::Visibility::from_stored(&note.status.visibility),
            crate::domain::Visibility::Public | crate::domain::Visibility::Unlisted
        );
        return Ok((note.status.account_id == target.id && public).then_some(note.status.id));
    }
    let mut parsed: protocol::Note = serde_json::from_value(object.clone())
        .map_err(|e| Error::BadRequest(format!("not a note: {e}")))?;
    intake::admit_note(&mut parsed)?;
    let actor = Url::parse(&target.ap_id).map_err(|e| Error::Internal(e.to_string()))?;
    let public = parsed
        .to
        .iter()
        .chain(&parsed.cc)
        .any(|a| protocol::is_public(a.as_str()));
    if !crate::domain::remote_objects::shown_as_status(&parsed.kind)
        || parsed.attributed_to.as_str() != target.ap_id
        || !same_origin(&parsed.id, &actor)
        || !public
    {
        return Ok(None);
    }
    if let Some(known) = inbound::status_by_ap_id(data, parsed.id.as_str()).await? {
        return Ok(Some(known.id));
    }
    let incoming = note::prepare(parsed, data).await?;
    Ok(Some(inbound::store_fetched_note(data, incoming).await?.id))
}
