//! Learning exchanges and benefit stories:
//! `GET /api/trellis/v1/exchanges`, `GET /api/trellis/v1/exchanges/:id`,
//! `POST /api/trellis/v1/exchanges/:id/answer`, `GET /api/trellis/v1/stories`
//! and `GET /api/trellis/v1/stories/counts`.

use crate::{
    domain::{
        Context,
        exchanges::{self, ExchangeFilter, ExchangeView, Scope},
        kinds::Dimension,
        stories::{self, Period, StoryCounts},
    },
    error::{Error, Result},
    http::{
        auth::{Auth, MaybeAuth},
        input::{Input, flexible_id_list, path_id},
        mastodon::{PageParams, entities, next_link_header},
    },
};
use axum::{
    Json,
    extract::{Path, Query, RawQuery, State},
    http::HeaderMap,
};
use serde::{Deserialize, Serialize};

/// An exchange as this API shows it.
#[derive(Debug, Serialize)]
pub struct Exchange {
    pub id: String,
    pub kind: String,
    /// `open` or `answered`.
    pub state: &'static str,
    pub opened_at: String,
    pub answered_at: Option<String>,
    /// Replies from people other than the asker, on any server.
    pub replies_count: usize,
    pub first_reply_at: Option<String>,
    pub seconds_to_first_reply: Option<i64>,
    /// Ids of the replies the asker said helped.
    pub helpful: Vec<String>,
    pub status: entities::Status,
}

fn exchange(ctx: &Context, view: &ExchangeView) -> Exchange {
    Exchange {
        id: view.status.status.id.to_string(),
        kind: view.kind.clone(),
        state: view.state(),
        opened_at: entities::iso(view.opened_at),
        answered_at: view.answered_at.map(entities::iso),
        replies_count: view.replies_count,
        first_reply_at: view.first_reply_at.map(entities::iso),
        seconds_to_first_reply: view.seconds_to_first_reply(),
        helpful: view.helpful.iter().map(i64::to_string).collect(),
        status: entities::status(&ctx.urls, &view.status),
    }
}

#[derive(Debug, Deserialize)]
pub struct ExchangeParams {
    state: Option<String>,
    role: Option<String>,
    community: Option<String>,
    place: Option<String>,
    scope: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

fn nonempty(value: Option<String>) -> Option<String> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

pub async fn list(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Query(params): Query<ExchangeParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<Exchange>>)> {
    let viewer = auth.viewer("read:statuses")?;
    let answered = match nonempty(params.state).as_deref() {
        None => None,
        Some("open") => Some(false),
        Some("answered") => Some(true),
        Some(other) => {
            return Err(Error::Validation(format!(
                "state is open or answered, not {other:?}"
            )));
        }
    };
    let page = params.page.page(40);
    let filter = ExchangeFilter {
        answered,
        role: nonempty(params.role),
        community: nonempty(params.community),
        place: nonempty(params.place),
        asker: None,
        scope: match nonempty(params.scope).as_deref() {
            None => Scope::Known,
            Some(word) => Scope::parse(word).ok_or_else(|| {
                Error::Validation(format!("scope is known, local or linked, not {word:?}"))
            })?,
        },
        max_id: page.max_id,
        limit: page.limit,
    };
    let views = exchanges::list(&ctx, viewer.as_ref(), filter).await?;
    let ids: Vec<i64> = views.iter().map(|v| v.status.status.id).collect();
    let headers = next_link_header(&ctx, "/api/trellis/v1/exchanges", query.as_deref(), &ids);
    Ok((
        headers,
        Json(views.iter().map(|v| exchange(&ctx, v)).collect()),
    ))
}

pub async fn show(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Exchange>> {
    let viewer = auth.viewer("read:statuses")?;
    let view = exchanges::get(&ctx, viewer.as_ref(), path_id(&id)?).await?;
    Ok(Json(exchange(&ctx, &view)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The replies that helped; may be empty.
    #[serde(default, deserialize_with = "flexible_id_list")]
    status_ids: Vec<i64>,
}

pub async fn answer(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
    Input(body): Input<Answer>,
) -> Result<Json<Exchange>> {
    let asker = auth.require("write:statuses")?;
    let view = exchanges::answer(&ctx, asker, path_id(&id)?, body.status_ids).await?;
    Ok(Json(exchange(&ctx, &view)))
}

#[derive(Debug, Serialize)]
pub struct Story {
    pub id: String,
    pub dimensions: Vec<String>,
    pub status: entities::Status,
}

#[derive(Debug, Deserialize)]
pub struct StoryParams {
    dimension: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

pub async fn stories(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Query(params): Query<StoryParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<Story>>)> {
    let viewer = auth.viewer("read:statuses")?;
    let dimension = match nonempty(params.dimension) {
        None => None,
        Some(word) => Some(Dimension::parse(&word).ok_or_else(|| {
            Error::Validation(format!(
                "dimension is individual, micro_collaboration, joint_work or connecting_networks, not {word:?}"
            ))
        })?),
    };
    let page = params.page.page(40);
    let views = stories::list(&ctx, viewer.as_ref(), dimension, page.max_id, page.limit).await?;
    let ids: Vec<i64> = views.iter().map(|v| v.status.status.id).collect();
    let headers = next_link_header(&ctx, "/api/trellis/v1/stories", query.as_deref(), &ids);
    Ok((
        headers,
        Json(
            views
                .iter()
                .map(|v| Story {
                    id: v.status.status.id.to_string(),
                    dimensions: v.dimensions.clone(),
                    status: entities::status(&ctx.urls, &v.status),
                })
                .collect(),
        ),
    ))
}

#[derive(Debug, Deserialize)]
pub struct CountParams {
    period: Option<String>,
}

pub async fn story_counts(
    State(ctx): State<Context>,
    Query(params): Query<CountParams>,
) -> Result<Json<StoryCounts>> {
    let period = match nonempty(params.period) {
        None => Period::Month,
        Some(word) => Period::parse(&word)
            .ok_or_else(|| Error::Validation(format!("period is month or week, not {word:?}")))?,
    };
    Ok(Json(stories::counts(&ctx, period).await?))
}
