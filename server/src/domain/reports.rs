//! Reports: a member tells the admins about an account and some of its
//! posts. A report about someone on another server can be forwarded there
//! as a `Flag` from this server's instance actor (Mastodon's shape: the
//! object lists the account and the statuses, the content is the
//! comment); a `Flag` from another server about one of our members becomes
//! a report here. Admins take them, act, and resolve them.

use super::{Account, Context, accounts, views::StatusView};
use crate::{
    db::{self, DbConnection, ids::next_id, models::Report, moderation as store, statuses},
    error::{Error, Result},
};

/// Mastodon's report categories.
pub const CATEGORIES: [&str; 4] = ["spam", "legal", "violation", "other"];

const MAX_COMMENT: usize = 1000;
const MAX_STATUSES: usize = 20;

/// A report as a member files it.
#[derive(Debug, Clone, Default)]
pub struct NewReport {
    pub target_account_id: i64,
    pub status_ids: Vec<i64>,
    pub comment: String,
    pub category: Option<String>,
    pub rule_ids: Vec<String>,
    /// Send a copy to the reported account's server.
    pub forward: bool,
}

/// A report with the accounts and statuses it names.
#[derive(Debug, Clone)]
pub struct ReportView {
    pub report: Report,
    pub reporter: Account,
    pub target: Account,
    pub assigned: Option<Account>,
    pub statuses: Vec<StatusView>,
    pub status_ids: Vec<i64>,
    pub rule_ids: Vec<String>,
}

fn ids_of(json: &str) -> Vec<i64> {
    serde_json::from_str(json).unwrap_or_default()
}

fn view_of(conn: &mut DbConnection, report: Report) -> Result<ReportView> {
    let reporter = db::accounts::by_id(conn, report.account_id)?.ok_or_else(Error::not_found)?;
    let target =
        db::accounts::by_id(conn, report.target_account_id)?.ok_or_else(Error::not_found)?;
    let assigned = match report.assigned_account_id {
        Some(id) => db::accounts::by_id(conn, id)?,
        None => None,
    };
    let status_ids = ids_of(&report.status_ids);
    // Admins see what was reported whoever could see it, so no viewer.
    let rows = statuses::by_ids(conn, &status_ids)?;
    let statuses = super::views::load_rows(conn, None, rows)?;
    Ok(ReportView {
        rule_ids: serde_json::from_str(&report.rule_ids).unwrap_or_default(),
        report,
        reporter,
        target,
        assigned,
        statuses,
        status_ids,
    })
}

