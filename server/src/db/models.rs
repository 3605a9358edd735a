//! Rows as stored. Conversions to wire formats live in `domain::render`
//! (ActivityStreams) and `http::mastodon::entities` (client API).

use super::schema::*;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = accounts)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub domain: String,
    pub local: bool,
    pub actor_type: String,
    pub display_name: String,
    pub note: String,
    pub ap_id: String,
    pub url: Option<String>,
    pub inbox_url: String,
    pub shared_inbox_url: Option<String>,
    pub outbox_url: Option<String>,
    pub followers_url: Option<String>,
    pub following_url: Option<String>,
    pub public_key_id: String,
    pub public_key_pem: String,
    pub private_key_pem: Option<String>,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub last_fetched_at: Option<NaiveDateTime>,
    pub deleted_at: Option<NaiveDateTime>,
    /// Profile fields as JSON: `[{"name": …, "value": HTML}]`.
    pub fields: String,
}

/// One profile field: a label and an HTML value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProfileField {
    pub name: String,
    pub value: String,
}

impl Account {
    pub fn profile_fields(&self) -> Vec<ProfileField> {
        serde_json::from_str(&self.fields).unwrap_or_default()
    }

    /// `user` for local accounts and `user@host` for remote ones, as Mastodon
    /// clients expect in `acct`.
    pub fn acct(&self) -> String {
        if self.local {
            self.username.clone()
        } else {
            format!("{}@{}", self.username, self.domain)
        }
    }

    /// Where deliveries for this actor go: the shared inbox when the server
    /// offers one, so one request serves every recipient on that server.
    pub fn delivery_inbox(&self) -> &str {
        self.shared_inbox_url.as_deref().unwrap_or(&self.inbox_url)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub account_id: i64,
    pub email: String,
    pub password_hash: String,
    pub admin: bool,
    pub approved: bool,
    pub created_at: NaiveDateTime,
    /// May see and act on introductions for the whole network.
    pub weaver: bool,
    /// Gets the introductions digest when the network sends one.
    pub introductions_digest: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_apps)]
pub struct OAuthApp {
    pub id: i64,
    pub name: String,
    pub website: Option<String>,
    pub client_id: String,
    pub client_secret_hash: String,
    pub redirect_uris: String,
    pub scopes: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_tokens)]
pub struct OAuthToken {
    pub id: i64,
    pub token_hash: String,
    pub app_id: Option<i64>,
    pub user_id: Option<i64>,
    pub scopes: String,
    pub created_at: NaiveDateTime,
    pub revoked_at: Option<NaiveDateTime>,
    pub refresh_token_hash: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = oauth_authorizations)]
pub struct OAuthAuthorization {
    pub code_hash: String,
    pub app_id: i64,
    pub user_id: i64,
    pub redirect_uri: String,
    pub scopes: String,
    pub code_challenge: Option<String>,
    pub expires_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = statuses)]
pub struct Status {
    pub id: i64,
    pub ap_id: String,
    pub url: Option<String>,
    pub account_id: i64,
    pub local: bool,
    pub content: String,
    pub source_text: Option<String>,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub visibility: String,
    pub in_reply_to_id: Option<i64>,
    pub in_reply_to_ap_id: Option<String>,
    pub in_reply_to_account_id: Option<i64>,
    pub reblog_of_id: Option<i64>,
    pub published_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub edited_at: Option<NaiveDateTime>,
}

impl Status {
    /// The row of a boost: a public status of its own, with no content,
    /// pointing at the boosted one.
    pub fn boost(
        id: i64,
        ap_id: String,
        account_id: i64,
        local: bool,
        reblog_of_id: i64,
        published_at: NaiveDateTime,
    ) -> Status {
        Status {
            id,
            ap_id,
            url: None,
            account_id,
            local,
            content: String::new(),
            source_text: None,
            spoiler_text: String::new(),
            sensitive: false,
            language: None,
            visibility: "public".into(),
            in_reply_to_id: None,
            in_reply_to_ap_id: None,
            in_reply_to_account_id: None,
            reblog_of_id: Some(reblog_of_id),
            published_at,
            created_at: super::now(),
            edited_at: None,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = follows)]
pub struct Follow {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub ap_id: String,
    pub accepted: bool,
    pub created_at: NaiveDateTime,
    /// The follower is told of each new post.
    pub notify: bool,
    /// The account's boosts join the follower's home feed.
    pub show_reblogs: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = favourites)]
pub struct Favourite {
    pub id: i64,
    pub account_id: i64,
    pub status_id: i64,
    pub ap_id: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = outgoing_activities)]
pub struct OutgoingActivity {
    pub id: i64,
    pub ap_id: String,
    pub actor_account_id: i64,
    pub payload: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = deliveries)]
