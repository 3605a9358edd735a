//! Trellis and a real bovine-herd 0.5.19 server, both ways, on plain http
//! over loopback, through the steps every peer takes
//! (`federation_tests::interop`), and what only bovine does. bovine-herd
//! requires signed fetches, checks every signature and digest, gives every
//! object an id of its own, and accepts no follow by itself (the driver
//! script answers them). Checked: bovine's earlier post read from its
//! outbox (listed by id) when Alice follows; follows accepted on each side;
//! posts with an image each way (bovine's copied into the media cache);
//! likes, replies and boosts each way; edits and deletes each way; polls
//! each way (a Question, votes as named Notes, the new counts); bovine
//! reading a member's keys; unfollows each way.

use federation_tests::{
    Backend, Instance, backend_tests, interop::Scenario, script_peer::ScriptPeer,
};
use serde_json::json;

backend_tests!(
    bovine_and_trellis_federate_both_ways,
    bovine_and_trellis_federate_both_ways
);

async fn bovine_and_trellis_federate_both_ways(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let mut bovi = ScriptPeer::bovine().await;
    let steps = Scenario::new(&town, &alice);

    // bovine posts before anyone follows: its outbox lists the activity by
    // id, and Trellis reads it when Alice follows.
    let earlier = bovi
        .run(json!({"cmd": "post", "id": "earlier", "content": "<p>Before you came</p>"}))
        .await;
    let bovi_id = steps.alice_follows(&bovi).await;
    let backfilled = town
        .wait_for_home_status(&alice, earlier["id"].as_str().unwrap())
        .await;
    assert_eq!(backfilled["content"], "<p>Before you came</p>");

    steps.peer_follows(&mut bovi).await;
    let post = steps.alice_posts_an_image(&bovi).await;
    let hello = steps
        .peer_posts(&mut bovi, "hello", "<p>Hello from bovine</p>")
        .await;
    steps.peer_posts_an_image(&mut bovi).await;
    steps.peer_answers(&mut bovi, &post).await;
    steps.alice_answers(&bovi, &hello).await;
    steps.alice_edits_and_deletes(&bovi, &post).await;
    steps
        .peer_edits_and_deletes(&mut bovi, "hello", &hello)
        .await;

    steps.alice_asks_a_poll(&mut bovi).await;
    let poll = steps.peer_asks_a_poll(&mut bovi).await;
    // bovine counts no votes itself: the driver sends its tally as an
    // Update of the Question, and Trellis shows those counts.
    bovi.run(json!({"cmd": "tally", "id": "evenings"})).await;
    steps
        .wait_for(&poll, "bovine's counts", |p| {
            p["options"][0]["votes_count"] == 0
                && p["options"][1]["votes_count"] == 1
                && p["options"][2]["votes_count"] == 1
        })
        .await;

    steps.peer_reads_alice(&mut bovi).await;

    // Unfollows, both ways.
    bovi.run(json!({"cmd": "unfollow", "actor": steps.alice_actor}))
        .await;
    let relationship = format!("/api/v1/accounts/relationships?id[]={bovi_id}");
    steps
        .wait_for(&relationship, "bovine's unfollow", |r| {
            r[0]["followed_by"] == false
        })
        .await;
    steps.alice_unfollows(&bovi, &bovi_id).await;

    // Every delivery bovine made here was accepted at once.
    let to_trellis = steps.deliveries_accepted(&bovi);
    assert!(to_trellis.len() >= 10, "{to_trellis:?}");
}
