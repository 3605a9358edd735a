//! The short log of changes that streaming connections hear about.

use super::id_lists::one_of;
use super::{
    DbConnection,
    models::StreamEvent,
    schema::{home_feed, stream_events},
};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, event: &StreamEvent) -> QueryResult<()> {
    diesel::insert_into(stream_events::table)
        .values(event)
        .execute(conn)
        .map(drop)
}

/// Events with ids above `after`, oldest first, at most `limit`.
pub fn after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<StreamEvent>> {
    stream_events::table
        .filter(stream_events::id.gt(after))
        .order(stream_events::id.asc())
        .limit(limit)
        .load(conn)
}

/// Drops events written before `before`.
pub fn prune(conn: &mut DbConnection, before: chrono::NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(stream_events::table.filter(stream_events::created_at.lt(before))).execute(conn)
}

/// Which of `candidates` have `status_id` in their home feed.
pub fn feeds_holding(
    conn: &mut DbConnection,
    status_id: i64,
    candidates: &[i64],
) -> QueryResult<Vec<i64>> {
    home_feed::table
        .filter(home_feed::status_id.eq(status_id))
        .filter(one_of(home_feed::account_id, candidates))
        .select(home_feed::account_id)
        .load(conn)
}

/// Every member whose home feed holds `status_id`.
pub fn all_feeds_holding(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<i64>> {
    home_feed::table
        .filter(home_feed::status_id.eq(status_id))
        .select(home_feed::account_id)
        .load(conn)
}
