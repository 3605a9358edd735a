//! The network's profile and charter: set by admins through the API and the
//! command line, read by anyone, shown as instance rules, and carried by the
//! network actor that other servers follow.

use federation_tests::{Backend, Instance, PASSWORD, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    admins_write_the_charter_and_everyone_reads_it,
    admins_write_the_charter_and_everyone_reads_it
);
backend_tests!(
    the_network_actor_is_followed_across_servers,
    the_network_actor_is_followed_across_servers
);
backend_tests!(
    a_parent_network_lists_its_children,
    a_parent_network_lists_its_children
);

const NETWORK: &str = "/api/trellis/v1/network";

/// An administrator of `instance` and a token for them.
async fn admin_token(instance: &Instance) -> String {
    instance
        .admin(&[
            "create-user",
            "ann",
            "--email",
            "ann@example.test",
            "--password",
            PASSWORD,
            "--admin",
        ])
        .await;
    instance
        .admin(&["token", "ann", "--scopes", "read write"])
        .await
        .trim()
        .to_string()
}

fn full_charter() -> Value {
    json!({
        "name": "Ashford Sustainability Network",
        "summary": "Sustainability officers and volunteers of Ashford",
        "place": "Ashford",
        "level": "town",
        "type": "connectivity",
        // A parent is looked up when named; see the children scenario.
        "parent": null,
        "share_report": "parent",
        "charter": {
            "purpose": "Share what works in local climate action",
            "membership": "Anyone working on sustainability in Ashford",
            "value_proposition": "Learn from peers instead of starting alone",
            "coordination": "A monthly call and this server",
            "resources": "Volunteer time; a small council grant",
            "governance": "A rotating steering group of five",
            "assessment": "A yearly benefit-story round",
            "operating_principles": ["Share first attempts, failures too", "Credit others' work"]
        }
    })
}

