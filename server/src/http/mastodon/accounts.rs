//! https://docs.joinmastodon.org/methods/accounts/

use super::{PageParams, entities, status_page};
use crate::{
    domain::{Account, Context, accounts, blocks, follows, media, timelines},
    error::{Error, Result},
    http::{
        auth::{Auth, MaybeAuth},
        input::{Input, WithFiles, count_param, flexible_bool, path_id},
    },
};
use axum::{
    Json,
    extract::{Path, Query, RawQuery, State},
    http::HeaderMap,
};
use serde::Deserialize;

pub async fn verify_credentials(
    State(ctx): State<Context>,
    auth: Auth,
) -> Result<Json<entities::Account>> {
    let account = auth.require("read:accounts")?.clone();
    let requests = follows::pending_count(&ctx, account.id).await?;
    let view = accounts::view(&ctx, account).await?;
    Ok(Json(entities::credential_account(
        &ctx.urls, &view, requests,
    )))
}

#[derive(Debug, Deserialize)]
pub struct LookupParams {
    acct: String,
}

/// Finds an account by handle without contacting other servers.
pub async fn lookup(
    State(ctx): State<Context>,
    Query(params): Query<LookupParams>,
) -> Result<Json<entities::Account>> {
    let account = accounts::by_acct(&ctx, &params.acct)
        .await?
        .ok_or_else(Error::not_found)?;
    let view = accounts::view(&ctx, account).await?;
    Ok(Json(entities::account(&ctx.urls, &view)))
}

pub async fn show(
    State(ctx): State<Context>,
    Path(id): Path<String>,
) -> Result<Json<entities::Account>> {
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let view = accounts::view(&ctx, account).await?;
    Ok(Json(entities::account(&ctx.urls, &view)))
}

#[derive(Debug, Deserialize)]
pub struct StatusesParams {
    #[serde(flatten)]
    page: PageParams,
    #[serde(default, deserialize_with = "flexible_bool")]
    exclude_replies: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    exclude_reblogs: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pinned: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    only_media: Option<bool>,
    tagged: Option<String>,
}

pub async fn statuses(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Path(id): Path<String>,
    Query(params): Query<StatusesParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Status>>)> {
    let viewer = auth.viewer("read:statuses")?;
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let views = if params.pinned.unwrap_or(false) {
        let all = crate::domain::Page {
            limit: 40,
            ..Default::default()
        };
        timelines::marked(
            &ctx,
            viewer.as_ref(),
            &account,
            crate::domain::Mark::Pin,
            all,
        )
        .await?
        .0
    } else {
        timelines::account_statuses(
            &ctx,
            viewer.as_ref(),
            &account,
            crate::domain::timelines::AccountFilter {
                exclude_replies: params.exclude_replies.unwrap_or(false),
                exclude_reblogs: params.exclude_reblogs.unwrap_or(false),
                tagged: params
                    .tagged
                    .as_deref()
                    .map(|t| t.trim_start_matches('#').to_lowercase())
                    .filter(|t| !t.is_empty()),
                only_media: params.only_media.unwrap_or(false),
            },
            params.page.page(40),
        )
        .await?
    };
    let path = format!("/api/v1/accounts/{}/statuses", account.id);
    Ok(status_page(&ctx, &path, query.as_deref(), &views, None))
}

#[derive(Debug, Default, Deserialize)]
pub struct FollowParams {
    #[serde(default, deserialize_with = "flexible_bool")]
    reblogs: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    notify: Option<bool>,
}

