//! Local actors' Ed25519 keys (FEP-521a), beside the RSA keys every actor
//! has: published as a `Multikey` in the actor's `assertionMethod`, ready
//! for signing where a receiver reads such keys. HTTP signatures stay
//! RSA: servers look their keys up under `publicKey`, which Mastodon and
//! others read as a single RSA key.

use super::Context;
use crate::{
    crypto,
    db::{
        DbConnection,
        actor_keys::{self, Ed25519Key},
        models::Account,
    },
    error::{Error, Result},
};

/// The id of an actor's Ed25519 key: its `Multikey` in the actor document.
pub fn ed25519_key_id(actor: &Account) -> String {
    format!("{}#ed25519-key", actor.ap_id)
}

/// Gives `account_id` an Ed25519 key unless it has one.
pub fn ensure_ed25519(conn: &mut DbConnection, account_id: i64) -> Result<()> {
    if actor_keys::of_accounts(conn, &[account_id])?.is_empty() {
        let (private_key, public_multibase) =
            crypto::generate_ed25519().map_err(|e| Error::Internal(e.to_string()))?;
        actor_keys::insert(
            conn,
            account_id,
            &Ed25519Key {
                private_key,
                public_multibase,
            },
        )?;
    }
    Ok(())
}

/// The actor's `assertionMethod`: its Ed25519 key as a Multikey.
pub fn assertion_method(actor: &Account, key: &Ed25519Key) -> serde_json::Value {
    serde_json::json!({
        "id": ed25519_key_id(actor),
        "type": "Multikey",
        "controller": actor.ap_id,
        "publicKeyMultibase": key.public_multibase,
    })
}

/// Gives every local actor made before Ed25519 keys (or written by a bulk
/// generator) a key, a batch at a time; run as the server starts.
pub async fn fill_missing(ctx: &Context) -> Result<usize> {
    let mut filled = 0;
    loop {
        let done = ctx
            .db
            .write(|conn| {
                let missing = actor_keys::local_without(conn, 200)?;
                for id in &missing {
                    ensure_ed25519(conn, *id)?;
                }
                Ok::<_, Error>(missing.len())
            })
            .await?;
        filled += done;
        if done < 200 {
            return Ok(filled);
        }
    }
}
