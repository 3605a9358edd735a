//! Nothing is lost when either side is down: deliveries wait in the
//! sender's database, survive a `kill -9` of the sender, and arrive once.

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use serde_json::json;
use std::time::Duration;

backend_tests!(
    receiver_down_gets_every_post_later,
    receiver_down_gets_every_post_later
);
backend_tests!(
    sender_killed_delivers_after_restart,
    sender_killed_delivers_after_restart
);

async fn post_all(town: &Instance, alice: &User, texts: &[&str]) -> Vec<String> {
    let mut uris = Vec::new();
    for text in texts {
        let status = town.post_status(alice, &json!({ "status": text })).await;
        uris.push(status["uri"].as_str().unwrap().to_string());
    }
    uris
}

/// Waits until every one of `uris` is in the home timeline, and checks that
/// none shows twice.
async fn assert_all_arrive_once(county: &Instance, bob: &User, uris: &[String]) {
    wait_until(
        "every post in the home timeline",
        Duration::from_secs(60),
        || async {
            let home = county.home_timeline(bob).await;
            uris.iter()
                .all(|uri| home.iter().any(|s| &s["uri"] == uri))
                .then_some(())
        },
    )
    .await;
    let home = county.home_timeline(bob).await;
    for uri in uris {
        assert_eq!(
            home.iter().filter(|s| &s["uri"] == uri).count(),
            1,
            "{uri} shown twice"
        );
    }
}

async fn receiver_down_gets_every_post_later(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let mut county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    county.follow(&bob, &alice.acct).await;

    county.stop().await;
    let uris = post_all(
        &town,
        &alice,
        &[
            "while you were out 1",
            "while you were out 2",
            "while you were out 3",
        ],
    )
    .await;
    let host = county.domain();
    wait_until(
        "the deliveries to fail and wait for a retry",
        Duration::from_secs(30),
        || async {
            let queue = town.queue_towards(&host).await;
            (queue.retrying == 3).then_some(())
        },
    )
    .await;

    county.restart().await;
    assert_all_arrive_once(&county, &bob, &uris).await;
    wait_until("the queue to drain", Duration::from_secs(30), || async {
        (town.queue_towards(&host).await == Default::default()).then_some(())
    })
    .await;
}

async fn sender_killed_delivers_after_restart(backend: Backend) {
    let mut town = Instance::start("town", backend).await;
    let mut county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    county.follow(&bob, &alice.acct).await;

    county.stop().await;
    let uris = post_all(
        &town,
        &alice,
        &["written before the crash 1", "written before the crash 2"],
    )
    .await;
    let host = county.domain();
    wait_until(
        "deliveries pending in the queue",
        Duration::from_secs(30),
        || async {
            let queue = town.queue_towards(&host).await;
            (queue.pending + queue.retrying == 2).then_some(())
        },
    )
    .await;
    town.kill().await;

    county.restart().await;
    assert!(
        county
            .home_timeline(&bob)
            .await
            .iter()
            .all(|s| !uris.contains(&s["uri"].as_str().unwrap().to_string()))
    );
    town.restart().await;
    assert_all_arrive_once(&county, &bob, &uris).await;
}
