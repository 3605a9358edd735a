//! Follow relationships, pending and accepted, in both directions.

use super::{
    DbConnection,
    models::{Account, Follow},
    schema::{accounts, follows},
};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, follow: &Follow) -> QueryResult<()> {
    diesel::insert_into(follows::table)
        .values(follow)
        .execute(conn)
        .map(drop)
}

pub fn between(
    conn: &mut DbConnection,
    account_id: i64,
    target_account_id: i64,
) -> QueryResult<Option<Follow>> {
    follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::target_account_id.eq(target_account_id))
        .first(conn)
        .optional()
}

pub fn by_ap_id(conn: &mut DbConnection, ap_id: &str) -> QueryResult<Option<Follow>> {
    follows::table
        .filter(follows::ap_id.eq(ap_id))
        .first(conn)
        .optional()
}

pub fn accept(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(follows::table.find(id))
        .set(follows::accepted.eq(true))
        .execute(conn)
        .map(drop)
}

pub fn delete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(follows::table.find(id))
        .execute(conn)
        .map(drop)
}

/// Accepted followers of `account_id`.
pub fn followers(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<Account>> {
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .filter(accounts::deleted_at.is_null())
        .select(Account::as_select())
        .load(conn)
}

/// Accounts `account_id` follows (accepted).
pub fn following(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<Account>> {
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::target_account_id)))
        .filter(follows::account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .select(Account::as_select())
        .load(conn)
}

pub fn count_followers(conn: &mut DbConnection, account_id: i64) -> QueryResult<i64> {
    follows::table
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .count()
        .get_result(conn)
}

pub fn count_following(conn: &mut DbConnection, account_id: i64) -> QueryResult<i64> {
    follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .count()
        .get_result(conn)
}

/// Removes every follow to or from an account (when it is deleted).
pub fn delete_all_of(conn: &mut DbConnection, account_id: i64) -> QueryResult<()> {
    diesel::delete(
        follows::table.filter(
            follows::account_id
                .eq(account_id)
                .or(follows::target_account_id.eq(account_id)),
        ),
    )
    .execute(conn)
    .map(drop)
}

pub fn set_ap_id(conn: &mut DbConnection, id: i64, ap_id: &str) -> QueryResult<()> {
    diesel::update(follows::table.find(id))
        .set(follows::ap_id.eq(ap_id))
        .execute(conn)
        .map(drop)
}
