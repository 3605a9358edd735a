//! Favourites, boosts, edits and account deletion cross between instances,
//! and each can be taken back.

use federation_tests::{Backend, Instance, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    favourite_boost_edit_and_delete_account,
    favourite_boost_edit_and_delete_account
);

const PATIENCE: Duration = Duration::from_secs(30);

async fn wait_for_count(town: &Instance, token: &str, path: &str, field: &str, expected: i64) {
    wait_until(
        &format!("{field} = {expected} on {path}"),
        PATIENCE,
        || async {
            let status = town.get(path, Some(token)).await;
            (status.body[field] == expected).then_some(())
        },
    )
    .await;
}

async fn favourite_boost_edit_and_delete_account(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let carol = town.create_user("carol").await;
    let bob = county.create_user("bob").await;
    county.follow(&bob, &alice.acct).await;
    town.follow(&carol, &bob.acct).await;

    let post = town
        .post_status(
            &alice,
            &json!({"status": "We mapped every community garden"}),
        )
        .await;
    let on_town = format!("/api/v1/statuses/{}", post["id"].as_str().unwrap());
    let seen = county
        .wait_for_home_status(&bob, post["uri"].as_str().unwrap())
        .await;
    let on_county = format!("/api/v1/statuses/{}", seen["id"].as_str().unwrap());

    let liked = county
        .post_json(
            &format!("{on_county}/favourite"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(liked.body["favourited"], true, "{}", liked.body);
    wait_for_count(&town, &alice.token, &on_town, "favourites_count", 1).await;
    let fans = town
        .get(&format!("{on_town}/favourited_by"), Some(&alice.token))
        .await;
    assert_eq!(fans.body[0]["acct"], bob.acct, "{}", fans.body);
    county
        .post_json(
            &format!("{on_county}/unfavourite"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    wait_for_count(&town, &alice.token, &on_town, "favourites_count", 0).await;

    let boost = county
        .post_json(
            &format!("{on_county}/reblog"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(boost.status, StatusCode::OK, "{}", boost.body);
    assert_eq!(boost.body["reblog"]["uri"], post["uri"]);
    wait_for_count(&town, &alice.token, &on_town, "reblogs_count", 1).await;
    let boosters = town
        .get(&format!("{on_town}/reblogged_by"), Some(&alice.token))
        .await;
    assert_eq!(boosters.body[0]["acct"], bob.acct, "{}", boosters.body);
    let boosted = wait_until("carol sees bob's boost", PATIENCE, || async {
        town.home_timeline(&carol)
            .await
            .into_iter()
            .find(|s| s["reblog"]["uri"] == post["uri"])
    })
    .await;
    assert_eq!(boosted["account"]["acct"], bob.acct);
    county
        .post_json(
            &format!("{on_county}/unreblog"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    wait_for_count(&town, &alice.token, &on_town, "reblogs_count", 0).await;
    wait_until("the boost leaves carol's timeline", PATIENCE, || async {
        let home = town.home_timeline(&carol).await;
        (!home.iter().any(|s| s["reblog"]["uri"] == post["uri"])).then_some(())
    })
    .await;

    let edited = town
        .post_json(
            &on_town,
            Some(&alice.token),
            &json!({"status": "We mapped every community garden and orchard"}),
        )
        .await;
    assert_eq!(
        edited.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "edits use PUT"
    );
    let edited = town
        .put_json(
            &on_town,
            Some(&alice.token),
            &json!({"status": "We mapped every community garden and orchard"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert!(!edited.body["edited_at"].is_null());
    wait_until("the edit reaches the county", PATIENCE, || async {
        let status = county.get(&on_county, Some(&bob.token)).await;
        status.body["content"]
            .as_str()
            .unwrap_or_default()
            .contains("and orchard")
            .then_some(())
    })
    .await;

    town.admin(&["delete-user", "alice"]).await;
    wait_until(
        "alice's account disappears from the county",
        PATIENCE,
        || async {
            let lookup = county
                .get(
                    &format!("/api/v1/accounts/lookup?acct={}", alice.acct),
                    None,
                )
                .await;
            (lookup.status == StatusCode::NOT_FOUND).then_some(())
        },
    )
    .await;
    let home = county.home_timeline(&bob).await;
    assert!(
        !home.iter().any(|s| s["uri"] == post["uri"]),
        "alice's post outlived her account"
    );
    let token_after = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(token_after.status, StatusCode::UNAUTHORIZED);
}