async fn admins_write_the_charter_and_everyone_reads_it(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let ann = admin_token(&town).await;
    let member = town.create_user("bea").await;

    let fresh = town.get(NETWORK, None).await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    assert_eq!(fresh.body["name"], "Trellis");
    assert_eq!(fresh.body["level"], "none");
    assert_eq!(fresh.body["type"], "connectivity");
    assert_eq!(fresh.body["charter"]["operating_principles"], json!([]));

    let saved = town.put_json(NETWORK, Some(&ann), &full_charter()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body, full_charter());
    assert_eq!(town.get(NETWORK, None).await.body, full_charter());

    // A partial body changes only what it names, inside the charter too.
    let moved = town
        .put_json(
            NETWORK,
            Some(&ann),
            &json!({"place": "Ashford Vale", "charter": {"purpose": "Act on climate together"}}),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let mut expected = full_charter();
    expected["place"] = json!("Ashford Vale");
    expected["charter"]["purpose"] = json!("Act on climate together");
    assert_eq!(moved.body, expected);

    // Bad values are named and change nothing.
    for bad in [
        json!({"level": "galaxy"}),
        json!({"type": "party"}),
        json!({"colour": "green"}),
        json!({"parent": "not a handle"}),
        json!({"charter": {"operating_principles": ["ok", "  "]}}),
        json!({"charter": {"purpose": "x".repeat(5001)}}),
        json!({"name": "A new name", "level": "galaxy"}),
    ] {
        let refused = town.put_json(NETWORK, Some(&ann), &bad).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
        assert!(refused.body["error"].is_string(), "{}", refused.body);
    }
    assert_eq!(town.get(NETWORK, None).await.body, expected);

    let not_admin = town
        .put_json(NETWORK, Some(&member.token), &json!({"place": "Elsewhere"}))
        .await;
    assert_eq!(
        not_admin.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_admin.body
    );
    let anonymous = town
        .put_json(NETWORK, None, &json!({"place": "Elsewhere"}))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // The operating principles are the instance's rules.
    let rules = json!([
        {"id": "1", "text": "Share first attempts, failures too", "hint": ""},
        {"id": "2", "text": "Credit others' work", "hint": ""}
    ]);
    assert_eq!(town.get("/api/v1/instance/rules", None).await.body, rules);
    let v1 = town.get("/api/v1/instance", None).await.body;
    assert_eq!(v1["rules"], rules);
    assert_eq!(v1["title"], "Ashford Sustainability Network");
    let v2 = town.get("/api/v2/instance", None).await.body;
    assert_eq!(v2["rules"], rules);

    // The command line takes the same changes, checked alike.
    let (printed, _) = town
        .cli(&[
            "network",
            "set",
            "--level",
            "county",
            "--principle",
            "Meet in person once a year",
            "--parent",
            "",
        ])
        .await;
    let printed: Value = serde_json::from_str(&printed).expect("JSON on stdout");
    assert_eq!(printed["level"], "county");
    assert_eq!(printed["parent"], Value::Null);
    assert_eq!(
        printed["charter"]["operating_principles"],
        json!(["Meet in person once a year"])
    );
    assert_eq!(printed["charter"]["purpose"], "Act on climate together");
    assert_eq!(town.get(NETWORK, None).await.body, printed);
}

async fn the_network_actor_is_followed_across_servers(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let ann = admin_token(&town).await;
    let bob = county.create_user("bob").await;
    let saved = town.put_json(NETWORK, Some(&ann), &full_charter()).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);

    let actor_url = format!("{}/users/network", town.base_url());
    let actor: Value = reqwest::Client::new()
        .get(&actor_url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(actor["type"], "Organization", "{actor}");
    assert_eq!(actor["name"], "Ashford Sustainability Network");
    let network = &actor["trellis:network"];
    assert_eq!(network["level"], "town", "{actor}");
    assert_eq!(network["networkType"], "connectivity");
    assert_eq!(
        network["charter"]["purpose"],
        "Share what works in local climate action"
    );
    assert_eq!(
        network["charter"]["operatingPrinciples"][1],
        "Credit others' work"
    );
    let place = actor["attachment"]
        .as_array()
        .unwrap()
        .iter()
        .find(|field| field["name"] == "Place")
        .unwrap_or_else(|| panic!("no Place field in {actor}"));
    assert_eq!(place["type"], "PropertyValue");
    assert!(place["value"].as_str().unwrap().contains("Ashford"));

    // Someone on another server follows the network, and hears of changes.
    let handle = format!("network@{}", town.domain());
    let on_county = county.follow(&bob, &handle).await;
    let account = county
        .get(&format!("/api/v1/accounts/{on_county}"), Some(&bob.token))
        .await;
    assert_eq!(
        account.body["display_name"],
        "Ashford Sustainability Network"
    );
    town.cli(&["network", "set", "--name", "Ashford Climate Network"])
        .await;
    wait_until(
        "the renamed network on county",
        Duration::from_secs(30),
        || async {
            let account = county
                .get(&format!("/api/v1/accounts/{on_county}"), Some(&bob.token))
                .await;
            (account.body["display_name"] == "Ashford Climate Network").then_some(())
        },
    )
    .await;
}

async fn a_parent_network_lists_its_children(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let ann = admin_token(&town).await;
    let bob = county.create_user("bob").await;
    let children = "/api/trellis/v1/network/children";

    // Only a network's actor can be a parent; a refusal changes nothing.
    let person = town
        .put_json(NETWORK, Some(&ann), &json!({"parent": bob.acct}))
        .await;
    assert_eq!(
        person.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        person.body
    );
    assert_eq!(town.get(NETWORK, None).await.body["parent"], Value::Null);

    let parent = format!("network@{}", county.domain());
    let declared = town
        .put_json(
            NETWORK,
            Some(&ann),
            &json!({"parent": parent, "place": "Ashford", "level": "town"}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::OK, "{}", declared.body);
    assert_eq!(declared.body["parent"], parent.as_str());
    let town_network = format!("network@{}", town.domain());
    let listed = wait_until(
        "the county to list the town",
        Duration::from_secs(30),
        || async {
            let listed = county.get(children, None).await.body;
            (listed.as_array().map(Vec::len) == Some(1)).then_some(listed)
        },
    )
    .await;
    assert_eq!(listed[0]["acct"], town_network.as_str(), "{listed}");
    assert_eq!(listed[0]["name"], "Trellis");
    // What the town's network actor says about it, read by the county.
    assert_eq!(listed[0]["place"], "Ashford", "{listed}");
    assert_eq!(listed[0]["level"], "town", "{listed}");

    let orphan = town
        .put_json(NETWORK, Some(&ann), &json!({"parent": null}))
        .await;
    assert_eq!(orphan.status, StatusCode::OK, "{}", orphan.body);
    wait_until(
        "the county to drop the town",
        Duration::from_secs(30),
        || async { (county.get(children, None).await.body == json!([])).then_some(()) },
    )
    .await;
}
