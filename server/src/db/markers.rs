//! Read positions in timelines.

use super::{DbConnection, models::Marker, schema::markers};
use diesel::prelude::*;

pub fn of_account(conn: &mut DbConnection, account_id: i64) -> QueryResult<Vec<Marker>> {
    markers::table
        .filter(markers::account_id.eq(account_id))
        .load(conn)
}

/// Sets a marker, bumping its version.
pub fn save(
    conn: &mut DbConnection,
    account_id: i64,
    timeline: &str,
    last_read_id: i64,
) -> QueryResult<Marker> {
    let existing: Option<Marker> = markers::table
        .find((account_id, timeline))
        .first(conn)
        .optional()?;
    let now = super::now();
    match existing {
        Some(marker) => diesel::update(markers::table.find((account_id, timeline)))
            .set((
                markers::last_read_id.eq(last_read_id),
                markers::version.eq(marker.version + 1),
                markers::updated_at.eq(now),
            ))
            .get_result(conn),
        None => diesel::insert_into(markers::table)
            .values(&Marker {
                account_id,
                timeline: timeline.to_string(),
                last_read_id,
                version: 1,
                updated_at: now,
            })
            .get_result(conn),
    }
}
