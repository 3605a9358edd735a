//! Members' practice profiles: organisation, place, and the lists of roles,
//! interests, offers and needs.

use super::{
    DbConnection,
    schema::{practice_profiles, practice_terms},
};
use diesel::prelude::*;
use std::collections::HashMap;

/// One stored profile: organisation, place, and `(kind, text)` entries in
/// the member's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredPractice {
    pub organization: String,
    pub place: String,
    pub terms: Vec<(String, String)>,
}

pub fn of_account(conn: &mut DbConnection, account_id: i64) -> QueryResult<Option<StoredPractice>> {
    let Some((organization, place)) = practice_profiles::table
        .find(account_id)
        .select((practice_profiles::organization, practice_profiles::place))
        .first::<(String, String)>(conn)
        .optional()?
    else {
        return Ok(None);
    };
    let terms = practice_terms::table
        .filter(practice_terms::account_id.eq(account_id))
        .order((practice_terms::kind.asc(), practice_terms::position.asc()))
        .select((practice_terms::kind, practice_terms::text))
        .load(conn)?;
    Ok(Some(StoredPractice {
        organization,
        place,
        terms,
    }))
}

/// The stored profiles of those of `account_ids` that have one (two
/// queries, however many accounts).
pub fn of_accounts(
    conn: &mut DbConnection,
    account_ids: &[i64],
) -> QueryResult<HashMap<i64, StoredPractice>> {
    let mut found: HashMap<i64, StoredPractice> = practice_profiles::table
        .filter(practice_profiles::account_id.eq_any(account_ids))
        .select((
            practice_profiles::account_id,
            practice_profiles::organization,
            practice_profiles::place,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, organization, place)| {
            let practice = StoredPractice {
                organization,
                place,
                terms: Vec::new(),
            };
            (id, practice)
        })
        .collect();
    let terms: Vec<(i64, String, String)> = practice_terms::table
        .filter(practice_terms::account_id.eq_any(account_ids))
        .order((
            practice_terms::account_id.asc(),
            practice_terms::kind.asc(),
            practice_terms::position.asc(),
        ))
        .select((
            practice_terms::account_id,
            practice_terms::kind,
            practice_terms::text,
        ))
        .load(conn)?;
    for (id, kind, text) in terms {
        if let Some(practice) = found.get_mut(&id) {
            practice.terms.push((kind, text));
        }
    }
    Ok(found)
}

/// Removes an account's profile.
pub fn clear(conn: &mut DbConnection, account_id: i64) -> QueryResult<()> {
    diesel::delete(practice_terms::table.filter(practice_terms::account_id.eq(account_id)))
        .execute(conn)?;
    diesel::delete(practice_profiles::table.find(account_id)).execute(conn)?;
    Ok(())
}

/// Replaces an account's profile with `practice`.
pub fn save(
    conn: &mut DbConnection,
    account_id: i64,
    practice: &StoredPractice,
) -> QueryResult<()> {
    clear(conn, account_id)?;
    diesel::insert_into(practice_profiles::table)
        .values((
            practice_profiles::account_id.eq(account_id),
            practice_profiles::organization.eq(&practice.organization),
            practice_profiles::place.eq(&practice.place),
            practice_profiles::updated_at.eq(super::now()),
        ))
        .execute(conn)?;
    let mut positions = std::collections::HashMap::new();
    for (kind, text) in &practice.terms {
        let position = positions.entry(kind.as_str()).or_insert(0);
        diesel::insert_into(practice_terms::table)
            .values((
                practice_terms::account_id.eq(account_id),
                practice_terms::kind.eq(kind),
                practice_terms::position.eq(*position),
                practice_terms::text.eq(text),
                practice_terms::term.eq(text.to_lowercase()),
            ))
            .execute(conn)?;
        *position += 1;
    }
    Ok(())
}

/// Accounts with an entry of `kind` equal to `term` (any case).
pub fn accounts_with(conn: &mut DbConnection, kind: &str, term: &str) -> QueryResult<Vec<i64>> {
    practice_terms::table
        .filter(practice_terms::kind.eq(kind))
        .filter(practice_terms::term.eq(term.to_lowercase()))
        .select(practice_terms::account_id)
        .distinct()
        .load(conn)
}

/// Every stored place, by account: small enough to filter in memory, and
/// compared without case, which no portable index does.
pub fn places(conn: &mut DbConnection) -> QueryResult<Vec<(i64, String)>> {
    practice_profiles::table
        .filter(practice_profiles::place.ne(""))
        .select((practice_profiles::account_id, practice_profiles::place))
        .load(conn)
}

/// Every `(account, kind, term)` of the given kinds, for matching members
/// with each other and drawing the map.
pub fn all_terms(
    conn: &mut DbConnection,
    kinds: &[&str],
) -> QueryResult<Vec<(i64, String, String, String)>> {
    practice_terms::table
        .filter(
            practice_terms::kind.eq_any(kinds.iter().map(|k| k.to_string()).collect::<Vec<_>>()),
        )
        .order((
            practice_terms::account_id.asc(),
            practice_terms::kind.asc(),
            practice_terms::position.asc(),
        ))
        .select((
            practice_terms::account_id,
            practice_terms::kind,
            practice_terms::term,
            practice_terms::text,
        ))
        .load(conn)
}
