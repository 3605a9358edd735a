//! How the delivery queue treats each kind of answer, seen from a peer that
//! follows a member: 2xx delivers, 5xx and 429 retry, other 4xx give up at
//! once. Also: fetches Trellis makes are signed by its instance actor.

use federation_tests::{Backend, Instance, QueueLine, backend_tests, peer::Peer, wait_until};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

backend_tests!(
    answers_decide_retry_or_give_up,
    answers_decide_retry_or_give_up
);

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
