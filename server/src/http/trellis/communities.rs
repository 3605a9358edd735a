//! Communities of practice: `POST` and `GET /api/trellis/v1/communities`,
//! and `GET /api/trellis/v1/communities/:name`.

use crate::{
    domain::{
        Context,
        communities::{self, CommunityView, NewCommunity, Policy},
    },
    error::Result,
    http::{auth::Auth, input::Input, mastodon::entities},
};
use axum::{
    Json,
    extract::{Path, Query, State},
};
use serde::{Deserialize, Serialize};

/// A community as this API shows it, with the account apps know it by.
#[derive(Debug, Serialize)]
pub struct Community {
    pub id: String,
    pub name: String,
    pub acct: String,
    pub display_name: String,
    pub summary: String,
    pub role: String,
    pub place: String,
    pub join_policy: Policy,
    pub link_policy: Policy,
    pub local: bool,
    pub members_count: i64,
    pub url: String,
    pub moderators: Vec<String>,
    pub account: entities::Account,
}

fn community(ctx: &Context, view: &CommunityView) -> Community {
    let account = &view.account.account;
    Community {
        id: account.id.to_string(),
        name: account.username.clone(),
        acct: account.acct(),
        display_name: account.display_name.clone(),
        summary: account.note.clone(),
        role: view.role.clone(),
        place: view.place.clone(),
        join_policy: view.join_policy,
        link_policy: view.link_policy,
        local: account.local,
        members_count: view.account.followers_count,
        url: account.url.clone().unwrap_or_else(|| account.ap_id.clone()),
        moderators: view.moderators.iter().map(|m| m.acct()).collect(),
        account: entities::account(&ctx.urls, &view.account),
    }
}

/// Any member may start a community and becomes its first moderator.
pub async fn create(
    State(ctx): State<Context>,
    auth: Auth,
    Input(new): Input<NewCommunity>,
) -> Result<Json<Community>> {
    let creator = auth.require("write:accounts")?;
    let view = communities::create(&ctx, creator, new).await?;
    Ok(Json(community(&ctx, &view)))
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    role: Option<String>,
    place: Option<String>,
}

pub async fn list(
    State(ctx): State<Context>,
    Query(params): Query<ListParams>,
) -> Result<Json<Vec<Community>>> {
    let nonempty = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
    let views = communities::list(&ctx, nonempty(params.role), nonempty(params.place)).await?;
    Ok(Json(views.iter().map(|v| community(&ctx, v)).collect()))
}

pub async fn show(State(ctx): State<Context>, Path(name): Path<String>) -> Result<Json<Community>> {
    let view = communities::local(&ctx, &name).await?;
    Ok(Json(community(&ctx, &view)))
}
