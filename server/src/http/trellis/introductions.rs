//! Introductions: `GET /api/trellis/v1/introductions` (suggested people,
//! with the reasons; `?for=ACCOUNT_ID` another member's, for weavers and
//! admins), `POST /api/trellis/v1/introductions` (introduce two
//! people), `GET /api/trellis/v1/introductions/made` and, for weavers
//! and admins, `GET /api/trellis/v1/introductions/network` (who should
//! meet whom) and `GET`/`PUT`/`POST /api/trellis/v1/introductions/digest`
//! (the weekly digest: its setting, and sending it now).

use crate::{
    domain::{Context, accounts, introductions, weavers},
    error::{Error, Result},
    http::{
        auth::Auth,
        input::{Input, count_param, flexible_bool},
        mastodon::entities,
    },
};
use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize)]
pub struct Suggested {
    pub account: entities::Account,
    pub score: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct SuggestParams {
    limit: Option<String>,
    /// Another member's id: their suggestions instead of one's own.
    #[serde(rename = "for")]
    for_member: Option<String>,
}

pub async fn suggested(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<SuggestParams>,
) -> Result<Json<Vec<Suggested>>> {
    let member = auth.require("read:accounts")?;
    let limit = count_param(params.limit.as_deref(), "limit", 20)?.clamp(1, 80) as usize;
    let found = match params.for_member.as_deref() {
        Some(id) => {
            let id = id
                .parse()
                .map_err(|_| Error::BadRequest("for must be an account id".into()))?;
            introductions::suggest_for(&ctx, &auth.user, id, limit).await?
        }
        None => introductions::suggest(&ctx, member, limit).await?,
    };
    Ok(Json(
        found
            .iter()
            .map(|(suggestion, view)| Suggested {
                account: entities::account(&ctx.urls, view),
                score: suggestion.score,
                reasons: suggestion.reasons.clone(),
            })
            .collect(),
    ))
}

/// Two members here a weaver might introduce: `member` (the one the list
/// is ordered by) should meet `meet`; the reasons are worded to `member`.
#[derive(Debug, Serialize)]
pub struct Pairing {
    pub member: entities::Account,
    /// `isolated`, `peripheral` or `core`: where `member` stands.
    pub standing: &'static str,
    pub meet: entities::Account,
    pub score: f64,
    pub reasons: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct LimitParams {
    limit: Option<String>,
}

pub async fn network(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<LimitParams>,
) -> Result<Json<Vec<Pairing>>> {
    auth.require("read:accounts")?;
    let limit = count_param(params.limit.as_deref(), "limit", 20)?.clamp(1, 80) as usize;
    let found = weavers::who_should_meet(&ctx, &auth.user, limit).await?;
    Ok(Json(
        found
            .iter()
            .map(|pairing| Pairing {
                member: entities::account(&ctx.urls, &pairing.member),
                standing: pairing.standing.as_str(),
                meet: entities::account(&ctx.urls, &pairing.meet),
                score: pairing.score,
                reasons: pairing.reasons.clone(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewIntroduction {
    /// The two people, as `name` (here) or `name@host`.
    a: String,
    b: String,
    #[serde(default)]
    note: String,
}

#[derive(Debug, Serialize)]
pub struct Made {
    pub id: String,
    pub a: String,
    pub b: String,
    pub note: String,
    pub created_at: String,
    /// When the two went on to interact, which makes the introduction a
    /// micro-collaboration.
    pub collaborated_at: Option<String>,
    pub status_id: Option<String>,
}

pub async fn introduce(
    State(ctx): State<Context>,
    auth: Auth,
    Input(body): Input<NewIntroduction>,
) -> Result<Json<entities::Status>> {
    let introducer = auth.require("write:statuses")?;
    let first = accounts::by_acct(&ctx, &body.a).await?;
    let second = accounts::by_acct(&ctx, &body.b).await?;
    let weaves = accounts::can_weave(&auth.user);
    let draft = introductions::check(&ctx, introducer, weaves, first, second, &body.note).await?;
    let message = introductions::introduce(&ctx, introducer, draft).await?;
    Ok(Json(entities::status(&ctx.urls, &message)))
}

pub async fn made(State(ctx): State<Context>, auth: Auth) -> Result<Json<Vec<Made>>> {
    let introducer = auth.require("read:statuses")?;
    let made = introductions::made_by(&ctx, introducer).await?;
    Ok(Json(
        made.iter()
            .map(|(intro, first, second)| Made {
                id: intro.id.to_string(),
                a: first.acct(),
                b: second.acct(),
                note: intro.note.clone(),
                created_at: entities::iso(intro.created_at),
                collaborated_at: intro.collaborated_at.map(entities::iso),
                status_id: intro.status_id.map(|id| id.to_string()),
            })
            .collect(),
    ))
}

/// The introductions digest setting.
#[derive(Debug, Serialize)]
pub struct Digest {
    pub weekly: bool,
    pub last_sent_at: Option<String>,
}

fn digest_entity(digest: &weavers::Digest) -> Digest {
    Digest {
        weekly: digest.weekly,
        last_sent_at: digest.last_sent_at.map(entities::iso),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DigestChange {
    #[serde(default, deserialize_with = "flexible_bool")]
    weekly: Option<bool>,
}

pub async fn digest(State(ctx): State<Context>, auth: Auth) -> Result<Json<Digest>> {
    auth.require("read:accounts")?;
    Ok(Json(digest_entity(
        &weavers::digest(&ctx, &auth.user).await?,
    )))
}

pub async fn set_digest(
    State(ctx): State<Context>,
    auth: Auth,
    Input(change): Input<DigestChange>,
) -> Result<Json<Digest>> {
    auth.require("write:accounts")?;
    let weekly = change
        .weekly
        .ok_or_else(|| Error::Validation("weekly is required: true or false".into()))?;
    let digest = weavers::set_weekly(&ctx, &auth.user, weekly).await?;
    Ok(Json(digest_entity(&digest)))
}

/// 202: the messages go out in the background.
pub async fn send_digest(
    State(ctx): State<Context>,
    auth: Auth,
) -> Result<(StatusCode, Json<Digest>)> {
    auth.require("write:statuses")?;
    let digest = weavers::send_now(&ctx, &auth.user).await?;
    Ok((StatusCode::ACCEPTED, Json(digest_entity(&digest))))
}