/// Follows, or with the account already followed changes whether its
/// boosts show and whether each new post is notified.
pub async fn follow(
    data: crate::federation::Data,
    auth: Auth,
    Path(id): Path<String>,
    Input(params): Input<FollowParams>,
) -> Result<Json<entities::Relationship>> {
    let follower = auth.require("write:follows")?;
    let target = accounts::visible_by_id(&data, path_id(&id)?).await?;
    let options = follows::FollowOptions {
        notify: params.notify,
        reblogs: params.reblogs,
    };
    follows::follow(&data, follower, &target, options).await?;
    crate::federation::backfill::after_follow(&data, follower, &target);
    relationship(&data, follower, target.id).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NoteParams {
    #[serde(default)]
    comment: Option<String>,
}

/// Sets the member's private note on an account.
pub async fn note(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
    Input(params): Input<NoteParams>,
) -> Result<Json<entities::Relationship>> {
    let viewer = auth.require("write:accounts")?;
    let target = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let comment = params.comment.unwrap_or_default();
    accounts::set_note(&ctx, viewer, &target, &comment).await?;
    relationship(&ctx, viewer, target.id).await
}

/// For each account asked about, the accounts the member follows that
/// follow it too.
pub async fn familiar_followers(
    State(ctx): State<Context>,
    auth: Auth,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<entities::FamiliarFollowers>>> {
    let viewer = auth.require("read:follows")?;
    let ids = ids_param(query.as_deref())?;
    let familiar = accounts::familiar_followers(&ctx, viewer, ids).await?;
    Ok(Json(
        familiar
            .iter()
            .map(|(id, views)| entities::FamiliarFollowers {
                id: id.to_string(),
                accounts: views
                    .iter()
                    .map(|v| entities::account(&ctx.urls, v))
                    .collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct DirectoryParams {
    offset: Option<String>,
    limit: Option<String>,
    order: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    local: Option<bool>,
}

/// `GET /api/v1/directory`: the accounts that chose to be listed.
pub async fn directory(
    State(ctx): State<Context>,
    Query(params): Query<DirectoryParams>,
) -> Result<Json<Vec<entities::Account>>> {
    let order = match params.order.as_deref() {
        None | Some("active") => accounts::DirectoryOrder::Active,
        Some("new") => accounts::DirectoryOrder::New,
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "order must be active or new, not {other:?}"
            )));
        }
    };
    let offset = count_param(params.offset.as_deref(), "offset", 0)? as usize;
    let limit = count_param(params.limit.as_deref(), "limit", 40)?.clamp(1, 80) as usize;
    let views =
        accounts::directory(&ctx, order, params.local.unwrap_or(false), offset, limit).await?;
    Ok(Json(
        views
            .iter()
            .map(|v| entities::account(&ctx.urls, v))
            .collect(),
    ))
}

pub async fn unfollow(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    let follower = auth.require("write:follows")?;
    let target = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    follows::unfollow(&ctx, follower, &target).await?;
    relationship(&ctx, follower, target.id).await
}

async fn relationship(
    ctx: &Context,
    viewer: &Account,
    other_id: i64,
) -> Result<Json<entities::Relationship>> {
    let state = follows::relationship(ctx, viewer.id, other_id).await?;
    Ok(Json(entities::relationship(other_id, state)))
}

/// `GET /api/v1/accounts/relationships?id[]=1&id[]=2` (or `id=1`).
pub async fn relationships(
    State(ctx): State<Context>,
    auth: Auth,
    RawQuery(query): RawQuery,
) -> Result<Json<Vec<entities::Relationship>>> {
    let viewer = auth.require("read:follows")?;
    let mut out = Vec::new();
    for id in ids_param(query.as_deref())? {
        let state = follows::relationship(&ctx, viewer.id, id).await?;
        out.push(entities::relationship(id, state));
    }
    Ok(Json(out))
}

/// The account ids of a query like `id[]=1&id[]=2` (or `id=1`); ids that
/// are not numbers are skipped, as they can match no account.
fn ids_param(query: Option<&str>) -> Result<Vec<i64>> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query.unwrap_or_default())
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    Ok(pairs
        .into_iter()
        .filter(|(key, _)| key == "id" || key == "id[]")
        .filter_map(|(_, value)| value.parse().ok())
        .collect())
}

/// Profile changes as apps send them: JSON, or form fields with
/// `fields_attributes[0][name]`-style keys.
fn profile_changes(form: &serde_json::Value) -> Result<accounts::ProfileChanges> {
    let text = |key: &str| form.get(key).and_then(|v| v.as_str()).map(String::from);
    let flag = |key: &str| -> Result<Option<bool>> {
        match form.get(key) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(value) => {
                flexible_bool(value.clone()).map_err(|e| Error::Validation(format!("{key}: {e}")))
            }
        }
    };
    let mut fields: Option<Vec<(usize, String, String)>> = None;
    let mut add = |index: usize, name: Option<&str>, value: Option<&str>| {
        let list = fields.get_or_insert_with(Vec::new);
        let position = match list.iter().position(|(i, _, _)| *i == index) {
            Some(position) => position,
            None => {
                list.push((index, String::new(), String::new()));
                list.len() - 1
            }
        };
        if let Some(name) = name {
            list[position].1 = name.to_string();
        }
        if let Some(value) = value {
            list[position].2 = value.to_string();
        }
    };
    match form.get("fields_attributes") {
        Some(serde_json::Value::Array(items)) => {
            for (index, item) in items.iter().enumerate() {
                add(index, item["name"].as_str(), item["value"].as_str());
            }
        }
        Some(serde_json::Value::Object(items)) => {
            for (key, item) in items {
                let index = key
                    .parse()
                    .map_err(|_| Error::Validation(format!("fields_attributes key {key:?}")))?;
                add(index, item["name"].as_str(), item["value"].as_str());
            }
        }
        _ => {}
    }
    if let Some(object) = form.as_object() {
        for (key, value) in object {
            let Some(rest) = key.strip_prefix("fields_attributes[") else {
                continue;
            };
            let Some((index, part)) = rest.split_once("][") else {
                continue;
            };
            let index = index
                .parse()
                .map_err(|_| Error::Validation(format!("bad key {key:?}")))?;
            match part.trim_end_matches(']') {
                "name" => add(index, value.as_str(), None),
                "value" => add(index, None, value.as_str()),
                _ => {}
            }
        }
    }
    Ok(accounts::ProfileChanges {
        display_name: text("display_name"),
        note: text("note"),
        locked: flag("locked")?,
        bot: flag("bot")?,
        discoverable: flag("discoverable")?,
        fields: fields.map(|mut list| {
            list.sort_by_key(|(index, _, _)| *index);
            list.into_iter()
                .map(|(_, name, value)| (name, value))
                .collect()
        }),
        images: Vec::new(),
    })
}

