//! Stored rows rendered as ActivityStreams JSON, for serving and for the
//! delivery queue. Addressing follows Mastodon's conventions so that every
//! mainstream server reads visibility the same way.

use super::{Visibility, urls::Urls};
use crate::{
    db::models::{Account, Status},
    protocol::{self, Actor, Endpoints, Note, PUBLIC, PublicKey, Tag},
};
use serde_json::{Value, json};
use url::Url;

fn url(value: &str) -> Url {
    Url::parse(value).expect("stored ids are absolute URLs")
}

fn opt_url(value: Option<&String>) -> Option<Url> {
    value.and_then(|v| Url::parse(v).ok())
}

pub fn actor(account: &Account) -> Actor {
    // Members post; the instance actor, communities and networks do not pin.
    let is_member = account.local && account.actor_type == "Person";
    Actor {
        context: Some(protocol::context()),
        kind: account.actor_type.clone(),
        id: url(&account.ap_id),
        preferred_username: account.username.clone(),
        name: Some(account.display_name.clone()).filter(|n| !n.is_empty()),
        summary: Some(account.note.clone()),
        url: account.url.clone().map(Value::String),
        inbox: url(&account.inbox_url),
        outbox: opt_url(account.outbox_url.as_ref()),
        followers: opt_url(account.followers_url.as_ref()),
        following: opt_url(account.following_url.as_ref()),
        endpoints: Some(Endpoints {
            shared_inbox: opt_url(account.shared_inbox_url.as_ref()),
        }),
        public_key: PublicKey {
            id: account.public_key_id.clone(),
            owner: url(&account.ap_id),
            public_key_pem: account.public_key_pem.clone(),
        },
        // Filled in from the database by `accounts::actor_document_in`.
        assertion_method: Vec::new(),
        manually_approves_followers: Some(account.locked),
        discoverable: Some(account.discoverable),
        indexable: Some(account.discoverable),
        memorial: Some(false),
        featured: is_member.then(|| url(&featured_of(account))),
        featured_tags: is_member.then(|| url(&featured_tags_of(account))),
        also_known_as: Vec::new(),
        icon: None,
        image: None,
        tag: Vec::new(),
        published: Some(account.created_at.and_utc()),
        attachment: account
            .profile_fields()
            .into_iter()
            .map(|field| json!({"type": "PropertyValue", "name": field.name, "value": field.value}))
            .collect(),
        network: None,
        practice: None,
        community: None,
        // Only local communities: a remote actor's document is its own
        // server's to write.
        attributed_to: (account.actor_type == "Group" && account.local)
            .then(|| Value::String(moderators_of(account))),
    }
}

/// The collection of a member's pinned posts.
pub fn featured_of(account: &Account) -> String {
    format!("{}/collections/featured", account.ap_id)
}

/// The collection of a member's featured hashtags.
pub fn featured_tags_of(account: &Account) -> String {
    format!("{}/collections/tags", account.ap_id)
}

/// The collection of replies to a status.
pub fn replies_of(status: &Status) -> String {
    format!("{}/replies", status.ap_id)
}

/// The moderators collection of a local community.
pub fn moderators_of(group: &Account) -> String {
    format!("{}/moderators", group.ap_id)
}

/// `to` and `cc` for a status: Mastodon reads visibility from these alone.
pub fn addressing(
    visibility: Visibility,
    author: &Account,
    mentioned: &[Account],
) -> (Vec<String>, Vec<String>) {
    let followers = author.followers_url.clone().unwrap_or_default();
    let mentioned: Vec<String> = mentioned.iter().map(|a| a.ap_id.clone()).collect();
    match visibility {
        Visibility::Public => (vec![PUBLIC.into()], [vec![followers], mentioned].concat()),
        Visibility::Unlisted => (vec![followers], [vec![PUBLIC.into()], mentioned].concat()),
        Visibility::Private => (vec![followers], mentioned),
        Visibility::Direct => (mentioned, Vec::new()),
    }
}

pub fn note(
    urls: &Urls,
    status: &Status,
    author: &Account,
    mentioned: &[Account],
    hashtags: &[String],
) -> Note {
    let (to, cc) = addressing(
        Visibility::from_stored(&status.visibility),
        author,
        mentioned,
    );
    let mut tag: Vec<Tag> = mentioned
        .iter()
        .map(|account| Tag {
            kind: "Mention".into(),
            href: Some(url(&account.ap_id)),
            name: Some(format!("@{}@{}", account.username, account.domain)),
        })
        .collect();
    tag.extend(hashtags.iter().map(|name| Tag {
        kind: "Hashtag".into(),
        href: Url::parse(&urls.tag(name)).ok(),
        name: Some(format!("#{name}")),
    }));
    Note {
        context: None,
        kind: "Note".into(),
        id: url(&status.ap_id),
        attributed_to: url(&author.ap_id),
        content: status.content.clone(),
        name: None,
        summary: Some(status.spoiler_text.clone()).filter(|s| !s.is_empty()),
        sensitive: Some(status.sensitive),
        in_reply_to: status
            .in_reply_to_ap_id
            .as_deref()
            .and_then(|u| Url::parse(u).ok()),
        published: Some(status.published_at.and_utc()),
        updated: status.edited_at.map(|t| t.and_utc()),
        url: status.url.clone().map(Value::String),
        to,
        cc,
        tag,
        attachment: Vec::new(),
        replies: status.local.then(|| Value::String(replies_of(status))),
        // Filled in from the database where the status quotes another.
        quote: None,
        quote_url: None,
        misskey_quote: None,
        quote_uri: None,
        start_time: None,
        location: None,
        // Filled in from the database by `polls::annotate`.
        one_of: Vec::new(),
        any_of: Vec::new(),
        end_time: None,
        closed: None,
        voters_count: None,
        content_map: status
            .language
            .as_ref()
            .map(|lang| [(lang.clone(), status.content.clone())].into()),
        // Filled in from the database by `kinds::annotate`.
        trellis_kind: None,
        dimensions: None,
        exchange: None,
        // A post addressed to a community names it, as FEP-1b12 asks (the
        // first one, when it names several: the property holds one).
        audience: mentioned
            .iter()
            .find(|a| a.actor_type == "Group")
            .map(|group| Value::String(group.ap_id.clone())),
    }
}

