//! `POST /api/v1/reports` (https://docs.joinmastodon.org/methods/reports/):
//! a member reports an account, and optionally some of its statuses, to
//! the admins; with `forward` a copy goes to the account's own server.

use super::entities;
use crate::{
    domain::{Context, accounts, reports},
    error::Result,
    http::{
        auth::Auth,
        input::{Input, flexible_bool, flexible_id_list},
    },
};
use axum::{Json, extract::State};
use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
pub struct ReportForm {
    account_id: String,
    #[serde(default, deserialize_with = "flexible_id_list")]
    status_ids: Vec<i64>,
    #[serde(default)]
    comment: String,
    category: Option<String>,
    #[serde(default)]
    rule_ids: Vec<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    forward: Option<bool>,
}

/// https://docs.joinmastodon.org/entities/Report/
#[derive(Debug, Serialize)]
pub struct Report {
    pub id: String,
    pub action_taken: bool,
    pub action_taken_at: Option<String>,
    pub category: String,
    pub comment: String,
    pub forwarded: bool,
    pub created_at: String,
    pub status_ids: Option<Vec<String>>,
    pub rule_ids: Option<Vec<String>>,
    pub target_account: entities::Account,
}

pub async fn create(
    State(ctx): State<Context>,
    auth: Auth,
    Input(form): Input<ReportForm>,
) -> Result<Json<Report>> {
    let reporter = auth.require("write:reports")?;
    let new = reports::NewReport {
        target_account_id: crate::http::input::path_id(&form.account_id)?,
        status_ids: form.status_ids,
        comment: form.comment,
        category: form.category,
        rule_ids: form.rule_ids,
        forward: form.forward.unwrap_or(false),
    };
    let view = reports::file(&ctx, reporter, new).await?;
    let target = accounts::view(&ctx, view.target.clone()).await?;
    let report = &view.report;
    Ok(Json(Report {
        id: report.id.to_string(),
        action_taken: report.action_taken_at.is_some(),
        action_taken_at: report.action_taken_at.map(entities::iso),
        category: report.category.clone(),
        comment: report.comment.clone(),
        forwarded: report.forwarded,
        created_at: entities::iso(report.created_at),
        status_ids: Some(view.status_ids.iter().map(|id| id.to_string()).collect()),
        rule_ids: Some(view.rule_ids.clone()),
        target_account: entities::account(&ctx.urls, &target),
    }))
}