/// `PATCH /api/v1/accounts/update_credentials`
/// `avatar` and `header` come as files in a multipart body; the other
/// fields as form fields or JSON. Everything is checked before anything is
/// written: a bad field leaves the images as they were.
pub async fn update_credentials(
    State(ctx): State<Context>,
    auth: Auth,
    mut form: WithFiles<serde_json::Value>,
) -> Result<Json<entities::Account>> {
    let account = auth.require("write:accounts")?;
    let mut changes = profile_changes(&form.fields)?;
    for role in [media::AVATAR, media::HEADER] {
        if let Some(bytes) = form.take_file(role) {
            let image = media::prepare_profile_image(&ctx, account, role, bytes).await;
            match image {
                Ok(image) => changes.images.push(image),
                Err(error) => {
                    media::remove_files(&ctx, std::mem::take(&mut changes.images)).await;
                    return Err(error);
                }
            }
        }
    }
    let updated = accounts::update_profile(&ctx, account, changes).await?;
    let requests = follows::pending_count(&ctx, updated.id).await?;
    let view = accounts::view(&ctx, updated).await?;
    Ok(Json(entities::credential_account(
        &ctx.urls, &view, requests,
    )))
}

async fn follow_list(
    ctx: &Context,
    account_id: i64,
    incoming: bool,
    pending: bool,
    path: &str,
    params: &PageParams,
    query: Option<&str>,
) -> Result<(HeaderMap, Json<Vec<entities::Account>>)> {
    let (views, ids) = follows::list(ctx, account_id, incoming, pending, params.page(80)).await?;
    let headers = super::link_header_for_ids(ctx, path, query, &ids);
    Ok((
        headers,
        Json(
            views
                .iter()
                .map(|v| entities::account(&ctx.urls, v))
                .collect(),
        ),
    ))
}

