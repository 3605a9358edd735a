//! Timelines: a member's home feed and one account's statuses.

use super::{
    Context, Visibility,
    views::{self, StatusView},
};
use crate::{
    db::{follows, home_feed, models::Account, statuses, statuses::Page},
    error::Result,
};

pub use crate::db::statuses::AccountFilter;

pub async fn home(ctx: &Context, account: &Account, page: Page) -> Result<Vec<StatusView>> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| {
            let hidden = crate::db::blocks::hidden_from(conn, account_id)?;
            let mut ids = statuses::home_feed_ids(conn, account_id, &hidden, page)?;
            let paging_back = page.min_id.is_none() && page.since_id.is_none();
            if paging_back && (ids.len() as i64) < page.limit {
                ids.extend(below_the_feed(conn, account_id, &hidden, &ids, page)?);
            }
            Ok(views::load(conn, Some(account_id), &ids)?)
        })
        .await
}

/// The rest of a home page that ran past the end of a trimmed feed: the
/// statuses the feed would have held, read from whom the member follows.
fn below_the_feed(
    conn: &mut crate::db::DbConnection,
    account_id: i64,
    hidden: &[i64],
    found: &[i64],
    page: Page,
) -> diesel::QueryResult<Vec<i64>> {
    let Some(below) = home_feed::trimmed_below(conn, account_id)? else {
        return Ok(Vec::new());
    };
    let before = found
        .last()
        .copied()
        .or(page.max_id)
        .map_or(below, |id| id.min(below));
    let mut authors: Vec<i64> = follows::accepted_from(conn, &[account_id])?
        .into_iter()
        .map(|(_, followed)| followed)
        .collect();
    authors.push(account_id);
    let wanted = page.limit - found.len() as i64;
    home_feed::older_than_feed(conn, account_id, &authors, hidden, before, wanted)
}

/// Keeps every home feed to its newest `home_feed_length` entries, once
/// when the server starts and then every `home_feed_trim_interval_seconds`.
/// Each member's feed is trimmed in a transaction of its own, so the
/// single SQLite writer is never held for long.
pub async fn trim_home_feeds(ctx: Context) {
    let mut ticks = tokio::time::interval(ctx.config.home_feed_trim_interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match trim_once(&ctx).await {
            Ok(0) => {}
            Ok(removed) => tracing::debug!(removed, "trimmed home feeds"),
            Err(error) => tracing::warn!(%error, "trimming home feeds failed"),
        }
    }
}

/// One pass of [`trim_home_feeds`]: how many entries went.
pub async fn trim_once(ctx: &Context) -> Result<usize> {
    let keep = ctx.config.home_feed_length;
    let overfull = ctx
        .db
        .read(move |conn| -> Result<Vec<i64>> { Ok(home_feed::overfull(conn, keep)?) })
        .await?;
    let mut removed = 0;
    for account_id in overfull {
        removed += ctx
            .db
            .write(move |conn| -> Result<usize> { Ok(home_feed::trim(conn, account_id, keep)?) })
            .await?;
    }
    Ok(removed)
}

/// What `viewer` may see of `account`'s statuses: public and unlisted for
/// everyone, followers-only for accepted followers, everything for the
/// author. Direct statuses appear only to their author here.
pub async fn account_statuses(
    ctx: &Context,
    viewer: Option<&Account>,
    account: &Account,
    filter: statuses::AccountFilter,
    page: Page,
) -> Result<Vec<StatusView>> {
    let viewer_id = viewer.map(|v| v.id);
    let account_id = account.id;
    ctx.db
        .read(move |conn| {
            let mut visible = vec![Visibility::Public.as_str(), Visibility::Unlisted.as_str()];
            let is_author = viewer_id == Some(account_id);
            let follows_author = match viewer_id {
                Some(viewer_id) if !is_author => {
                    follows::between(conn, viewer_id, account_id)?.is_some_and(|f| f.accepted)
                }
                _ => false,
            };
            if is_author || follows_author {
                visible.push(Visibility::Private.as_str());
            }
            if is_author {
                visible.push(Visibility::Direct.as_str());
            }
            let rows = statuses::by_account(conn, account_id, &visible, &filter, page)?;
            let ids: Vec<i64> = rows.iter().map(|s| s.id).collect();
            Ok(views::load(conn, viewer_id, &ids)?)
        })
        .await
}

