//! Links between communities on four servers: peers in two towns, both
//! towns under a county, the county under the state. Posts cross links by
//! each side's flow, a cycle of links delivers each post once, and
//! unlinking stops the flow.

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    linked_communities_share_across_towns_and_up_to_the_county,
    linked_communities_share_across_towns_and_up_to_the_county
);

backend_tests!(
    link_requests_turned_down_leave_no_one_waiting,
    link_requests_turned_down_leave_no_one_waiting
);

const PATIENCE: Duration = Duration::from_secs(30);

fn communities(name: &str) -> String {
    format!("/api/trellis/v1/communities/{name}")
}

async fn start_community(instance: &Instance, moderator: &User, body: Value) {
    let created = instance
        .post_json("/api/trellis/v1/communities", Some(&moderator.token), &body)
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
}

async fn links_of(instance: &Instance, name: &str) -> Vec<Value> {
    let links = instance
        .get(&format!("{}/links", communities(name)), None)
        .await;
    assert_eq!(links.status, StatusCode::OK, "{}", links.body);
    links.body.as_array().cloned().unwrap_or_default()
}

/// Waits until `name` on `instance` has a link with `target` in `state`.
async fn wait_for_link(instance: &Instance, name: &str, target: &str, state: &str) -> Value {
    wait_until(
        &format!("{name}'s link with {target} to be {state}"),
        PATIENCE,
        || async {
            links_of(instance, name)
                .await
                .into_iter()
                .find(|l| l["target"] == target && l["state"] == state)
        },
    )
    .await
}

async fn showings(instance: &Instance, user: &User, uri: &str) -> Vec<Value> {
    instance
        .home_timeline(user)
        .await
        .into_iter()
        .filter(|s| s["uri"] == uri || s["reblog"]["uri"] == uri)
        .collect()
}

async fn wait_for_showing(instance: &Instance, user: &User, uri: &str) -> Value {
    wait_until(
        &format!("{uri} in {}'s home", user.username),
        PATIENCE,
        || async { showings(instance, user, uri).await.pop() },
    )
    .await
}

async fn post(instance: &Instance, user: &User, text: &str) -> String {
    let status = instance.post_status(user, &json!({ "status": text })).await;
    status["uri"].as_str().unwrap().to_string()
}