/// `GET /api/v1/accounts/:id/followers`: those known here.
pub async fn followers(
    State(ctx): State<Context>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Account>>)> {
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let path = format!("/api/v1/accounts/{}/followers", account.id);
    follow_list(
        &ctx,
        account.id,
        true,
        false,
        &path,
        &params,
        query.as_deref(),
    )
    .await
}

/// `GET /api/v1/accounts/:id/following`: those known here.
pub async fn following(
    State(ctx): State<Context>,
    Path(id): Path<String>,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Account>>)> {
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    let path = format!("/api/v1/accounts/{}/following", account.id);
    follow_list(
        &ctx,
        account.id,
        false,
        false,
        &path,
        &params,
        query.as_deref(),
    )
    .await
}

/// `GET /api/v1/follow_requests`: who waits for the member's approval.
pub async fn follow_requests(
    State(ctx): State<Context>,
    auth: Auth,
    Query(params): Query<PageParams>,
    RawQuery(query): RawQuery,
) -> Result<(HeaderMap, Json<Vec<entities::Account>>)> {
    let account = auth.require("read:follows")?;
    follow_list(
        &ctx,
        account.id,
        true,
        true,
        "/api/v1/follow_requests",
        &params,
        query.as_deref(),
    )
    .await
}

async fn answer_request(
    ctx: &Context,
    auth: &Auth,
    id: &str,
    accept: bool,
) -> Result<Json<entities::Relationship>> {
    let account = auth.require("write:follows")?;
    let follower_id = path_id(id)?;
    follows::answer_request(ctx, account, follower_id, accept).await?;
    relationship(ctx, account, follower_id).await
}

pub async fn authorize_request(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    answer_request(&ctx, &auth, &id, true).await
}

pub async fn reject_request(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    answer_request(&ctx, &auth, &id, false).await
}

#[derive(Debug, Deserialize)]
pub struct Registration {
    username: String,
    email: String,
    password: String,
    #[serde(default, deserialize_with = "flexible_bool")]
    agreement: Option<bool>,
    /// Why they want to join, when sign-ups need approval.
    reason: Option<String>,
}

/// `POST /api/v1/accounts`: sign-up with an app token. Answers with a token
/// for the new member, which works once an admin has approved the sign-up
/// (at once when registrations are open).
pub async fn register(
    State(ctx): State<Context>,
    auth: MaybeAuth,
    Input(form): Input<Registration>,
) -> Result<Json<serde_json::Value>> {
    let grant = auth
        .0
        .ok_or_else(|| Error::Unauthorized("The access token is invalid".into()))?;
    if !grant.scopes.allows("write:accounts") {
        return Err(Error::Forbidden(
            "This action is outside the authorized scopes".into(),
        ));
    }
    let account = accounts::register(
        &ctx,
        &form.username,
        &form.email,
        &form.password,
        form.agreement.unwrap_or(false),
        form.reason.as_deref(),
    )
    .await?;
    let user = accounts::user_of(&ctx, account.id).await?;
    let issued = crate::domain::oauth::issue_token(
        &ctx,
        grant.app.map(|a| a.id),
        Some(user.id),
        grant.scopes,
    )
    .await?;
    Ok(Json(serde_json::json!({
        "access_token": issued.token,
        "token_type": "Bearer",
        "scope": issued.scopes.to_text(),
        "created_at": issued.created_at.and_utc().timestamp(),
    })))
}

#[derive(Debug, Deserialize, Default)]
pub struct MuteParams {
    #[serde(default, deserialize_with = "flexible_bool")]
    notifications: Option<bool>,
}

