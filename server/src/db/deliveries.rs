//! The outgoing delivery queue. Rows are written in the same transaction as
//! the change they announce, claimed by workers with a lease, and removed once
//! the remote inbox accepts them.

use super::id_lists::one_of;
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

/// Rows per INSERT: eleven values each stays far below both databases'
/// limits on bound values (32,766 for SQLite, 65,535 for PostgreSQL).
const INSERT_CHUNK: usize = 1_000;

/// Many rows per statement, so a post to ten thousand followers does not
/// wait for ten thousand round trips before its first delivery can leave.
/// diesel batches inserts per backend, not through the connection enum.
pub fn insert_deliveries(conn: &mut DbConnection, rows: &[Delivery]) -> QueryResult<()> {
    for chunk in rows.chunks(INSERT_CHUNK) {
        let insert = diesel::insert_into(deliveries::table).values(chunk);
        match conn {
            DbConnection::Pg(pg) => insert.execute(pg)?,
            DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
        };
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
    diesel::update(deliveries::table.filter(one_of(deliveries::id, &ids)))
        .set(deliveries::locked_until.eq(lease_until))
        .execute(conn)?;
    deliveries::table
        .inner_join(outgoing_activities::table)
        .filter(one_of(deliveries::id, &ids))
        .select((Delivery::as_select(), OutgoingActivity::as_select()))
        .load(conn)
}

/// Removes delivered rows.
pub fn complete_all(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<()> {
    for chunk in ids.chunks(INSERT_CHUNK) {
        diesel::delete(deliveries::table.filter(one_of(deliveries::id, chunk))).execute(conn)?;
    }
    Ok(())
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

/// Frees the leases on `ids`: deliveries a stopping process claimed but
/// did not finish, due again at once for whichever process runs next.
pub fn release_leases(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(deliveries::table.filter(one_of(deliveries::id, ids)))
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

/// Records an incoming activity id unless it is there already, in one
/// statement; true when this is the first time. On PostgreSQL a concurrent
/// transaction recording the same id makes this one wait for it and then
/// answer false, so a duplicate delivered twice at once is still seen once.
pub fn record_first_receipt(conn: &mut DbConnection, ap_id: &str) -> QueryResult<bool> {
    use super::schema::received_activities;
    let insert = diesel::insert_into(received_activities::table)
        .values((
            received_activities::ap_id.eq(ap_id),
            received_activities::received_at.eq(super::now()),
        ))
        .on_conflict_do_nothing();
    // diesel builds ON CONFLICT per backend, not through the connection enum.
    let inserted = match conn {
        DbConnection::Pg(pg) => insert.execute(pg)?,
        DbConnection::Sqlite(sqlite) => insert.execute(sqlite)?,
    };
    Ok(inserted == 1)
}

/// What `prune` removed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Pruned {
    pub received: usize,
    pub failed: usize,
    pub activities: usize,
}

/// Forgets activity ids received before `received_before`, and failed
/// deliveries and fully delivered activities older than `finished_before`.
pub fn prune(
    conn: &mut DbConnection,
    received_before: NaiveDateTime,
    finished_before: NaiveDateTime,
) -> QueryResult<Pruned> {
    use super::schema::received_activities;
    let received = diesel::delete(
        received_activities::table.filter(received_activities::received_at.lt(received_before)),
    )
    .execute(conn)?;
    let failed = diesel::delete(
        deliveries::table
            .filter(deliveries::state.eq(FAILED))
            .filter(deliveries::updated_at.lt(finished_before)),
    )
    .execute(conn)?;
    let activities = diesel::delete(
        outgoing_activities::table
            .filter(outgoing_activities::created_at.lt(finished_before))
            .filter(
                outgoing_activities::id.ne_all(deliveries::table.select(deliveries::activity_id)),
            ),
    )
    .execute(conn)?;
    Ok(Pruned {
        received,
        failed,
        activities,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Database, accounts, ids::next_id, models::Account};
    use chrono::Duration;

    fn account(now: NaiveDateTime) -> Account {
        Account {
            id: next_id(),
            username: "alice".into(),
            domain: "town.example".into(),
            local: true,
            actor_type: "Person".into(),
            display_name: String::new(),
            note: String::new(),
            ap_id: "https://town.example/users/alice".into(),
            url: None,
            inbox_url: "https://town.example/users/alice/inbox".into(),
            shared_inbox_url: None,
            outbox_url: None,
            followers_url: None,
            following_url: None,
            public_key_id: "https://town.example/users/alice#main-key".into(),
            public_key_pem: String::new(),
            private_key_pem: None,
            locked: false,
            bot: false,
            discoverable: true,
            created_at: now,
            updated_at: now,
            last_fetched_at: None,
            deleted_at: None,
            fields: "[]".into(),
        }
    }

    fn delivery(activity_id: i64, state: &str, at: NaiveDateTime) -> Delivery {
        Delivery {
            id: next_id(),
            activity_id,
            inbox_url: "https://county.example/inbox".into(),
            host: "county.example".into(),
            state: state.into(),
            attempts: 1,
            next_attempt_at: at,
            locked_until: None,
            last_error: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn prune_forgets_only_what_is_old_and_finished() {
        let dir = tempfile::tempdir().unwrap();
        let db = Database::open(
            &format!("sqlite://{}", dir.path().join("t.db").display()),
            2,
        )
        .unwrap();
        let mut pooled = db.reads.get().unwrap();
        let conn = &mut pooled.conn;
        let now = crate::db::now();
        let old = now - Duration::days(30);
        let actor = accounts::insert(conn, &account(now)).unwrap();
        let activity = |ap_id: &str, at| OutgoingActivity {
            id: next_id(),
            ap_id: ap_id.into(),
            actor_account_id: actor.id,
            payload: "{}".into(),
            created_at: at,
        };
        let delivered = activity("https://town.example/a/1", old);
        let failed = activity("https://town.example/a/2", old);
        let waiting = activity("https://town.example/a/3", old);
        for a in [&delivered, &failed, &waiting] {
            insert_activity(conn, a).unwrap();
        }
        insert_deliveries(
            conn,
            &[
                delivery(failed.id, FAILED, old),
                delivery(waiting.id, PENDING, old),
            ],
        )
        .unwrap();
        assert!(record_first_receipt(conn, "https://county.example/old").unwrap());
        assert!(!record_first_receipt(conn, "https://county.example/old").unwrap());
        diesel::update(crate::db::schema::received_activities::table)
            .set(crate::db::schema::received_activities::received_at.eq(old))
            .execute(conn)
            .unwrap();
        assert!(record_first_receipt(conn, "https://county.example/new").unwrap());

        let cutoff = now - Duration::days(14);
        let pruned = prune(conn, cutoff, cutoff).unwrap();
        assert_eq!(
            pruned,
            Pruned {
                received: 1,
                failed: 1,
                activities: 2
            }
        );
        assert!(received_before(conn, "https://county.example/new").unwrap());
        assert!(!received_before(conn, "https://county.example/old").unwrap());
        assert!(outgoing_by_ap_id(conn, &waiting.ap_id).unwrap().is_some());
        assert!(outgoing_by_ap_id(conn, &delivered.ap_id).unwrap().is_none());
    }
}