pub struct Delivery {
    pub id: i64,
    pub activity_id: i64,
    pub inbox_url: String,
    pub host: String,
    pub state: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = notifications)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub from_account_id: i64,
    pub kind: String,
    pub status_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = markers)]
pub struct Marker {
    pub account_id: i64,
    pub timeline: String,
    pub last_read_id: i64,
    pub version: i32,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = stream_events)]
pub struct StreamEvent {
    pub id: i64,
    pub kind: String,
    pub status_id: Option<i64>,
    pub notification_id: Option<i64>,
    pub account_id: Option<i64>,
    pub audience: Option<String>,
    pub public: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = status_edits)]
pub struct StatusEdit {
    pub id: i64,
    pub status_id: i64,
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = communities)]
pub struct Community {
    pub account_id: i64,
    pub role: String,
    pub place: String,
    pub join_policy: String,
    pub link_policy: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = community_links)]
pub struct CommunityLink {
    pub id: i64,
    pub community_id: i64,
    pub target_account_id: i64,
    pub direction: String,
    pub flow: String,
    pub state: String,
    pub created_at: NaiveDateTime,
}

/// A browser session: the digest of its cookie and the token its forms carry.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = web_sessions)]
pub struct WebSession {
    pub token_hash: String,
    pub user_id: i64,
    pub csrf_token: String,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
}

/// A sign-up waiting for an admin, or one an admin turned down.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sign_up_requests)]
pub struct SignUpRequest {
    pub account_id: i64,
    pub reason: String,
    pub created_at: NaiveDateTime,
    pub turned_down_at: Option<NaiveDateTime>,
    pub message: Option<String>,
}

/// A server an admin limited or cut off.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = domain_blocks)]
pub struct DomainBlock {
    pub id: i64,
    pub domain: String,
    pub severity: String,
    pub reject_media: bool,
    pub private_comment: String,
    pub public_comment: String,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = domain_allows)]
pub struct DomainAllow {
    pub id: i64,
    pub domain: String,
    pub created_at: NaiveDateTime,
}

/// The standing limits on one account.
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = account_moderation, treat_none_as_null = true)]
pub struct AccountModeration {
    pub account_id: i64,
    pub suspended_at: Option<NaiveDateTime>,
    pub silenced_at: Option<NaiveDateTime>,
    pub login_disabled: bool,
    pub sensitive_forced: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = moderation_actions)]
pub struct ModerationAction {
    pub id: i64,
    pub target_account_id: Option<i64>,
    pub domain: Option<String>,
    pub action: String,
    pub by_account_id: Option<i64>,
    pub reason: String,
    pub report_id: Option<i64>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = reports, treat_none_as_null = true)]
pub struct Report {
    pub id: i64,
    pub account_id: i64,
    pub target_account_id: i64,
    pub status_ids: String,
    pub rule_ids: String,
    pub comment: String,
    pub category: String,
    pub forwarded: bool,
    pub ap_id: Option<String>,
    pub assigned_account_id: Option<i64>,
    pub action_taken_at: Option<NaiveDateTime>,
    pub action_taken_by_account_id: Option<i64>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// An image (or other media) attached to a status, or an account's avatar
/// or header.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::media_attachments)]
pub struct Media {
    pub id: i64,
    pub account_id: i64,
    pub role: String,
    pub status_id: Option<i64>,
    pub position: i32,
    pub kind: String,
    pub content_type: String,
    /// Where the media store keeps the file, for a local upload.
    pub file_key: Option<String>,
    pub preview_key: Option<String>,
    /// Where another server serves it, for remote media.
    pub remote_url: Option<String>,
    pub file_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub preview_width: Option<i32>,
    pub preview_height: Option<i32>,
    pub blurhash: Option<String>,
    pub description: String,
    pub focus_x: f64,
    pub focus_y: f64,
    pub created_at: NaiveDateTime,
    /// When a copy of remote media was tried (and, when `file_key` is set,
    /// made): the cache's queue and its eviction order.
    pub cache_attempted_at: Option<NaiveDateTime>,
    /// Bytes of the cached copy and its preview.
    pub cached_bytes: i64,
}

/// A poll: the question a status asks, with its options in
/// [`PollOption`]s.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::polls)]
pub struct Poll {
    pub status_id: i64,
    pub multiple: bool,
    pub hide_totals: bool,
    pub expires_at: Option<NaiveDateTime>,
    /// When the poll was seen to end (see the migration).
    pub closed_at: Option<NaiveDateTime>,
    pub voters_count: Option<i32>,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = super::schema::poll_options)]
pub struct PollOption {
    pub status_id: i64,
    pub position: i32,
    pub title: String,
    pub votes_count: i32,
}
