//! Follow relationships, pending and accepted, in both directions.

use super::id_lists::one_of;
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
    live_followers_of(account_id)
        .select(Account::as_select())
        .load(conn)
}

/// Accepted follows of `account_id` by accounts that still exist.
#[diesel::dsl::auto_type]
fn live_followers_of(account_id: i64) -> _ {
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .filter(accounts::deleted_at.is_null())
}

/// Ids of the members here who follow `account_id`: all that a home feed
/// needs, without loading thousands of remote accounts.
pub fn local_follower_ids(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<i64>> {
    live_followers_of(account_id)
        .filter(accounts::local.eq(true))
        .select(accounts::id)
        .load(conn)
}

/// Whether a member here follows `account_id`.
pub fn has_local_follower(conn: &mut DbConnection, account_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        live_followers_of(account_id).filter(accounts::local.eq(true)),
    ))
    .get_result(conn)
}

/// The inboxes that reach `account_id`'s remote followers: each server's
/// shared inbox once, and the own inbox of a follower whose server has
/// none. Ten thousand followers on a thousand servers read as a thousand
/// short strings, not ten thousand accounts.
pub fn remote_follower_inboxes(
    conn: &mut DbConnection,
    account_id: i64,
) -> QueryResult<std::collections::BTreeSet<String>> {
    let shared: Vec<Option<String>> = live_followers_of(account_id)
        .filter(accounts::local.eq(false))
        .filter(accounts::shared_inbox_url.is_not_null())
        .select(accounts::shared_inbox_url)
        .distinct()
        .load(conn)?;
    let own: Vec<String> = live_followers_of(account_id)
        .filter(accounts::local.eq(false))
        .filter(accounts::shared_inbox_url.is_null())
        .select(accounts::inbox_url)
        .load(conn)?;
    Ok(shared.into_iter().flatten().chain(own).collect())
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

/// Accepted follows leaving any of `account_ids`, as `(follower, followed)`.
pub fn accepted_from(conn: &mut DbConnection, account_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    follows::table
        .filter(one_of(follows::account_id, account_ids))
        .filter(follows::accepted.eq(true))
        .select((follows::account_id, follows::target_account_id))
        .load(conn)
}

/// Accepted follows reaching any of `account_ids`, as `(follower, followed)`.
pub fn accepted_to(conn: &mut DbConnection, account_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    follows::table
        .filter(one_of(follows::target_account_id, account_ids))
        .filter(follows::accepted.eq(true))
        .select((follows::account_id, follows::target_account_id))
        .load(conn)
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

/// One page of an account's followers (`incoming`) or followed accounts,
/// newest follow first, as (follow id, account) pairs. `accepted` chooses
/// between relationships and pending requests.
pub fn page(
    conn: &mut DbConnection,
    account_id: i64,
    incoming: bool,
    accepted: bool,
    page: super::statuses::Page,
) -> QueryResult<Vec<(i64, Account)>> {
    let mut query = follows::table
        .filter(follows::accepted.eq(accepted))
        .into_boxed();
    query = if incoming {
        query.filter(follows::target_account_id.eq(account_id))
    } else {
        query.filter(follows::account_id.eq(account_id))
    };
    if let Some(max_id) = page.max_id {
        query = query.filter(follows::id.lt(max_id));
    }
    if let Some(since_id) = page.since_id.or(page.min_id) {
        query = query.filter(follows::id.gt(since_id));
    }
    let rows: Vec<Follow> = query
        .order(follows::id.desc())
        .limit(page.limit)
        .load(conn)?;
    let other = |f: &Follow| {
        if incoming {
            f.account_id
        } else {
            f.target_account_id
        }
    };
    let ids: Vec<i64> = rows.iter().map(other).collect();
    let accounts = super::accounts::by_ids(conn, &ids)?;
    Ok(rows
        .iter()
        .filter_map(|f| {
            accounts
                .iter()
                .find(|a| a.id == other(f) && a.deleted_at.is_none())
                .map(|a| (f.id, a.clone()))
        })
        .collect())
}

pub fn count_pending_requests(conn: &mut DbConnection, account_id: i64) -> QueryResult<i64> {
    follows::table
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(false))
        .count()
        .get_result(conn)
}

/// Changes what a follower asked for: post notifications and boosts.
pub fn set_options(
    conn: &mut DbConnection,
    id: i64,
    notify: bool,
    show_reblogs: bool,
) -> QueryResult<()> {
    diesel::update(follows::table.find(id))
        .set((
            follows::notify.eq(notify),
            follows::show_reblogs.eq(show_reblogs),
        ))
        .execute(conn)
        .map(drop)
}

/// Local accepted followers of `account_id` who asked to hear of its posts.
pub fn followers_notified(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<Account>> {
    follows::table
        .inner_join(accounts::table.on(accounts::id.eq(follows::account_id)))
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::accepted.eq(true))
        .filter(follows::notify.eq(true))
        .filter(accounts::local.eq(true))
        .select(Account::as_select())
        .load(conn)
}

/// Followers of `account_id` who do not want its boosts in their feeds.
pub fn followers_hiding_boosts(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<i64>> {
    follows::table
        .filter(follows::target_account_id.eq(account_id))
        .filter(follows::show_reblogs.eq(false))
        .select(follows::account_id)
        .load(conn)
}

/// Whom `account_id` asked to follow and is still waiting for.
pub fn requested_by(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<i64>> {
    follows::table
        .filter(follows::account_id.eq(account_id))
        .filter(follows::accepted.eq(false))
        .select(follows::target_account_id)
        .load(conn)
}

/// Follows between any two of `people` made since `since`, as
/// `(follower, followed, when)`.
pub fn follows_among(
    conn: &mut DbConnection,
    people: &[i64],
    since: chrono::NaiveDateTime,
) -> QueryResult<Vec<(i64, i64, chrono::NaiveDateTime)>> {
    follows::table
        .filter(one_of(follows::account_id, people))
        .filter(one_of(follows::target_account_id, people))
        .filter(follows::created_at.ge(since))
        .select((
            follows::account_id,
            follows::target_account_id,
            follows::created_at,
        ))
        .load(conn)
}
