//! Follow suggestions, as Mastodon apps ask for them: `GET /api/v2/suggestions`
//! (<https://docs.joinmastodon.org/methods/suggestions/>), the older
//! `GET /api/v1/suggestions`, and `DELETE /api/v1/suggestions/:account_id`.
//! They come from Trellis's introductions, so any app shows them.

use super::entities;
use crate::{
    domain::{Context, introductions},
    error::Result,
    http::{
        auth::Auth,
        input::{count_param, path_id},
    },
};
use axum::{
    Json,
    extract::{Path, Query, State},
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct Params {
    limit: Option<String>,
}

/// Mastodon's `Suggestion` entity.
#[derive(Debug, Serialize)]
pub struct Suggestion {
    /// Deprecated in Mastodon 4.3 for `sources`; kept for older apps.
    pub source: &'static str,
    /// Only the words that apply, which can be none: see
    /// `introductions::Suggestion::sources`.
    pub sources: Vec<&'static str>,
    pub account: entities::Account,
}

/// The pre-4.3 word for `sources`, as Mastodon maps its first one
/// (`REST::SuggestionSerializer`): a shared acquaintance is a
/// `past_interactions`. Older apps require one of the three words; a
/// suggestion with no Mastodon source gets `global`, the one that claims
/// nothing about the member's own activity.
fn legacy_source(sources: &[&'static str]) -> &'static str {
    match sources.first().copied() {
        Some("featured") => "staff",
        Some("friends_of_friends" | "similar_to_recently_followed") => "past_interactions",
        _ => "global",
    }
}

async fn found(
    ctx: &Context,
    auth: &Auth,
    params: &Params,
) -> Result<Vec<(introductions::Suggestion, crate::domain::views::AccountView)>> {
    let member = auth.require("read")?;
    let limit = count_param(params.limit.as_deref(), "limit", 40)?.clamp(1, 80) as usize;
    introductions::suggest(ctx, member, limit).await
}

pub async fn v2(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Json<Vec<Suggestion>>> {
    let found = found(&ctx, &auth, &params).await?;
    Ok(Json(
        found
            .iter()
            .map(|(suggestion, view)| Suggestion {
                source: legacy_source(&suggestion.sources),
                sources: suggestion.sources.clone(),
                account: entities::account(&ctx.urls, view),
            })
            .collect(),
    ))
}

pub async fn v1(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<Params>,
) -> Result<Json<Vec<entities::Account>>> {
    let found = found(&ctx, &auth, &params).await?;
    Ok(Json(
        found
            .iter()
            .map(|(_, view)| entities::account(&ctx.urls, view))
            .collect(),
    ))
}

pub async fn dismiss(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let member = auth.require("read")?;
    introductions::dismiss(&ctx, member, path_id(&id)?).await?;
    Ok(Json(serde_json::json!({})))
}
