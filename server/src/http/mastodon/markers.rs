//! https://docs.joinmastodon.org/methods/markers/

use super::entities::iso;
use crate::{
    domain::{Context, timelines},
    error::Result,
    http::{auth::Auth, input::Input},
};
use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Map, Value, json};

fn shape(markers: Vec<crate::domain::Marker>) -> Value {
    let entries: Map<String, Value> = markers
        .into_iter()
        .map(|m| {
            (
                m.timeline.clone(),
                json!({
                    "last_read_id": m.last_read_id.to_string(),
                    "version": m.version,
                    "updated_at": iso(m.updated_at),
                }),
            )
        })
        .collect();
    Value::Object(entries)
}

pub async fn get(State(ctx): State<Context>, auth: Auth) -> Result<Json<Value>> {
    let account = auth.require("read:statuses")?;
    Ok(Json(shape(timelines::markers(&ctx, account).await?)))
}

#[derive(Debug, Deserialize)]
pub struct MarkerInput {
    #[serde(deserialize_with = "crate::http::input::flexible_id")]
    last_read_id: Option<i64>,
}

/// `POST /api/v1/markers` with `home[last_read_id]` (form) or
/// `{"home": {"last_read_id": "…"}}` (JSON).
pub async fn save(
    State(ctx): State<Context>,
    auth: Auth,
    Input(form): Input<Value>,
) -> Result<Json<Value>> {
    let account = auth.require("write:statuses")?;
    let mut saved = Vec::new();
    for timeline in timelines::MARKER_TIMELINES {
        let nested = form.get(timeline).cloned();
        let flat = form
            .get(format!("{timeline}[last_read_id]"))
            .map(|id| json!({ "last_read_id": id }));
        let Some(input) = nested.or(flat) else {
            continue;
        };
        let input: MarkerInput = serde_json::from_value(input)
            .map_err(|e| crate::error::Error::Validation(format!("{timeline}: {e}")))?;
        if let Some(id) = input.last_read_id {
            saved.push(timelines::save_marker(&ctx, account, timeline, id).await?);
        }
    }
    Ok(Json(shape(saved)))
}
