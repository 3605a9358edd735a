//! Uploads: https://docs.joinmastodon.org/methods/media/. Images are
//! processed while the request waits, so `POST /api/v2/media` answers 200
//! with the finished attachment (never 202).

use super::entities;
use crate::{
    domain::{Context, media},
    error::{Error, Result},
    http::{
        auth::Auth,
        input::{Input, WithFiles, path_id},
    },
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct MediaForm {
    description: Option<String>,
    focus: Option<String>,
}

/// `POST /api/v2/media` and `POST /api/v1/media`: `file`, with an optional
/// `description` and `focus`.
pub async fn upload(
    State(ctx): State<Context>,
    auth: Auth,
    mut form: WithFiles<MediaForm>,
) -> Result<Json<entities::MediaAttachment>> {
    let account = auth.require("write:media")?;
    let bytes = form
        .take_file("file")
        .ok_or_else(|| Error::Validation("send the image as the multipart field `file`".into()))?;
    let upload = media::Upload {
        bytes,
        description: form.fields.description,
        focus: form.fields.focus,
    };
    let stored = media::upload(&ctx, account, upload).await?;
    Ok(Json(entities::media_attachment(&ctx.urls, &stored)))
}

/// `GET /api/v1/media/:id`: one of the member's own uploads.
pub async fn show(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::MediaAttachment>> {
    let account = auth.require("write:media")?;
    let found = media::own(&ctx, account, path_id(&id)?).await?;
    Ok(Json(entities::media_attachment(&ctx.urls, &found)))
}

/// `PUT /api/v1/media/:id`: a new description or focal point.
pub async fn update(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
    Input(form): Input<MediaForm>,
) -> Result<Json<entities::MediaAttachment>> {
    let account = auth.require("write:media")?;
    let changed =
        media::describe(&ctx, account, path_id(&id)?, form.description, form.focus).await?;
    Ok(Json(entities::media_attachment(&ctx.urls, &changed)))
}
