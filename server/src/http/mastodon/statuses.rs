//! https://docs.joinmastodon.org/methods/statuses/

use super::entities;
use crate::{
    domain::{
        Context, interactions,
        polls::PollDraft,
        statuses::{self, NewStatus},
        text,
    },
    error::Result,
    federation::{Data, resolve},
    http::{
        auth::{Auth, MaybeAuth},
        input::{Input, flexible_bool, flexible_id, path_id, sent_id_list},
    },
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct CreateStatus {
    #[serde(default)]
    status: String,
    #[serde(default, deserialize_with = "flexible_id")]
    in_reply_to_id: Option<i64>,
    visibility: Option<String>,
    spoiler_text: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    sensitive: Option<bool>,
    language: Option<String>,
    /// Trellis: what the post is for (`question`, `offer`…).
    kind: Option<String>,
    /// Trellis: a story's dimensions.
    #[serde(default)]
    dimensions: Vec<String>,
    /// On an edit, sent or not decides whether the media change.
    #[serde(default, deserialize_with = "sent_id_list")]
    media_ids: Option<Vec<i64>>,
    /// Mastodon 4.5: the status this one quotes.
    #[serde(default, deserialize_with = "flexible_id")]
    quoted_status_id: Option<i64>,
    #[serde(flatten)]
    poll: PollFields,
}

/// A poll as apps send it: `poll` as a JSON object, or form fields named
/// `poll[options][]`, `poll[expires_in]`…
#[derive(Debug, Default, Deserialize)]
struct PollFields {
    #[serde(default)]
    poll: Option<PollDraft>,
    #[serde(rename = "poll[options]", default)]
    options: Vec<String>,
    #[serde(rename = "poll[expires_in]", default, deserialize_with = "flexible_id")]
    expires_in: Option<i64>,
    #[serde(rename = "poll[multiple]", default, deserialize_with = "flexible_bool")]
    multiple: Option<bool>,
    #[serde(
        rename = "poll[hide_totals]",
        default,
        deserialize_with = "flexible_bool"
    )]
    hide_totals: Option<bool>,
}

impl PollFields {
    fn into_draft(self) -> Option<PollDraft> {
        if let Some(draft) = self.poll {
            return Some(draft);
        }
        if self.options.is_empty() && self.expires_in.is_none() {
            return None;
        }
        Some(PollDraft {
            options: self.options,
            expires_in: self.expires_in,
            multiple: self.multiple,
            hide_totals: self.hide_totals,
        })
    }
}

/// The status as the domain takes it, with the accounts its mentions name
/// (fetched from their servers when unknown).
async fn with_mentions(data: &Data, form: CreateStatus) -> (NewStatus, text::ResolvedMentions) {
    let handles = text::mentions(&form.status, &data.urls.domain());
    let resolved = resolve::mentions(data, handles).await;
    let input = NewStatus {
        text: form.status,
        in_reply_to_id: form.in_reply_to_id,
        visibility: form.visibility,
        spoiler_text: form.spoiler_text,
        sensitive: form.sensitive.unwrap_or(false),
        language: form.language,
        idempotency_key: None,
        kind: form.kind,
        dimensions: form.dimensions,
        introduction: None,
        media_changed: form.media_ids.is_some(),
        media_ids: form.media_ids.unwrap_or_default(),
        quoted_status_id: form.quoted_status_id,
        poll: form.poll.into_draft(),
    };
    (input, resolved)
}

pub async fn create(
    State(ctx): State<Context>,
    data: Data,
    auth: Auth,
    headers: axum::http::HeaderMap,
    Input(form): Input<CreateStatus>,
) -> Result<Json<entities::Status>> {
    let author = auth.require("write:statuses")?;
    let (mut input, resolved) = with_mentions(&data, form).await;
    input.idempotency_key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(String::from);
    let view = statuses::create(&ctx, author, input, resolved).await?;
    Ok(Json(entities::status(&ctx.urls, &view)))
}

/// `PUT /api/v1/statuses/:id`: a new text for the status, sent to everyone
/// who received it.
pub async fn edit(
    State(ctx): State<Context>,
    data: Data,
    auth: Auth,
    Path(id): Path<String>,
    Input(form): Input<CreateStatus>,
) -> Result<Json<entities::Status>> {
    let author = auth.require("write:statuses")?;
    let (input, resolved) = with_mentions(&data, form).await;
    let view = statuses::edit(&ctx, author, path_id(&id)?, input, resolved).await?;
    Ok(Json(entities::status(&ctx.urls, &view)))
}

pub async fn show(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    let viewer = auth.viewer("read:statuses")?;
    let view = statuses::view(&ctx, viewer.as_ref(), path_id(&id)?).await?;
    Ok(Json(entities::status(&ctx.urls, &view)))
}

