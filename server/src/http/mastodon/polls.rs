//! https://docs.joinmastodon.org/methods/polls/

use super::entities;
use crate::{
    domain::{Context, polls},
    error::{Error, Result},
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

/// `GET /api/v1/polls/:id`
pub async fn show(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<entities::Poll>> {
    let viewer = auth.viewer("read:statuses")?;
    let view = polls::view(&ctx, viewer.as_ref(), path_id(&id)?).await?;
    Ok(Json(entities::poll(&view)))
}

#[derive(Debug, Deserialize)]
pub struct Votes {
    /// Option indexes from 0, as strings (forms) or numbers (JSON).
    #[serde(default)]
    choices: Vec<serde_json::Value>,
}

/// `POST /api/v1/polls/:id/votes`
pub async fn vote(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
    Input(form): Input<Votes>,
) -> Result<Json<entities::Poll>> {
    let voter = auth.require("write:statuses")?;
    let choices = form
        .choices
        .iter()
        .map(|choice| {
            let index = match choice {
                serde_json::Value::Number(n) => n.as_i64(),
                serde_json::Value::String(text) => text.parse().ok(),
                _ => None,
            };
            index
                .and_then(|i| i32::try_from(i).ok())
                .ok_or_else(|| Error::Validation(format!("{choice} is not an option number")))
        })
        .collect::<Result<Vec<i32>>>()?;
    let view = polls::vote(&ctx, voter, path_id(&id)?, choices).await?;
    Ok(Json(entities::poll(&view)))
}
