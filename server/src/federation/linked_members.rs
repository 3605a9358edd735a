//! Learning the members of linked communities elsewhere. A Trellis
//! community lists its discoverable members (`trellis:community.members`);
//! this server reads that list for every community on another server that
//! is linked with one here, and fetches each member's actor, which stores
//! their practice. Suggestions then match offers and needs across places
//! and levels, and the map shows those members' community.
//!
//! A check runs every few seconds and costs one query when nothing
//! changed: a newly active link is learnt at once, every link again once
//! per report interval (daily by default).

use super::objects::ApubActor;
use crate::{
    db::{self, models::Account},
    domain::{Context, communities},
    error::{Error, Result},
    protocol::same_origin,
};
use activitypub_federation::{
    config::FederationConfig,
    fetch::{fetch_object_http, object_id::ObjectId},
};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use url::Url;

/// How often the set of linked communities is looked at.
const CHECK_EVERY: Duration = Duration::from_secs(5);
/// Members fetched at the same time, so a large community does not flood
/// its server.
const AT_ONCE: usize = 4;

/// Watches the links and learns each linked community's members.
pub async fn run(federation: FederationConfig<Context>) {
    let ctx: Context = federation.to_request_data().app_data().clone();
    let relearn_after = ctx.config.network_report_interval();
    let mut learnt: HashMap<i64, Instant> = HashMap::new();
    // The first round also clears what links that ended while the server
    // was down left behind.
    let mut first_round = true;
    let mut ticks = tokio::time::interval(CHECK_EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let linked = match ctx
            .db
            .read(|conn| Ok::<_, Error>(db::communities::remote_linked_communities(conn)?))
            .await
        {
            Ok(linked) => linked,
            Err(error) => {
                tracing::warn!(%error, "reading the linked communities failed");
                continue;
            }
        };
        let ids: Vec<i64> = linked.iter().map(|group| group.id).collect();
        let before = learnt.len();
        learnt.retain(|id, _| ids.contains(id));
        // Only a link that ended leaves members to forget; otherwise the
        // check stays a single read.
        let ended = learnt.len() < before || first_round;
        first_round = false;
        if ended
            && let Err(error) = ctx
                .db
                .write(move |conn| {
                    Ok::<_, Error>(db::communities::forget_linked_members_except(conn, &ids)?)
                })
                .await
        {
            tracing::warn!(%error, "forgetting unlinked communities' members failed");
        }
        for group in linked {
            let due = learnt
                .get(&group.id)
                .is_none_or(|at| at.elapsed() >= relearn_after);
            if !due {
                continue;
            }
            learnt.insert(group.id, Instant::now());
            match learn(&federation, &group).await {
                Ok(count) => {
                    tracing::debug!(community = %group.ap_id, count, "learnt linked members")
                }
                Err(error) => {
                    tracing::info!(community = %group.ap_id, %error, "cannot learn linked members")
                }
            }
        }
    }
}

/// Reads `group`'s list of discoverable members and fetches each one;
/// returns how many are known now.
pub async fn learn(federation: &FederationConfig<Context>, group: &Account) -> Result<usize> {
    let group_id = Url::parse(&group.ap_id).map_err(|e| Error::Internal(e.to_string()))?;
    let data = federation.to_request_data();
    let actor = fetch_object_http::<_, serde_json::Value>(&group_id, &data).await?;
    let Some(list_url) = actor.object["trellis:community"]["members"]
        .as_str()
        .and_then(|url| Url::parse(url).ok())
        .filter(|url| same_origin(url, &group_id))
    else {
        // Not a Trellis community, or one that lists nobody.
        return Ok(0);
    };
    let list = fetch_object_http::<_, serde_json::Value>(&list_url, &data).await?;
    let ids: Vec<Url> = list.object["orderedItems"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().and_then(|s| Url::parse(s).ok()))
                // Each server lists its own members only.
                .filter(|url| same_origin(url, &group_id))
                .take(communities::MAX_LISTED_MEMBERS as usize)
                .collect()
        })
        .unwrap_or_default();
    let mut members = Vec::new();
    for chunk in ids.chunks(AT_ONCE) {
        let fetched = futures::future::join_all(chunk.iter().map(|id| async {
            // A request's data of its own: the fetch limit is per request.
            let data = federation.to_request_data();
            ObjectId::<ApubActor>::from(id.clone())
                .dereference(&data)
                .await
        }))
        .await;
        for (id, result) in chunk.iter().zip(fetched) {
            match result {
                Ok(actor) if actor.account.actor_type == "Person" => members.push(actor.account.id),
                Ok(_) => {}
                Err(error) => tracing::debug!(member = %id, %error, "linked member not fetched"),
            }
        }
    }
    // A list may name someone twice; they are one member.
    members.sort_unstable();
    members.dedup();
    let count = members.len();
    let community_id = group.id;
    federation
        .to_request_data()
        .db
        .write(move |conn| {
            Ok::<_, Error>(db::communities::replace_linked_members(
                conn,
                community_id,
                &members,
            )?)
        })
        .await?;
    Ok(count)
}
