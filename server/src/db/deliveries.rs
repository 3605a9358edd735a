//! The outgoing delivery queue. Rows are written in the same transaction as
//! the change they announce, claimed by workers with a lease, and removed once
//! the remote inbox accepts them.

use super::{
    DbConnection,
    models::{Delivery, OutgoingActivity},
    schema::{deliveries, outgoing_activities},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub const PENDING: &str = "pending";
pub const FAILED: &str = "failed";

pub fn insert_activity(conn: &mut DbConnection, activity: &OutgoingActivity) -> QueryResult<()> {
    diesel::insert_into(outgoing_activities::table)
        .values(activity)
        .execute(conn)
        .map(drop)
}

/// Row by row: diesel cannot batch inserts across both backends at once.
pub fn insert_deliveries(conn: &mut DbConnection, rows: &[Delivery]) -> QueryResult<()> {
    for row in rows {
        diesel::insert_into(deliveries::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// Leases up to `limit` due deliveries until `lease_until`. On PostgreSQL,
/// `FOR UPDATE SKIP LOCKED` lets several processes claim side by side without
/// waiting on each other; SQLite has one writer, so its transaction alone
/// keeps two claims apart.
pub fn claim_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(Delivery, OutgoingActivity)>> {
    let due = deliveries::table
        .filter(deliveries::state.eq(PENDING))
        .filter(deliveries::next_attempt_at.le(now))
        .filter(
            deliveries::locked_until
                .is_null()
                .or(deliveries::locked_until.lt(now)),
        )
        .order(deliveries::next_attempt_at.asc())
        .limit(limit)
        .select(deliveries::id);
    let ids: Vec<i64> = match conn {
        DbConnection::Pg(pg) => due.for_update().skip_locked().load(pg)?,
        DbConnection::Sqlite(sqlite) => due.load(sqlite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    diesel::update(deliveries::table.filter(deliveries::id.eq_any(&ids)))
        .set(deliveries::locked_until.eq(lease_until))
        .execute(conn)?;
    deliveries::table
        .inner_join(outgoing_activities::table)
        .filter(deliveries::id.eq_any(&ids))
        .select((Delivery::as_select(), OutgoingActivity::as_select()))
        .load(conn)
}

pub fn complete(conn: &mut DbConnection, id: i64) -> QueryResult<()> {
    diesel::delete(deliveries::table.find(id))
        .execute(conn)
        .map(drop)
}

pub fn retry_at(
    conn: &mut DbConnection,
    id: i64,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    error: &str,
) -> QueryResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::attempts.eq(attempts),
            deliveries::next_attempt_at.eq(next_attempt_at),
            deliveries::locked_until.eq(None::<NaiveDateTime>),
            deliveries::last_error.eq(error),
            deliveries::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn fail(conn: &mut DbConnection, id: i64, attempts: i32, error: &str) -> QueryResult<()> {
    diesel::update(deliveries::table.find(id))
        .set((
            deliveries::state.eq(FAILED),
            deliveries::attempts.eq(attempts),
            deliveries::locked_until.eq(None::<NaiveDateTime>),
            deliveries::last_error.eq(error),
            deliveries::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

/// Frees every lease. Only safe when no other process works the queue, which
/// is the case for a SQLite database at start-up: a process killed mid-send
/// leaves leases behind, and its successor need not wait for them to lapse.
pub fn release_all_leases(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::update(deliveries::table.filter(deliveries::locked_until.is_not_null()))
        .set(deliveries::locked_until.eq(None::<NaiveDateTime>))
        .execute(conn)
}

/// One line per remote host of the queue: pending (never tried), retrying
/// (tried and waiting) and failed (given up).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HostQueue {
    pub host: String,
    pub pending: i64,
    pub retrying: i64,
    pub failed: i64,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub last_error: Option<String>,
}

pub fn summary_by_host(conn: &mut DbConnection) -> QueryResult<Vec<HostQueue>> {
    let rows: Vec<(String, String, i32, NaiveDateTime, Option<String>)> = deliveries::table
        .select((
            deliveries::host,
            deliveries::state,
            deliveries::attempts,
            deliveries::next_attempt_at,
            deliveries::last_error,
        ))
        .order((deliveries::host.asc(), deliveries::updated_at.asc()))
        .load(conn)?;
    let mut hosts: Vec<HostQueue> = Vec::new();
    for (host, state, attempts, next_attempt_at, last_error) in rows {
        if hosts.last().is_none_or(|h| h.host != host) {
            hosts.push(HostQueue {
                host: host.clone(),
                ..HostQueue::default()
            });
        }
        let entry = hosts.last_mut().expect("pushed above");
        match (state.as_str(), attempts) {
            (FAILED, _) => entry.failed += 1,
            (_, 0) => entry.pending += 1,
            _ => entry.retrying += 1,
        }
        if state == PENDING {
            entry.next_attempt_at = Some(
                entry
                    .next_attempt_at
                    .map_or(next_attempt_at, |t| t.min(next_attempt_at)),
            );
        }
        if last_error.is_some() {
            entry.last_error = last_error;
        }
    }
    Ok(hosts)
}

pub fn outgoing_by_ap_id(
    conn: &mut DbConnection,
    ap_id: &str,
) -> QueryResult<Option<OutgoingActivity>> {
    outgoing_activities::table
        .filter(outgoing_activities::ap_id.eq(ap_id))
        .first(conn)
        .optional()
}

pub fn received_before(conn: &mut DbConnection, ap_id: &str) -> QueryResult<bool> {
    use super::schema::received_activities;
    diesel::select(diesel::dsl::exists(
        received_activities::table.filter(received_activities::ap_id.eq(ap_id)),
    ))
    .get_result(conn)
}

/// Records an incoming activity id. Called inside the transaction that applies
/// the activity, so a duplicate fails on the primary key and changes nothing.
pub fn mark_received(conn: &mut DbConnection, ap_id: &str) -> QueryResult<()> {
    use super::schema::received_activities;
    diesel::insert_into(received_activities::table)
        .values((
            received_activities::ap_id.eq(ap_id),
            received_activities::received_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}
