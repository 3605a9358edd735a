//! Two instances: a member follows a member on the other, sees their posts,
//! replies, and sees deletes and unfollows take effect.

use federation_tests::{Backend, Instance, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::json;
use std::time::Duration;

backend_tests!(
    follow_post_reply_delete_unfollow,
    follow_post_reply_delete_unfollow
);

async fn follow_post_reply_delete_unfollow(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;

    let alice_on_county = county.follow(&bob, &alice.acct).await;
    let alice_profile = town
        .get("/api/v1/accounts/lookup?acct=alice", Some(&alice.token))
        .await;
    assert_eq!(
        alice_profile.body["followers_count"], 1,
        "{}",
        alice_profile.body
    );

    let post = town
        .post_status(
            &alice,
            &json!({"status": "Compost pilot went well #compost", "visibility": "public"}),
        )
        .await;
    let uri = post["uri"].as_str().unwrap();
    let seen = county.wait_for_home_status(&bob, uri).await;
    assert_eq!(seen["account"]["acct"], alice.acct);
    assert_eq!(seen["account"]["id"], alice_on_county);
    assert_eq!(seen["visibility"], "public");
    assert!(
        seen["content"]
            .as_str()
            .unwrap()
            .contains("Compost pilot went well"),
        "{seen}"
    );

    let reply = county
        .post_status(&bob, &json!({"status": format!("@{} how did you fund it?", alice.acct), "in_reply_to_id": seen["id"]}))
        .await;
    assert_eq!(reply["in_reply_to_id"], seen["id"]);
    assert_eq!(reply["mentions"][0]["acct"], alice.acct);
    let original = format!("/api/v1/statuses/{}", post["id"].as_str().unwrap());
    wait_until(
        "the reply reaches the town",
        Duration::from_secs(30),
        || async {
            let status = town.get(&original, Some(&alice.token)).await;
            (status.body["replies_count"] == 1).then_some(())
        },
    )
    .await;

    let thread = town
        .get(&format!("{original}/context"), Some(&alice.token))
        .await;
    assert_eq!(
        thread.body["descendants"][0]["uri"], reply["uri"],
        "{}",
        thread.body
    );
    let reply_thread = county
        .get(
            &format!("/api/v1/statuses/{}/context", reply["id"].as_str().unwrap()),
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        reply_thread.body["ancestors"][0]["uri"], post["uri"],
        "{}",
        reply_thread.body
    );
    let source = town
        .get(&format!("{original}/source"), Some(&alice.token))
        .await;
    assert_eq!(source.body["text"], "Compost pilot went well #compost");

    let public = county.get("/api/v1/timelines/public", None).await;
    assert!(
        public
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == uri),
        "{}",
        public.body
    );
    let local_only = county
        .get("/api/v1/timelines/public?local=true", None)
        .await;
    assert!(
        !local_only
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == uri)
    );
    let remote_only = county
        .get("/api/v1/timelines/public?remote=true", None)
        .await;
    assert!(
        remote_only
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == uri)
    );
    let tagged = county.get("/api/v1/timelines/tag/Compost", None).await;
    assert_eq!(tagged.body[0]["uri"], uri, "{}", tagged.body);

    let deleted = town.delete(&original, Some(&alice.token)).await;
    assert_eq!(deleted.status, StatusCode::OK);
    assert_eq!(deleted.body["text"], "Compost pilot went well #compost");
    wait_until(
        "the delete reaches the county",
        Duration::from_secs(30),
        || async {
            let home = county.home_timeline(&bob).await;
            (!home.iter().any(|s| s["uri"] == uri)).then_some(())
        },
    )
    .await;

    let unfollow = county
        .post_json(
            &format!("/api/v1/accounts/{alice_on_county}/unfollow"),
            Some(&bob.token),
            &json!({}),
        )
        .await;
    assert_eq!(unfollow.body["following"], false, "{}", unfollow.body);
    wait_until(
        "the unfollow reaches the town",
        Duration::from_secs(30),
        || async {
            let profile = town
                .get("/api/v1/accounts/lookup?acct=alice", Some(&alice.token))
                .await;
            (profile.body["followers_count"] == 0).then_some(())
        },
    )
    .await;
}
