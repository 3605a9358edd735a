//! Members' practice profiles: organisation, place, and the lists of roles,
//! interests, offers and needs.

use super::id_lists::one_of;
use super::{
    DbConnection,
    schema::{practice_profiles, practice_terms},
};
use diesel::prelude::*;
use std::collections::HashMap;

/// One stored profile: organisation, place, and the entries in the
/// member's order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredPractice {
    pub organization: String,
    pub place: String,
    pub terms: Vec<StoredTerm>,
}

/// A role, interest, offer or need, with the normalised key it is matched
/// by (the domain makes it: see `domain::terms`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Queryable)]
pub struct StoredTerm {
    pub kind: String,
    pub text: String,
    pub key: String,
}

type TermColumns = (
    practice_terms::kind,
    practice_terms::text,
    practice_terms::term_key,
);
const TERM_COLUMNS: TermColumns = (
    practice_terms::kind,
    practice_terms::text,
    practice_terms::term_key,
);

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
        .select(TERM_COLUMNS)
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
        .filter(one_of(practice_profiles::account_id, account_ids))
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
    let terms: Vec<(i64, StoredTerm)> = practice_terms::table
        .filter(one_of(practice_terms::account_id, account_ids))
        .order((
            practice_terms::account_id.asc(),
            practice_terms::kind.asc(),
            practice_terms::position.asc(),
        ))
        .select((practice_terms::account_id, TERM_COLUMNS))
        .load(conn)?;
    for (id, term) in terms {
        if let Some(practice) = found.get_mut(&id) {
            practice.terms.push(term);
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
    for term in &practice.terms {
        let position = positions.entry(term.kind.as_str()).or_insert(0);
        diesel::insert_into(practice_terms::table)
            .values((
                practice_terms::account_id.eq(account_id),
                practice_terms::kind.eq(&term.kind),
                practice_terms::position.eq(*position),
                practice_terms::text.eq(&term.text),
                practice_terms::term.eq(term.text.to_lowercase()),
                practice_terms::term_key.eq(&term.key),
            ))
            .execute(conn)?;
        *position += 1;
    }
    Ok(())
}

/// Accounts with an entry of `kind` whose key is one of `keys`.
pub fn accounts_with(
    conn: &mut DbConnection,
    kind: &str,
    keys: &[String],
) -> QueryResult<Vec<i64>> {
    practice_terms::table
        .filter(practice_terms::kind.eq(kind))
        .filter(practice_terms::term_key.eq_any(keys))
        .select(practice_terms::account_id)
        .distinct()
        .load(conn)
}

/// Every different key stored for entries of `kind`: far fewer than the
/// entries, and read from the index alone. Matching compares them in
/// memory to find near terms.
pub fn keys_of_kind(conn: &mut DbConnection, kind: &str) -> QueryResult<Vec<String>> {
    practice_terms::table
        .filter(practice_terms::kind.eq(kind))
        .select(practice_terms::term_key)
        .distinct()
        .load(conn)
}

/// `(account, key, text)` of the entries of `kind` whose key is one of
/// `keys`.
pub fn entries_with(
    conn: &mut DbConnection,
    kind: &str,
    keys: &[String],
) -> QueryResult<Vec<(i64, String, String)>> {
    practice_terms::table
        .filter(practice_terms::kind.eq(kind))
        .filter(practice_terms::term_key.eq_any(keys))
        .order((
            practice_terms::account_id.asc(),
            practice_terms::position.asc(),
        ))
        .select((
            practice_terms::account_id,
            practice_terms::term_key,
            practice_terms::text,
        ))
        .load(conn)
}

/// Up to `limit` entries stored before keys existed, as `(account, kind,
/// position, text)`.
pub fn without_key(
    conn: &mut DbConnection,
    limit: i64,
) -> QueryResult<Vec<(i64, String, i32, String)>> {
    practice_terms::table
        .filter(practice_terms::term_key.eq(""))
        .select((
            practice_terms::account_id,
            practice_terms::kind,
            practice_terms::position,
            practice_terms::text,
        ))
        .limit(limit)
        .load(conn)
}

pub fn set_key(
    conn: &mut DbConnection,
    (account_id, kind, position): (i64, &str, i32),
    key: &str,
) -> QueryResult<()> {
    diesel::update(practice_terms::table.find((account_id, kind, position)))
        .set(practice_terms::term_key.eq(key))
        .execute(conn)
        .map(drop)
}

/// The places of those of `account_ids` that gave one.
pub fn places_of(
    conn: &mut DbConnection,
    account_ids: &[i64],
) -> QueryResult<HashMap<i64, String>> {
    Ok(practice_profiles::table
        .filter(one_of(practice_profiles::account_id, account_ids))
        .filter(practice_profiles::place.ne(""))
        .select((practice_profiles::account_id, practice_profiles::place))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
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
