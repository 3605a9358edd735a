//! Local actors' Ed25519 keys.

use super::id_lists::one_of;
use super::{DbConnection, schema::actor_keys};
use diesel::prelude::*;
use std::collections::HashMap;

/// An Ed25519 key pair: the private key as base64 PKCS#8, the public key
/// as a Multikey's `publicKeyMultibase`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ed25519Key {
    pub private_key: String,
    pub public_multibase: String,
}

pub fn of_accounts(
    conn: &mut DbConnection,
    account_ids: &[i64],
) -> QueryResult<HashMap<i64, Ed25519Key>> {
    if account_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(actor_keys::table
        .filter(one_of(actor_keys::account_id, account_ids))
        .select((
            actor_keys::account_id,
            actor_keys::ed25519_private_key,
            actor_keys::ed25519_public_key,
        ))
        .load::<(i64, String, String)>(conn)?
        .into_iter()
        .map(|(id, private_key, public_multibase)| {
            (
                id,
                Ed25519Key {
                    private_key,
                    public_multibase,
                },
            )
        })
        .collect())
}

/// Stores a key for `account_id` unless it has one already.
pub fn insert(conn: &mut DbConnection, account_id: i64, key: &Ed25519Key) -> QueryResult<()> {
    super::insert_unless_taken(conn, |conn| {
        diesel::insert_into(actor_keys::table)
            .values((
                actor_keys::account_id.eq(account_id),
                actor_keys::ed25519_private_key.eq(&key.private_key),
                actor_keys::ed25519_public_key.eq(&key.public_multibase),
                actor_keys::created_at.eq(super::now()),
            ))
            .execute(conn)
    })
    .map(drop)
}

/// Local accounts that have no Ed25519 key yet (those made before keys
/// were, and those a bulk generator wrote), at most `limit`.
pub fn local_without(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<i64>> {
    use super::schema::accounts;
    accounts::table
        .left_join(actor_keys::table.on(actor_keys::account_id.eq(accounts::id)))
        .filter(accounts::local.eq(true))
        .filter(actor_keys::account_id.is_null())
        .select(accounts::id)
        .limit(limit)
        .load(conn)
}
