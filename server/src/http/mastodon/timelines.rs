//! https://docs.joinmastodon.org/methods/timelines/

use super::{PageParams, entities, status_page};
use crate::{
    domain::{Context, Origin, timelines},
    error::Result,
    http::{
        auth::{Auth, MaybeAuth},
        input::flexible_bool,
    },
};
use axum::{
    Json,
    extract::{Path, Query, RawQuery, State},
    http::HeaderMap,
};
use serde::Deserialize;

pub async fn home(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let account = auth.require("read:statuses")?;
    let views = timelines::home(&ctx, account, params.page(40)).await?;
    Ok(status_page(
        &ctx,
        "/api/v1/timelines/home",
        query.as_deref(),
        &views,
        None,
    ))
}

#[derive(Debug, Deserialize)]
pub struct PublicParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "flexible_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    remote: Option<bool>,
}

impl PublicParams {
    fn origin(&self) -> Origin {
        match (self.local.unwrap_or(false), self.remote.unwrap_or(false)) {
            (true, false) => Origin::Local,
            (false, true) => Origin::Remote,
            _ => Origin::Any,
        }
    }
}

/// `GET /api/v1/timelines/public`: readable without a token, as on Mastodon.
pub async fn public(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Query(params): Query<PublicParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let viewer = auth.viewer("read:statuses")?;
    let views =
        timelines::public(&ctx, viewer.as_ref(), params.origin(), params.page.page(40)).await?;
    Ok(status_page(
        &ctx,
        "/api/v1/timelines/public",
        query.as_deref(),
        &views,
        None,
    ))
}

/// `GET /api/v1/timelines/tag/:hashtag`: public statuses with the tag.
pub async fn tag(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(tag): Path<String>,
    Query(params): Query<PublicParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let viewer = auth.viewer("read:statuses")?;
    let views = timelines::tagged(
        &ctx,
        viewer.as_ref(),
        &tag,
        params.origin(),
        params.page.page(40),
    )
    .await?;
    let path = format!("/api/v1/timelines/tag/{tag}");
    Ok(status_page(&ctx, &path, query.as_deref(), &views, None))
}

/// `GET /api/v1/favourites`, paged by favourite rather than status id.
pub async fn favourites(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let account = auth.require("read:favourites")?;
    let (views, favourite_ids) = timelines::favourites(&ctx, account, params.page(40)).await?;
    Ok(status_page(
        &ctx,
        "/api/v1/favourites",
        query.as_deref(),
        &views,
        Some(&favourite_ids),
    ))
}

/// `GET /api/v1/bookmarks`, paged by bookmark.
pub async fn bookmarks(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let account = auth.require("read:bookmarks")?;
    let (views, ids) = timelines::marked(
        &ctx,
        Some(account),
        account,
        crate::domain::Mark::Bookmark,
        params.page(40),
    )
    .await?;
    Ok(status_page(
        &ctx,
        "/api/v1/bookmarks",
        query.as_deref(),
        &views,
        Some(&ids),
    ))
}
