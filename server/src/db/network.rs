//! The one-row table that holds the network's profile document, the
//! networks linked with it, and what other networks say about themselves.

use super::{
    DbConnection,
    models::Account,
    schema::{
        accounts, health_snapshots, network, network_links, network_profiles, network_reports,
    },
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// The stored profile document, if the network was ever described.
pub fn profile(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    network::table
        .find(1)
        .select(network::profile)
        .first(conn)
        .optional()
}

pub fn save_profile(conn: &mut DbConnection, profile: &str) -> QueryResult<()> {
    let now = super::now();
    let updated = diesel::update(network::table.find(1))
        .set((network::profile.eq(profile), network::updated_at.eq(now)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(network::table)
            .values((
                network::id.eq(1),
                network::profile.eq(profile),
                network::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Records `account_id` (another network's actor) as `relation`, active.
pub fn set_link(conn: &mut DbConnection, account_id: i64, relation: &str) -> QueryResult<()> {
    set_link_state(conn, account_id, relation, "active")
}

/// Records `account_id` as `relation` in `state` (a peer link waits for
/// the other side's admins).
pub fn set_link_state(
    conn: &mut DbConnection,
    account_id: i64,
    relation: &str,
    state: &str,
) -> QueryResult<()> {
    diesel::delete(network_links::table.find(account_id)).execute(conn)?;
    diesel::insert_into(network_links::table)
        .values((
            network_links::account_id.eq(account_id),
            network_links::relation.eq(relation),
            network_links::created_at.eq(super::now()),
            network_links::state.eq(state),
        ))
        .execute(conn)
        .map(drop)
}

/// How this network is linked with `account_id`: (relation, state).
pub fn link_with(
    conn: &mut DbConnection,
    account_id: i64,
) -> QueryResult<Option<(String, String)>> {
    network_links::table
        .find(account_id)
        .select((network_links::relation, network_links::state))
        .first(conn)
        .optional()
}

/// Every linked network with the relation, the state and when the link
/// began, parents first, then children, then peers.
pub fn all_links(
    conn: &mut DbConnection,
) -> QueryResult<Vec<(Account, String, String, NaiveDateTime)>> {
    network_links::table
        .inner_join(accounts::table.on(accounts::id.eq(network_links::account_id)))
        .select((
            Account::as_select(),
            network_links::relation,
            network_links::state,
            network_links::created_at,
        ))
        .order((network_links::relation.desc(), accounts::domain.asc()))
        .load(conn)
}

pub fn remove_link(conn: &mut DbConnection, account_id: i64) -> QueryResult<usize> {
    diesel::delete(network_links::table.find(account_id)).execute(conn)
}

/// The networks actively linked as `relation`, by name.
pub fn linked(conn: &mut DbConnection, relation: &str) -> QueryResult<Vec<Account>> {
    network_links::table
        .inner_join(accounts::table.on(accounts::id.eq(network_links::account_id)))
        .filter(network_links::relation.eq(relation))
        .filter(network_links::state.eq("active"))
        .select(Account::as_select())
        .order(accounts::domain.asc())
        .load(conn)
}

/// Keeps what another network's actor says about itself.
pub fn save_remote_profile(
    conn: &mut DbConnection,
    account_id: i64,
    profile: &str,
) -> QueryResult<()> {
    diesel::delete(network_profiles::table.find(account_id)).execute(conn)?;
    diesel::insert_into(network_profiles::table)
        .values((
            network_profiles::account_id.eq(account_id),
            network_profiles::profile.eq(profile),
            network_profiles::updated_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn remote_profile(conn: &mut DbConnection, account_id: i64) -> QueryResult<Option<String>> {
    network_profiles::table
        .find(account_id)
        .select(network_profiles::profile)
        .first(conn)
        .optional()
}

/// A network report as stored: the document, when its network computed
/// it, when it arrived, and (for this network's own) when it was sent.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = network_reports)]
pub struct StoredReport {
    pub account_id: i64,
    pub document: String,
    pub computed_at: NaiveDateTime,
    pub received_at: NaiveDateTime,
    pub pushed_at: Option<NaiveDateTime>,
}

pub fn report(conn: &mut DbConnection, account_id: i64) -> QueryResult<Option<StoredReport>> {
    network_reports::table
        .find(account_id)
        .select(StoredReport::as_select())
        .first(conn)
        .optional()
}

/// Replaces the report of `account_id`, keeping when it was last sent.
pub fn save_report(
    conn: &mut DbConnection,
    account_id: i64,
    document: &str,
    computed_at: NaiveDateTime,
) -> QueryResult<()> {
    let now = super::now();
    let updated = diesel::update(network_reports::table.find(account_id))
        .set((
            network_reports::document.eq(document),
            network_reports::computed_at.eq(computed_at),
            network_reports::received_at.eq(now),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(network_reports::table)
            .values((
                network_reports::account_id.eq(account_id),
                network_reports::document.eq(document),
                network_reports::computed_at.eq(computed_at),
                network_reports::received_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn mark_report_pushed(
    conn: &mut DbConnection,
    account_id: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::update(network_reports::table.find(account_id))
        .set(network_reports::pushed_at.eq(Some(at)))
        .execute(conn)
        .map(drop)
}

pub fn remove_report(conn: &mut DbConnection, account_id: i64) -> QueryResult<usize> {
    diesel::delete(network_reports::table.find(account_id)).execute(conn)
}

pub fn insert_snapshot(
    conn: &mut DbConnection,
    id: i64,
    taken_at: NaiveDateTime,
    figures: &str,
) -> QueryResult<()> {
    diesel::insert_into(health_snapshots::table)
        .values((
            health_snapshots::id.eq(id),
            health_snapshots::taken_at.eq(taken_at),
            health_snapshots::figures.eq(figures),
        ))
        .execute(conn)
        .map(drop)
}

/// When the latest snapshot was taken.
pub fn latest_snapshot_at(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    health_snapshots::table
        .select(diesel::dsl::max(health_snapshots::taken_at))
        .first(conn)
}

/// Snapshots taken from `from` to `to` (inclusive), oldest first, at most
/// `limit`.
pub fn snapshots_between(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    to: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<(NaiveDateTime, String)>> {
    health_snapshots::table
        .filter(health_snapshots::taken_at.ge(from))
        .filter(health_snapshots::taken_at.le(to))
        .select((health_snapshots::taken_at, health_snapshots::figures))
        .order(health_snapshots::taken_at.asc())
        .limit(limit)
        .load(conn)
}

/// The latest snapshot taken at or before `at`.
pub fn snapshot_at_or_before(
    conn: &mut DbConnection,
    at: NaiveDateTime,
) -> QueryResult<Option<(NaiveDateTime, String)>> {
    health_snapshots::table
        .filter(health_snapshots::taken_at.le(at))
        .select((health_snapshots::taken_at, health_snapshots::figures))
        .order(health_snapshots::taken_at.desc())
        .first(conn)
        .optional()
}

/// The first snapshot ever taken.
pub fn oldest_snapshot(conn: &mut DbConnection) -> QueryResult<Option<(NaiveDateTime, String)>> {
    health_snapshots::table
        .select((health_snapshots::taken_at, health_snapshots::figures))
        .order(health_snapshots::taken_at.asc())
        .first(conn)
        .optional()
}
/// The linked networks (parents and children) that published a profile,
/// with it.
pub fn linked_profiles(conn: &mut DbConnection) -> QueryResult<Vec<(Account, String)>> {
    network_links::table
        .inner_join(accounts::table.on(accounts::id.eq(network_links::account_id)))
        .inner_join(
            network_profiles::table.on(network_profiles::account_id.eq(network_links::account_id)),
        )
        .filter(network_links::state.eq("active"))
        .select((Account::as_select(), network_profiles::profile))
        .order(accounts::domain.asc())
        .load(conn)
}
