//! Which statuses quote which.

use super::id_lists::one_of;
use super::{DbConnection, schema::status_quotes};
use diesel::prelude::*;

/// Records that `status_id` quotes `quoted_uri` (known here as
/// `quoted_status_id`, when it is).
pub fn insert(
    conn: &mut DbConnection,
    status_id: i64,
    quoted_status_id: Option<i64>,
    quoted_uri: &str,
) -> QueryResult<()> {
    diesel::insert_into(status_quotes::table)
        .values((
            status_quotes::status_id.eq(status_id),
            status_quotes::quoted_status_id.eq(quoted_status_id),
            status_quotes::quoted_uri.eq(quoted_uri),
        ))
        .execute(conn)
        .map(drop)
}

/// For each of `status_ids` that quotes: (status, quoted status here if
/// known, quoted id as its server names it).
pub fn of_statuses(
    conn: &mut DbConnection,
    status_ids: &[i64],
) -> QueryResult<Vec<(i64, Option<i64>, String)>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    status_quotes::table
        .filter(one_of(status_quotes::status_id, status_ids))
        .select((
            status_quotes::status_id,
            status_quotes::quoted_status_id,
            status_quotes::quoted_uri,
        ))
        .load(conn)
}
