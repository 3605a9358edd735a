//! https://docs.joinmastodon.org/methods/timelines/

use super::{PageParams, entities, link_header};
use crate::{
    domain::{Context, timelines},
    error::Result,
    http::auth::Auth,
};
use axum::{
    Json,
    extract::{Query, RawQuery, State},
    http::HeaderMap,
};

pub async fn home(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let account = auth.require("read:statuses")?;
    let views = timelines::home(&ctx, account, params.page(40)).await?;
    let headers = link_header(&ctx, "/api/v1/timelines/home", query.as_deref(), &views);
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
