//! Mastodon's admin API (https://docs.joinmastodon.org/methods/admin/), so
//! existing admin tools and apps can moderate a Trellis server: accounts,
//! reports, domain blocks and domain allows. Every call needs an admin's
//! token holding the `admin:read` or `admin:write` scope (or the
//! sub-scope for the resource); anyone else gets 403.

use super::{PageParams, entities, link_header_for_ids};
use crate::{
    db::{
        models::{DomainAllow, DomainBlock},
        moderation::AccountFilter,
    },
    domain::{
        Account, Context, accounts, admin,
        moderation::{self, AccountAction, Decision, DomainBlockInput, Severity},
        registrations,
        reports::{self, Handling, ReportView},
    },
    error::{Error, Result},
    http::{
        auth::Auth,
        input::{Input, flexible_bool, path_id},
    },
};
use axum::{
    Json, Router,
    extract::{OriginalUri, Path, Query, State},
    http::HeaderMap,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

pub fn routes() -> Router<Context> {
    Router::new()
        .route("/api/v1/admin/accounts", get(list_accounts))
        .route("/api/v1/admin/accounts/{id}", get(show_account))
        .route("/api/v1/admin/accounts/{id}/action", post(act))
        .route("/api/v1/admin/accounts/{id}/approve", post(approve))
        .route("/api/v1/admin/accounts/{id}/reject", post(reject))
        .route("/api/v1/admin/accounts/{id}/{undo}", post(undo))
        .route("/api/v1/admin/reports", get(list_reports))
        .route("/api/v1/admin/reports/{id}", get(show_report))
        .route("/api/v1/admin/reports/{id}/{handling}", post(handle_report))
        .route(
            "/api/v1/admin/domain_blocks",
            get(list_domain_blocks).post(create_domain_block),
        )
        .route(
            "/api/v1/admin/domain_blocks/{id}",
            get(show_domain_block)
                .put(update_domain_block)
                .delete(delete_domain_block),
        )
        .route(
            "/api/v1/admin/domain_allows",
            get(list_domain_allows).post(create_domain_allow),
        )
        .route(
            "/api/v1/admin/domain_allows/{id}",
            get(show_domain_allow).delete(delete_domain_allow),
        )
}

/// The admin behind a request with `scope`; anyone else is refused.
fn admin_with<'a>(auth: &'a Auth, scope: &str) -> Result<&'a Account> {
    let account = auth.require(scope)?;
    if !auth.user.admin {
        return Err(Error::Forbidden("This action is not allowed".into()));
    }
    Ok(account)
}

/// https://docs.joinmastodon.org/entities/Admin_Account/
#[derive(Debug, Serialize)]
pub struct AdminAccount {
    pub id: String,
    pub username: String,
    pub domain: Option<String>,
    pub created_at: String,
    pub email: String,
    pub ip: Option<String>,
    pub ips: Vec<Value>,
    pub locale: Option<String>,
    pub invite_request: Option<String>,
    pub role: Value,
    pub confirmed: bool,
    pub approved: bool,
    pub disabled: bool,
    pub silenced: bool,
    pub suspended: bool,
    pub sensitized: bool,
    pub account: entities::Account,
    pub created_by_application_id: Option<String>,
    pub invited_by_account_id: Option<String>,
}

