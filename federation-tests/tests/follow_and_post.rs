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
