//! ActivityStreams wire types: what Trellis sends and what it accepts. These
//! are plain serde structs with no behaviour; rendering from stored rows lives
//! in `domain::render` and receiving in `federation::inbox`.
//!
//! Incoming JSON is read leniently (unknown fields ignored, one-or-many
//! values accepted) because every server shapes its JSON a little
//! differently; validation happens after parsing.

use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
pub const ACTIVITY_STREAMS: &str = "https://www.w3.org/ns/activitystreams";
/// The media type of every ActivityPub request and response Trellis makes.
pub const CONTENT_TYPE: &str = "application/activity+json";

/// The JSON-LD context of every document Trellis serves.
pub fn context() -> serde_json::Value {
    serde_json::json!([
        ACTIVITY_STREAMS,
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "sensitive": "as:sensitive",
            "Hashtag": "as:Hashtag",
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "toot": "http://joinmastodon.org/ns#",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "memorial": "toot:memorial",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
            "blurhash": "toot:blurhash",
            "votersCount": "toot:votersCount",
            "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
            "quoteUrl": "as:quoteUrl",
            "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
            "quoteUri": "http://fedibird.com/ns#quoteUri",
            "focalPoint": {"@container": "@list", "@id": "toot:focalPoint"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "Multikey": "https://w3id.org/security#Multikey",
            "controller": {"@id": "https://w3id.org/security#controller", "@type": "@id"},
            "publicKeyMultibase": {
                "@id": "https://w3id.org/security#publicKeyMultibase",
                "@type": "https://w3id.org/security#multibase"
            },
            "assertionMethod": {
                "@id": "https://w3id.org/security#assertionMethod",
                "@type": "@id",
                "@container": "@set"
            },
            "trellis": "https://trellis.community/ns#"
        }
    ])
}

/// Whether `id` names the public collection in any of its three spellings.
pub fn is_public(id: &str) -> bool {
    matches!(id, PUBLIC | "as:Public" | "Public")
}

impl Note {
    /// The post this note quotes, by whichever name its server gave it.
    pub fn quoted(&self) -> Option<&Url> {
        self.quote
            .as_ref()
            .or(self.quote_url.as_ref())
            .or(self.misskey_quote.as_ref())
            .or(self.quote_uri.as_ref())
    }

    /// Names `quoted` under all four names.
    pub fn set_quoted(&mut self, quoted: Option<Url>) {
        self.quote_url = quoted.clone();
        self.misskey_quote = quoted.clone();
        self.quote_uri = quoted.clone();
        self.quote = quoted;
    }
}

/// Accepts a single value or an array where a list is expected.
pub fn one_or_many<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany<T> {
        Many(Vec<T>),
        One(T),
    }
    Ok(match Option::<OneOrMany<T>>::deserialize(deserializer)? {
        Some(OneOrMany::Many(items)) => items,
        Some(OneOrMany::One(item)) => vec![item],
        None => Vec::new(),
    })
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub id: String,
    pub owner: Url,
    pub public_key_pem: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_inbox: Option<Url>,
}

/// A Person, Service, Application or Group actor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Actor {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    pub preferred_username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<serde_json::Value>,
    pub inbox: Url,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outbox: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub followers: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub following: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoints: Option<Endpoints>,
    pub public_key: PublicKey,
    /// Further keys (FEP-521a): `Multikey`s, of which Trellis publishes an
    /// Ed25519 one. Raw, since servers shape them differently.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub assertion_method: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manually_approves_followers: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discoverable: Option<bool>,
    /// Whether search engines and full-text search may index the posts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub indexable: Option<bool>,
    /// Whether the account is kept in memory of someone who died.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memorial: Option<bool>,
    /// The collection of pinned posts.
    #[serde(
        default,
        deserialize_with = "optional_id_or_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub featured: Option<Url>,
    /// The collection of featured hashtags.
    #[serde(
        default,
        deserialize_with = "optional_id_or_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub featured_tags: Option<Url>,
    /// Earlier and other accounts of the same person (for moves).
    #[serde(default, deserialize_with = "one_or_many")]
    pub also_known_as: Vec<serde_json::Value>,
    /// Avatar and header images (`Image` objects, or lists of them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<serde_json::Value>,
    /// Emoji and hashtags named in the profile; Trellis sends none.
    #[serde(default, deserialize_with = "one_or_many")]
    pub tag: Vec<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    /// Profile fields travel as `PropertyValue` attachments.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attachment: Vec<serde_json::Value>,
    /// On a network actor: the network's place, level, type and charter.
    #[serde(
        rename = "trellis:network",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub network: Option<serde_json::Value>,
    /// On a member: roles, organisation, place, interests, offers, needs.
    #[serde(
        rename = "trellis:practice",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub practice: Option<serde_json::Value>,
    /// On a community (Group): the role and place it is for, its policies.
    #[serde(
        rename = "trellis:community",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub community: Option<serde_json::Value>,
    /// On a community (Group): the collection of its moderators, as
    /// FEP-1b12 and Lemmy have it. Raw JSON, since other servers put other
    /// shapes here and an actor must not fail to parse for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributed_to: Option<serde_json::Value>,
}

