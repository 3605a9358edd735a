//! Mastodon API entities, shaped as docs.joinmastodon.org documents them
//! (https://docs.joinmastodon.org/entities/), and the conversions into them.
//! Ids are strings; times are ISO 8601 in UTC with milliseconds.

use crate::{
    domain::Account as AccountRow,
    domain::{
        follows::Relationship as RelationshipState,
        notifications::NotificationView,
        statuses::Version,
        text,
        urls::Urls,
        views::{AccountView, StatusView},
    },
};
use serde::Serialize;
use serde_json::Value;

pub fn iso(time: chrono::NaiveDateTime) -> String {
    time.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// https://docs.joinmastodon.org/entities/Account/
#[derive(Debug, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub group: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<String>,
    pub emojis: Vec<serde_json::Value>,
    pub fields: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

/// https://docs.joinmastodon.org/entities/Account/#source
#[derive(Debug, Serialize)]
pub struct Source {
    pub note: String,
    pub fields: Vec<serde_json::Value>,
    pub privacy: &'static str,
    pub sensitive: bool,
    pub language: Option<String>,
    pub follow_requests_count: i64,
}

pub fn account(urls: &Urls, view: &AccountView) -> Account {
    let a = &view.account;
    let image_or = |media: &Option<crate::domain::media::Media>, missing: &str| match media {
        Some(media) => crate::domain::media::file_url(urls, media),
        None => urls
            .base()
            .join(missing)
            .map(String::from)
            .unwrap_or_default(),
    };
    let avatar = image_or(&view.avatar, "/avatars/missing.png");
    let header = image_or(&view.header, "/headers/missing.png");
    Account {
        id: a.id.to_string(),
        username: a.username.clone(),
        acct: a.acct(),
        display_name: a.display_name.clone(),
        locked: a.locked,
        bot: a.bot,
        discoverable: a.discoverable,
        group: a.actor_type == "Group",
        created_at: iso(a
            .created_at
            .date()
            .and_hms_opt(0, 0, 0)
            .unwrap_or(a.created_at)),
        note: a.note.clone(),
        url: a.url.clone().unwrap_or_else(|| a.ap_id.clone()),
        uri: a.ap_id.clone(),
        avatar_static: avatar.clone(),
        avatar,
        header_static: header.clone(),
        header,
        followers_count: view.followers_count,
        following_count: view.following_count,
        statuses_count: view.statuses_count,
        last_status_at: view.last_status_at.map(|t| t.date().to_string()),
        emojis: Vec::new(),
        fields: a
            .profile_fields()
            .into_iter()
            .chain(view.practice_fields.iter().cloned())
            .map(|f| serde_json::json!({"name": f.name, "value": f.value, "verified_at": null}))
            .collect(),
        source: None,
    }
}

/// The account as its owner sees it, with `source`.
pub fn credential_account(urls: &Urls, view: &AccountView, follow_requests_count: i64) -> Account {
    let mut entity = account(urls, view);
    entity.source = Some(Source {
        note: text::strip_html(&view.account.note),
        // The practice too, as the fields it is shown as, so an app's
        // profile editor can change it (`update_credentials` reads it back).
        fields: view
            .account
            .profile_fields()
            .into_iter()
            .chain(view.practice_fields.iter().cloned())
            .map(|f| serde_json::json!({"name": f.name, "value": text::strip_html(&f.value), "verified_at": null}))
            .collect(),
        privacy: "public",
        sensitive: false,
        language: None,
        follow_requests_count,
    });
    entity
}

/// https://docs.joinmastodon.org/entities/Tag/
#[derive(Debug, Serialize)]
pub struct Tag {
    pub name: String,
    pub url: String,
    /// Daily use; Trellis keeps no per-day counts, so this is empty.
    pub history: Vec<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub following: Option<bool>,
}

pub fn tag(urls: &Urls, tag: &crate::domain::tags::TagView) -> Tag {
    Tag {
        name: tag.name.clone(),
        url: urls.tag(&tag.name),
        history: Vec::new(),
        following: tag.following,
    }
}

/// https://docs.joinmastodon.org/entities/FeaturedTag/
#[derive(Debug, Serialize)]
pub struct FeaturedTag {
    pub id: String,
    pub name: String,
    pub url: String,
    pub statuses_count: i64,
    pub last_status_at: Option<String>,
}

pub fn featured_tag(urls: &Urls, tag: &crate::domain::tags::FeaturedTag) -> FeaturedTag {
    FeaturedTag {
        id: tag.id.to_string(),
        name: tag.name.clone(),
        url: urls.tag(&tag.name),
        statuses_count: tag.statuses_count,
        last_status_at: tag.last_status_at.map(|t| t.date().to_string()),
    }
}

/// https://docs.joinmastodon.org/entities/Quote/: `accepted` with the
/// quoted status when it is here and anyone may see it; `unauthorized`
/// (and no status) when it is not.
#[derive(Debug, Serialize)]
pub struct Quote {
    pub state: &'static str,
    pub quoted_status: Option<Box<Status>>,
}

/// https://docs.joinmastodon.org/entities/MediaAttachment/
#[derive(Debug, Serialize)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: String,
    pub preview_url: String,
    pub remote_url: Option<String>,
    pub meta: Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

pub fn media_attachment(urls: &Urls, media: &crate::domain::media::Media) -> MediaAttachment {
    let size = |width: Option<i32>, height: Option<i32>| match (width, height) {
        (Some(w), Some(h)) if h > 0 => serde_json::json!({
            "width": w, "height": h, "size": format!("{w}x{h}"), "aspect": f64::from(w) / f64::from(h),
        }),
        _ => Value::Null,
    };
    let mut meta = serde_json::json!({"focus": {"x": media.focus_x, "y": media.focus_y}});
    let original = size(media.width, media.height);
    if !original.is_null() {
        meta["original"] = original;
    }
    let small = size(media.preview_width, media.preview_height);
    if !small.is_null() {
        meta["small"] = small;
    }
    MediaAttachment {
        id: media.id.to_string(),
        kind: media.kind.clone(),
        url: crate::domain::media::file_url(urls, media),
        preview_url: crate::domain::media::preview_url(urls, media),
        remote_url: media.remote_url.clone(),
        meta,
        description: Some(media.description.clone()).filter(|d| !d.is_empty()),
        blurhash: media.blurhash.clone(),
    }
}

/// https://docs.joinmastodon.org/entities/Status/#Mention
#[derive(Debug, Serialize)]
pub struct Mention {
    pub id: String,
    pub username: String,
    pub url: String,
    pub acct: String,
}

fn mention(account: &AccountRow) -> Mention {
    Mention {
        id: account.id.to_string(),
        username: account.username.clone(),
        url: account.url.clone().unwrap_or_else(|| account.ap_id.clone()),
        acct: account.acct(),
    }
}

/// https://docs.joinmastodon.org/entities/Status/#Tag
#[derive(Debug, Serialize)]
pub struct StatusTag {
    pub name: String,
    pub url: String,
}

/// https://docs.joinmastodon.org/entities/Status/
#[derive(Debug, Serialize)]
pub struct Status {
    pub id: String,
    pub uri: String,
    pub url: Option<String>,
    pub created_at: String,
    pub edited_at: Option<String>,
    pub account: Account,
    pub content: String,
    pub visibility: String,
    pub sensitive: bool,
    pub spoiler_text: String,
    pub media_attachments: Vec<MediaAttachment>,
    pub application: Option<serde_json::Value>,
    pub mentions: Vec<Mention>,
    pub tags: Vec<StatusTag>,
    pub emojis: Vec<serde_json::Value>,
    pub reblogs_count: i64,
    pub favourites_count: i64,
    pub replies_count: i64,
    pub in_reply_to_id: Option<String>,
    pub in_reply_to_account_id: Option<String>,
    pub reblog: Option<Box<Status>>,
    /// The post it quotes (Mastodon 4.5), or `null`.
    pub quote: Option<Quote>,
    pub poll: Option<Poll>,
    pub card: Option<serde_json::Value>,
    pub language: Option<String>,
    /// The source text; present only in the answer to a delete (for redraft).
    pub text: Option<String>,
    pub favourited: bool,
    pub reblogged: bool,
    pub muted: bool,
    pub bookmarked: bool,
    pub pinned: bool,
    pub filtered: Vec<serde_json::Value>,
}

pub fn status(urls: &Urls, view: &StatusView) -> Status {
    let s = &view.status;
    Status {
        id: s.id.to_string(),
        uri: s.ap_id.clone(),
        url: s
            .url
            .clone()
            .or_else(|| s.reblog_of_id.is_none().then(|| s.ap_id.clone())),
        created_at: iso(s.published_at.min(s.created_at)),
        edited_at: s.edited_at.map(iso),
        account: account(urls, &view.author),
        content: s.content.clone(),
        visibility: s.visibility.clone(),
        sensitive: s.sensitive,
        spoiler_text: s.spoiler_text.clone(),
        media_attachments: view
            .media
            .iter()
            .map(|media| media_attachment(urls, media))
            .collect(),
        application: None,
        mentions: view.mentions.iter().map(mention).collect(),
        tags: view
            .tags
            .iter()
            .map(|name| StatusTag {
                url: urls.tag(name),
                name: name.clone(),
            })
            .collect(),
        emojis: Vec::new(),
        reblogs_count: view.reblogs_count,
        favourites_count: view.favourites_count,
        replies_count: view.replies_count,
        in_reply_to_id: s.in_reply_to_id.map(|id| id.to_string()),
        in_reply_to_account_id: s.in_reply_to_account_id.map(|id| id.to_string()),
        reblog: view
            .reblog
            .as_ref()
            .map(|original| Box::new(status(urls, original))),
        quote: view.quote.as_ref().map(|quote| Quote {
            state: if quote.status.is_some() {
                "accepted"
            } else {
                "unauthorized"
            },
            quoted_status: quote
                .status
                .as_ref()
                .map(|quoted| Box::new(status(urls, quoted))),
        }),
        poll: view.poll.as_ref().map(poll),
        card: None,
        language: s.language.clone(),
        text: None,
        favourited: view.favourited,
        reblogged: view.reblogged,
        muted: false,
        bookmarked: view.bookmarked,
        pinned: view.pinned,
        filtered: Vec::new(),
    }
}

/// https://docs.joinmastodon.org/entities/Relationship/
#[derive(Debug, Serialize)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

pub fn relationship(account_id: i64, state: RelationshipState) -> Relationship {
    Relationship {
        id: account_id.to_string(),
        following: state.following,
        showing_reblogs: (state.following || state.requested) && state.showing_reblogs,
        notifying: state.notifying,
        languages: None,
        followed_by: state.followed_by,
        blocking: state.blocking,
        blocked_by: state.blocked_by,
        muting: state.muting,
        muting_notifications: state.muting_notifications,
        requested: state.requested,
        requested_by: state.requested_by,
        domain_blocking: state.domain_blocking,
        endorsed: false,
        note: state.note,
    }
}

/// https://docs.joinmastodon.org/entities/Notification/
#[derive(Debug, Serialize)]
pub struct Notification {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub group_key: String,
    pub created_at: String,
    pub account: Account,
    pub status: Option<Status>,
}

pub fn notification(urls: &Urls, view: &NotificationView) -> Notification {
    let n = &view.notification;
    Notification {
        id: n.id.to_string(),
        kind: n.kind.clone(),
        group_key: format!("ungrouped-{}", n.id),
        created_at: iso(n.created_at),
        account: account(urls, &view.from),
        status: view.status.as_ref().map(|s| status(urls, s)),
    }
}

/// https://docs.joinmastodon.org/entities/GroupedNotificationsResults/
#[derive(Debug, Serialize)]
pub struct GroupedNotificationsResults {
    pub accounts: Vec<Account>,
    pub statuses: Vec<Status>,
    pub notification_groups: Vec<NotificationGroup>,
}

/// https://docs.joinmastodon.org/entities/GroupedNotificationsResults/#NotificationGroup
#[derive(Debug, Serialize)]
pub struct NotificationGroup {
    pub group_key: String,
    /// Counted within the page that was asked for.
    pub notifications_count: usize,
    #[serde(rename = "type")]
    pub kind: String,
    pub most_recent_notification_id: String,
    pub page_min_id: String,
    pub page_max_id: String,
    pub latest_page_notification_at: String,
    pub sample_account_ids: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_id: Option<String>,
}

/// How many accounts a group names, as Mastodon samples them.
const SAMPLE_ACCOUNTS: usize = 8;

pub fn grouped_notifications(
    urls: &Urls,
    groups: &[crate::domain::notifications::NotificationGroup],
) -> GroupedNotificationsResults {
    let mut accounts: Vec<Account> = Vec::new();
    let mut statuses: Vec<Status> = Vec::new();
    let mut entities = Vec::with_capacity(groups.len());
    for group in groups {
        let Some(newest) = group.members.first() else {
            continue;
        };
        let oldest = group.members.last().unwrap_or(newest);
        let mut sample_account_ids: Vec<String> = Vec::new();
        for member in &group.members {
            let id = member.from.account.id.to_string();
            if !accounts.iter().any(|a| a.id == id) {
                accounts.push(account(urls, &member.from));
            }
            if sample_account_ids.len() < SAMPLE_ACCOUNTS && !sample_account_ids.contains(&id) {
                sample_account_ids.push(id);
            }
        }
        if let Some(view) = &newest.status {
            let id = view.status.id.to_string();
            if !statuses.iter().any(|s| s.id == id) {
                statuses.push(status(urls, view));
            }
        }
        entities.push(NotificationGroup {
            group_key: group.key.clone(),
            notifications_count: group.members.len(),
            kind: newest.notification.kind.clone(),
            most_recent_notification_id: newest.notification.id.to_string(),
            page_min_id: oldest.notification.id.to_string(),
            page_max_id: newest.notification.id.to_string(),
            latest_page_notification_at: iso(newest.notification.created_at),
            sample_account_ids,
            status_id: newest.status.as_ref().map(|s| s.status.id.to_string()),
        });
    }
    GroupedNotificationsResults {
        accounts,
        statuses,
        notification_groups: entities,
    }
}

/// A hashtag found by search, without whether the viewer follows it.
pub fn hashtag(urls: &Urls, name: &str) -> Tag {
    Tag {
        name: name.to_string(),
        url: urls.tag(name),
        history: Vec::new(),
        following: None,
    }
}

/// https://docs.joinmastodon.org/entities/Poll/
#[derive(Debug, Serialize)]
pub struct Poll {
    pub id: String,
    pub expires_at: Option<String>,
    pub expired: bool,
    pub multiple: bool,
    pub votes_count: i64,
    pub voters_count: Option<i64>,
    pub options: Vec<PollOption>,
    pub emojis: Vec<Value>,
    /// Present only for a signed-in reader.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voted: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own_votes: Option<Vec<i32>>,
}

#[derive(Debug, Serialize)]
pub struct PollOption {
    pub title: String,
    /// `null` while the author hides the counts until the end.
    pub votes_count: Option<i64>,
}

/// A poll's id is its status's: a status asks at most one.
pub fn poll(view: &crate::domain::polls::PollView) -> Poll {
    let shown = view.totals_shown();
    Poll {
        id: view.poll.status_id.to_string(),
        expires_at: view.poll.expires_at.map(iso),
        expired: view.expired(),
        multiple: view.poll.multiple,
        votes_count: if shown { view.votes_count() } else { 0 },
        voters_count: view.poll.voters_count.map(i64::from),
        options: view
            .options
            .iter()
            .map(|option| PollOption {
                title: option.title.clone(),
                votes_count: shown.then_some(i64::from(option.votes_count)),
            })
            .collect(),
        emojis: Vec::new(),
        voted: view.own_votes.as_ref().map(|votes| !votes.is_empty()),
        own_votes: view.own_votes.clone(),
    }
}

/// https://docs.joinmastodon.org/entities/StatusEdit/
#[derive(Debug, Serialize)]
pub struct StatusEdit {
    pub content: String,
    pub spoiler_text: String,
    pub sensitive: bool,
    pub created_at: String,
    pub account: Account,
    pub poll: Option<Value>,
    pub media_attachments: Vec<Value>,
    pub emojis: Vec<Value>,
}

pub fn status_edit(urls: &Urls, author: &AccountView, version: &Version) -> StatusEdit {
    StatusEdit {
        content: version.content.clone(),
        spoiler_text: version.spoiler_text.clone(),
        sensitive: version.sensitive,
        created_at: iso(version.created_at),
        account: account(urls, author),
        poll: None,
        media_attachments: Vec::new(),
        emojis: Vec::new(),
    }
}

/// https://docs.joinmastodon.org/entities/FamiliarFollowers/
#[derive(Debug, Serialize)]
pub struct FamiliarFollowers {
    pub id: String,
    pub accounts: Vec<Account>,
}
