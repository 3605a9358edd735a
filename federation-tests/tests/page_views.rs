//! A page of statuses or accounts is loaded in one go (a few queries for
//! the whole page), so each item must still carry its own counts, marks
//! and relations, never a neighbour's.

use federation_tests::{Backend, Instance, User, backend_tests};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    each_status_on_a_page_carries_its_own_counts_and_marks,
    each_status_on_a_page_carries_its_own_counts_and_marks
);
backend_tests!(
    each_account_on_a_page_carries_its_own_counts,
    each_account_on_a_page_carries_its_own_counts
);

async fn act(town: &Instance, user: &User, status: &Value, action: &str) {
    let id = status["id"].as_str().expect("status id");
    let response = town
        .post_json(
            &format!("/api/v1/statuses/{id}/{action}"),
            Some(&user.token),
            &Value::Null,
        )
        .await;
    assert_eq!(
        response.status,
        StatusCode::OK,
        "{action}: {}",
        response.body
    );
}

/// The status with `id` on a page, whether posted or boosted there.
fn on_page<'a>(page: &'a [Value], id: &Value) -> &'a Value {
    page.iter()
        .find(|s| s["id"] == *id)
        .unwrap_or_else(|| panic!("{id} is not on the page: {page:?}"))
}

async fn each_status_on_a_page_carries_its_own_counts_and_marks(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    town.follow(&carol, &alice.username).await;
    town.follow(&carol, &bob.username).await;
    let alice_id = town.resolve_account(&carol, &alice.username).await;
    let bob_id = town.resolve_account(&carol, &bob.username).await;

    let first = town
        .post_status(
            &alice,
            &json!({"status": format!("Who runs a #repaircafe? @{}", bob.username)}),
        )
        .await;
    let second = town
        .post_status(&alice, &json!({"status": "Our tool library opens"}))
        .await;
    let reply = town
        .post_status(
            &bob,
            &json!({"status": "We do, on Saturdays", "in_reply_to_id": first["id"]}),
        )
        .await;
    let own = town
        .post_status(&carol, &json!({"status": "Notes from the county meeting"}))
        .await;
    // From someone carol does not follow: it reaches her as bob's boost.
    let erin = town.create_user("erin").await;
    let third = town
        .post_status(&erin, &json!({"status": "Seed swap at the library"}))
        .await;
    act(&town, &bob, &third, "reblog").await;
    act(&town, &carol, &third, "bookmark").await;
    act(&town, &carol, &first, "favourite").await;
    act(&town, &carol, &first, "reblog").await;
    act(&town, &carol, &second, "bookmark").await;
    act(&town, &carol, &own, "pin").await;

    let page = town.home_timeline(&carol).await;

    let first_seen = on_page(&page, &first["id"]);
    assert_eq!(first_seen["replies_count"], 1, "{first_seen}");
    assert_eq!(first_seen["favourites_count"], 1, "{first_seen}");
    assert_eq!(first_seen["reblogs_count"], 1, "{first_seen}");
    assert_eq!(first_seen["favourited"], true, "{first_seen}");
    assert_eq!(first_seen["reblogged"], true, "{first_seen}");
    assert_eq!(first_seen["bookmarked"], false, "{first_seen}");
    assert_eq!(first_seen["tags"][0]["name"], "repaircafe", "{first_seen}");
    assert_eq!(first_seen["mentions"][0]["id"], bob_id, "{first_seen}");
    assert_eq!(first_seen["account"]["id"], alice_id, "{first_seen}");

    let second_seen = on_page(&page, &second["id"]);
    assert_eq!(second_seen["replies_count"], 0, "{second_seen}");
    assert_eq!(second_seen["favourites_count"], 0, "{second_seen}");
    assert_eq!(second_seen["reblogs_count"], 0, "{second_seen}");
    assert_eq!(second_seen["favourited"], false, "{second_seen}");
    assert_eq!(second_seen["reblogged"], false, "{second_seen}");
    assert_eq!(second_seen["bookmarked"], true, "{second_seen}");
    assert_eq!(second_seen["tags"], json!([]), "{second_seen}");
    assert_eq!(second_seen["mentions"], json!([]), "{second_seen}");

    let reply_seen = on_page(&page, &reply["id"]);
    assert_eq!(reply_seen["in_reply_to_id"], first["id"], "{reply_seen}");
    assert_eq!(
        reply_seen["in_reply_to_account_id"], alice_id,
        "{reply_seen}"
    );
    assert_eq!(reply_seen["account"]["id"], bob_id, "{reply_seen}");

    // Bob's boost of erin's post: the boost shows the original, and what
    // carol did to the original shows at both levels, as apps read it.
    let boost = page
        .iter()
        .find(|s| s["reblog"]["id"] == third["id"])
        .unwrap_or_else(|| panic!("bob's boost is not on the page: {page:?}"));
    assert_eq!(boost["account"]["id"], bob_id, "{boost}");
    assert_eq!(boost["reblog"]["account"]["username"], "erin", "{boost}");
    assert_eq!(boost["bookmarked"], true, "{boost}");
    assert_eq!(boost["reblog"]["bookmarked"], true, "{boost}");
    assert_eq!(boost["favourited"], false, "{boost}");
    assert_eq!(boost["reblog"]["reblogs_count"], 1, "{boost}");
    assert_eq!(boost["reblog"]["account"]["statuses_count"], 1, "{boost}");

    let own_seen = on_page(&page, &own["id"]);
    assert_eq!(own_seen["pinned"], true, "{own_seen}");
    assert_eq!(first_seen["pinned"], false, "{first_seen}");

    // Each author's counts are their own.
    assert_eq!(first_seen["account"]["statuses_count"], 2, "{first_seen}");
    assert_eq!(first_seen["account"]["followers_count"], 1, "{first_seen}");
    assert_eq!(first_seen["account"]["following_count"], 0, "{first_seen}");
    assert_eq!(reply_seen["account"]["statuses_count"], 2, "{reply_seen}");
    assert!(
        first_seen["account"]["last_status_at"].is_string(),
        "{first_seen}"
    );
    assert_eq!(own_seen["account"]["following_count"], 2, "{own_seen}");

    // Someone who did none of it sees the same counts and no marks.
    let dave = town.create_user("dave").await;
    let seen_by_dave = town
        .get(
            &format!("/api/v1/accounts/{alice_id}/statuses"),
            Some(&dave.token),
        )
        .await;
    let page = seen_by_dave.body.as_array().cloned().unwrap_or_default();
    let first_for_dave = on_page(&page, &first["id"]);
    assert_eq!(first_for_dave["favourites_count"], 1, "{first_for_dave}");
    assert_eq!(first_for_dave["favourited"], false, "{first_for_dave}");
    assert_eq!(first_for_dave["reblogged"], false, "{first_for_dave}");
    assert_eq!(
        on_page(&page, &second["id"])["bookmarked"],
        false,
        "{page:?}"
    );
}

