//! Domain blocks and allows, the standing limits on accounts, the log of
//! moderation actions, and reports.

use super::id_lists::one_of;
use super::{
    DbConnection,
    models::{AccountModeration, DomainAllow, DomainBlock, ModerationAction, Report},
    schema::{
        account_moderation, accounts, domain_allows, domain_blocks, follows, moderation_actions,
        reports,
    },
};
use diesel::prelude::*;

pub fn domain_blocks(conn: &mut DbConnection) -> QueryResult<Vec<DomainBlock>> {
    domain_blocks::table
        .order(domain_blocks::domain.asc())
        .load(conn)
}

pub fn domain_block(conn: &mut DbConnection, id: i64) -> QueryResult<Option<DomainBlock>> {
    domain_blocks::table.find(id).first(conn).optional()
}

pub fn domain_block_for(conn: &mut DbConnection, domain: &str) -> QueryResult<Option<DomainBlock>> {
    domain_blocks::table
        .filter(domain_blocks::domain.eq(domain))
        .first(conn)
        .optional()
}

pub fn insert_domain_block(conn: &mut DbConnection, block: &DomainBlock) -> QueryResult<()> {
    diesel::insert_into(domain_blocks::table)
        .values(block)
        .execute(conn)
        .map(drop)
}

pub fn update_domain_block(conn: &mut DbConnection, block: &DomainBlock) -> QueryResult<()> {
    diesel::update(domain_blocks::table.find(block.id))
        .set(block)
        .execute(conn)
        .map(drop)
}

pub fn delete_domain_block(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(domain_blocks::table.find(id)).execute(conn)
}

pub fn domain_allows(conn: &mut DbConnection) -> QueryResult<Vec<DomainAllow>> {
    domain_allows::table
        .order(domain_allows::domain.asc())
        .load(conn)
}

pub fn domain_allow(conn: &mut DbConnection, id: i64) -> QueryResult<Option<DomainAllow>> {
    domain_allows::table.find(id).first(conn).optional()
}

pub fn domain_allow_for(conn: &mut DbConnection, domain: &str) -> QueryResult<Option<DomainAllow>> {
    domain_allows::table
        .filter(domain_allows::domain.eq(domain))
        .first(conn)
        .optional()
}

pub fn insert_domain_allow(conn: &mut DbConnection, allow: &DomainAllow) -> QueryResult<()> {
    diesel::insert_into(domain_allows::table)
        .values(allow)
        .execute(conn)
        .map(drop)
}

pub fn delete_domain_allow(conn: &mut DbConnection, id: i64) -> QueryResult<usize> {
    diesel::delete(domain_allows::table.find(id)).execute(conn)
}

/// Remote accounts on `domain` or one of its subdomains.
pub fn remote_accounts_on(conn: &mut DbConnection, domain: &str) -> QueryResult<Vec<i64>> {
    accounts::table
        .filter(accounts::local.eq(false))
        .filter(
            accounts::domain.eq(domain).or(accounts::domain
                .like(format!("%.{}", super::statuses::like_escaped(domain)))
                .escape('\\')),
        )
        .select(accounts::id)
        .load(conn)
}

/// Every follow, either way, that involves one of `account_ids`.
pub fn follows_involving(
    conn: &mut DbConnection,
    account_ids: &[i64],
) -> QueryResult<Vec<super::models::Follow>> {
    follows::table
        .filter(
            one_of(follows::account_id, account_ids)
                .or(one_of(follows::target_account_id, account_ids)),
        )
        .load(conn)
}

/// Removes every follow, either way, that involves one of `account_ids`.
pub fn drop_follows_of(conn: &mut DbConnection, account_ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(
        follows::table.filter(
            one_of(follows::account_id, account_ids)
                .or(one_of(follows::target_account_id, account_ids)),
        ),
    )
    .execute(conn)
}

pub fn limits_of(conn: &mut DbConnection, account_id: i64) -> QueryResult<AccountModeration> {
    Ok(account_moderation::table
        .find(account_id)
        .first(conn)
        .optional()?
        .unwrap_or(AccountModeration {
            account_id,
            ..AccountModeration::default()
        }))
}

/// The limits on those of `account_ids` that have any.
pub fn limits_among(
    conn: &mut DbConnection,
    account_ids: &[i64],
) -> QueryResult<Vec<AccountModeration>> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    account_moderation::table
        .filter(one_of(account_moderation::account_id, account_ids))
        .load(conn)
}

