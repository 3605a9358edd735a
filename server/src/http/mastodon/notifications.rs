//! https://docs.joinmastodon.org/methods/notifications/

use super::{PageParams, entities, link_header_for_ids};
use crate::{
    domain::{Context, notifications},
    error::{Error, Result},
    http::{auth::Auth, input::path_id},
};
use axum::{
    Json,
    extract::{Path, Query, RawQuery, State},
    http::HeaderMap,
};

/// The values of a list parameter (`name[]=a&name[]=b`, also without
/// brackets) in the query.
fn list_param(query: Option<&str>, name: &str) -> Result<Vec<String>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    Ok(pairs
        .into_iter()
        .filter(|(key, _)| key.trim_end_matches("[]") == name)
        .map(|(_, value)| value)
        .collect())
}

/// `types[]` and `exclude_types[]` from the query.
fn kinds(query: Option<&str>) -> Result<Vec<String>> {
    Ok(notifications::kinds_wanted(
        &list_param(query, "types")?,
        &list_param(query, "exclude_types")?,
    ))
}

/// `GET /api/v2/notifications`: a page of notifications, grouped
/// (https://docs.joinmastodon.org/methods/grouped_notifications/). The
/// page holds at most `limit` notifications, so at most that many groups.
pub async fn grouped(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<entities::GroupedNotificationsResults>)> {
    let account = auth.require("read:notifications")?;
    let mut grouped_kinds = list_param(query.as_deref(), "grouped_types")?;
    if grouped_kinds.is_empty() {
        grouped_kinds = notifications::GROUPED_BY_DEFAULT
            .iter()
            .map(|k| k.to_string())
            .collect();
    }
    let mut page = params.page(80);
    if params.limit.is_none() {
        page.limit = 40;
    }
    let views = notifications::list(&ctx, account, kinds(query.as_deref())?, page).await?;
    let ids: Vec<i64> = views.iter().map(|v| v.notification.id).collect();
    let headers = link_header_for_ids(&ctx, "/api/v2/notifications", query.as_deref(), &ids);
    let groups = notifications::group(views, &grouped_kinds);
    Ok((
        headers,
        Json(entities::grouped_notifications(&ctx.urls, &groups)),
    ))
}

/// `GET /api/v2/notifications/:group_key`: one group, as the grouped list
/// gives it.
pub async fn group(
    State(ctx): State<Context>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<entities::GroupedNotificationsResults>> {
    let account = auth.require("read:notifications")?;
    let group = notifications::group_of(&ctx, account, &key).await?;
    Ok(Json(entities::grouped_notifications(&ctx.urls, &[group])))
}

/// `GET /api/v2/notifications/:group_key/accounts`: who is in the group,
/// newest first.
pub async fn group_accounts(
    State(ctx): State<Context>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<Vec<entities::Account>>> {
    let account = auth.require("read:notifications")?;
    let group = notifications::group_of(&ctx, account, &key).await?;
    let mut seen = std::collections::HashSet::new();
    Ok(Json(
        group
            .members
            .iter()
            .filter(|member| seen.insert(member.from.account.id))
            .map(|member| entities::account(&ctx.urls, &member.from))
            .collect(),
    ))
}

/// `POST /api/v2/notifications/:group_key/dismiss`
pub async fn dismiss_group(
    State(ctx): State<Context>,
    auth: Auth,
    Path(key): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let account = auth.require("write:notifications")?;
    notifications::dismiss_group(&ctx, account, &key).await?;
    Ok(Json(serde_json::json!({})))
}

/// `GET /api/v2/notifications/unread_count` (and v1's): notifications
/// newer than the `notifications` read marker, up to `limit` (100 by
/// default, 1000 at most).
pub async fn unread_count(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
) -> Result<Json<serde_json::Value>> {
    let account = auth.require("read:notifications")?;
    let cap = params
        .limit
        .as_deref()
        .and_then(|l| l.parse::<i64>().ok())
        .unwrap_or(100)
        .clamp(1, 1000);
    let count = notifications::unread_count(&ctx, account, cap).await?;
    Ok(Json(serde_json::json!({ "count": count })))
}

pub async fn list(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Notification>>)> {
    let account = auth.require("read:notifications")?;
    let views =
        notifications::list(&ctx, account, kinds(query.as_deref())?, params.page(80)).await?;
    let ids: Vec<i64> = views.iter().map(|v| v.notification.id).collect();
    let headers = link_header_for_ids(&ctx, "/api/v1/notifications", query.as_deref(), &ids);
    Ok((
        headers,
        Json(
            views
                .iter()
                .map(|v| entities::notification(&ctx.urls, v))
                .collect(),
        ),
    ))
}

pub async fn show(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Notification>> {
    let account = auth.require("read:notifications")?;
    let view = notifications::get(&ctx, account, path_id(&id)?).await?;
    Ok(Json(entities::notification(&ctx.urls, &view)))
}

pub async fn dismiss(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let account = auth.require("write:notifications")?;
    notifications::dismiss(&ctx, account, Some(path_id(&id)?)).await?;
    Ok(Json(serde_json::json!({})))
}

pub async fn clear(State(ctx): State<Context>, auth: Auth) -> Result<Json<serde_json::Value>> {
    let account = auth.require("write:notifications")?;
    notifications::dismiss(&ctx, account, None).await?;
    Ok(Json(serde_json::json!({})))
}
