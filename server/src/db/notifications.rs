//! Members' notifications.

use super::id_lists::one_of;
use super::{DbConnection, models::Notification, schema::notifications, statuses::Page};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, notification: &Notification) -> QueryResult<()> {
    diesel::insert_into(notifications::table)
        .values(notification)
        .execute(conn)
        .map(drop)
}

/// A member's notifications of the given kinds, newest first.
pub fn list(
    conn: &mut DbConnection,
    account_id: i64,
    kinds: &[String],
    page: Page,
) -> QueryResult<Vec<Notification>> {
    let mut query = notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::kind.eq_any(kinds))
        .into_boxed();
    if let Some(max_id) = page.max_id {
        query = query.filter(notifications::id.lt(max_id));
    }
    if let Some(since_id) = page.since_id {
        query = query.filter(notifications::id.gt(since_id));
    }
    if let Some(min_id) = page.min_id {
        let mut rows: Vec<Notification> = query
            .filter(notifications::id.gt(min_id))
            .order(notifications::id.asc())
            .limit(page.limit)
            .load(conn)?;
        rows.reverse();
        return Ok(rows);
    }
    query
        .order(notifications::id.desc())
        .limit(page.limit)
        .load(conn)
}

/// How many of a member's notifications are newer than `after_id`,
/// counting at most `cap`.
pub fn count_after(
    conn: &mut DbConnection,
    account_id: i64,
    after_id: i64,
    cap: i64,
) -> QueryResult<i64> {
    let ids: Vec<i64> = notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::id.gt(after_id))
        .select(notifications::id)
        .limit(cap)
        .load(conn)?;
    Ok(ids.len() as i64)
}

pub fn of_account(
    conn: &mut DbConnection,
    account_id: i64,
    id: i64,
) -> QueryResult<Option<Notification>> {
    notifications::table
        .filter(notifications::account_id.eq(account_id))
        .filter(notifications::id.eq(id))
        .first(conn)
        .optional()
}

/// Deletes one notification, or all of a member's when `id` is None.
pub fn dismiss(conn: &mut DbConnection, account_id: i64, id: Option<i64>) -> QueryResult<usize> {
    let mine = notifications::table.filter(notifications::account_id.eq(account_id));
    match id {
        Some(id) => diesel::delete(mine.filter(notifications::id.eq(id))).execute(conn),
        None => diesel::delete(mine).execute(conn),
    }
}

/// Which notifications a group holds (see `domain::notifications::GroupKey`).
pub enum GroupFilter {
    One(i64),
    OfStatus(String, i64),
    /// A kind's notifications made in `[from, to)`.
    Between(String, chrono::NaiveDateTime, chrono::NaiveDateTime),
}

/// A member's notifications in one group, newest first, at most `limit`.
pub fn in_group(
    conn: &mut DbConnection,
    account_id: i64,
    filter: &GroupFilter,
    limit: i64,
) -> QueryResult<Vec<Notification>> {
    let mut query = notifications::table
        .filter(notifications::account_id.eq(account_id))
        .into_boxed();
    query = match filter {
        GroupFilter::One(id) => query.filter(notifications::id.eq(*id)),
        GroupFilter::OfStatus(kind, status_id) => query
            .filter(notifications::kind.eq(kind.clone()))
            .filter(notifications::status_id.eq(*status_id)),
        GroupFilter::Between(kind, from, to) => query
            .filter(notifications::kind.eq(kind.clone()))
            .filter(notifications::created_at.ge(*from))
            .filter(notifications::created_at.lt(*to)),
    };
    query
        .order(notifications::id.desc())
        .limit(limit)
        .select(Notification::as_select())
        .load(conn)
}

/// Deletes a member's notifications in one group; how many went.
pub fn dismiss_group(
    conn: &mut DbConnection,
    account_id: i64,
    filter: &GroupFilter,
) -> QueryResult<usize> {
    let ids: Vec<i64> = in_group(conn, account_id, filter, i64::MAX)?
        .into_iter()
        .map(|n| n.id)
        .collect();
    diesel::delete(notifications::table.filter(one_of(notifications::id, &ids))).execute(conn)
}
