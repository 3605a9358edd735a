//! Members describe their practice (roles, organisation, place, interests,
//! offers, needs); apps see it as profile fields, and other servers receive
//! it as an extension of the actor.

use federation_tests::{Backend, Instance, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    a_practice_is_set_shown_and_federated,
    a_practice_is_set_shown_and_federated
);

const PROFILE: &str = "/api/trellis/v1/profile";

fn field<'a>(fields: &'a Value, name: &str) -> Option<&'a str> {
    fields
        .as_array()?
        .iter()
        .find(|f| f["name"] == name)
        .and_then(|f| f["value"].as_str())
}

async fn a_practice_is_set_shown_and_federated(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;

    let empty = town.get(PROFILE, Some(&alice.token)).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(empty.body["roles"], json!([]));

    let set = town
        .patch_json(
            PROFILE,
            Some(&alice.token),
            &json!({
                "roles": ["Sustainability officer", "  sustainability   OFFICER "],
                "organization": "Ashford Town Council",
                "place": "Ashford",
                "interests": ["Composting", "Cycling"],
                "offers": ["Grant writing"],
                "needs": ["Volunteer coordination"]
            }),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let expected = json!({
        "roles": ["Sustainability officer"],
        "organization": "Ashford Town Council",
        "place": "Ashford",
        "interests": ["Composting", "Cycling"],
        "offers": ["Grant writing"],
        "needs": ["Volunteer coordination"]
    });
    // One's own profile adds one's own settings to the practice.
    let mut own = expected.clone();
    own["introductions_digest"] = json!(true);
    assert_eq!(set.body, own);

    // Bad input is named and changes nothing.
    let eleven: Vec<String> = (0..11).map(|n| format!("role {n}")).collect();
    for bad in [
        json!({"roles": eleven}),
        json!({"offers": ["x".repeat(101)]}),
        json!({"hobbies": ["chess"]}),
        json!({"roles": "not a list"}),
    ] {
        let refused = town.patch_json(PROFILE, Some(&alice.token), &bad).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
    }
    assert_eq!(town.get(PROFILE, Some(&alice.token)).await.body, own);
    let anonymous = town.patch_json(PROFILE, None, &json!({"place": "x"})).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // Mastodon apps see it as profile fields, after the member's own.
    let alice_id = town.resolve_account(&alice, "alice").await;
    let account = town
        .get(&format!("/api/v1/accounts/{alice_id}"), None)
        .await;
    assert_eq!(
        field(&account.body["fields"], "Role"),
        Some("Sustainability officer")
    );
    assert_eq!(
        field(&account.body["fields"], "Offers"),
        Some("Grant writing")
    );

    // The actor carries it as an extension and as PropertyValues.
    let actor: Value = reqwest::Client::new()
        .get(format!("{}/users/alice", town.base_url()))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        actor["trellis:practice"]["roles"],
        json!(["Sustainability officer"]),
        "{actor}"
    );
    assert_eq!(
        actor["trellis:practice"]["needs"],
        json!(["Volunteer coordination"])
    );
    assert_eq!(
        field(&actor["attachment"], "Place"),
        Some("Ashford"),
        "{actor}"
    );

    // Another server stores it when it fetches the actor, and hears of
    // changes.
    let on_county = county.follow(&bob, &alice.acct).await;
    let practice = format!("/api/trellis/v1/accounts/{on_county}/practice");
    let seen = county.get(&practice, Some(&bob.token)).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.body, expected);
    let remote_account = county
        .get(&format!("/api/v1/accounts/{on_county}"), Some(&bob.token))
        .await;
    assert_eq!(
        field(&remote_account.body["fields"], "Role"),
        Some("Sustainability officer"),
        "{}",
        remote_account.body
    );

    let changed = town
        .patch_json(
            PROFILE,
            Some(&alice.token),
            &json!({"offers": ["Grant writing", "Bike repair"]}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    wait_until(
        "the new offer on county",
        Duration::from_secs(30),
        || async {
            let seen = county.get(&practice, Some(&bob.token)).await;
            (seen.body["offers"] == json!(["Grant writing", "Bike repair"])).then_some(())
        },
    )
    .await;
    let still = county.get(&practice, Some(&bob.token)).await;
    assert_eq!(still.body["roles"], json!(["Sustainability officer"]));
}
