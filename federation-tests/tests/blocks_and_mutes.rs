//! Blocks cross servers and end follows both ways; mutes stay private and
//! only hide.

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(blocks_and_mutes, blocks_and_mutes);

const PATIENCE: Duration = Duration::from_secs(30);

async fn relationship(instance: &Instance, user: &User, id: &str) -> Value {
    let path = format!("/api/v1/accounts/relationships?id[]={id}");
    instance.get(&path, Some(&user.token)).await.body[0].clone()
}

async fn blocks_and_mutes(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let carol = town.create_user("carol").await;
    let bob = county.create_user("bob").await;
    let alice_on_county = county.follow(&bob, &alice.acct).await;
    let bob_on_town = town.follow(&alice, &bob.acct).await;

    let post = town
        .post_status(&alice, &json!({"status": "seen before the mute"}))
        .await;
    let uri = post["uri"].as_str().unwrap();
    county.wait_for_home_status(&bob, uri).await;

    let muted = county
        .post_json(
            &format!("/api/v1/accounts/{alice_on_county}/mute"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(muted.body["muting"], true, "{}", muted.body);
    assert!(
        !county
            .home_timeline(&bob)
            .await
            .iter()
            .any(|s| s["uri"] == uri),
        "muted posts are hidden"
    );
    assert_eq!(
        county.get("/api/v1/mutes", Some(&bob.token)).await.body[0]["acct"],
        alice.acct
    );
    county
        .post_json(
            &format!("/api/v1/accounts/{alice_on_county}/unmute"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert!(
        county
            .home_timeline(&bob)
            .await
            .iter()
            .any(|s| s["uri"] == uri)
    );
    assert_eq!(
        relationship(&county, &bob, &alice_on_county).await["following"],
        true,
        "a mute ends no follow"
    );

    let blocked = town
        .post_json(
            &format!("/api/v1/accounts/{bob_on_town}/block"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(blocked.body["blocking"], true, "{}", blocked.body);
    assert_eq!(blocked.body["following"], false);
    assert_eq!(
        town.get("/api/v1/blocks", Some(&alice.token)).await.body[0]["acct"],
        bob.acct
    );
    wait_until(
        "the block ends bob's follow on the county",
        PATIENCE,
        || async {
            let r = relationship(&county, &bob, &alice_on_county).await;
            (r["following"] == false && r["blocked_by"] == true).then_some(())
        },
    )
    .await;
    county
        .post_json(
            &format!("/api/v1/accounts/{alice_on_county}/follow"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    wait_until("the town rejects bob's new follow", PATIENCE, || async {
        let r = relationship(&county, &bob, &alice_on_county).await;
        (r["requested"] == false && r["following"] == false).then_some(())
    })
    .await;

    let carol_sees_alice = town.resolve_account(&carol, "alice").await;
    let carols = town
        .post_json(
            &format!("/api/v1/accounts/{carol_sees_alice}/block"),
            Some(&carol.token),
            &Value::Null,
        )
        .await;
    assert_eq!(carols.body["blocking"], true);
    let public = town
        .get("/api/v1/timelines/public", Some(&carol.token))
        .await;
    assert!(
        !public
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["uri"] == uri),
        "blocked posts are hidden"
    );
    let carol_id = town.resolve_account(&alice, "carol").await;
    let refused = town
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/follow"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    town.post_json(
        &format!("/api/v1/accounts/{bob_on_town}/unblock"),
        Some(&alice.token),
        &Value::Null,
    )
    .await;
    wait_until("the unblock reaches the county", PATIENCE, || async {
        (relationship(&county, &bob, &alice_on_county).await["blocked_by"] == false).then_some(())
    })
    .await;
    county.follow(&bob, &alice.acct).await;
}
