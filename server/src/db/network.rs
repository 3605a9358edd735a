//! The one-row table that holds the network's profile document, the
//! networks linked with it, and what other networks say about themselves.

use super::{
    DbConnection,
    models::Account,
    schema::{accounts, network, network_links, network_profiles},
};
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

/// Records `account_id` (another network's actor) as `relation`.
pub fn set_link(conn: &mut DbConnection, account_id: i64, relation: &str) -> QueryResult<()> {
    diesel::delete(network_links::table.find(account_id)).execute(conn)?;
    diesel::insert_into(network_links::table)
        .values((
            network_links::account_id.eq(account_id),
            network_links::relation.eq(relation),
            network_links::created_at.eq(super::now()),
        ))
        .execute(conn)
        .map(drop)
}

pub fn remove_link(conn: &mut DbConnection, account_id: i64) -> QueryResult<usize> {
    diesel::delete(network_links::table.find(account_id)).execute(conn)
}

/// The networks linked as `relation`, by name.
pub fn linked(conn: &mut DbConnection, relation: &str) -> QueryResult<Vec<Account>> {
    network_links::table
        .inner_join(accounts::table.on(accounts::id.eq(network_links::account_id)))
        .filter(network_links::relation.eq(relation))
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

/// The linked networks (parents and children) that published a profile,
/// with it.
pub fn linked_profiles(conn: &mut DbConnection) -> QueryResult<Vec<(Account, String)>> {
    network_links::table
        .inner_join(accounts::table.on(accounts::id.eq(network_links::account_id)))
        .inner_join(
            network_profiles::table.on(network_profiles::account_id.eq(network_links::account_id)),
        )
        .select((Account::as_select(), network_profiles::profile))
        .order(accounts::domain.asc())
        .load(conn)
}