async fn linked_communities_share_across_towns_and_up_to_the_county(backend: Backend) {
    let a = Instance::start("town-a", backend).await;
    let b = Instance::start("town-b", backend).await;
    let county = Instance::start("county", backend).await;
    let state = Instance::start("state", backend).await;
    let (sam, sue) = (
        state.create_user("sam").await,
        state.create_user("sue").await,
    );
    let (alice, anna) = (a.create_user("alice").await, a.create_user("anna").await);
    let (bob, ben) = (b.create_user("bob").await, b.create_user("ben").await);
    let (cathy, carl) = (
        county.create_user("cathy").await,
        county.create_user("carl").await,
    );
    let role = json!("Sustainability officer");
    start_community(&a, &alice, json!({"name": "officers", "role": role})).await;
    start_community(&b, &bob, json!({"name": "officers", "role": role})).await;
    start_community(
        &county,
        &cathy,
        json!({"name": "officers", "role": role, "link_policy": "approval"}),
    )
    .await;
    start_community(&state, &sam, json!({"name": "officers", "role": role})).await;
    state.follow(&sue, "officers").await;
    a.follow(&anna, "officers").await;
    b.follow(&ben, "officers").await;
    county.follow(&carl, "officers").await;
    let on = |instance: &Instance| format!("officers@{}", instance.domain());

    // Town A and town B link as peers; B's open policy accepts at once.
    let asked = a
        .post_json(
            &format!("{}/links", communities("officers")),
            Some(&alice.token),
            &json!({"target": on(&b), "direction": "peer"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(asked.body["state"], "pending");
    assert_eq!(asked.body["flow"], "all");
    let on_b = wait_for_link(&b, "officers", &on(&a), "active").await;
    assert_eq!(on_b["direction"], "peer");
    wait_for_link(&a, "officers", &on(&b), "active").await;

    // Each side's posts reach the other side's members.
    let from_a = post(&a, &anna, "@officers our heat map is online").await;
    let seen = wait_for_showing(&b, &ben, &from_a).await;
    assert_eq!(seen["account"]["username"], "officers", "{seen}");
    let from_b = post(&b, &ben, "@officers we bought two e-bikes").await;
    wait_for_showing(&a, &anna, &from_b).await;

    // Both towns link up to the county, which approves each request.
    for (town, moderator) in [(&a, &alice), (&b, &bob)] {
        let asked = town
            .post_json(
                &format!("{}/links", communities("officers")),
                Some(&moderator.token),
                &json!({"target": on(&county), "direction": "parent"}),
            )
            .await;
        assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
        assert_eq!(asked.body["flow"], "curated", "upward links carry picks");
        let waiting = wait_for_link(&county, "officers", &on(town), "pending").await;
        assert_eq!(waiting["direction"], "child");
        let id = waiting["id"].as_str().unwrap();
        let not_moderator = county
            .post_json(
                &format!("{}/links/{id}/accept", communities("officers")),
                Some(&carl.token),
                &Value::Null,
            )
            .await;
        assert_eq!(not_moderator.status, StatusCode::FORBIDDEN);
        let accepted = county
            .post_json(
                &format!("{}/links/{id}/accept", communities("officers")),
                Some(&cathy.token),
                &Value::Null,
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        assert_eq!(
            accepted.body["flow"], "all",
            "downward links carry everything"
        );
        wait_for_link(town, "officers", &on(&county), "active").await;
    }

    // The two towns' communities follow the county's, but are not its
    // members: every count shown is of people (cathy and carl).
    let county_officers = county.get(&communities("officers"), None).await;
    assert_eq!(
        county_officers.body["members_count"], 2,
        "{}",
        county_officers.body
    );
    assert_eq!(
        county_officers.body["account"]["followers_count"], 2,
        "{}",
        county_officers.body
    );
    let looked_up = county
        .get("/api/v1/accounts/lookup?acct=officers", None)
        .await;
    assert_eq!(looked_up.status, StatusCode::OK, "{}", looked_up.body);
    assert_eq!(looked_up.body["followers_count"], 2, "{}", looked_up.body);
    let page = county.get("/@officers", None).await;
    let html = page.body.as_str().unwrap_or_default();
    assert!(html.contains("<span>2 members</span>"), "{html}");

    // The county links up to the state, whose policy is open.
    let asked = county
        .post_json(
            &format!("{}/links", communities("officers")),
            Some(&cathy.token),
            &json!({"target": on(&state), "direction": "parent"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    wait_for_link(&county, "officers", &on(&state), "active").await;

    // Upward the flow is curated: a plain post stays in the towns, one the
    // author marks #wider reaches the county and the state. Posts cross in
    // order, so once the second has arrived the first would have too.
    let local_news = post(&a, &anna, "@officers the library has a new bike rack").await;
    let wider = post(
        &a,
        &anna,
        "@officers #wider our grant template is free to use",
    )
    .await;
    wait_for_showing(&county, &carl, &wider).await;
    wait_for_showing(&state, &sue, &wider).await;
    assert!(showings(&county, &carl, &local_news).await.is_empty());
    wait_for_showing(&b, &ben, &local_news).await;

    // A moderator's pick sends a plain post up after all.
    let local_news_id = a
        .get(
            &format!("/api/v2/search?q={local_news}&type=statuses"),
            Some(&alice.token),
        )
        .await
        .body["statuses"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let picked = a
        .post_json(
            &format!("{}/picks/{local_news_id}", communities("officers")),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(picked.status, StatusCode::OK, "{}", picked.body);
    wait_for_showing(&county, &carl, &local_news).await;

    // A state announcement comes down through the county to both towns.
    let from_state = post(&state, &sue, "@officers new state climate targets").await;
    wait_for_showing(&a, &anna, &from_state).await;
    wait_for_showing(&b, &ben, &from_state).await;

    // Downward everything flows, and the cycle A↔B↔county↔A delivers a
    // county post once to each member.
    let announcement = post(&county, &carl, "@officers state funding opens in May").await;
    let marker = post(&county, &carl, "@officers and the form is online").await;
    for (town, member) in [(&a, &anna), (&b, &ben)] {
        wait_for_showing(town, member, &marker).await;
        let seen = showings(town, member, &announcement).await;
        assert_eq!(seen.len(), 1, "{}: {seen:?}", member.username);
    }

    // A moderator's removal takes the post back everywhere it travelled.
    let from_a_id = a
        .get(
            &format!("/api/v2/search?q={from_a}&type=statuses"),
            Some(&alice.token),
        )
        .await
        .body["statuses"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let removed = a
        .delete(
            &format!("{}/shares/{from_a_id}", communities("officers")),
            Some(&alice.token),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    wait_until("the removed post gone from town B", PATIENCE, || async {
        showings(&b, &ben, &from_a).await.is_empty().then_some(())
    })
    .await;

    // Unlinking stops the flow both ways.
    let link = wait_for_link(&a, "officers", &on(&b), "active").await;
    let removed = a
        .delete(
            &format!(
                "{}/links/{}",
                communities("officers"),
                link["id"].as_str().unwrap()
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    wait_until("B to forget the link", PATIENCE, || async {
        let links = links_of(&b, "officers").await;
        (!links.iter().any(|l| l["target"] == on(&a))).then_some(())
    })
    .await;
    let after = post(&a, &anna, "@officers only for town A now").await;
    // This one goes the long way, up to the county and down to town B, so
    // it arrives after the first would have come over a direct link.
    let around = post(&a, &anna, "@officers #wider for everyone").await;
    wait_for_showing(&b, &ben, &around).await;
    wait_for_showing(&a, &anna, &after).await;
    assert!(
        showings(&b, &ben, &after).await.is_empty(),
        "the post crossed a removed link"
    );
}

async fn ask_link(instance: &Instance, moderator: &User, name: &str, target: &str) -> Value {
    let asked = instance
        .post_json(
            &format!("{}/links", communities(name)),
            Some(&moderator.token),
            &json!({"target": target, "direction": "peer"}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    asked.body
}

/// A request refused or withdrawn by the side that received it is marked
/// rejected on the asking side, on the same server or another; link
/// requests are not join requests.
async fn link_requests_turned_down_leave_no_one_waiting(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let river = Instance::start("river", backend).await;
    let alice = town.create_user("alice").await;
    let bob = river.create_user("bob").await;
    let approval = |name: &str| json!({"name": name, "role": "Officer", "link_policy": "approval"});
    start_community(&town, &alice, approval("officers")).await;
    start_community(&town, &alice, approval("planners")).await;
    start_community(&river, &bob, approval("officers")).await;
    let river_officers = format!("officers@{}", river.domain());
    let town_officers = format!("officers@{}", town.domain());

    // Another server asks; the request waits among the links, not among
    // the people asking to join.
    ask_link(&river, &bob, "officers", &town_officers).await;
    let waiting = wait_for_link(&town, "officers", &river_officers, "pending").await;
    let joins = town
        .get(
            &format!("{}/requests", communities("officers")),
            Some(&alice.token),
        )
        .await;
    assert_eq!(joins.status, StatusCode::OK, "{}", joins.body);
    assert_eq!(joins.body, json!([]), "{}", joins.body);

    // Deleting the waiting request turns it down over there.
    let id = waiting["id"].as_str().unwrap();
    let deleted = town
        .delete(
            &format!("{}/links/{id}", communities("officers")),
            Some(&alice.token),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    wait_for_link(&river, "officers", &town_officers, "rejected").await;
    assert!(links_of(&town, "officers").await.is_empty());

    // On one server, a refusal marks the asker's side at once.
    ask_link(&town, &alice, "planners", "officers").await;
    let waiting = links_of(&town, "officers")
        .await
        .into_iter()
        .find(|l| l["state"] == "pending")
        .expect("the planners' request waits");
    let refused = town
        .post_json(
            &format!(
                "{}/links/{}/reject",
                communities("officers"),
                waiting["id"].as_str().unwrap()
            ),
            Some(&alice.token),
            &json!({}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::OK, "{}", refused.body);
    assert_eq!(refused.body["state"], "rejected", "{}", refused.body);
    let planners = links_of(&town, "planners").await;
    assert_eq!(planners.len(), 1, "{planners:?}");
    assert_eq!(planners[0]["state"], "rejected", "{planners:?}");
}
