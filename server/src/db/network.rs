//! The one-row table that holds the network's profile document.

use super::{DbConnection, schema::network};
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
