//! Queues an outgoing activity for delivery, inside the caller's transaction.
//! The activity JSON is stored once; each distinct remote inbox gets a
//! delivery row, so recipients on one server that share an inbox cost one
//! request.

use super::urls::Urls;
use crate::{
    db::{
        self, DbConnection, deliveries,
        ids::next_id,
        models::{Account, Delivery, OutgoingActivity},
    },
    error::Result,
};
use serde_json::Value;
use std::collections::BTreeSet;
use url::Url;

/// Distinct delivery inboxes of the remote accounts among `recipients`.
pub fn inboxes_of<'a>(recipients: impl IntoIterator<Item = &'a Account>) -> BTreeSet<String> {
    recipients
        .into_iter()
        .filter(|a| !a.local && a.deleted_at.is_none())
        .map(|a| a.delivery_inbox().to_string())
        .collect()
}

pub fn enqueue(
    conn: &mut DbConnection,
    urls: &Urls,
    actor: &Account,
    activity: &Value,
    inboxes: BTreeSet<String>,
) -> Result<()> {
    let ap_id = activity["id"].as_str().unwrap_or_default().to_string();
    let now = db::now();
    let row = OutgoingActivity {
        id: next_id(),
        ap_id,
        actor_account_id: actor.id,
        payload: activity.to_string(),
        created_at: now,
    };
    deliveries::insert_activity(conn, &row)?;
    let rows: Vec<Delivery> = inboxes
        .into_iter()
        .filter_map(|inbox| Url::parse(&inbox).ok())
        .filter(|inbox| !urls.is_local(inbox))
        .map(|inbox| Delivery {
            id: next_id(),
            activity_id: row.id,
            host: inbox.host_str().unwrap_or_default().to_string()
                + &inbox.port().map(|p| format!(":{p}")).unwrap_or_default(),
            inbox_url: inbox.to_string(),
            state: deliveries::PENDING.into(),
            attempts: 0,
            next_attempt_at: now,
            locked_until: None,
            last_error: None,
            created_at: now,
            updated_at: now,
        })
        .collect();
    deliveries::insert_deliveries(conn, &rows)?;
    Ok(())
}