/// Reads an id given either as a string or as an embedded object with an
/// `id` (an `actor`, an `inReplyTo`): both are legal ActivityStreams.
pub fn id_or_object<'de, D>(deserializer: D) -> Result<Url, D::Error>
where
    D: Deserializer<'de>,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    object_id(&value)
        .ok_or_else(|| serde::de::Error::custom("expected an id or an object with an id"))
}

/// As [`id_or_object`], where the value may be missing or `null`.
pub fn optional_id_or_object<'de, D>(deserializer: D) -> Result<Option<Url>, D::Error>
where
    D: Deserializer<'de>,
{
    match Option::<serde_json::Value>::deserialize(deserializer)? {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(value) => object_id(&value)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom("expected an id or an object with an id")),
    }
}

/// The author among a note's `attributedTo`: the value itself when it is
/// one id; from a list (PeerTube names the account and the channel), the
/// first `Person`, else the first entry.
pub fn author<'de, D>(deserializer: D) -> Result<Url, D::Error>
where
    D: Deserializer<'de>,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    let chosen = match &value {
        serde_json::Value::Array(items) => items
            .iter()
            .find(|item| object_type(item) == Some("Person"))
            .or_else(|| items.first()),
        other => Some(other),
    };
    chosen
        .and_then(object_id)
        .ok_or_else(|| serde::de::Error::custom("attributedTo names no author"))
}

/// A string where `null` reads as empty (`content: null` is legal).
pub fn null_as_empty<'de, D>(deserializer: D) -> Result<String, D::Error>
where
    D: Deserializer<'de>,
{
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// A `tag` entry: a Mention, a Hashtag, or something we keep but ignore.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    #[serde(deserialize_with = "author")]
    pub attributed_to: Url,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub content: String,
    /// The title of an Article, Page, Video or Event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<bool>,
    #[serde(
        default,
        deserialize_with = "optional_id_or_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_reply_to: Option<Url>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub to: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    pub cc: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tag: Vec<Tag>,
    /// Media and links (`Document`, `Image`, `Link`…), kept raw: every
    /// server shapes them differently.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attachment: Vec<serde_json::Value>,
    /// When an Event starts, and where (raw: a `Place`, or a string).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_map: Option<std::collections::BTreeMap<String, String>>,
    /// What the post is for (`question`, `offer`…). Kept raw: a value
    /// Trellis does not know is ignored, not refused.
    #[serde(
        rename = "trellis:kind",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub trellis_kind: Option<serde_json::Value>,
    /// On a benefit story: the dimensions of value it speaks to.
    #[serde(
        rename = "trellis:dimensions",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub dimensions: Option<serde_json::Value>,
    /// On a question or request: whether it was answered, and by what.
    #[serde(
        rename = "trellis:exchange",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub exchange: Option<serde_json::Value>,
    /// A poll's options (on a `Question`): `oneOf` when one may be
    /// chosen, `anyOf` when several may.
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub one_of: Vec<PollChoice>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub any_of: Vec<PollChoice>,
    /// When a poll ends. Raw: a date Trellis cannot read leaves the poll
    /// without an end rather than refusing the post.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<serde_json::Value>,
    /// When a poll closed (a date; some servers send `true`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<serde_json::Value>,
    /// How many accounts voted in a poll.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voters_count: Option<i64>,
    /// The post this one quotes, under each name servers use for it:
    /// FEP-044f's `quote`, `quoteUrl` (Misskey, Akkoma), `_misskey_quote`
    /// and Fedibird's `quoteUri`. Trellis sends all four, the same URL.
    #[serde(
        default,
        deserialize_with = "optional_id_or_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote: Option<Url>,
    #[serde(
        default,
        deserialize_with = "optional_id_or_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_url: Option<Url>,
    #[serde(
        rename = "_misskey_quote",
        default,
        deserialize_with = "optional_id_or_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub misskey_quote: Option<Url>,
    #[serde(
        default,
        deserialize_with = "optional_id_or_object",
        skip_serializing_if = "Option::is_none"
    )]
    pub quote_uri: Option<Url>,
    /// The collection of replies (an id, or a collection embedded).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<serde_json::Value>,
    /// The community a post is for (FEP-1b12), which group-aware servers
    /// such as Lemmy read. Raw JSON, for the same reason as above.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<serde_json::Value>,
}

/// One option of a poll: a `Note` whose `name` is the option and whose
/// `replies` count its votes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PollChoice {
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replies: Option<serde_json::Value>,
}

impl PollChoice {
    pub fn new(name: &str, votes: i64) -> PollChoice {
        PollChoice {
            kind: "Note".into(),
            name: name.into(),
            replies: Some(serde_json::json!({"type": "Collection", "totalItems": votes})),
        }
    }