fn admin_account(ctx: &Context, found: &admin::AdminAccount) -> AdminAccount {
    let account = &found.view.account;
    let is_admin = found.user.as_ref().is_some_and(|u| u.admin);
    AdminAccount {
        id: account.id.to_string(),
        username: account.username.clone(),
        domain: (!account.local).then(|| account.domain.clone()),
        created_at: entities::iso(account.created_at),
        email: found
            .user
            .as_ref()
            .map(|u| u.email.clone())
            .unwrap_or_default(),
        ip: None,
        ips: Vec::new(),
        locale: None,
        invite_request: None,
        role: json!({
            "id": if is_admin { "3" } else { "-99" },
            "name": if is_admin { "Admin" } else { "" },
            "color": "",
            "permissions": if is_admin { "1" } else { "0" },
            "highlighted": is_admin,
        }),
        confirmed: true,
        approved: found.user.as_ref().is_none_or(|u| u.approved),
        disabled: found.limits.login_disabled,
        silenced: found.limits.silenced_at.is_some(),
        suspended: found.limits.suspended_at.is_some(),
        sensitized: found.limits.sensitive_forced,
        account: entities::account(&ctx.urls, &found.view),
        created_by_application_id: None,
        invited_by_account_id: None,
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    #[serde(default, deserialize_with = "flexible_bool")]
    local: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    remote: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    pending: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    suspended: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    silenced: Option<bool>,
    #[serde(default, deserialize_with = "flexible_bool")]
    disabled: Option<bool>,
    username: Option<String>,
    by_domain: Option<String>,
    email: Option<String>,
    #[serde(flatten)]
    page: PageParams,
}

/// `GET /api/v1/admin/accounts`
async fn list_accounts(
    State(ctx): State<Context>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<AccountQuery>,
) -> Result<(HeaderMap, Json<Vec<AdminAccount>>)> {
    admin_with(&auth, "admin:read:accounts")?;
    let nonempty = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let filter = AccountFilter {
        local: query.local.unwrap_or(false),
        remote: query.remote.unwrap_or(false),
        pending: query.pending.unwrap_or(false),
        suspended: query.suspended.unwrap_or(false),
        silenced: query.silenced.unwrap_or(false),
        disabled: query.disabled.unwrap_or(false),
        username: nonempty(&query.username),
        domain: nonempty(&query.by_domain),
        email: nonempty(&query.email),
    };
    let page = query.page.page(200);
    let found = admin::accounts(&ctx, filter, page.max_id, page.limit).await?;
    let ids: Vec<i64> = found.iter().map(|f| f.view.account.id).collect();
    let headers = link_header_for_ids(&ctx, uri.path(), uri.query(), &ids);
    Ok((
        headers,
        Json(found.iter().map(|f| admin_account(&ctx, f)).collect()),
    ))
}

/// `GET /api/v1/admin/accounts/:id`
async fn show_account(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    admin_with(&auth, "admin:read:accounts")?;
    let found = admin::account(&ctx, path_id(&id)?).await?;
    Ok(Json(admin_account(&ctx, &found)))
}

#[derive(Debug, Deserialize)]
pub struct ActionForm {
    #[serde(rename = "type")]
    kind: Option<String>,
    report_id: Option<String>,
    text: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    send_email_notification: Option<bool>,
}

/// `POST /api/v1/admin/accounts/:id/action`: `type` none, disable,
/// sensitive, silence or suspend, with a `text` and, optionally, the report
/// it answers (resolved by it) and a notice to the member.
async fn act(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
    Input(form): Input<ActionForm>,
) -> Result<Json<Value>> {
    let by = admin_with(&auth, "admin:write:accounts")?.clone();
    let target = accounts::by_id(&ctx, path_id(&id)?).await?;
    let report_id = match form.report_id.as_deref().filter(|r| !r.is_empty()) {
        Some(id) => Some(path_id(id)?),
        None => None,
    };
    let decision = Decision {
        action: AccountAction::parse(form.kind.as_deref().unwrap_or("none"))?,
        reason: form.text.unwrap_or_default(),
        notify: form.send_email_notification.unwrap_or(false),
        report_id,
    };
    moderation::act(&ctx, &by, &target, decision).await?;
    if let Some(report) = report_id {
        reports::handle(&ctx, &by, report, Handling::Resolve).await?;
    }
    Ok(Json(json!({})))
}

/// `POST /api/v1/admin/accounts/:id/{unsuspend,enable,unsilence,unsensitive}`
async fn undo(
    State(ctx): State<Context>,
    auth: Auth,
    Path((id, undo)): Path<(String, String)>,
) -> Result<Json<AdminAccount>> {
    let by = admin_with(&auth, "admin:write:accounts")?.clone();
    if !matches!(
        undo.as_str(),
        "unsuspend" | "enable" | "unsilence" | "unsensitive"
    ) {
        return Err(Error::not_found());
    }
    let target = accounts::by_id(&ctx, path_id(&id)?).await?;
    let decision = Decision {
        action: AccountAction::parse(&undo)?,
        reason: String::new(),
        notify: false,
        report_id: None,
    };
    moderation::act(&ctx, &by, &target, decision).await?;
    Ok(Json(admin_account(
        &ctx,
        &admin::account(&ctx, target.id).await?,
    )))
}

/// `POST /api/v1/admin/accounts/:id/approve`
async fn approve(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    admin_with(&auth, "admin:write:accounts")?;
    let account = registrations::approve(&ctx, path_id(&id)?).await?;
    Ok(Json(admin_account(
        &ctx,
        &admin::account(&ctx, account.id).await?,
    )))
}

/// `POST /api/v1/admin/accounts/:id/reject`: turns a waiting sign-up down.
async fn reject(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminAccount>> {
    admin_with(&auth, "admin:write:accounts")?;
    let id = path_id(&id)?;
    registrations::turn_down(&ctx, id, "").await?;
    Ok(Json(admin_account(&ctx, &admin::account(&ctx, id).await?)))
}

/// https://docs.joinmastodon.org/entities/Admin_Report/
#[derive(Debug, Serialize)]
pub struct AdminReport {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub updated_at: String,
    pub account: AdminAccount,
    pub target_account: AdminAccount,
    pub assigned_account: Option<AdminAccount>,
    pub action_taken_by_account: Option<AdminAccount>,
    pub statuses: Vec<entities::Status>,
    pub rules: Vec<Value>,
}

async fn admin_report(ctx: &Context, view: &ReportView) -> Result<AdminReport> {
    let report = &view.report;
    let account_of = async |id: i64| -> Result<AdminAccount> {
        Ok(admin_account(ctx, &admin::account(ctx, id).await?))
    };
    let optional = async |id: Option<i64>| -> Result<Option<AdminAccount>> {
        match id {
            Some(id) => Ok(Some(account_of(id).await?)),
            None => Ok(None),
        }
    };
    Ok(AdminReport {
        id: report.id.to_string(),
        action_taken: report.action_taken_at.is_some(),
        action_taken_at: report.action_taken_at.map(entities::iso),
        category: report.category.clone(),
        comment: report.comment.clone(),
        forwarded: report.forwarded,
        created_at: entities::iso(report.created_at),
        updated_at: entities::iso(report.updated_at),
        account: account_of(report.account_id).await?,
        target_account: account_of(report.target_account_id).await?,
        assigned_account: optional(report.assigned_account_id).await?,
        action_taken_by_account: optional(report.action_taken_by_account_id).await?,
        statuses: view
            .statuses
            .iter()
            .map(|s| entities::status(&ctx.urls, s))
            .collect(),
        rules: view
            .rule_ids
            .iter()
            .map(|id| json!({"id": id, "text": ""}))
            .collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ReportQuery {
    #[serde(default, deserialize_with = "flexible_bool")]
    resolved: Option<bool>,
    #[serde(flatten)]
    page: PageParams,
}

/// `GET /api/v1/admin/reports`: open ones, or with `resolved=true` the
/// resolved ones, newest first.
async fn list_reports(
    State(ctx): State<Context>,
    auth: Auth,
    OriginalUri(uri): OriginalUri,
    Query(query): Query<ReportQuery>,
) -> Result<(HeaderMap, Json<Vec<AdminReport>>)> {
    admin_with(&auth, "admin:read:reports")?;
    let page = query.page.page(200);
    let listed = reports::list(
        &ctx,
        query.resolved.unwrap_or(false),
        page.max_id,
        page.limit,
    )
    .await?;
    let ids: Vec<i64> = listed.iter().map(|r| r.report.id).collect();
    let mut shown = Vec::new();
    for view in &listed {
        shown.push(admin_report(&ctx, view).await?);
    }
    Ok((
        link_header_for_ids(&ctx, uri.path(), uri.query(), &ids),
        Json(shown),
    ))
}

/// `GET /api/v1/admin/reports/:id`
async fn show_report(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminReport>> {
    admin_with(&auth, "admin:read:reports")?;
    let view = reports::get(&ctx, path_id(&id)?).await?;
    Ok(Json(admin_report(&ctx, &view).await?))
}

/// `POST /api/v1/admin/reports/:id/{assign_to_self,unassign,resolve,reopen}`
async fn handle_report(
    State(ctx): State<Context>,
    auth: Auth,
    Path((id, handling)): Path<(String, String)>,
) -> Result<Json<AdminReport>> {
    let by = admin_with(&auth, "admin:write:reports")?.clone();
    let handling = match handling.as_str() {
        "assign_to_self" => Handling::AssignTo(Some(by.id)),
        "unassign" => Handling::AssignTo(None),
        "resolve" => Handling::Resolve,
        "reopen" => Handling::Reopen,
        _ => return Err(Error::not_found()),
    };
    let view = reports::handle(&ctx, &by, path_id(&id)?, handling).await?;
    Ok(Json(admin_report(&ctx, &view).await?))
}

/// https://docs.joinmastodon.org/entities/Admin_DomainBlock/
#[derive(Debug, Serialize)]
pub struct AdminDomainBlock {
    pub id: String,
    pub domain: String,
    pub digest: String,
    pub created_at: String,
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub private_comment: Option<String>,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

pub fn domain_digest(domain: &str) -> String {
    crate::crypto::sha256_hex(domain)
}

fn admin_domain_block(block: &DomainBlock) -> AdminDomainBlock {
    let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_string());
    AdminDomainBlock {
        id: block.id.to_string(),
        domain: block.domain.clone(),
        digest: domain_digest(&block.domain),
        created_at: entities::iso(block.created_at),
        severity: block.severity.clone(),
        reject_media: block.reject_media,
        reject_reports: false,
        private_comment: nonempty(&block.private_comment),
        public_comment: nonempty(&block.public_comment),
        obfuscate: false,
    }
}

#[derive(Debug, Deserialize)]
pub struct DomainBlockForm {
    domain: Option<String>,
    severity: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    reject_media: Option<bool>,
    private_comment: Option<String>,
    public_comment: Option<String>,
}

async fn list_domain_blocks(
    State(ctx): State<Context>,
    auth: Auth,
) -> Result<Json<Vec<AdminDomainBlock>>> {
    admin_with(&auth, "admin:read:domain_blocks")?;
    let blocks = moderation::domain_blocks(&ctx).await?;
    Ok(Json(blocks.iter().map(admin_domain_block).collect()))
}

async fn show_domain_block(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminDomainBlock>> {
    admin_with(&auth, "admin:read:domain_blocks")?;
    let block = moderation::domain_block(&ctx, path_id(&id)?).await?;
    Ok(Json(admin_domain_block(&block)))
}

async fn save_domain_block(
    ctx: &Context,
    by: &Account,
    existing: Option<DomainBlock>,
    form: DomainBlockForm,
) -> Result<Json<AdminDomainBlock>> {
    let domain = match (&existing, form.domain) {
        (Some(block), _) => block.domain.clone(),
        (None, Some(domain)) => domain,
        (None, None) => return Err(Error::Validation("domain is missing".into())),
    };
    let severity = match (form.severity.as_deref(), &existing) {
        (Some(severity), _) => Severity::parse(severity)?,
        (None, Some(block)) => Severity::parse(&block.severity)?,
        (None, None) => Severity::Silence,
    };
    let input = DomainBlockInput {
        domain,
        severity,
        reject_media: form
            .reject_media
            .or(existing.as_ref().map(|b| b.reject_media))
            .unwrap_or(false),
        private_comment: form
            .private_comment
            .or(existing.as_ref().map(|b| b.private_comment.clone()))
            .unwrap_or_default(),
        public_comment: form
            .public_comment
            .or(existing.as_ref().map(|b| b.public_comment.clone()))
            .unwrap_or_default(),
    };
    let block = moderation::block_domain(ctx, by, input).await?;
    Ok(Json(admin_domain_block(&block)))
}

/// `POST /api/v1/admin/domain_blocks` (severity defaults to `silence`, as
/// on Mastodon).
async fn create_domain_block(
    State(ctx): State<Context>,
    auth: Auth,
    Input(form): Input<DomainBlockForm>,
) -> Result<Json<AdminDomainBlock>> {
    let by = admin_with(&auth, "admin:write:domain_blocks")?.clone();
    save_domain_block(&ctx, &by, None, form).await
}

async fn update_domain_block(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
    Input(form): Input<DomainBlockForm>,
) -> Result<Json<AdminDomainBlock>> {
    let by = admin_with(&auth, "admin:write:domain_blocks")?.clone();
    let existing = moderation::domain_block(&ctx, path_id(&id)?).await?;
    save_domain_block(&ctx, &by, Some(existing), form).await
}

async fn delete_domain_block(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<AdminDomainBlock>> {
    let by = admin_with(&auth, "admin:write:domain_blocks")?.clone();
    let block = moderation::unblock_domain(&ctx, &by, path_id(&id)?).await?;
    Ok(Json(admin_domain_block(&block)))
}

/// https://docs.joinmastodon.org/entities/Admin_DomainAllow/
fn admin_domain_allow(allow: &DomainAllow) -> Value {
    json!({
        "id": allow.id.to_string(),
        "domain": allow.domain,
        "created_at": entities::iso(allow.created_at),
    })
}

#[derive(Debug, Deserialize)]
pub struct DomainAllowForm {
    domain: String,
}

async fn list_domain_allows(State(ctx): State<Context>, auth: Auth) -> Result<Json<Vec<Value>>> {
    admin_with(&auth, "admin:read:domain_allows")?;
    let allows = moderation::domain_allows(&ctx).await?;
    Ok(Json(allows.iter().map(admin_domain_allow).collect()))
}

async fn show_domain_allow(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    admin_with(&auth, "admin:read:domain_allows")?;
    let allow = moderation::domain_allow(&ctx, path_id(&id)?).await?;
    Ok(Json(admin_domain_allow(&allow)))
}

async fn create_domain_allow(
    State(ctx): State<Context>,
    auth: Auth,
    Input(form): Input<DomainAllowForm>,
) -> Result<Json<Value>> {
    let by = admin_with(&auth, "admin:write:domain_allows")?.clone();
    let allow = moderation::allow_domain(&ctx, &by, &form.domain).await?;
    Ok(Json(admin_domain_allow(&allow)))
}

async fn delete_domain_allow(
    State(ctx): State<Context>,
    auth: Auth,
    Path(id): Path<String>,
) -> Result<Json<Value>> {
    let by = admin_with(&auth, "admin:write:domain_allows")?.clone();
    let allow = moderation::disallow_domain(&ctx, &by, path_id(&id)?).await?;
    Ok(Json(admin_domain_allow(&allow)))
}