/// Public statuses carrying `tag` (lower-cased, without `#`), local and
/// remote, newest first.
pub async fn tagged(
    ctx: &Context,
    viewer: Option<&Account>,
    tag: &str,
    origin: statuses::Origin,
    page: Page,
) -> Result<Vec<StatusView>> {
    let tag = tag.trim_start_matches('#').to_lowercase();
    let viewer_id = viewer.map(|v| v.id);
    ctx.db
        .read(move |conn| {
            let ids = statuses::ids_with_tag(conn, &tag, origin, page)?;
            let shown = views::load(conn, viewer_id, &ids)?;
            Ok(super::moderation::without_silenced(conn, viewer_id, shown)?)
        })
        .await
}

/// The public timeline: public statuses known here, local or remote.
pub async fn public(
    ctx: &Context,
    viewer: Option<&Account>,
    origin: statuses::Origin,
    page: Page,
) -> Result<Vec<StatusView>> {
    let viewer_id = viewer.map(|v| v.id);
    ctx.db
        .read(move |conn| {
            let hidden = match viewer_id {
                Some(viewer_id) => crate::db::blocks::hidden_from(conn, viewer_id)?,
                None => Vec::new(),
            };
            let ids = statuses::public_ids(conn, origin, &hidden, page)?;
            let shown = views::load(conn, viewer_id, &ids)?;
            Ok(super::moderation::without_silenced(conn, viewer_id, shown)?)
        })
        .await
}

/// The statuses a member favourited, most recent favourite first, with the
/// favourite ids that page the list.
pub async fn favourites(
    ctx: &Context,
    account: &Account,
    page: Page,
) -> Result<(Vec<StatusView>, Vec<i64>)> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| {
            let pairs = statuses::favourited_by_account(conn, account_id, page)?;
            let status_ids: Vec<i64> = pairs.iter().map(|(_, status)| *status).collect();
            let favourite_ids = pairs.iter().map(|(favourite, _)| *favourite).collect();
            Ok((
                views::load(conn, Some(account_id), &status_ids)?,
                favourite_ids,
            ))
        })
        .await
}

/// Timelines whose read position apps may save.
pub const MARKER_TIMELINES: [&str; 2] = ["home", "notifications"];

pub async fn markers(ctx: &Context, account: &Account) -> Result<Vec<super::Marker>> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| Ok(crate::db::markers::of_account(conn, account_id)?))
        .await
}

pub async fn save_marker(
    ctx: &Context,
    account: &Account,
    timeline: &str,
    last_read_id: i64,
) -> Result<super::Marker> {
    if !MARKER_TIMELINES.contains(&timeline) {
        return Err(crate::error::Error::Validation(format!(
            "{timeline:?} is not a timeline with a marker"
        )));
    }
    let (account_id, timeline) = (account.id, timeline.to_string());
    ctx.db
        .write(move |conn| {
            Ok(crate::db::markers::save(
                conn,
                account_id,
                &timeline,
                last_read_id,
            )?)
        })
        .await
}

/// A member's bookmarks (most recent first) with the bookmark ids that
/// page them, or an account's pinned statuses (all of them).
pub async fn marked(
    ctx: &Context,
    viewer: Option<&Account>,
    account: &Account,
    mark: statuses::Mark,
    page: Page,
) -> Result<(Vec<StatusView>, Vec<i64>)> {
    let (viewer, account_id) = (viewer.cloned(), account.id);
    ctx.db
        .read(move |conn| {
            let pairs = statuses::marked(conn, mark, account_id, page)?;
            let mut ids = Vec::new();
            let mut mark_ids = Vec::new();
            for (mark_id, status_id) in pairs {
                let Some(status) = statuses::by_id(conn, status_id)? else {
                    continue;
                };
                if views::can_see(conn, viewer.as_ref(), &status)? {
                    ids.push(status_id);
                    mark_ids.push(mark_id);
                }
            }
            Ok((views::load(conn, viewer.map(|v| v.id), &ids)?, mark_ids))
        })
        .await
}
