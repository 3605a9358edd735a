//! Hashtags: https://docs.joinmastodon.org/methods/tags/,
//! https://docs.joinmastodon.org/methods/followed_tags/ and
//! https://docs.joinmastodon.org/methods/featured_tags/.

use super::entities;
use crate::{
    domain::{Context, accounts, tags},
    error::Result,
    http::{
        auth::{Auth, MaybeAuth},
        input::{Input, path_id},
    },
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

/// `GET /api/v1/tags/:name`.
pub async fn show(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(name): Path<String>,
) -> Result<Json<entities::Tag>> {
    let viewer = auth.viewer("read")?;
    let tag = tags::view(&ctx, viewer.as_ref(), &name).await?;
    Ok(Json(entities::tag(&ctx.urls, &tag)))
}

/// `POST /api/v1/tags/:name/follow`.
pub async fn follow(
    State(ctx): State<Context>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<entities::Tag>> {
    let account = auth.require("write:follows")?;
    let tag = tags::follow(&ctx, account, &name, true).await?;
    Ok(Json(entities::tag(&ctx.urls, &tag)))
}

/// `POST /api/v1/tags/:name/unfollow`.
pub async fn unfollow(
    State(ctx): State<Context>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<entities::Tag>> {
    let account = auth.require("write:follows")?;
    let tag = tags::follow(&ctx, account, &name, false).await?;
    Ok(Json(entities::tag(&ctx.urls, &tag)))
}

/// `GET /api/v1/followed_tags`: every followed hashtag, in one page (a
/// member follows at most `tags::MAX_FOLLOWED`).
pub async fn followed(State(ctx): State<Context>, auth: Auth) -> Result<Json<Vec<entities::Tag>>> {
    let account = auth.require("read:follows")?;
    let followed = tags::followed(&ctx, account).await?;
    Ok(Json(
        followed
            .iter()
            .map(|tag| entities::tag(&ctx.urls, tag))
            .collect(),
    ))
}

/// `GET /api/v1/featured_tags`: the member's own.
pub async fn featured(
    State(ctx): State<Context>,
    auth: Auth,
) -> Result<Json<Vec<entities::FeaturedTag>>> {
    let account = auth.require("read:accounts")?;
    let featured = tags::featured(&ctx, account).await?;
    Ok(Json(featured_entities(&ctx, &featured)))
}

/// `GET /api/v1/accounts/:id/featured_tags`.
pub async fn featured_of_account(
    State(ctx): State<Context>,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::FeaturedTag>>> {
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let featured = tags::featured(&ctx, &account).await?;
    Ok(Json(featured_entities(&ctx, &featured)))
}

fn featured_entities(ctx: &Context, featured: &[tags::FeaturedTag]) -> Vec<entities::FeaturedTag> {
    featured
        .iter()
        .map(|tag| entities::featured_tag(&ctx.urls, tag))
        .collect()
}

#[derive(Debug, Deserialize)]
pub struct FeatureForm {
    name: String,
}

/// `POST /api/v1/featured_tags`.
pub async fn feature(
    State(ctx): State<Context>,
    auth: Auth,
    Input(form): Input<FeatureForm>,
) -> Result<Json<entities::FeaturedTag>> {
    let account = auth.require("write:accounts")?;
    let tag = tags::feature(&ctx, account, &form.name).await?;
    Ok(Json(entities::featured_tag(&ctx.urls, &tag)))
}

/// `DELETE /api/v1/featured_tags/:id`.
pub async fn unfeature(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let account = auth.require("write:accounts")?;
    tags::unfeature(&ctx, account, path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}
