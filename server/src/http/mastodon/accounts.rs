//! https://docs.joinmastodon.org/methods/accounts/

use super::{PageParams, entities, link_header};
use crate::{
    domain::{Account, Context, accounts, follows, timelines},
    error::{Error, Result},
    http::{
        auth::{Auth, MaybeAuth},
        input::{flexible_bool, path_id},
    },
};
use axum::{
    Json,
    extract::{Path, Query, RawQuery, State},
    http::HeaderMap,
};
use serde::Deserialize;

pub async fn verify_credentials(
    State(ctx): State<Context>,
    auth: Auth,
) -> Result<Json<entities::Account>> {
    let account = auth.require("read:accounts")?.clone();
    let view = accounts::view(&ctx, account).await?;
    Ok(Json(entities::credential_account(&ctx.urls, &view)))
}

#[derive(Debug, Deserialize)]
pub struct LookupParams {
    acct: String,
}

/// Finds an account by handle without contacting other servers.
pub async fn lookup(
    State(ctx): State<Context>,
    Query(params): Query<LookupParams>,
) -> Result<Json<entities::Account>> {
    let account = accounts::by_acct(&ctx, &params.acct)
        .await?
        .ok_or_else(Error::not_found)?;
    let view = accounts::view(&ctx, account).await?;
    Ok(Json(entities::account(&ctx.urls, &view)))
}

pub async fn show(
    State(ctx): State<Context>,
    Path(id): Path<String>,
) -> Result<Json<entities::Account>> {
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let view = accounts::view(&ctx, account).await?;
    Ok(Json(entities::account(&ctx.urls, &view)))
}

#[derive(Debug, Deserialize)]
pub struct StatusesParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "flexible_bool")]
    exclude_replies: Option<bool>,
}

pub async fn statuses(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    Query(params): Query<StatusesParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let viewer = auth.viewer("read:statuses")?;
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let views = timelines::account_statuses(
        &ctx,
        viewer.as_ref(),
        &account,
        params.exclude_replies.unwrap_or(false),
        params.page.page(40),
    )
    .await?;
    let headers = link_header(
        &ctx,
        &format!("/api/v1/accounts/{}/statuses", account.id),
        query.as_deref(),
        &views,
    );
    Ok((
        headers,
        Json(
            views
                .iter()
                .map(|v| entities::status(&ctx.urls, v))
                .collect(),
        ),
    ))
}

pub async fn follow(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    let follower = auth.require("write:follows")?;
    let target = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    follows::follow(&ctx, follower, &target).await?;
    relationship(&ctx, follower, target.id).await
}

pub async fn unfollow(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    let follower = auth.require("write:follows")?;
    let target = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    follows::unfollow(&ctx, follower, &target).await?;
    relationship(&ctx, follower, target.id).await
}

async fn relationship(
    ctx: &Context,
    viewer: &Account,
    other_id: i64,
) -> Result<Json<entities::Relationship>> {
    let state = follows::relationship(ctx, viewer.id, other_id).await?;
    Ok(Json(entities::relationship(other_id, state)))
}

/// `GET /api/v1/accounts/relationships?id[]=1&id[]=2` (or `id=1`).
pub async fn relationships(
    State(ctx): State<Context>,
    auth: Auth,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<entities::Relationship>>> {
    let viewer = auth.require("read:follows")?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or_default())
            .map_err(|e| Error::BadRequest(e.to_string()))?;
    let mut out = Vec::new();
    for (key, value) in pairs {
        if key != "id" && key != "id[]" {
            continue;
        }
        let Ok(id) = value.parse::<i64>() else {
            continue;
        };
        let state = follows::relationship(&ctx, viewer.id, id).await?;
        out.push(entities::relationship(id, state));
    }
    Ok(Json(out))
}
