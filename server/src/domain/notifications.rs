//! Notifications: written inside the transaction of the event they report,
//! read through the client API.

use super::Page;
use super::{
    Context,
    views::{self, AccountView, StatusView},
};
use crate::{
    db::{
        self, DbConnection, accounts, follows,
        ids::next_id,
        models::{Account, Notification},
        notifications, statuses,
    },
    error::{Error, Result},
};
use std::collections::HashMap;

/// The kinds Trellis writes, named as in the Mastodon API.
pub const KINDS: [&str; 10] = [
    "mention",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "update",
    "quote",
    "poll",
    "trellis.helped",
];

pub const MENTION: &str = "mention";
pub const STATUS: &str = "status";
pub const REBLOG: &str = "reblog";
pub const FOLLOW: &str = "follow";
pub const FOLLOW_REQUEST: &str = "follow_request";
pub const FAVOURITE: &str = "favourite";
pub const UPDATE: &str = "update";
/// Someone quoted one of the member's posts (Mastodon 4.5's kind).
pub const QUOTE: &str = "quote";
/// A poll the member asked or voted in has ended.
pub const POLL: &str = "poll";
/// The asker of a learning exchange named this reply as one that helped.
/// Namespaced as Mastodon's own `admin.*` kinds are; apps show or skip
/// kinds they do not know.
pub const HELPED: &str = "trellis.helped";

/// Tells `recipient` that `from` did `kind` (to `status_id`). Remote
/// recipients are told by their own server, and nobody is told of their own
/// doings, except that their own poll ended.
pub fn notify(
    conn: &mut DbConnection,
    recipient: &Account,
    from_id: i64,
    kind: &'static str,
    status_id: Option<i64>,
) -> diesel::QueryResult<()> {
    // Communities and the network actor have no one to read notifications.
    if !recipient.local
        || recipient.actor_type != "Person"
        || (recipient.id == from_id && kind != POLL)
        || recipient.deleted_at.is_some()
    {
        return Ok(());
    }
    if !super::blocks::wants_notifications_from(conn, recipient.id, from_id)? {
        return Ok(());
    }
    // A limited account reaches only those who follow it.
    if super::moderation::is_silenced(conn, from_id)?
        && !crate::db::follows::between(conn, recipient.id, from_id)?.is_some_and(|f| f.accepted)
    {
        return Ok(());
    }
    let notification = Notification {
        id: next_id(),
        account_id: recipient.id,
        from_account_id: from_id,
        kind: kind.to_string(),
        status_id,
        created_at: db::now(),
    };
    notifications::insert(conn, &notification)?;
    super::streaming::notified(conn, &notification)
}

/// As `notify`, for a recipient known by id.
pub fn notify_id(
    conn: &mut DbConnection,
    recipient_id: i64,
    from_id: i64,
    kind: &'static str,
    status_id: Option<i64>,
) -> diesel::QueryResult<()> {
    match accounts::by_id(conn, recipient_id)? {
        Some(recipient) => notify(conn, &recipient, from_id, kind, status_id),
        None => Ok(()),
    }
}

#[derive(Debug, Clone)]
pub struct NotificationView {
    pub notification: Notification,
    pub from: AccountView,
    pub status: Option<StatusView>,
}

fn load(
    conn: &mut DbConnection,
    viewer: &Account,
    rows: Vec<Notification>,
) -> Result<Vec<NotificationView>> {
    // Whole-page loads: a page of notifications costs the same few queries
    // whatever its length.
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut from_ids: Vec<i64> = rows.iter().map(|n| n.from_account_id).collect();
    from_ids.sort_unstable();
    from_ids.dedup();
    let senders = accounts::by_ids(conn, &from_ids)?;
    let from: HashMap<i64, AccountView> = views::account_views(conn, senders)?
        .into_iter()
        .map(|view| (view.account.id, view))
        .collect();
    let status_ids: Vec<i64> = rows.iter().filter_map(|n| n.status_id).collect();
    let statuses: HashMap<i64, StatusView> = views::load(conn, Some(viewer.id), &status_ids)?
        .into_iter()
        .map(|view| (view.status.id, view))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|notification| {
            // A notification whose sender or status is gone is not shown.
            let status = match notification.status_id {
                Some(id) => Some(statuses.get(&id)?.clone()),
                None => None,
            };
            Some(NotificationView {
                from: from.get(&notification.from_account_id)?.clone(),
                status,
                notification,
            })
        })
        .collect())
}