/// The versions of a status, oldest first, ending with the current one.
pub async fn history(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::StatusEdit>>> {
    let viewer = auth.viewer("read:statuses")?;
    let (view, versions) = statuses::history(&ctx, viewer.as_ref(), path_id(&id)?).await?;
    Ok(Json(
        versions
            .iter()
            .map(|version| entities::status_edit(&ctx.urls, &view.author, version))
            .collect(),
    ))
}

/// Answers with the deleted status and its source text, for redrafting.
pub async fn delete(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    let author = auth.require("write:statuses")?;
    let view = statuses::delete(&ctx, author, path_id(&id)?).await?;
    let mut entity = entities::status(&ctx.urls, &view);
    entity.text = view.status.source_text.clone();
    Ok(Json(entity))
}

async fn current(ctx: &Context, auth: &Auth, id: i64) -> Result<Json<entities::Status>> {
    let view = statuses::view(ctx, Some(&auth.account), id).await?;
    Ok(Json(entities::status(&ctx.urls, &view)))
}

pub async fn favourite(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    let id = path_id(&id)?;
    interactions::favourite(&ctx, auth.require("write:favourites")?, id).await?;
    current(&ctx, &auth, id).await
}

pub async fn unfavourite(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    let id = path_id(&id)?;
    interactions::unfavourite(&ctx, auth.require("write:favourites")?, id).await?;
    current(&ctx, &auth, id).await
}

/// Answers with the boost, whose `reblog` is the boosted status.
pub async fn reblog(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    let boost_id =
        interactions::reblog(&ctx, auth.require("write:statuses")?, path_id(&id)?).await?;
    current(&ctx, &auth, boost_id).await
}

pub async fn unreblog(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    let id = path_id(&id)?;
    interactions::unreblog(&ctx, auth.require("write:statuses")?, id).await?;
    current(&ctx, &auth, id).await
}

/// `GET /api/v1/statuses/:id/context`
pub async fn context(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let viewer = auth.viewer("read:statuses")?;
    let (ancestors, descendants) = statuses::context(&ctx, viewer.as_ref(), path_id(&id)?).await?;
    let shape = |views: &[crate::domain::views::StatusView]| -> Vec<entities::Status> {
        views
            .iter()
            .map(|v| entities::status(&ctx.urls, v))
            .collect()
    };
    Ok(Json(serde_json::json!({
        "ancestors": shape(&ancestors),
        "descendants": shape(&descendants),
    })))
}

async fn interacted(
    ctx: &Context,
    auth: &MaybeAuth,
    id: &str,
    boosts: bool,
) -> Result<Json<Vec<entities::Account>>> {
    let viewer = auth.viewer("read:accounts")?;
    let accounts = statuses::interacted(ctx, viewer.as_ref(), path_id(id)?, boosts).await?;
    Ok(Json(
        accounts
            .iter()
            .map(|a| entities::account(&ctx.urls, a))
            .collect(),
    ))
}

/// `GET /api/v1/statuses/:id/favourited_by`
pub async fn favourited_by(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::Account>>> {
    interacted(&ctx, &auth, &id, false).await
}

/// `GET /api/v1/statuses/:id/reblogged_by`
pub async fn reblogged_by(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
) -> Result<Json<Vec<entities::Account>>> {
    interacted(&ctx, &auth, &id, true).await
}

/// `GET /api/v1/statuses/:id/source`: the text as typed, for editing.
pub async fn source(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>> {
    let author = auth.require("read:statuses")?;
    let view = statuses::view(&ctx, Some(author), path_id(&id)?).await?;
    if view.status.account_id != author.id {
        return Err(crate::error::Error::not_found());
    }
    Ok(Json(serde_json::json!({
        "id": view.status.id.to_string(),
        "text": view.status.source_text.unwrap_or_default(),
        "spoiler_text": view.status.spoiler_text,
    })))
}

async fn mark(
    ctx: &Context,
    auth: &Auth,
    id: &str,
    pin: bool,
    on: bool,
) -> Result<Json<entities::Status>> {
    let id = path_id(id)?;
    if pin {
        interactions::pin(ctx, auth.require("write:accounts")?, id, on).await?;
    } else {
        interactions::bookmark(ctx, auth.require("write:bookmarks")?, id, on).await?;
    }
    current(ctx, auth, id).await
}

pub async fn bookmark(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    mark(&ctx, &auth, &id, false, true).await
}

pub async fn unbookmark(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    mark(&ctx, &auth, &id, false, false).await
}

pub async fn pin(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    mark(&ctx, &auth, &id, true, true).await
}

pub async fn unpin(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Status>> {
    mark(&ctx, &auth, &id, true, false).await
}
