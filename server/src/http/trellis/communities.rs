//! Communities of practice: `POST` and `GET /api/trellis/v1/communities`,
//! and `GET /api/trellis/v1/communities/:name`.

use crate::{
    domain::{
        Context, Page, accounts,
        communities::{self, CommunityView, NewCommunity, Policy},
        follows, links,
    },
    error::{Error, Result},
    federation::{Data, resolve},
    http::{
        auth::Auth,
        input::{Input, path_id},
        mastodon::entities,
    },
};
use axum::{
    Json,
    extract::{Path, Query, State},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

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
        members_count: view.members,
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
    let view = communities::create(&ctx, creator, auth.user.admin, new).await?;
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewModerator {
    /// The member's handle (`name`, as they are local).
    account: String,
}

/// A moderator names another member of this server as moderator.
pub async fn add_moderator(
    State(ctx): State<Context>,
    auth: Auth,
    Path(name): Path<String>,
    Input(body): Input<NewModerator>,
) -> Result<Json<Community>> {
    let moderator = auth.require("write:accounts")?;
    let new = accounts::by_acct(&ctx, &body.account)
        .await?
        .ok_or_else(|| Error::Validation(format!("no member {:?} here", body.account)))?;
    let view = communities::add_moderator(&ctx, moderator, &name, &new).await?;
    Ok(Json(community(&ctx, &view)))
}

/// The accounts waiting to join a community that approves its members.
pub async fn join_requests(
    State(ctx): State<Context>,
    auth: Auth,
    Path(name): Path<String>,
) -> Result<Json<Vec<entities::Account>>> {
    let moderator = auth.require("read:follows")?;
    let group = communities::moderated_account(&ctx, moderator, &name).await?;
    let all = Page {
        limit: 80,
        ..Page::default()
    };
    let (views, _) = follows::list(&ctx, group.id, true, true, all).await?;
    // Other communities asking to link are answered under `links`.
    Ok(Json(
        views
            .iter()
            .filter(|v| v.account.actor_type != "Group")
            .map(|v| entities::account(&ctx.urls, v))
            .collect(),
    ))
}

async fn answer(
    ctx: &Context,
    auth: &Auth,
    name: &str,
    id: &str,
    accept: bool,
) -> Result<Json<Value>> {
    let moderator = auth.require("write:follows")?;
    let group = communities::moderated_account(ctx, moderator, name).await?;
    follows::answer_request(ctx, &group, path_id(id)?, accept).await?;
    Ok(Json(json!({})))
}

pub async fn accept_request(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    answer(&ctx, &auth, &name, &id, true).await
}

pub async fn reject_request(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    answer(&ctx, &auth, &name, &id, false).await
}

/// `POST …/members/:account_id/{remove,ban}`: a moderator removes a member
/// from the community, or bans them (they cannot join again).
pub async fn remove_member(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, account_id, how)): Path<(String, String, String)>,
) -> Result<Json<Value>> {
    let moderator = auth.require("write:follows")?;
    let ban = match how.as_str() {
        "remove" => false,
        "ban" => true,
        _ => return Err(crate::error::Error::not_found()),
    };
    communities::remove_member(&ctx, moderator, &name, path_id(&account_id)?, ban).await?;
    Ok(Json(json!({})))
}

/// A moderator takes back a post the community re-shared.
pub async fn remove_share(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, status_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let moderator = auth.require("write:statuses")?;
    communities::remove_share(&ctx, moderator, &name, path_id(&status_id)?).await?;
    Ok(Json(json!({})))
}

/// A link as `GET …/links` shows it.
#[derive(Debug, Serialize)]
pub struct Link {
    pub id: String,
    /// The other community, as `name@host` (or `name` here).
    pub target: String,
    pub direction: String,
    pub flow: String,
    pub state: String,
}

fn link(view: &links::LinkView) -> Link {
    Link {
        id: view.link.id.to_string(),
        target: view.target.acct(),
        direction: view.link.direction.clone(),
        flow: view.link.flow.clone(),
        state: view.link.state.clone(),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    /// The other community, `name@host` or a local `name`.
    target: String,
    direction: links::Direction,
}

/// A moderator asks another community for a link.
pub async fn request_link(
    State(ctx): State<Context>,
    data: Data,
    auth: Auth,
    Path(name): Path<String>,
    Input(body): Input<NewLink>,
) -> Result<Json<Link>> {
    let moderator = auth.require("write:follows")?;
    // Checked before anything is fetched for a stranger.
    communities::moderated_account(&ctx, moderator, &name).await?;
    let target = resolve::account_by_acct(&data, &body.target, true)
        .await?
        .ok_or_else(|| Error::Validation(format!("no community {:?} found", body.target)))?;
    let view = links::request(&ctx, moderator, &name, &target, body.direction).await?;
    Ok(Json(link(&view)))
}

pub async fn list_links(
    State(ctx): State<Context>,
    Path(name): Path<String>,
) -> Result<Json<Vec<Link>>> {
    let views = links::list(&ctx, &name).await?;
    Ok(Json(views.iter().map(link).collect()))
}

pub async fn accept_link(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<Link>> {
    let moderator = auth.require("write:follows")?;
    let view = links::answer(&ctx, moderator, &name, path_id(&id)?, true).await?;
    Ok(Json(link(&view)))
}

pub async fn reject_link(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<Link>> {
    let moderator = auth.require("write:follows")?;
    let view = links::answer(&ctx, moderator, &name, path_id(&id)?, false).await?;
    Ok(Json(link(&view)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkChanges {
    flow: links::Flow,
}

/// A moderator changes what their side sends across a link.
pub async fn change_link(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, id)): Path<(String, String)>,
    Input(body): Input<LinkChanges>,
) -> Result<Json<Link>> {
    let moderator = auth.require("write:follows")?;
    let view = links::set_flow(&ctx, moderator, &name, path_id(&id)?, body.flow).await?;
    Ok(Json(link(&view)))
}

pub async fn remove_link(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let moderator = auth.require("write:follows")?;
    links::remove(&ctx, moderator, &name, path_id(&id)?).await?;
    Ok(Json(json!({})))
}

/// A moderator picks a post to cross the community's curated links.
pub async fn pick(
    State(ctx): State<Context>,
    auth: Auth,
    Path((name, status_id)): Path<(String, String)>,
) -> Result<Json<Value>> {
    let moderator = auth.require("write:statuses")?;
    communities::pick(&ctx, moderator, &name, path_id(&status_id)?).await?;
    Ok(Json(json!({})))
}