pub fn save_limits(conn: &mut DbConnection, limits: &AccountModeration) -> QueryResult<()> {
    let updated = diesel::update(account_moderation::table.find(limits.account_id))
        .set(limits)
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(account_moderation::table)
            .values(limits)
            .execute(conn)?;
    }
    Ok(())
}

pub fn insert_action(conn: &mut DbConnection, action: &ModerationAction) -> QueryResult<()> {
    diesel::insert_into(moderation_actions::table)
        .values(action)
        .execute(conn)
        .map(drop)
}

pub fn actions_on(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<ModerationAction>> {
    moderation_actions::table
        .filter(moderation_actions::target_account_id.eq(account_id))
        .order(moderation_actions::created_at.desc())
        .load(conn)
}

pub fn insert_report(conn: &mut DbConnection, report: &Report) -> QueryResult<()> {
    diesel::insert_into(reports::table)
        .values(report)
        .execute(conn)
        .map(drop)
}

pub fn report(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Report>> {
    reports::table.find(id).first(conn).optional()
}

pub fn report_by_ap_id(conn: &mut DbConnection, ap_id: &str) -> QueryResult<Option<Report>> {
    reports::table
        .filter(reports::ap_id.eq(ap_id))
        .first(conn)
        .optional()
}

pub fn save_report(conn: &mut DbConnection, report: &Report) -> QueryResult<()> {
    diesel::update(reports::table.find(report.id))
        .set(report)
        .execute(conn)
        .map(drop)
}

pub fn open_report_count(conn: &mut DbConnection) -> QueryResult<i64> {
    reports::table
        .filter(reports::action_taken_at.is_null())
        .count()
        .get_result(conn)
}

/// Reports newest first, open or resolved, below `max_id`.
pub fn reports_page(
    conn: &mut DbConnection,
    resolved: bool,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Report>> {
    let mut query = reports::table
        .order(reports::id.desc())
        .limit(limit)
        .into_boxed();
    query = if resolved {
        query.filter(reports::action_taken_at.is_not_null())
    } else {
        query.filter(reports::action_taken_at.is_null())
    };
    if let Some(max_id) = max_id {
        query = query.filter(reports::id.lt(max_id));
    }
    query.load(conn)
}

/// Which accounts the admin API lists.
#[derive(Debug, Clone, Default)]
pub struct AccountFilter {
    pub local: bool,
    pub remote: bool,
    pub pending: bool,
    pub suspended: bool,
    pub silenced: bool,
    pub disabled: bool,
    /// Part of the username, any case.
    pub username: Option<String>,
    pub domain: Option<String>,
    pub email: Option<String>,
}

fn like_pattern(text: &str) -> String {
    format!("%{}%", super::statuses::like_escaped(&text.to_lowercase()))
}

/// An account with its login (members here) and the limits on it.
pub type AdminRow = (
    super::models::Account,
    Option<super::models::User>,
    Option<AccountModeration>,
);

/// Accounts newest first with their login (local ones) and limits, as the
/// admin API lists them; this server's own actors are left out.
pub fn admin_accounts(
    conn: &mut DbConnection,
    filter: &AccountFilter,
    max_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AdminRow>> {
    use super::models::{Account, User};
    use super::schema::users;
    let mut query = accounts::table
        .left_join(users::table)
        .left_join(account_moderation::table)
        .filter(accounts::actor_type.ne("Application"))
        .order(accounts::id.desc())
        .limit(limit)
        .select((
            Account::as_select(),
            Option::<User>::as_select(),
            Option::<AccountModeration>::as_select(),
        ))
        .into_boxed();
    if filter.local && !filter.remote {
        query = query.filter(accounts::local.eq(true));
    }
    if filter.remote && !filter.local {
        query = query.filter(accounts::local.eq(false));
    }
    if filter.pending {
        query = query.filter(users::approved.eq(false));
    }
    if filter.suspended {
        query = query.filter(account_moderation::suspended_at.is_not_null());
    }
    if filter.silenced {
        query = query.filter(account_moderation::silenced_at.is_not_null());
    }
    if filter.disabled {
        query = query.filter(account_moderation::login_disabled.eq(true));
    }
    if let Some(username) = &filter.username {
        query = query.filter(
            super::accounts::lower(accounts::username)
                .like(like_pattern(username))
                .escape('\\'),
        );
    }
    if let Some(domain) = &filter.domain {
        query = query.filter(accounts::domain.eq(domain.to_lowercase()));
    }
    if let Some(email) = &filter.email {
        query = query.filter(users::email.like(like_pattern(email)).escape('\\'));
    }
    if let Some(max_id) = max_id {
        query = query.filter(accounts::id.lt(max_id));
    }
    query.load(conn)
}