/// Files a report; forwards it as a `Flag` when asked and the account is
/// elsewhere.
pub async fn file(ctx: &Context, reporter: &Account, new: NewReport) -> Result<ReportView> {
    let comment = super::text::within_limit("comment", &new.comment, MAX_COMMENT)?;
    let category = match new.category.as_deref().map(str::trim) {
        Some(category) if CATEGORIES.contains(&category) => category.to_string(),
        Some("") | None if !new.rule_ids.is_empty() => "violation".into(),
        Some("") | None => "other".into(),
        Some(other) => {
            return Err(Error::Validation(format!(
                "category must be spam, legal, violation or other, not {other:?}"
            )));
        }
    };
    if new.status_ids.len() > MAX_STATUSES {
        return Err(Error::Validation(format!(
            "at most {MAX_STATUSES} statuses in one report"
        )));
    }
    let target = accounts::visible_by_id(ctx, new.target_account_id).await?;
    if target.id == reporter.id {
        return Err(Error::Validation("you cannot report yourself".into()));
    }
    let (reporter, urls) = (reporter.clone(), ctx.urls.clone());
    let instance_actor = accounts::instance_actor(ctx).await?;
    let view = ctx
        .db
        .write(move |conn| {
            let found = statuses::by_ids(conn, &new.status_ids)?;
            if found.len() != new.status_ids.len()
                || found.iter().any(|s| s.account_id != target.id)
            {
                return Err(Error::Validation(
                    "status_ids must be statuses of the reported account".into(),
                ));
            }
            let forward = new.forward && !target.local;
            let id = next_id();
            let now = db::now();
            let report = Report {
                id,
                account_id: reporter.id,
                target_account_id: target.id,
                status_ids: serde_json::to_string(&new.status_ids).unwrap_or("[]".into()),
                rule_ids: serde_json::to_string(&new.rule_ids).unwrap_or("[]".into()),
                comment: comment.clone(),
                category,
                forwarded: forward,
                ap_id: forward.then(|| urls.activity(id)),
                assigned_account_id: None,
                action_taken_at: None,
                action_taken_by_account_id: None,
                created_at: now,
                updated_at: now,
            };
            store::insert_report(conn, &report)?;
            if let Some(flag_id) = &report.ap_id {
                let mut object = vec![serde_json::Value::String(target.ap_id.clone())];
                object.extend(
                    found
                        .iter()
                        .map(|s| serde_json::Value::String(s.ap_id.clone())),
                );
                // The instance actor speaks, so the reporter stays unnamed.
                let flag = serde_json::json!({
                    "@context": "https://www.w3.org/ns/activitystreams",
                    "id": flag_id,
                    "type": "Flag",
                    "actor": instance_actor.ap_id,
                    "content": comment,
                    "object": object,
                    "to": [target.ap_id],
                });
                super::outbox::enqueue(
                    conn,
                    &urls,
                    &instance_actor,
                    &flag,
                    [target.delivery_inbox().to_string()].into(),
                )?;
            }
            view_of(conn, report)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(view)
}

/// A `Flag` another server sent about accounts here: each local account it
/// names becomes the target of a report, with the named statuses that are
/// theirs. Returns how many reports were made.
pub fn record_flag(
    conn: &mut DbConnection,
    flag_id: &str,
    sender: &Account,
    objects: &[String],
    content: &str,
) -> Result<usize> {
    let comment: String = super::text::strip_html(content)
        .chars()
        .take(MAX_COMMENT)
        .collect();
    let mut targets: Vec<Account> = Vec::new();
    let mut reported_statuses = Vec::new();
    for object in objects.iter().take(MAX_STATUSES + 1) {
        if let Some(account) = db::accounts::by_ap_id(conn, object)?.filter(|a| a.local) {
            targets.push(account);
        } else if let Some(status) = statuses::by_ap_id(conn, object)?.filter(|s| s.local) {
            reported_statuses.push(status);
        }
    }
    // A Flag naming only statuses reports their authors.
    for status in &reported_statuses {
        if !targets.iter().any(|t| t.id == status.account_id)
            && let Some(author) = db::accounts::by_id(conn, status.account_id)?
        {
            targets.push(author);
        }
    }
    let now = db::now();
    for (n, target) in targets.iter().enumerate() {
        let ids: Vec<i64> = reported_statuses
            .iter()
            .filter(|s| s.account_id == target.id)
            .map(|s| s.id)
            .collect();
        store::insert_report(
            conn,
            &Report {
                id: next_id(),
                account_id: sender.id,
                target_account_id: target.id,
                status_ids: serde_json::to_string(&ids).unwrap_or("[]".into()),
                rule_ids: "[]".into(),
                comment: comment.clone(),
                category: "other".into(),
                forwarded: true,
                ap_id: (n == 0).then(|| flag_id.to_string()),
                assigned_account_id: None,
                action_taken_at: None,
                action_taken_by_account_id: None,
                created_at: now,
                updated_at: now,
            },
        )?;
    }
    Ok(targets.len())
}

/// Open (or resolved) reports, newest first.
pub async fn list(
    ctx: &Context,
    resolved: bool,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<ReportView>> {
    ctx.db
        .read(move |conn| {
            store::reports_page(conn, resolved, max_id, limit)?
                .into_iter()
                .map(|report| view_of(conn, report))
                .collect()
        })
        .await
}

/// How many reports wait for an admin.
pub async fn open_count(ctx: &Context) -> Result<i64> {
    ctx.db
        .read(|conn| Ok(store::open_report_count(conn)?))
        .await
}

pub async fn get(ctx: &Context, id: i64) -> Result<ReportView> {
    ctx.db
        .read(move |conn| {
            let report = store::report(conn, id)?.ok_or_else(Error::not_found)?;
            view_of(conn, report)
        })
        .await
}

/// What an admin does with a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    AssignTo(Option<i64>),
    Resolve,
    Reopen,
}

pub async fn handle(
    ctx: &Context,
    admin: &Account,
    id: i64,
    handling: Handling,
) -> Result<ReportView> {
    let admin = admin.clone();
    ctx.db
        .write(move |conn| {
            let mut report = store::report(conn, id)?.ok_or_else(Error::not_found)?;
            match handling {
                Handling::AssignTo(account) => report.assigned_account_id = account,
                Handling::Resolve => {
                    report.action_taken_at = Some(db::now());
                    report.action_taken_by_account_id = Some(admin.id);
                }
                Handling::Reopen => {
                    report.action_taken_at = None;
                    report.action_taken_by_account_id = None;
                }
            }
            report.updated_at = db::now();
            store::save_report(conn, &report)?;
            view_of(conn, report)
        })
        .await
}