async fn each_account_on_a_page_carries_its_own_counts(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    town.follow(&alice, &bob.username).await;
    town.follow(&alice, &carol.username).await;
    town.follow(&bob, &carol.username).await;
    for text in ["One", "Two", "Three"] {
        town.post_status(&carol, &json!({ "status": text })).await;
    }
    let me = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    let alice_id = me.body["id"].as_str().expect("alice's id");
    let following = town
        .get(
            &format!("/api/v1/accounts/{alice_id}/following"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(following.status, StatusCode::OK, "{}", following.body);
    let listed = following.body.as_array().cloned().unwrap_or_default();
    let find = |username: &str| {
        listed
            .iter()
            .find(|a| a["username"] == username)
            .cloned()
            .unwrap_or_else(|| panic!("{username} is not listed: {listed:?}"))
    };
    let bob_seen = find("bob");
    let carol_seen = find("carol");
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(bob_seen["followers_count"], 1, "{bob_seen}");
    assert_eq!(bob_seen["following_count"], 1, "{bob_seen}");
    assert_eq!(bob_seen["statuses_count"], 0, "{bob_seen}");
    assert_eq!(bob_seen["last_status_at"], Value::Null, "{bob_seen}");
    assert_eq!(carol_seen["followers_count"], 2, "{carol_seen}");
    assert_eq!(carol_seen["following_count"], 0, "{carol_seen}");
    assert_eq!(carol_seen["statuses_count"], 3, "{carol_seen}");
    assert!(carol_seen["last_status_at"].is_string(), "{carol_seen}");
}
