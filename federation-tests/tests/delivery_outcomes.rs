//! How the delivery queue treats each kind of answer, seen from a peer that
//! follows a member: 2xx delivers, 5xx and 429 retry, other 4xx give up at
//! once. Also: fetches Trellis makes are signed by its instance actor, and
//! deliveries are signed with RFC 9421 to a server seen to sign that way,
//! falling back to draft-cavage for good when it refuses.

use federation_tests::{Backend, Instance, QueueLine, backend_tests, peer::Peer, wait_until};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

backend_tests!(
    answers_decide_retry_or_give_up,
    answers_decide_retry_or_give_up
);
backend_tests!(
    signatures_follow_what_each_server_reads,
    signatures_follow_what_each_server_reads
);

/// The signature standards of the deliveries a peer answered, once there
/// are `count` of them.
async fn signatures_seen(peer: &Peer, count: usize) -> Vec<(&'static str, u16)> {
    wait_until(
        &format!("{count} deliveries to the peer"),
        Duration::from_secs(30),
        || async {
            let seen = peer.delivery_signatures();
            (seen.len() >= count).then_some(seen)
        },
    )
    .await
}

async fn signatures_follow_what_each_server_reads(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let alice_id = format!("http://{}/users/alice", town.domain());
    let inbox = format!("{}/inbox", town.base_url());
    let follow = |peer: &Peer, name: &str| {
        let actor = peer.actor_id(name);
        json!({
            "id": format!("{actor}/follows/alice"),
            "type": "Follow",
            "actor": actor,
            "object": alice_id,
        })
    };

    // A server that signs with draft-cavage is answered the same way.
    let old = Peer::start().await;
    let (status, body) = old.post_signed("ole", &inbox, &follow(&old, "ole")).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(signatures_seen(&old, 1).await, vec![("draft-cavage", 202)]);

    // One that signs with RFC 9421 is answered with RFC 9421.
    let new = Peer::start().await;
    let (status, body) = new
        .post_signed_rfc9421("nia", &inbox, &follow(&new, "nia"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    assert_eq!(signatures_seen(&new, 1).await, vec![("rfc9421", 202)]);

    // When it stops reading them, the same delivery is made again at once
    // with draft-cavage, and later ones go that way from the start.
    new.refuse_rfc9421();
    town.post_status(&alice, &json!({"status": "Seed swap on Saturday"}))
        .await;
    let seen = signatures_seen(&new, 3).await;
    assert_eq!(
        seen[1..],
        [("rfc9421", 401), ("draft-cavage", 202)],
        "{seen:?}"
    );
    // Signing with RFC 9421 again does not undo what its refusal taught.
    let like = json!({
        "id": format!("{}/likes/1", new.actor_id("nia")),
        "type": "Like",
        "actor": new.actor_id("nia"),
        "object": new.received().iter().find(|a| a["type"] == "Create").unwrap()["object"]["id"],
    });
    let (status, body) = new.post_signed_rfc9421("nia", &inbox, &like).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    town.post_status(&alice, &json!({"status": "Bring jars"}))
        .await;
    let seen = signatures_seen(&new, 4).await;
    assert_eq!(seen[3], ("draft-cavage", 202), "{seen:?}");
    let seen = signatures_seen(&old, 3).await;
    assert!(
        seen.iter().all(|(standard, _)| *standard == "draft-cavage"),
        "{seen:?}"
    );
    assert_eq!(
        new.received()
            .iter()
            .filter(|a| a["type"] == "Create")
            .count(),
        2,
        "each post arrived once"
    );
}

async fn answers_decide_retry_or_give_up(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let peer = Peer::start().await;
    let mallory = peer.actor_id("mallory");
    let follow = json!({
        "id": format!("{mallory}/follows/alice"),
        "type": "Follow",
        "actor": mallory,
        "object": format!("http://{}/users/alice", town.domain()),
    });
    let (status, body) = peer
        .post_signed("mallory", &format!("{}/inbox", town.base_url()), &follow)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    wait_until(
        "the Accept reaches the peer",
        Duration::from_secs(20),
        || async { peer.received().into_iter().find(|a| a["type"] == "Accept") },
    )
    .await;
    let town_actor = format!("http://{}/actor#main-key", town.domain());
    let signers = peer.actor_fetch_signers();
    assert!(
        !signers.is_empty()
            && signers
                .iter()
                .all(|s| s.as_deref() == Some(town_actor.as_str())),
        "{signers:?}"
    );

    let host = peer.domain();
    peer.answer_deliveries_with(StatusCode::SERVICE_UNAVAILABLE);
    town.post_status(&alice, &json!({"status": "first try fails"}))
        .await;
    wait_until(
        "a 503 to schedule a retry",
        Duration::from_secs(20),
        || async { (town.queue_towards(&host).await.retrying == 1).then_some(()) },
    )
    .await;

    peer.answer_deliveries_with(StatusCode::ACCEPTED);
    wait_until("the retry to deliver", Duration::from_secs(30), || async {
        peer.received().into_iter().find(|a| a["type"] == "Create")
    })
    .await;
    wait_until("the queue to empty", Duration::from_secs(10), || async {
        (town.queue_towards(&host).await == QueueLine::default()).then_some(())
    })
    .await;

    peer.answer_deliveries_with(StatusCode::GONE);
    town.post_status(&alice, &json!({"status": "this one is refused"}))
        .await;
    wait_until(
        "a 410 to fail the delivery for good",
        Duration::from_secs(20),
        || async {
            let queue = town.queue_towards(&host).await;
            (queue
                == QueueLine {
                    pending: 0,
                    retrying: 0,
                    failed: 1,
                })
            .then_some(())
        },
    )
    .await;
    let report = town.admin(&["queue"]).await;
    assert!(report.contains("410"), "the reason is shown: {report}");
}
