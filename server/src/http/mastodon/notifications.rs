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

/// `types[]` and `exclude_types[]` (also without brackets) from the query.
fn kinds(query: Option<&str>) -> Result<Vec<String>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    let values = |name: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key.trim_end_matches("[]") == name)
            .map(|(_, value)| value.clone())
            .collect()
    };
    Ok(notifications::kinds_wanted(
        &values("types"),
        &values("exclude_types"),
    ))
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
