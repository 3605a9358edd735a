//! Queries on accounts: local members, cached remote actors, the instance actor.

use super::id_lists::one_of;
use super::{
    DbConnection,
    models::Account,
    schema::{account_notes, accounts},
};
use diesel::prelude::*;

diesel::define_sql_function!(fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text);

pub fn insert(conn: &mut DbConnection, account: &Account) -> QueryResult<Account> {
    diesel::insert_into(accounts::table)
        .values(account)
        .get_result(conn)
}

/// Replaces every stored field of a remote actor after a refetch.
pub fn update(conn: &mut DbConnection, account: &Account) -> QueryResult<Account> {
    diesel::update(accounts::table.find(account.id))
        .set(account)
        .get_result(conn)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Account>> {
    accounts::table.find(id).first(conn).optional()
}

pub fn by_ids(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<Account>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    accounts::table.filter(one_of(accounts::id, ids)).load(conn)
}

pub fn by_ap_id(conn: &mut DbConnection, ap_id: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::ap_id.eq(ap_id))
        .first(conn)
        .optional()
}

pub fn by_public_key_id(conn: &mut DbConnection, key_id: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(accounts::public_key_id.eq(key_id))
        .first(conn)
        .optional()
}

/// Handles are case-insensitive, as on Mastodon.
pub fn by_handle(
    conn: &mut DbConnection,
    username: &str,
    domain: &str,
) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(lower(accounts::username).eq(username.to_lowercase()))
        .filter(accounts::domain.eq(domain))
        .first(conn)
        .optional()
}

pub fn local_by_username(conn: &mut DbConnection, username: &str) -> QueryResult<Option<Account>> {
    accounts::table
        .filter(lower(accounts::username).eq(username.to_lowercase()))
        .filter(accounts::local.eq(true))
        .filter(accounts::deleted_at.is_null())
        .first(conn)
        .optional()
}

pub fn mark_deleted(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::update(accounts::table.find(id))
        .set(accounts::deleted_at.eq(super::now()))
        .execute(conn)?;
    Ok(())
}

pub fn count_local_people(conn: &mut DbConnection) -> QueryResult<i64> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::actor_type.eq("Person"))
        .filter(accounts::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// The ids of the people with an account here.
pub fn local_people_ids(conn: &mut DbConnection) -> QueryResult<Vec<i64>> {
    accounts::table
        .filter(accounts::local.eq(true))
        .filter(accounts::actor_type.eq("Person"))
        .filter(accounts::deleted_at.is_null())
        .select(accounts::id)
        .load(conn)
}

/// Domains of the servers whose actors this instance knows.
pub fn known_domains(conn: &mut DbConnection) -> QueryResult<Vec<String>> {
    accounts::table
        .filter(accounts::local.eq(false))
        .select(accounts::domain)
        .distinct()
        .order(accounts::domain.asc())
        .load(conn)
}

/// Saves a local member's profile.
pub fn update_profile(conn: &mut DbConnection, account: &Account) -> QueryResult<Account> {
    diesel::update(accounts::table.find(account.id))
        .set((
            accounts::display_name.eq(&account.display_name),
            accounts::note.eq(&account.note),
            accounts::locked.eq(account.locked),
            accounts::bot.eq(account.bot),
            accounts::discoverable.eq(account.discoverable),
            accounts::fields.eq(&account.fields),
            accounts::updated_at.eq(super::now()),
        ))
        .get_result(conn)
}

/// `account_id`'s private note about `target_id`, if any.
pub fn note_about(
    conn: &mut DbConnection,
    account_id: i64,
    target_id: i64,
) -> QueryResult<Option<String>> {
    account_notes::table
        .find((account_id, target_id))
        .select(account_notes::comment)
        .first(conn)
        .optional()
}

/// Saves (or, when `comment` is empty, removes) a private note.
pub fn set_note(
    conn: &mut DbConnection,
    account_id: i64,
    target_id: i64,
    comment: &str,
) -> QueryResult<()> {
    diesel::delete(account_notes::table.find((account_id, target_id))).execute(conn)?;
    if comment.is_empty() {
        return Ok(());
    }
    diesel::insert_into(account_notes::table)
        .values((
            account_notes::account_id.eq(account_id),
            account_notes::target_account_id.eq(target_id),
            account_notes::comment.eq(comment),
            account_notes::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Accounts whose username starts with, or whose display name contains,
/// `needle` (lower case): people, groups and services, not deleted; local
/// ones first.
pub fn search(
    conn: &mut DbConnection,
    needle: &str,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<Account>> {
    let escaped = super::statuses::like_escaped(needle);
    accounts::table
        .filter(
            lower(accounts::username)
                .like(format!("{escaped}%"))
                .escape('\\')
                .or(lower(accounts::display_name)
                    .like(format!("%{escaped}%"))
                    .escape('\\')),
        )
        .filter(accounts::deleted_at.is_null())
        .filter(accounts::actor_type.ne("Application"))
        .order((accounts::local.desc(), accounts::username.asc()))
        .limit(limit)
        .offset(offset)
        .load(conn)
}

/// Accounts listed in the profile directory: discoverable people and groups,
/// local ones only when `local_only`.
pub fn discoverable(conn: &mut DbConnection, local_only: bool) -> QueryResult<Vec<Account>> {
    let mut query = accounts::table
        .filter(accounts::discoverable.eq(true))
        .filter(accounts::deleted_at.is_null())
        .filter(accounts::actor_type.ne("Application"))
        .into_boxed();
    if local_only {
        query = query.filter(accounts::local.eq(true));
    }
    query.order(accounts::id.desc()).load(conn)
}

/// Marks a local account's profile as changed now, for an `Update` that
/// changes what the actor document holds.
pub fn touch(conn: &mut DbConnection, account_id: i64) -> QueryResult<Account> {
    diesel::update(accounts::table.find(account_id))
        .set(accounts::updated_at.eq(super::now()))
        .get_result(conn)
}

/// What the database keeps counted for an account (see migration
/// `account_stats`): its statuses, when it last posted, its accepted
/// followers and follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, diesel::Queryable)]
pub struct Stats {
    pub statuses: i64,
    pub last_status_at: Option<chrono::NaiveDateTime>,
    pub followers: i64,
    pub following: i64,
}

/// The kept counts of each of `account_ids`, in one query.
pub fn stats_of(
    conn: &mut DbConnection,
    account_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Stats>> {
    use super::schema::account_stats;
    let rows: Vec<(i64, Stats)> = account_stats::table
        .filter(one_of(account_stats::account_id, account_ids))
        .select((
            account_stats::account_id,
            (
                account_stats::statuses_count,
                account_stats::last_status_at,
                account_stats::followers_count,
                account_stats::following_count,
            ),
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}