/// What a block, unblock, mute or unmute request asks for.
enum Restriction {
    Block,
    Unblock,
    Mute { notifications: bool },
    Unmute,
}

async fn restrict(
    ctx: &Context,
    auth: &Auth,
    id: &str,
    restriction: Restriction,
) -> Result<Json<entities::Relationship>> {
    let scope = match restriction {
        Restriction::Block | Restriction::Unblock => "write:blocks",
        Restriction::Mute { .. } | Restriction::Unmute => "write:mutes",
    };
    let account = auth.require(scope)?;
    let target = accounts::visible_by_id(ctx, path_id(id)?).await?;
    match restriction {
        Restriction::Block => blocks::block(ctx, account, &target).await?,
        Restriction::Unblock => blocks::unblock(ctx, account, &target).await?,
        Restriction::Mute { notifications } => {
            blocks::mute(ctx, account, &target, notifications).await?
        }
        Restriction::Unmute => blocks::unmute(ctx, account, &target).await?,
    }
    relationship(ctx, account, target.id).await
}

pub async fn block(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    restrict(&ctx, &auth, &id, Restriction::Block).await
}

pub async fn unblock(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    restrict(&ctx, &auth, &id, Restriction::Unblock).await
}

pub async fn mute(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
    Input(params): Input<MuteParams>,
) -> Result<Json<entities::Relationship>> {
    let notifications = params.notifications.unwrap_or(true);
    restrict(&ctx, &auth, &id, Restriction::Mute { notifications }).await
}

pub async fn unmute(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<entities::Relationship>> {
    restrict(&ctx, &auth, &id, Restriction::Unmute).await
}

/// `GET /api/v1/blocks`
pub async fn blocked(
    State(ctx): State<Context>,
    auth: Auth,
) -> Result<Json<Vec<entities::Account>>> {
    let account = auth.require("read:blocks")?;
    let views = blocks::listed(&ctx, account, true).await?;
    Ok(Json(
        views
            .iter()
            .map(|v| entities::account(&ctx.urls, v))
            .collect(),
    ))
}

/// `GET /api/v1/mutes`
pub async fn muted(State(ctx): State<Context>, auth: Auth) -> Result<Json<Vec<entities::Account>>> {
    let account = auth.require("read:mutes")?;
    let views = blocks::listed(&ctx, account, false).await?;
    Ok(Json(
        views
            .iter()
            .map(|v| entities::account(&ctx.urls, v))
            .collect(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct AccountSearchParams {
    q: String,
    limit: Option<String>,
    offset: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    resolve: Option<bool>,
}

/// `GET /api/v1/accounts/search`: what apps call to complete a mention as
/// it is typed. A full handle is looked up first (fetched from its server
/// with `resolve=true`), then names that match.
pub async fn search(
    State(ctx): State<Context>,
    data: crate::federation::Data,
    auth: Auth,
    Query(params): Query<AccountSearchParams>,
) -> Result<Json<Vec<entities::Account>>> {
    auth.require("read:accounts")?;
    let window = crate::domain::search::Window {
        limit: count_param(params.limit.as_deref(), "limit", 40)?.clamp(1, 80),
        offset: count_param(params.offset.as_deref(), "offset", 0)?,
    };
    let q = params.q.trim();
    let mut found = Vec::new();
    if q.trim_start_matches('@').contains('@') && window.offset == 0 {
        let resolve = params.resolve.unwrap_or(false);
        if let Ok(Some(account)) =
            crate::federation::resolve::account_by_acct(&data, q, resolve).await
        {
            found.push(accounts::view(&ctx, account).await?);
        }
    }
    for view in crate::domain::search::accounts(&ctx, q, window).await? {
        if !found
            .iter()
            .any(|known| known.account.id == view.account.id)
        {
            found.push(view);
        }
    }
    found.truncate(window.limit as usize);
    Ok(Json(
        found
            .iter()
            .map(|v| entities::account(&ctx.urls, v))
            .collect(),
    ))
}