/// Which kinds to list: `types` if given, all otherwise, minus `exclude`.
pub fn kinds_wanted(types: &[String], exclude: &[String]) -> Vec<String> {
    KINDS
        .iter()
        .filter(|k| types.is_empty() || types.iter().any(|t| t == *k))
        .filter(|k| !exclude.iter().any(|e| e == *k))
        .map(|k| k.to_string())
        .collect()
}

/// One of `viewer`'s notifications, if it is still there and its status
/// still visible.
pub fn view_of(
    conn: &mut DbConnection,
    viewer: &Account,
    id: i64,
) -> Result<Option<NotificationView>> {
    match notifications::of_account(conn, viewer.id, id)? {
        Some(row) => Ok(load(conn, viewer, vec![row])?.pop()),
        None => Ok(None),
    }
}

pub async fn list(
    ctx: &Context,
    viewer: &Account,
    kinds: Vec<String>,
    page: Page,
) -> Result<Vec<NotificationView>> {
    let viewer = viewer.clone();
    ctx.db
        .read(move |conn| {
            let rows = notifications::list(conn, viewer.id, &kinds, page)?;
            load(conn, &viewer, rows)
        })
        .await
}

pub async fn get(ctx: &Context, viewer: &Account, id: i64) -> Result<NotificationView> {
    let viewer = viewer.clone();
    ctx.db
        .read(move |conn| {
            let row =
                notifications::of_account(conn, viewer.id, id)?.ok_or_else(Error::not_found)?;
            load(conn, &viewer, vec![row])?
                .pop()
                .ok_or_else(Error::not_found)
        })
        .await
}

/// The kinds grouped when an app does not say (Mastodon's default).
pub const GROUPED_BY_DEFAULT: [&str; 3] = [FAVOURITE, REBLOG, FOLLOW];

/// Notifications shown together, as Mastodon 4.3 groups them: favourites
/// and boosts of one status, follows of one day; every other notification
/// is a group of its own.
#[derive(Debug)]
pub struct NotificationGroup {
    pub key: String,
    /// The group's notifications in this page, newest first.
    pub members: Vec<NotificationView>,
}

/// The key of the group `notification` belongs to, when its kind is among
/// `grouped`.
pub fn group_key(notification: &Notification, grouped: &[String]) -> String {
    let kind = notification.kind.as_str();
    match (kind, notification.status_id) {
        _ if !grouped.iter().any(|g| g == kind) => format!("ungrouped-{}", notification.id),
        (FAVOURITE | REBLOG, Some(status_id)) => format!("{kind}-{status_id}"),
        (FOLLOW, _) => format!("follow-{}", notification.created_at.date()),
        _ => format!("ungrouped-{}", notification.id),
    }
}

/// Gathers a page of notifications (newest first) into groups, ordered by
/// their newest notification.
pub fn group(views: Vec<NotificationView>, grouped: &[String]) -> Vec<NotificationGroup> {
    let mut groups: Vec<NotificationGroup> = Vec::new();
    for view in views {
        let key = group_key(&view.notification, grouped);
        match groups.iter_mut().find(|g| g.key == key) {
            Some(group) => group.members.push(view),
            None => groups.push(NotificationGroup {
                key,
                members: vec![view],
            }),
        }
    }
    groups
}

