//! Trellis and a real Fedify 2.3.6 server, both ways, through the steps
//! every peer takes (`federation_tests::interop`): follows accepted on each
//! side; posts with an image each way (Fedify's copied into the media
//! cache); Fedify's post in a member's home timeline; replies, boosts and
//! likes each way; edits and deletes each way; polls both ways (a
//! Question, votes, the new counts); Fedify reading a member's keys;
//! Alice's unfollow. Fedify signs with RFC 9421 first and falls back to
//! draft-cavage only after a refusal: every request it makes here must be
//! accepted at the first knock, and Trellis must learn to sign its own
//! that way.

use federation_tests::{
    Backend, Instance, backend_tests, interop::Scenario, script_peer::ScriptPeer,
};
use serde_json::Value;

backend_tests!(
    fedify_and_trellis_federate_both_ways,
    fedify_and_trellis_federate_both_ways
);

async fn fedify_and_trellis_federate_both_ways(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let mut fedi = ScriptPeer::fedify().await;
    let steps = Scenario::new(&town, &alice);

    let fedi_id = steps.alice_follows(&fedi).await;
    steps.peer_follows(&mut fedi).await;
    let post = steps.alice_posts_an_image(&fedi).await;
    let hello = steps
        .peer_posts(&mut fedi, "hello", "<p>Hello from Fedify</p>")
        .await;
    steps.peer_posts_an_image(&mut fedi).await;
    steps.peer_answers(&mut fedi, &post).await;
    steps.alice_answers(&fedi, &hello).await;
    steps.alice_edits_and_deletes(&fedi, &post).await;
    steps
        .peer_edits_and_deletes(&mut fedi, "hello", &hello)
        .await;
    steps.alice_asks_a_poll(&mut fedi).await;
    steps.peer_asks_a_poll(&mut fedi).await;

    // Trellis learnt from Fedify's requests that it reads RFC 9421: once
    // Fedify had signed one, Trellis signed its own that way, and Fedify
    // accepted every one (its first contact, Alice's Follow, came before
    // and was signed with draft-cavage).
    let incoming: Vec<Value> = fedi
        .events()
        .into_iter()
        .filter(|e| e["event"] == "incoming")
        .collect();
    assert_eq!(incoming[0]["signature"], "draft-cavage", "{incoming:?}");
    let modern: Vec<&Value> = incoming
        .iter()
        .filter(|e| e["signature"] == "rfc9421")
        .collect();
    assert!(modern.len() >= 5, "{incoming:?}");
    let first_modern = incoming
        .iter()
        .position(|e| e["signature"] == "rfc9421")
        .unwrap();
    for event in &incoming[first_modern..] {
        assert_eq!(event["signature"], "rfc9421", "{incoming:?}");
        assert_eq!(event["alg"], "rsa-v1_5-sha256", "{incoming:?}");
        assert!(
            event["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s)),
            "{incoming:?}"
        );
    }

    // Fedify reads Alice's Ed25519 key (FEP-521a) as an Ed25519 key.
    let looked = steps.peer_reads_alice(&mut fedi).await;
    assert_eq!(
        looked["assertionMethods"][0]["algorithm"], "Ed25519",
        "{looked}"
    );

    steps.alice_unfollows(&fedi, &fedi_id).await;

    // Every request Fedify sent here was signed with RFC 9421 and accepted
    // as it was: Fedify never had to fall back to draft-cavage.
    let to_trellis = steps.deliveries_accepted(&fedi);
    assert!(to_trellis.len() >= 3, "{to_trellis:?}");
    for post in &to_trellis {
        assert_eq!(post["signature"], "rfc9421", "{to_trellis:?}");
    }
}
