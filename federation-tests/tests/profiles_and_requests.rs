//! Profiles with fields travel to other servers and stay current; a locked
//! member approves or turns down follow requests from anywhere.

use federation_tests::{Backend, Instance, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::Duration;

backend_tests!(
    locked_profiles_and_follow_requests,
    locked_profiles_and_follow_requests
);

const PATIENCE: Duration = Duration::from_secs(30);

async fn locked_profiles_and_follow_requests(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    let carol = county.create_user("carol").await;

    let updated = town
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &[
                ("display_name", "Alice Rivera"),
                ("note", "Sustainability officer, Springfield"),
                ("locked", "true"),
                // A field named as part of the practice ("Role") would set
                // the practice instead; this one is the member's own.
                ("fields_attributes[0][name]", "Works on"),
                ("fields_attributes[0][value]", "Sustainability officer"),
                ("fields_attributes[1][name]", "Site"),
                ("fields_attributes[1][value]", "https://springfield.example"),
            ],
        )
        .await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.body["display_name"], "Alice Rivera");
    assert_eq!(updated.body["locked"], true);
    assert_eq!(
        updated.body["source"]["note"],
        "Sustainability officer, Springfield"
    );
    assert_eq!(updated.body["fields"][0]["name"], "Works on");
    assert!(
        updated.body["fields"][1]["value"]
            .as_str()
            .unwrap()
            .contains("<a href=\"https://springfield.example\"")
    );
    let too_many: Vec<(String, String)> = (0..9)
        .flat_map(|i| {
            [
                (format!("fields_attributes[{i}][name]"), format!("n{i}")),
                (format!("fields_attributes[{i}][value]"), "v".into()),
            ]
        })
        .collect();
    let too_many: Vec<(&str, &str)> = too_many
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let refused = town
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &too_many,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let alice_id = county.resolve_account(&bob, &alice.acct).await;
    let seen = county
        .get(&format!("/api/v1/accounts/{alice_id}"), None)
        .await;
    assert_eq!(seen.body["display_name"], "Alice Rivera");
    assert_eq!(seen.body["locked"], true);
    assert_eq!(
        seen.body["fields"][0]["value"], "Sustainability officer",
        "{}",
        seen.body
    );

    let asked = county
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(asked.body["requested"], true, "{}", asked.body);
    assert_eq!(asked.body["following"], false);
    county
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            Some(&carol.token),
            &Value::Null,
        )
        .await;
    let requests = wait_until("both requests reach alice", PATIENCE, || async {
        let list = town
            .get("/api/v1/follow_requests", Some(&alice.token))
            .await;
        (list.body.as_array()?.len() == 2).then_some(list.body)
    })
    .await;
    let id_of = |acct: &str| {
        requests
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["acct"] == acct)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let me = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(me.body["source"]["follow_requests_count"], 2);

    let approved = town
        .post_json(
            &format!("/api/v1/follow_requests/{}/authorize", id_of(&bob.acct)),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(approved.body["followed_by"], true, "{}", approved.body);
    let declined = town
        .post_json(
            &format!("/api/v1/follow_requests/{}/reject", id_of(&carol.acct)),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(declined.body["requested_by"], false, "{}", declined.body);

    let relationship = |token: String| {
        let county = &county;
        let path = format!("/api/v1/accounts/relationships?id[]={alice_id}");
        async move { county.get(&path, Some(&token)).await.body[0].clone() }
    };
    wait_until("bob's request is approved", PATIENCE, || async {
        (relationship(bob.token.clone()).await["following"] == true).then_some(())
    })
    .await;
    wait_until("carol's request is turned down", PATIENCE, || async {
        let r = relationship(carol.token.clone()).await;
        (r["following"] == false && r["requested"] == false).then_some(())
    })
    .await;

    let me = town.get("/api/v1/accounts/lookup?acct=alice", None).await;
    let followers = town
        .get(
            &format!(
                "/api/v1/accounts/{}/followers",
                me.body["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    let followers: Vec<&Value> = followers.body.as_array().unwrap().iter().collect();
    assert_eq!(followers.len(), 1);
    assert_eq!(followers[0]["acct"], bob.acct);
    let bob_here = county.get("/api/v1/accounts/lookup?acct=bob", None).await;
    let following = county
        .get(
            &format!(
                "/api/v1/accounts/{}/following",
                bob_here.body["id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(following.body[0]["acct"], alice.acct);

    town.patch_form(
        "/api/v1/accounts/update_credentials",
        Some(&alice.token),
        &[("display_name", "Alice R.")],
    )
    .await;
    wait_until("the new name reaches the county", PATIENCE, || async {
        let profile = county
            .get(&format!("/api/v1/accounts/{alice_id}"), None)
            .await;
        (profile.body["display_name"] == "Alice R.").then_some(())
    })
    .await;
}
