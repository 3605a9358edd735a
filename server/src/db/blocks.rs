//! Blocks and mutes between accounts.

use super::{
    DbConnection,
    models::Account,
    schema::{accounts, blocks, mutes},
};
use diesel::prelude::*;

pub fn block(
    conn: &mut DbConnection,
    id: i64,
    account_id: i64,
    target_id: i64,
    ap_id: &str,
) -> QueryResult<()> {
    if blocking(conn, account_id, target_id)? {
        return Ok(());
    }
    diesel::insert_into(blocks::table)
        .values((
            blocks::id.eq(id),
            blocks::account_id.eq(account_id),
            blocks::target_account_id.eq(target_id),
            blocks::ap_id.eq(ap_id),
            blocks::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Removes a block and returns its activity id, if there was one.
pub fn unblock(
    conn: &mut DbConnection,
    account_id: i64,
    target_id: i64,
) -> QueryResult<Option<String>> {
    let found: Option<String> = blocks::table
        .filter(blocks::account_id.eq(account_id))
        .filter(blocks::target_account_id.eq(target_id))
        .select(blocks::ap_id)
        .first(conn)
        .optional()?;
    if found.is_some() {
        diesel::delete(
            blocks::table
                .filter(blocks::account_id.eq(account_id))
                .filter(blocks::target_account_id.eq(target_id)),
        )
        .execute(conn)?;
    }
    Ok(found)
}

pub fn unblock_by_ap_id(
    conn: &mut DbConnection,
    account_id: i64,
    ap_id: &str,
) -> QueryResult<usize> {
    diesel::delete(
        blocks::table
            .filter(blocks::account_id.eq(account_id))
            .filter(blocks::ap_id.eq(ap_id)),
    )
    .execute(conn)
}

pub fn blocking(conn: &mut DbConnection, account_id: i64, target_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        blocks::table
            .filter(blocks::account_id.eq(account_id))
            .filter(blocks::target_account_id.eq(target_id)),
    ))
    .get_result(conn)
}

pub fn mute(
    conn: &mut DbConnection,
    id: i64,
    account_id: i64,
    target_id: i64,
    notifications: bool,
) -> QueryResult<()> {
    diesel::delete(
        mutes::table
            .filter(mutes::account_id.eq(account_id))
            .filter(mutes::target_account_id.eq(target_id)),
    )
    .execute(conn)?;
    diesel::insert_into(mutes::table)
        .values((
            mutes::id.eq(id),
            mutes::account_id.eq(account_id),
            mutes::target_account_id.eq(target_id),
            mutes::notifications.eq(notifications),
            mutes::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn unmute(conn: &mut DbConnection, account_id: i64, target_id: i64) -> QueryResult<()> {
    diesel::delete(
        mutes::table
            .filter(mutes::account_id.eq(account_id))
            .filter(mutes::target_account_id.eq(target_id)),
    )
    .execute(conn)
    .map(drop)
}

/// Whether `account_id` mutes `target_id`, and if so whether notifications too.
pub fn muting(
    conn: &mut DbConnection,
    account_id: i64,
    target_id: i64,
) -> QueryResult<Option<bool>> {
    mutes::table
        .filter(mutes::account_id.eq(account_id))
        .filter(mutes::target_account_id.eq(target_id))
        .select(mutes::notifications)
        .first(conn)
        .optional()
}

/// Accounts whose posts `account_id` does not want to see: those it blocks,
/// those that block it, and those it mutes.
pub fn hidden_from(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<i64>> {
    let mut ids: Vec<i64> = super::union_all::union_all(
        blocks::table
            .filter(blocks::account_id.eq(account_id))
            .select(blocks::target_account_id),
        blocks::table
            .filter(blocks::target_account_id.eq(account_id))
            .select(blocks::account_id),
    )
    .union_all(
        mutes::table
            .filter(mutes::account_id.eq(account_id))
            .select(mutes::target_account_id),
    )
    .load(conn)?;
    for domain in domains_blocked_by(conn, account_id)? {
        ids.extend(super::moderation::remote_accounts_on(conn, &domain)?);
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// The servers a member blocked, oldest first.
pub fn domains_blocked_by(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<String>> {
    use super::schema::account_domain_blocks as blocked;
    blocked::table
        .filter(blocked::account_id.eq(account_id))
        .order(blocked::id.asc())
        .select(blocked::domain)
        .load(conn)
}

/// Whether `account_id` blocked `domain` itself (not a parent of it).
pub fn blocks_domain(conn: &mut DbConnection, account_id: i64, domain: &str) -> QueryResult<bool> {
    use super::schema::account_domain_blocks as blocked;
    let found: i64 = blocked::table
        .filter(blocked::account_id.eq(account_id))
        .filter(blocked::domain.eq(domain))
        .count()
        .get_result(conn)?;
    Ok(found > 0)
}

pub fn block_domain(
    conn: &mut DbConnection,
    id: i64,
    account_id: i64,
    domain: &str,
) -> QueryResult<()> {
    use super::schema::account_domain_blocks as blocked;
    if blocks_domain(conn, account_id, domain)? {
        return Ok(());
    }
    diesel::insert_into(blocked::table)
        .values((
            blocked::id.eq(id),
            blocked::account_id.eq(account_id),
            blocked::domain.eq(domain),
            blocked::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn unblock_domain(
    conn: &mut DbConnection,
    account_id: i64,
    domain: &str,
) -> QueryResult<usize> {
    use super::schema::account_domain_blocks as blocked;
    diesel::delete(
        blocked::table
            .filter(blocked::account_id.eq(account_id))
            .filter(blocked::domain.eq(domain)),
    )
    .execute(conn)
}

/// The accounts `account_id` blocks (`blocks`) or mutes, newest first.
pub fn listed(
    conn: &mut DbConnection,
    account_id: i64,
    blocks_not_mutes: bool,
    limit: i64,
) -> QueryResult<Vec<Account>> {
    if blocks_not_mutes {
        blocks::table
            .inner_join(accounts::table.on(accounts::id.eq(blocks::target_account_id)))
            .filter(blocks::account_id.eq(account_id))
            .order(blocks::id.desc())
            .limit(limit)
            .select(Account::as_select())
            .load(conn)
    } else {
        mutes::table
            .inner_join(accounts::table.on(accounts::id.eq(mutes::target_account_id)))
            .filter(mutes::account_id.eq(account_id))
            .order(mutes::id.desc())
            .limit(limit)
            .select(Account::as_select())
            .load(conn)
    }
}
