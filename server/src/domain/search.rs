//! Finding accounts, statuses and hashtags by text, for the search API.
//! Matching is by substring in the database; there is no full-text index.

use super::{
    Context,
    views::{self, AccountView, StatusView},
};
use crate::{
    db::{accounts, models::Account, statuses},
    error::Result,
};

/// A window on search results.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub offset: i64,
}

/// Accounts whose username starts with `q` or whose display name holds it.
pub async fn accounts(ctx: &Context, q: &str, window: Window) -> Result<Vec<AccountView>> {
    let needle = q.trim().trim_start_matches('@').to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    ctx.db
        .read(move |conn| {
            let found = accounts::search(conn, &needle, window.limit, window.offset)?;
            Ok(views::account_views(conn, found)?)
        })
        .await
}

/// Statuses `viewer` may read whose text holds `q`, newest first.
pub async fn statuses(
    ctx: &Context,
    viewer: &Account,
    q: &str,
    author: Option<i64>,
    window: Window,
) -> Result<Vec<StatusView>> {
    let needle = q.trim().to_lowercase();
    if needle.is_empty() {
        return Ok(Vec::new());
    }
    let viewer_id = viewer.id;
    ctx.db
        .read(move |conn| {
            let hidden = crate::db::blocks::hidden_from(conn, viewer_id)?;
            let ids = statuses::search(
                conn,
                &needle,
                viewer_id,
                author,
                window.limit,
                window.offset,
            )?;
            let found = views::load(conn, Some(viewer_id), &ids)?;
            let found = super::moderation::without_silenced(conn, Some(viewer_id), found)?;
            Ok(found
                .into_iter()
                .filter(|view| !hidden.contains(&view.status.account_id))
                .collect())
        })
        .await
}

/// Hashtags in use that start with `q` (with or without `#`).
pub async fn hashtags(ctx: &Context, q: &str, window: Window) -> Result<Vec<String>> {
    let prefix = q.trim().trim_start_matches('#').to_lowercase();
    if prefix.is_empty() || prefix.contains(char::is_whitespace) {
        return Ok(Vec::new());
    }
    ctx.db
        .read(move |conn| {
            Ok(statuses::tags_starting_with(
                conn,
                &prefix,
                window.limit,
                window.offset,
            )?)
        })
        .await
}

/// A stored status by its ActivityPub id or web address, if `viewer` may
/// see it.
pub async fn status_by_url(
    ctx: &Context,
    viewer: Option<&Account>,
    url: &str,
) -> Result<Option<StatusView>> {
    let (url, viewer) = (url.to_string(), viewer.cloned());
    ctx.db
        .read(move |conn| {
            let status = match statuses::by_ap_id(conn, &url)? {
                Some(status) => Some(status),
                None => statuses::by_url(conn, &url)?,
            };
            let Some(status) = status else {
                return Ok(None);
            };
            if !views::can_see(conn, viewer.as_ref(), &status)? {
                return Ok(None);
            }
            Ok(views::load(conn, viewer.map(|v| v.id), &[status.id])?.pop())
        })
        .await
}
