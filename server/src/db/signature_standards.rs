//! The HTTP signature standard each remote server is signed to.

use super::{DbConnection, schema::signature_standards};
use diesel::prelude::*;
use std::collections::HashMap;

pub const RFC9421: &str = "rfc9421";
pub const CAVAGE: &str = "draft-cavage";

/// The standards recorded for `hosts`; a host not in the answer has none.
pub fn for_hosts(
    conn: &mut DbConnection,
    hosts: &[String],
) -> QueryResult<HashMap<String, String>> {
    if hosts.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(signature_standards::table
        .filter(signature_standards::host.eq_any(hosts))
        .select((signature_standards::host, signature_standards::standard))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Records `standard` for `host` unless one is recorded already: what a
/// server once refused is not tried again because it signs that way.
pub fn learn(conn: &mut DbConnection, host: &str, standard: &str) -> QueryResult<()> {
    let known = signature_standards::table
        .find(host)
        .select(signature_standards::host)
        .first::<String>(conn)
        .optional()?;
    if known.is_some() {
        return Ok(());
    }
    super::insert_unless_taken(conn, |conn| {
        diesel::insert_into(signature_standards::table)
            .values((
                signature_standards::host.eq(host),
                signature_standards::standard.eq(standard),
                signature_standards::updated_at.eq(super::now()),
            ))
            .execute(conn)
    })
    .map(drop)
}

/// Records `standard` for `host`, replacing what was.
pub fn set(conn: &mut DbConnection, host: &str, standard: &str) -> QueryResult<()> {
    let changed = diesel::update(signature_standards::table.find(host))
        .set((
            signature_standards::standard.eq(standard),
            signature_standards::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    if changed == 0 {
        learn(conn, host, standard)?;
    }
    Ok(())
}