/// An avatar or header as the actor's `icon` or `image`.
pub fn image(urls: &Urls, media: &crate::db::models::Media) -> Value {
    json!({
        "type": "Image",
        "mediaType": media.content_type,
        "url": super::media::origin_url(urls, media),
    })
}

/// A status's media as `Document` attachments, as Mastodon sends them.
pub fn attachments(urls: &Urls, media: &[crate::db::models::Media]) -> Vec<Value> {
    media
        .iter()
        .map(|media| {
            let mut document = json!({
                "type": "Document",
                "mediaType": media.content_type,
                "url": super::media::origin_url(urls, media),
                "name": Some(&media.description).filter(|d| !d.is_empty()),
                "blurhash": media.blurhash,
                "focalPoint": [media.focus_x, media.focus_y],
            });
            if let (Some(width), Some(height)) = (media.width, media.height) {
                document["width"] = json!(width);
                document["height"] = json!(height);
            }
            document
        })
        .collect()
}

/// An activity with the standard context and the given addressing.
pub fn activity(
    kind: &str,
    id: &str,
    actor: &Account,
    object: Value,
    to: &[String],
    cc: &[String],
) -> Value {
    json!({
        "@context": protocol::context(),
        "id": id,
        "type": kind,
        "actor": actor.ap_id,
        "object": object,
        "to": to,
        "cc": cc,
        "published": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

/// Create and Update carry the note's own addressing.
pub fn wrap_note(kind: &str, id: &str, author: &Account, note: &Note) -> Value {
    let mut wrapped = activity(
        kind,
        id,
        author,
        serde_json::to_value(note).expect("notes serialise"),
        &note.to,
        &note.cc,
    );
    // The activity is for the same community as the post (FEP-1b12).
    if let Some(audience) = &note.audience {
        wrapped["audience"] = audience.clone();
    }
    wrapped
}

pub fn follow(id: &str, follower: &Account, target: &Account) -> Value {
    activity(
        "Follow",
        id,
        follower,
        json!(target.ap_id),
        std::slice::from_ref(&target.ap_id),
        &[],
    )
}

/// Accept or Reject of a follow we received, echoing it so the follower can
/// match it with the request it sent.
pub fn follow_answer(
    kind: &str,
    id: &str,
    target: &Account,
    follow_ap_id: &str,
    follower: &Account,
) -> Value {
    let follow = json!({
        "id": follow_ap_id,
        "type": "Follow",
        "actor": follower.ap_id,
        "object": target.ap_id,
    });
    activity(
        kind,
        id,
        target,
        follow,
        std::slice::from_ref(&follower.ap_id),
        &[],
    )
}

pub fn like(id: &str, actor: &Account, status_ap_id: &str, author: &Account) -> Value {
    activity(
        "Like",
        id,
        actor,
        json!(status_ap_id),
        std::slice::from_ref(&author.ap_id),
        &[],
    )
}

/// A boost: public, copied to the original author and the booster's followers.
pub fn announce(
    id: &str,
    booster: &Account,
    original_ap_id: &str,
    original_author: &Account,
) -> Value {
    let to = [PUBLIC.to_string()];
    let cc = [
        original_author.ap_id.clone(),
        booster.followers_url.clone().unwrap_or_default(),
    ];
    activity("Announce", id, booster, json!(original_ap_id), &to, &cc)
}

/// Undo of `inner`, addressed as `inner` was.
pub fn undo_of(id: &str, actor: &Account, inner: Value) -> Value {
    let to: Vec<String> = serde_json::from_value(inner["to"].clone()).unwrap_or_default();
    let cc: Vec<String> = serde_json::from_value(inner["cc"].clone()).unwrap_or_default();
    undo(id, actor, inner, &to, &cc)
}

pub fn undo(id: &str, actor: &Account, inner: Value, to: &[String], cc: &[String]) -> Value {
    let mut inner = inner;
    if let Some(map) = inner.as_object_mut() {
        map.remove("@context");
    }
    activity("Undo", id, actor, inner, to, cc)
}

pub fn tombstone_delete(
    id: &str,
    author: &Account,
    object_id: &str,
    to: &[String],
    cc: &[String],
) -> Value {
    activity(
        "Delete",
        id,
        author,
        json!({"id": object_id, "type": "Tombstone"}),
        to,
        cc,
    )
}