/// The notifications a group key names, as [`group_key`] makes them; None
/// for a key it could not have made.
fn group_filter(key: &str) -> Option<notifications::GroupFilter> {
    use notifications::GroupFilter;
    if let Some(id) = key.strip_prefix("ungrouped-") {
        return id.parse().ok().map(GroupFilter::One);
    }
    if let Some(day) = key.strip_prefix("follow-") {
        let start = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .ok()?
            .and_hms_opt(0, 0, 0)?;
        return Some(GroupFilter::Between(
            FOLLOW.into(),
            start,
            start + chrono::Duration::days(1),
        ));
    }
    let (kind, status_id) = key.rsplit_once('-')?;
    [FAVOURITE, REBLOG]
        .contains(&kind)
        .then(|| Some(GroupFilter::OfStatus(kind.into(), status_id.parse().ok()?)))?
}

/// Notifications of one group shown at most: as many as a page.
const MAX_GROUP: i64 = 80;

/// One of the member's notification groups, newest notification first;
/// 404 for a key that names none of theirs.
pub async fn group_of(ctx: &Context, viewer: &Account, key: &str) -> Result<NotificationGroup> {
    let filter = group_filter(key).ok_or_else(Error::not_found)?;
    let viewer = viewer.clone();
    let key = key.to_string();
    ctx.db
        .read(move |conn| {
            let rows = notifications::in_group(conn, viewer.id, &filter, MAX_GROUP)?;
            let members = load(conn, &viewer, rows)?;
            if members.is_empty() {
                return Err(Error::not_found());
            }
            Ok(NotificationGroup { key, members })
        })
        .await
}

/// Dismisses every notification of one of the member's groups.
pub async fn dismiss_group(ctx: &Context, viewer: &Account, key: &str) -> Result<()> {
    let filter = group_filter(key).ok_or_else(Error::not_found)?;
    let viewer_id = viewer.id;
    let removed = ctx
        .db
        .write(move |conn| Ok::<_, Error>(notifications::dismiss_group(conn, viewer_id, &filter)?))
        .await?;
    if removed == 0 {
        return Err(Error::not_found());
    }
    Ok(())
}

/// Notifications newer than the member's `notifications` read marker,
/// counted up to `cap`.
pub async fn unread_count(ctx: &Context, viewer: &Account, cap: i64) -> Result<i64> {
    let viewer_id = viewer.id;
    ctx.db
        .read(move |conn| {
            let read_up_to = crate::db::markers::of_account(conn, viewer_id)?
                .into_iter()
                .find(|m| m.timeline == "notifications")
                .map_or(0, |m| m.last_read_id);
            Ok(notifications::count_after(
                conn, viewer_id, read_up_to, cap,
            )?)
        })
        .await
}

/// Dismisses one notification, or all of them when `id` is None.
pub async fn dismiss(ctx: &Context, viewer: &Account, id: Option<i64>) -> Result<()> {
    let viewer_id = viewer.id;
    let removed = ctx
        .db
        .write(move |conn| Ok::<_, Error>(notifications::dismiss(conn, viewer_id, id)?))
        .await?;
    if id.is_some() && removed == 0 {
        return Err(Error::not_found());
    }
    Ok(())
}

/// Followers who rang the bell on the author hear of a new post, unless it
/// is a reply to someone else or not meant for them (direct).
pub fn notify_subscribers(
    conn: &mut DbConnection,
    status: &crate::db::models::Status,
) -> diesel::QueryResult<()> {
    // A remote reply whose parent is not here counts as a reply to others.
    let reply_to_other = match status.in_reply_to_account_id {
        Some(parent_author) => parent_author != status.account_id,
        None => status.in_reply_to_ap_id.is_some(),
    };
    let direct = super::Visibility::from_stored(&status.visibility) == super::Visibility::Direct;
    if reply_to_other || direct || status.reblog_of_id.is_some() {
        return Ok(());
    }
    for follower in follows::followers_notified(conn, status.account_id)? {
        notify(conn, &follower, status.account_id, STATUS, Some(status.id))?;
    }
    Ok(())
}

/// Local members who boosted a status: told when it is edited.
pub fn notify_boosters_of_edit(
    conn: &mut DbConnection,
    status_id: i64,
    author_id: i64,
) -> diesel::QueryResult<()> {
    for booster in statuses::rebloggers(conn, status_id)? {
        notify(conn, &booster, author_id, UPDATE, Some(status_id))?;
    }
    Ok(())
}