    /// The votes its server counted, when it says.
    pub fn votes(&self) -> Option<i64> {
        self.replies.as_ref()?.get("totalItems")?.as_i64()
    }
}

/// The envelope every activity shares. `object` stays raw JSON: depending on
/// the type and the sender it is an id, an embedded object or an embedded
/// activity, and the receiving code decides which it accepts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Activity {
    #[serde(rename = "@context", default, skip_serializing_if = "Option::is_none")]
    pub context: Option<serde_json::Value>,
    #[serde(rename = "type")]
    pub kind: String,
    pub id: Url,
    #[serde(deserialize_with = "id_or_object")]
    pub actor: Url,
    pub object: serde_json::Value,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub to: Vec<String>,
    #[serde(
        default,
        deserialize_with = "one_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cc: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    /// On a Follow between communities: it asks for (or completes) a link.
    #[serde(
        rename = "trellis:link",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub link: Option<serde_json::Value>,
    /// A Flag's comment (other activities carry none Trellis reads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<serde_json::Value>,
    /// The collection or community a `Remove` or `Block` is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<serde_json::Value>,
}

/// The id of an object given either as a bare id or embedded with an `id`.
pub fn object_id(value: &serde_json::Value) -> Option<Url> {
    match value {
        serde_json::Value::String(id) => Url::parse(id).ok(),
        serde_json::Value::Object(map) => {
            map.get("id")?.as_str().and_then(|id| Url::parse(id).ok())
        }
        _ => None,
    }
}

/// The address of an object's page for people, from its `url`: a string,
/// a `Link`, or a list of either (PeerTube lists its video files beside the
/// page, so a `text/html` link is preferred).
pub fn html_url(value: &serde_json::Value) -> Option<Url> {
    let href = |item: &serde_json::Value| match item {
        serde_json::Value::String(url) => Url::parse(url).ok(),
        other => other.get("href")?.as_str().and_then(|u| Url::parse(u).ok()),
    };
    fn media_type(item: &serde_json::Value) -> Option<&str> {
        item.get("mediaType")?.as_str()
    }
    match value {
        serde_json::Value::Array(items) => items
            .iter()
            .find(|item| media_type(item) == Some("text/html"))
            .or_else(|| items.iter().find(|item| media_type(item).is_none()))
            .and_then(href),
        other => href(other),
    }
}

/// The `type` of an embedded object, if it is embedded.
pub fn object_type(value: &serde_json::Value) -> Option<&str> {
    value.get("type")?.as_str()
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OrderedCollection {
    #[serde(rename = "@context")]
    pub context: serde_json::Value,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub id: Url,
    pub total_items: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordered_items: Option<Vec<serde_json::Value>>,
}

/// Whether two URLs share an origin: scheme, host and port. Stricter than the
/// federation crate's domain check, so `localhost:8001` and `localhost:8002`
/// are different servers, as they are.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.origin() == b.origin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        let a = Url::parse("http://localhost:8001/users/a").unwrap();
        assert!(same_origin(
            &a,
            &Url::parse("http://localhost:8001/x").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://localhost:8002/users/a").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://localhost:8001/users/a").unwrap()
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://evil.example/users/a").unwrap()
        ));
    }

    #[test]
    fn notes_parse_leniently() {
        let note: Note = serde_json::from_value(serde_json::json!({
            "type": "Note",
            "id": "https://a.example/n/1",
            "attributedTo": "https://a.example/u/alice",
            "content": "<p>hi</p>",
            "to": "https://www.w3.org/ns/activitystreams#Public",
            "tag": {"type": "Mention", "href": "https://b.example/u/bob", "name": "@bob@b.example"},
            "someExtension": {"ignored": true}
        }))
        .unwrap();
        assert_eq!(note.to, vec![PUBLIC.to_string()]);
        assert!(note.cc.is_empty());
        assert_eq!(note.tag.len(), 1);
    }

    /// `audience` and an actor's `attributedTo` come in several shapes
    /// (a string, a list, embedded objects); none may stop a parse.
    #[test]
    fn audience_and_attribution_take_any_shape() {
        let note: Note = serde_json::from_value(serde_json::json!({
            "type": "Note",
            "id": "https://a.example/n/1",
            "attributedTo": "https://a.example/u/alice",
            "audience": ["https://a.example/c/gardens", {"type": "Group"}]
        }))
        .unwrap();
        assert!(note.audience.is_some_and(|a| a.is_array()));
        let actor: Actor = serde_json::from_value(serde_json::json!({
            "type": "Group",
            "id": "https://a.example/c/gardens",
            "preferredUsername": "gardens",
            "inbox": "https://a.example/c/gardens/inbox",
            "publicKey": {
                "id": "https://a.example/c/gardens#main-key",
                "owner": "https://a.example/c/gardens",
                "publicKeyPem": "-----BEGIN PUBLIC KEY-----"
            },
            "attributedTo": [{"type": "Person", "id": "https://a.example/u/alice"}]
        }))
        .unwrap();
        assert!(actor.attributed_to.is_some_and(|a| a.is_array()));
    }
}
