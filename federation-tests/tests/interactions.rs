//! Favourites, boosts, edits and account deletion cross between instances,
//! and each can be taken back. Also: the notifications they make, opened
//! and dismissed a group at a time.

use federation_tests::{Backend, Instance, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    favourite_boost_edit_and_delete_account,
    favourite_boost_edit_and_delete_account
);

backend_tests!(
    notification_groups_open_and_dismiss,
    notification_groups_open_and_dismiss
);

const PATIENCE: Duration = Duration::from_secs(30);

async fn notification_groups_open_and_dismiss(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    let post = town
        .post_status(&alice, &json!({"status": "Seed swap on Saturday"}))
        .await;
    let id = post["id"].as_str().unwrap();
    for fan in [&bob, &carol] {
        let liked = town
            .post_json(
                &format!("/api/v1/statuses/{id}/favourite"),
                Some(&fan.token),
                &Value::Null,
            )
            .await;
        assert_eq!(liked.status, StatusCode::OK, "{}", liked.body);
    }
    let alice_id = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let followed = town
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(followed.status, StatusCode::OK, "{}", followed.body);

    let all = town.get("/api/v2/notifications", Some(&alice.token)).await;
    let groups = all.body["notification_groups"].as_array().unwrap().clone();
    let liked = groups.iter().find(|g| g["type"] == "favourite").unwrap();
    let key = liked["group_key"].as_str().unwrap();
    assert_eq!(key, format!("favourite-{id}"));
    let follow_key = groups.iter().find(|g| g["type"] == "follow").unwrap()["group_key"]
        .as_str()
        .unwrap()
        .to_string();

    let one = town
        .get(&format!("/api/v2/notifications/{key}"), Some(&alice.token))
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    let group = &one.body["notification_groups"];
    assert_eq!(group.as_array().unwrap().len(), 1, "{}", one.body);
    assert_eq!(group[0]["notifications_count"], 2);
    assert_eq!(group[0]["status_id"], id);
    assert_eq!(one.body["statuses"][0]["id"], id);
    let who = town
        .get(
            &format!("/api/v2/notifications/{key}/accounts"),
            Some(&alice.token),
        )
        .await;
    let names: Vec<&str> = who
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["carol", "bob"], "newest first");
    let follows = town
        .get(
            &format!("/api/v2/notifications/{follow_key}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(
        follows.body["notification_groups"][0]["notifications_count"],
        1
    );

    // Keys that name none of alice's groups are 404, and change nothing.
    let bobs = town.get("/api/v1/notifications", Some(&bob.token)).await;
    let bobs_key = format!("ungrouped-{}", bobs.body[0]["id"].as_str().unwrap_or("1"));
    for bad in [
        "nonsense",
        "favourite-abc",
        "favourite-",
        "follow-2026-13-40",
        &bobs_key,
    ] {
        let answer = town
            .get(&format!("/api/v2/notifications/{bad}"), Some(&alice.token))
            .await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{bad}: {}",
            answer.body
        );
        let answer = town
            .post_json(
                &format!("/api/v2/notifications/{bad}/dismiss"),
                Some(&alice.token),
                &Value::Null,
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::NOT_FOUND,
            "{bad}: {}",
            answer.body
        );
    }

    // Dismissing the group removes both favourites and nothing else.
    let dismissed = town
        .post_json(
            &format!("/api/v2/notifications/{key}/dismiss"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::OK, "{}", dismissed.body);
    let left = town.get("/api/v1/notifications", Some(&alice.token)).await;
    let kinds: Vec<&str> = left
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["follow"], "{}", left.body);
    let again = town
        .post_json(
            &format!("/api/v2/notifications/{key}/dismiss"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

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

    let reply = county
        .post_status(&bob, &json!({"status": format!("@{} count me in", alice.acct), "in_reply_to_id": seen["id"]}))
        .await;
    let kinds = wait_until("alice's notifications", PATIENCE, || async {
        let list = town.get("/api/v1/notifications", Some(&alice.token)).await;
        let kinds: Vec<String> = list
            .body
            .as_array()?
            .iter()
            .map(|n| n["type"].as_str().unwrap().to_string())
            .collect();
        (kinds.len() == 4).then_some(kinds)
    })
    .await;
    assert_eq!(
        kinds,
        ["mention", "reblog", "favourite", "follow"],
        "newest first"
    );
    let mentions = town
        .get("/api/v1/notifications?types[]=mention", Some(&alice.token))
        .await;
    assert_eq!(mentions.body.as_array().unwrap().len(), 1);
    assert_eq!(mentions.body[0]["account"]["acct"], bob.acct);
    assert_eq!(mentions.body[0]["status"]["uri"], reply["uri"]);
    let others = town
        .get(
            "/api/v1/notifications?exclude_types[]=mention&exclude_types[]=follow",
            Some(&alice.token),
        )
        .await;
    assert_eq!(others.body.as_array().unwrap().len(), 2);
    let one = mentions.body[0]["id"].as_str().unwrap();
    let dismissed = town
        .post_json(
            &format!("/api/v1/notifications/{one}/dismiss"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::OK);
    let gone = town
        .get(&format!("/api/v1/notifications/{one}"), Some(&alice.token))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let bobs = county
        .get("/api/v1/notifications?types[]=follow", Some(&bob.token))
        .await;
    assert_eq!(bobs.body[0]["account"]["acct"], carol.acct, "{}", bobs.body);
    town.post_json(
        "/api/v1/notifications/clear",
        Some(&alice.token),
        &Value::Null,
    )
    .await;
    let cleared = town.get("/api/v1/notifications", Some(&alice.token)).await;
    assert_eq!(cleared.body, json!([]));

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
