//! Keeping home feeds to their newest entries, and reading below what was
//! kept (the feeds' rows themselves are written and read in
//! [`super::statuses`]).

use super::id_lists::{none_of, one_of};
use super::{
    DbConnection,
    schema::{home_feed, home_feed_trims, statuses},
};
use diesel::prelude::*;

/// Members whose feed holds more than `keep` entries.
pub fn overfull(conn: &mut DbConnection, keep: i64) -> QueryResult<Vec<i64>> {
    home_feed::table
        .group_by(home_feed::account_id)
        .having(diesel::dsl::count_star().gt(keep))
        .select(home_feed::account_id)
        .load(conn)
}

/// Removes all but the newest `keep` entries of `account_id`'s feed and
/// remembers the oldest kept, so that older pages are read from the
/// statuses. How many entries went.
pub fn trim(conn: &mut DbConnection, account_id: i64, keep: i64) -> QueryResult<usize> {
    let oldest_kept: Option<i64> = home_feed::table
        .filter(home_feed::account_id.eq(account_id))
        .order(home_feed::status_id.desc())
        .offset(keep - 1)
        .select(home_feed::status_id)
        .first(conn)
        .optional()?;
    let Some(oldest_kept) = oldest_kept else {
        return Ok(0);
    };
    let removed = diesel::delete(
        home_feed::table
            .filter(home_feed::account_id.eq(account_id))
            .filter(home_feed::status_id.lt(oldest_kept)),
    )
    .execute(conn)?;
    // The boundary only moves up: entries below an earlier one are gone too.
    let below = match trimmed_below(conn, account_id)? {
        Some(earlier) => earlier.max(oldest_kept),
        None => oldest_kept,
    };
    diesel::delete(home_feed_trims::table.find(account_id)).execute(conn)?;
    diesel::insert_into(home_feed_trims::table)
        .values((
            home_feed_trims::account_id.eq(account_id),
            home_feed_trims::below_id.eq(below),
        ))
        .execute(conn)?;
    Ok(removed)
}

/// The oldest entry kept when `account_id`'s feed was last trimmed, if it
/// ever was: entries older than it may be missing from the feed.
pub fn trimmed_below(conn: &mut DbConnection, account_id: i64) -> QueryResult<Option<i64>> {
    home_feed_trims::table
        .find(account_id)
        .select(home_feed_trims::below_id)
        .first(conn)
        .optional()
}

/// What a trimmed feed would have held below `before_id`: statuses of
/// `authors` (whom the member follows, and the member), newest first,
/// except direct ones of others and those of `hidden_authors`.
pub fn older_than_feed(
    conn: &mut DbConnection,
    account_id: i64,
    authors: &[i64],
    hidden_authors: &[i64],
    before_id: i64,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    statuses::table
        .filter(one_of(statuses::account_id, authors))
        .filter(none_of(statuses::account_id, hidden_authors))
        .filter(statuses::id.lt(before_id))
        .filter(
            statuses::visibility
                .ne("direct")
                .or(statuses::account_id.eq(account_id)),
        )
        .order(statuses::id.desc())
        .limit(limit)
        .select(statuses::id)
        .load(conn)
}
