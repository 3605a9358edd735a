//! Network weaving across three servers: post kinds, learning exchanges
//! answered from elsewhere, benefit stories, introductions and the map.

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    exchanges_and_stories_cross_servers,
    exchanges_and_stories_cross_servers
);

backend_tests!(
    introductions_close_triangles_across_servers,
    introductions_close_triangles_across_servers
);

backend_tests!(
    terms_match_however_they_are_written,
    terms_match_however_they_are_written
);

backend_tests!(
    a_vocabulary_travels_to_linked_networks,
    a_vocabulary_travels_to_linked_networks
);

backend_tests!(
    the_map_and_health_report_measure_the_network,
    the_map_and_health_report_measure_the_network
);

backend_tests!(
    a_generated_network_is_measured,
    a_generated_network_is_measured
);

const PATIENCE: Duration = Duration::from_secs(30);
const EXCHANGES: &str = "/api/trellis/v1/exchanges";
const VOCABULARY: &str = "/api/trellis/v1/network/vocabulary";

/// The exchange opened by the status with ActivityPub id `uri`, as
/// `instance` lists it, once `check` holds.
async fn wait_for_exchange(
    instance: &Instance,
    uri: &str,
    what: &str,
    check: impl Fn(&Value) -> bool,
) -> Value {
    wait_until(what, PATIENCE, || async {
        let listed = instance.get(EXCHANGES, None).await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        listed
            .body
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["status"]["uri"] == uri && check(e))
            .cloned()
    })
    .await
}

/// The local id on `instance` of the reply with ActivityPub id `uri` in
/// the thread of `status_id`.
async fn reply_id(instance: &Instance, user: &User, status_id: &str, uri: &str) -> String {
    wait_until(&format!("{uri} in the thread"), PATIENCE, || async {
        let context = instance
            .get(
                &format!("/api/v1/statuses/{status_id}/context"),
                Some(&user.token),
            )
            .await;
        context.body["descendants"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["uri"] == uri)
            .map(|s| s["id"].as_str().unwrap().to_string())
    })
    .await
}

async fn exchanges_and_stories_cross_servers(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let river = Instance::start("river", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let dave = town.create_user("dave").await;
    let bob = river.create_user("bob").await;
    let carol = county.create_user("carol").await;
    river.follow(&bob, &alice.acct).await;
    county.follow(&carol, &alice.acct).await;
    town.follow(&alice, &bob.acct).await;
    let role = town
        .patch_json(
            "/api/trellis/v1/profile",
            Some(&alice.token),
            &json!({"roles": ["Energy officer"], "place": "Ashford"}),
        )
        .await;
    assert_eq!(role.status, StatusCode::OK, "{}", role.body);

    // A kind the API does not know is refused, and nothing is posted.
    let wrong = town
        .post_status_raw(&alice.token, &json!({"status": "hello", "kind": "gossip"}))
        .await;
    assert_eq!(
        wrong.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong.body
    );
    let me = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    let own = town
        .get(
            &format!(
                "/api/v1/accounts/{}/statuses",
                me.body["id"].as_str().unwrap()
            ),
            Some(&alice.token),
        )
        .await;
    assert_eq!(own.body, json!([]), "{}", own.body);

    // A question set with the API field carries its hashtag for plain apps.
    let question = town
        .post_status(
            &alice,
            &json!({"status": "Who has run a heat-pump bulk purchase?", "kind": "question"}),
        )
        .await;
    let uri = question["uri"].as_str().unwrap().to_string();
    let question_id = question["id"].as_str().unwrap().to_string();
    assert!(
        question["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "question"),
        "{question}"
    );
    let opened = wait_for_exchange(&town, &uri, "the exchange opens", |_| true).await;
    assert_eq!(opened["state"], "open");
    assert_eq!(opened["kind"], "question");
    assert_eq!(opened["replies_count"], 0);
    assert_eq!(opened["seconds_to_first_reply"], Value::Null);

    // Other servers know it as a question too.
    for instance in [&river, &county] {
        wait_for_exchange(instance, &uri, "the question to arrive", |e| {
            e["state"] == "open"
        })
        .await;
    }

    // Replies from two other servers join it.
    let on_river = river.wait_for_home_status(&bob, &uri).await;
    let bob_reply = river
        .post_status(
            &bob,
            &json!({
                "status": format!("@{} we did, ask me about the tender", alice.acct),
                "in_reply_to_id": on_river["id"],
            }),
        )
        .await;
    let on_county = county.wait_for_home_status(&carol, &uri).await;
    county
        .post_status(
            &carol,
            &json!({
                "status": format!("@{} the county has a template", alice.acct),
                "in_reply_to_id": on_county["id"],
            }),
        )
        .await;
    let replied = wait_for_exchange(&town, &uri, "two replies", |e| e["replies_count"] == 2).await;
    assert!(
        replied["seconds_to_first_reply"].as_i64().unwrap() >= 0,
        "{replied}"
    );

    // Only the asker answers; only replies in the exchange can have helped.
    let answer = format!("{EXCHANGES}/{question_id}/answer");
    let bob_here = reply_id(
        &town,
        &alice,
        &question_id,
        bob_reply["uri"].as_str().unwrap(),
    )
    .await;
    let not_asker = town
        .post_json(
            &answer,
            Some(&dave.token),
            &json!({"status_ids": [bob_here]}),
        )
        .await;
    assert_eq!(
        not_asker.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_asker.body
    );
    let stranger = town
        .post_json(
            &answer,
            Some(&alice.token),
            &json!({"status_ids": [question_id]}),
        )
        .await;
    assert_eq!(
        stranger.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stranger.body
    );
    let still_open = town.get(&format!("{EXCHANGES}/{question_id}"), None).await;
    assert_eq!(still_open.body["state"], "open", "{}", still_open.body);

    let answered = town
        .post_json(
            &answer,
            Some(&alice.token),
            &json!({"status_ids": [bob_here]}),
        )
        .await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.body);
    assert_eq!(answered.body["state"], "answered");
    assert_eq!(answered.body["helpful"], json!([bob_here]));

    // The state federates, and the helper hears of it on their server.
    let there = wait_for_exchange(&river, &uri, "answered on river", |e| {
        e["state"] == "answered"
    })
    .await;
    assert_eq!(there["helpful"], json!([bob_reply["id"]]), "{there}");
    wait_for_exchange(&county, &uri, "answered on county", |e| {
        e["state"] == "answered" && e["helpful"].as_array().is_some_and(|h| h.is_empty())
    })
    .await;
    let helped = wait_until("bob's helped notification", PATIENCE, || async {
        let notes = river.get("/api/v1/notifications", Some(&bob.token)).await;
        notes
            .body
            .as_array()
            .into_iter()
            .flatten()
            .find(|n| n["type"] == "trellis.helped")
            .cloned()
    })
    .await;
    assert_eq!(helped["status"]["id"], bob_reply["id"], "{helped}");
    assert_eq!(helped["account"]["acct"], alice.acct.as_str(), "{helped}");

    // Filters: by state, the asker's role and place.
    for (query, expected) in [
        ("?state=answered", 1),
        ("?state=open", 0),
        ("?role=energy%20OFFICER", 1),
        ("?role=planner", 0),
        ("?place=ashford", 1),
    ] {
        let listed = town.get(&format!("{EXCHANGES}{query}"), None).await;
        assert_eq!(
            listed.body.as_array().map(Vec::len),
            Some(expected),
            "{query}: {}",
            listed.body
        );
    }
    let bad = town.get(&format!("{EXCHANGES}?state=closed"), None).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    // By community: a request posted to a community is listed under it,
    // here and on a member's server.
    let created = town
        .post_json(
            "/api/trellis/v1/communities",
            Some(&dave.token),
            &json!({"name": "energy"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let energy = format!("energy@{}", town.domain());
    river.follow(&bob, &energy).await;
    let request = town
        .post_status(
            &dave,
            &json!({"status": "@energy who can lend a thermal camera? #request"}),
        )
        .await;
    for (instance, name) in [(&town, "energy".to_string()), (&river, energy.clone())] {
        let listed = wait_until("the request under its community", PATIENCE, || async {
            let listed = instance
                .get(&format!("{EXCHANGES}?community={name}"), None)
                .await;
            (listed.body.as_array().map(Vec::len) == Some(1)).then_some(listed.body)
        })
        .await;
        assert_eq!(listed[0]["status"]["uri"], request["uri"], "{listed}");
        assert_eq!(listed[0]["kind"], "request", "{listed}");
    }
    let nowhere = town
        .get(&format!("{EXCHANGES}?community=nobody"), None)
        .await;
    assert_eq!(nowhere.body, json!([]), "{}", nowhere.body);

    // An edit that drops the hashtag keeps an exchange that has replies.
    let edited = town
        .put_json(
            &format!("/api/v1/statuses/{question_id}"),
            Some(&alice.token),
            &json!({"status": "Who has run a heat-pump bulk purchase? (solved)"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let kept = town.get(&format!("{EXCHANGES}/{question_id}"), None).await;
    assert_eq!(kept.status, StatusCode::OK, "{}", kept.body);
    assert_eq!(kept.body["state"], "answered", "{}", kept.body);
    assert_eq!(kept.body["replies_count"], 2, "{}", kept.body);

    // The web pages show the same to anyone with a browser.
    let open = town.get("/exchanges", None).await;
    let open = open.body.as_str().unwrap_or_default();
    assert!(open.contains("thermal camera"), "{open}");
    assert!(!open.contains("heat-pump bulk purchase"), "{open}");
    let done = town.get("/exchanges?state=answered", None).await;
    let done = done.body.as_str().unwrap_or_default();
    assert!(done.contains("heat-pump bulk purchase"), "{done}");
    assert!(done.contains("2 replies · first reply after"), "{done}");

    // A benefit story from any app, by hashtags, counted where it arrives.
    let story = river
        .post_status(
            &bob,
            &json!({"status": "Thanks to the network we co-wrote a grant #story #jointwork #individual"}),
        )
        .await;
    let story_uri = story["uri"].as_str().unwrap();
    let gathered = wait_until("the story on town", PATIENCE, || async {
        let listed = town
            .get("/api/trellis/v1/stories?dimension=joint_work", None)
            .await;
        listed
            .body
            .as_array()
            .into_iter()
            .flatten()
            .find(|s| s["status"]["uri"] == story_uri)
            .cloned()
    })
    .await;
    assert_eq!(gathered["dimensions"], json!(["individual", "joint_work"]));
    let none = town
        .get(
            "/api/trellis/v1/stories?dimension=connecting_networks",
            None,
        )
        .await;
    assert_eq!(none.body, json!([]), "{}", none.body);
    let page = town.get("/stories", None).await;
    let page = page.body.as_str().unwrap_or_default();
    assert!(page.contains("co-wrote a grant"), "{page}");
    assert!(page.contains("<strong>1</strong> joint work"), "{page}");
    let counts = town.get("/api/trellis/v1/stories/counts", None).await;
    assert_eq!(counts.status, StatusCode::OK, "{}", counts.body);
    assert_eq!(counts.body["total"]["joint_work"], 1, "{}", counts.body);
    assert_eq!(counts.body["total"]["micro_collaboration"], 0);
    assert_eq!(counts.body["periods"].as_array().map(Vec::len), Some(1));
    let with_field = town
        .post_status(
            &alice,
            &json!({"status": "Our two towns now share one energy advisor", "dimensions": ["connecting_networks"]}),
        )
        .await;
    assert!(
        with_field["content"]
            .as_str()
            .unwrap()
            .contains("connectingnetworks"),
        "{with_field}"
    );
    let mixed = town
        .post_status_raw(
            &alice.token,
            &json!({"status": "x", "kind": "offer", "dimensions": ["individual"]}),
        )
        .await;
    assert_eq!(
        mixed.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        mixed.body
    );
}

async fn practice(instance: &Instance, user: &User, body: Value) {
    let set = instance
        .patch_json("/api/trellis/v1/profile", Some(&user.token), &body)
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
}

async fn suggested(instance: &Instance, user: &User) -> Vec<Value> {
    let found = instance
        .get("/api/trellis/v1/introductions", Some(&user.token))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    found.body.as_array().cloned().unwrap_or_default()
}

async fn introductions_close_triangles_across_servers(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let river = Instance::start("river", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let sam = town.create_user("sam").await;
    let ana = river.create_user("ana").await;
    let lee = county.create_user("lee").await;
    practice(&river, &ana, json!({"offers": ["Grant writing"]})).await;
    practice(&town, &alice, json!({"needs": ["grant writing"]})).await;
    town.follow(&alice, "sam").await;
    let ana_id = town.follow(&sam, &ana.acct).await;
    let lee_id = town.follow(&sam, &lee.acct).await;

    // Alice follows Sam, who follows Ana and Lee: both are suggested, Ana
    // first, as she also offers what Alice needs.
    let found = suggested(&town, &alice).await;
    let accts: Vec<&str> = found
        .iter()
        .map(|s| s["account"]["acct"].as_str().unwrap())
        .collect();
    assert_eq!(
        accts,
        vec![ana.acct.as_str(), lee.acct.as_str()],
        "{found:?}"
    );
    assert_eq!(
        found[0]["reasons"],
        json!([
            "ana offers grant writing, which you need",
            "you both know sam"
        ]),
        "{found:?}"
    );
    assert_eq!(found[1]["reasons"], json!(["you both know sam"]));
    assert!(found[0]["score"].as_f64().unwrap() > found[1]["score"].as_f64().unwrap());

    // Mastodon apps get the same, in Mastodon's shapes.
    let v2 = town.get("/api/v2/suggestions", Some(&alice.token)).await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.body);
    assert_eq!(v2.body[0]["account"]["id"], ana_id.as_str());
    assert_eq!(v2.body[0]["sources"][0], "friends_of_friends");
    let dismissed = town
        .delete(&format!("/api/v1/suggestions/{lee_id}"), Some(&alice.token))
        .await;
    assert_eq!(dismissed.status, StatusCode::OK, "{}", dismissed.body);
    let v1 = town.get("/api/v1/suggestions", Some(&alice.token)).await;
    let ids: Vec<&str> = v1
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![ana_id.as_str()], "{}", v1.body);
    // Sam follows both already: nothing to suggest to him.
    assert!(suggested(&town, &sam).await.is_empty());

    // Only someone who knows both may introduce them.
    let body = json!({"a": ana.acct, "b": lee.acct, "note": "You both fund retrofits."});
    let stranger = town
        .post_json("/api/trellis/v1/introductions", Some(&alice.token), &body)
        .await;
    assert_eq!(
        stranger.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stranger.body
    );
    let same = town
        .post_json(
            "/api/trellis/v1/introductions",
            Some(&sam.token),
            &json!({"a": ana.acct, "b": ana.acct}),
        )
        .await;
    assert_eq!(
        same.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        same.body
    );
    let made = town
        .post_json("/api/trellis/v1/introductions", Some(&sam.token), &body)
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    assert_eq!(made.body["visibility"], "direct");
    assert_eq!(made.body["mentions"].as_array().map(Vec::len), Some(2));

    // Each gets a direct message naming the other, with the note.
    for (instance, user, other) in [(&river, &ana, &lee), (&county, &lee, &ana)] {
        let note = wait_until("the introduction to arrive", PATIENCE, || async {
            let notes = instance
                .get("/api/v1/notifications", Some(&user.token))
                .await;
            notes
                .body
                .as_array()
                .into_iter()
                .flatten()
                .find(|n| n["type"] == "mention")
                .cloned()
        })
        .await;
        let content = note["status"]["content"].as_str().unwrap();
        assert!(content.contains(&other.username), "{content}");
        assert!(content.contains("You both fund retrofits."), "{content}");
        assert_eq!(note["status"]["visibility"], "direct");
    }

    // When they go on to talk, the introduction counts as a
    // micro-collaboration.
    let made_list = "/api/trellis/v1/introductions/made";
    let listed = town.get(made_list, Some(&sam.token)).await;
    assert_eq!(
        listed.body[0]["collaborated_at"],
        Value::Null,
        "{}",
        listed.body
    );
    let on_river = river
        .wait_for_home_status(&ana, made.body["uri"].as_str().unwrap())
        .await;
    river
        .post_status(
            &ana,
            &json!({
                "status": format!("@{} @{} glad to meet you", lee.acct, sam.acct),
                "in_reply_to_id": on_river["id"],
                "visibility": "direct",
            }),
        )
        .await;
    wait_until(
        "the introduction to become a collaboration",
        PATIENCE,
        || async {
            let listed = town.get(made_list, Some(&sam.token)).await;
            listed.body[0]["collaborated_at"].is_string().then_some(())
        },
    )
    .await;
}

/// The body and content type of a request the harness would parse as JSON.
async fn fetch(instance: &Instance, path: &str, token: &str) -> (String, String) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", instance.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (kind, response.text().await.expect("body"))
}

/// A small network with known figures: a triangle of three members here,
/// a fourth member with no ties, and two people on other servers tied to
/// one member.
async fn the_map_and_health_report_measure_the_network(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let river = Instance::start("river", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    let _dave = town.create_user("dave").await;
    let erin = river.create_user("erin").await;
    let fay = county.create_user("fay").await;
    practice(
        &town,
        &alice,
        json!({"place": "Ashford", "roles": ["Energy officer"]}),
    )
    .await;
    practice(&town, &bob, json!({"place": "Brookfield"})).await;
    let created = town
        .post_json(
            "/api/trellis/v1/communities",
            Some(&alice.token),
            &json!({"name": "officers", "display_name": "Officers"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    town.follow(&bob, "officers").await;
    town.follow(&alice, "bob").await;
    town.follow(&bob, "alice").await;
    town.follow(&bob, "carol").await;
    town.follow(&carol, "alice").await;
    town.follow(&alice, &erin.acct).await;
    county.follow(&fay, &alice.acct).await;

    let question = town
        .post_status(
            &alice,
            &json!({"status": "Who knows a good installer? #question"}),
        )
        .await;
    town.post_status(
        &bob,
        &json!({"status": "@alice try Heatwise", "in_reply_to_id": question["id"]}),
    )
    .await;
    town.post_status(
        &carol,
        &json!({"status": "I found my co-author here #story #individual"}),
    )
    .await;

    // Members only.
    let anonymous = town.get("/api/trellis/v1/network/health", None).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );

    let health = town
        .get("/api/trellis/v1/network/health", Some(&alice.token))
        .await;
    assert_eq!(health.status, StatusCode::OK, "{}", health.body);
    let h = &health.body;
    assert_eq!(h["members"], 4, "{h}");
    assert_eq!(h["active_members"], 3, "{h}");
    let g = &h["graph"];
    assert_eq!(g["nodes"], 6, "{h}");
    assert_eq!(g["local_members"], 4, "{h}");
    assert_eq!(g["ties"], 5, "{h}");
    assert!((g["density"].as_f64().unwrap() - 0.2).abs() < 1e-9, "{h}");
    assert!(
        (g["reciprocity"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-9,
        "{h}"
    );
    assert_eq!(g["core_k"], 2, "{h}");
    assert_eq!(g["core_members"], 3, "{h}");
    assert_eq!(g["periphery_members"], 2, "{h}");
    assert_eq!(g["isolated_members"], 1, "{h}");
    assert_eq!(
        g["ties_across_places"],
        json!({"counted": 1, "across": 1}),
        "{h}"
    );
    assert_eq!(
        g["ties_across_communities"],
        json!({"counted": 1, "across": 0}),
        "{h}"
    );
    assert_eq!(g["ties_to_other_instances"], 2, "{h}");
    assert_eq!(h["exchanges"]["opened"], 1, "{h}");
    assert_eq!(h["exchanges"]["replied"], 1, "{h}");
    assert_eq!(h["exchanges"]["answered"], 0, "{h}");
    assert!(
        h["exchanges"]["median_seconds_to_first_reply"].is_number(),
        "{h}"
    );
    assert_eq!(h["stories"]["individual"], 1, "{h}");

    // The same figures from the command line.
    let (report, _) = town.cli(&["network", "report"]).await;
    assert!(report.contains("Density              0.2000"), "{report}");
    assert!(report.contains("3 people in the 2-core"), "{report}");

    // The map, in three formats and as a picture.
    let (kind, json_map) = fetch(&town, "/api/trellis/v1/network/map", &alice.token).await;
    assert_eq!(kind, "application/json");
    let map: Value = serde_json::from_str(&json_map).unwrap();
    assert_eq!(map["nodes"].as_array().map(Vec::len), Some(6), "{map}");
    let alice_node = map["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["acct"] == "alice")
        .cloned()
        .expect("alice on the map");
    assert_eq!(alice_node["place"], "Ashford");
    assert_eq!(alice_node["roles"], json!(["Energy officer"]));
    assert_eq!(alice_node["communities"], json!(["Officers"]));
    assert_eq!(alice_node["core"], 2);
    let erin_node = map["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["acct"] == erin.acct.as_str())
        .cloned()
        .expect("erin on the map");
    assert_eq!(erin_node["local"], false);
    let kinds: Vec<&str> = map["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in ["follow", "reply", "exchange"] {
        assert!(kinds.contains(&kind), "{kind} missing: {map}");
    }
    let (kind, graphml) = fetch(
        &town,
        "/api/trellis/v1/network/map?format=graphml",
        &alice.token,
    )
    .await;
    assert_eq!(kind, "application/graphml+xml");
    assert_eq!(graphml.matches("<node ").count(), 6, "{graphml}");
    let (kind, gexf) = fetch(
        &town,
        "/api/trellis/v1/network/map?format=gexf",
        &alice.token,
    )
    .await;
    assert_eq!(kind, "application/gexf+xml");
    assert!(gexf.contains(&fay.acct), "{gexf}");
    let (kind, svg) = fetch(&town, "/api/trellis/v1/network/map.svg", &alice.token).await;
    assert_eq!(kind, "image/svg+xml");
    assert_eq!(svg.matches("class=\"member\"").count(), 6, "{svg}");
    let bad = town
        .get("/api/trellis/v1/network/map?format=png", Some(&alice.token))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
}

/// `trellis admin demo-network` fills a fresh server, and only a fresh one.
async fn a_generated_network_is_measured(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let (out, _) = town
        .cli(&["admin", "demo-network", "--members", "30", "--seed", "3"])
        .await;
    assert!(out.starts_with("generated 30 members"), "{out}");
    let (json, _) = town.cli(&["network", "report", "--json"]).await;
    let health: Value = serde_json::from_str(&json).expect("the report is JSON");
    assert_eq!(health["members"], 30, "{health}");
    assert!(health["graph"]["ties"].as_u64().unwrap() > 0, "{health}");
    assert!(
        health["exchanges"]["opened"].as_u64().unwrap() > 0,
        "{health}"
    );
    let (svg, _) = town.cli(&["network", "map", "--format", "svg"]).await;
    assert_eq!(svg.matches("class=\"member\"").count(), 30);

    // The lists page as Mastodon's do: `next` links walk every exchange
    // (the generated posts are public) and every story, newest first.
    let exchanges = walk(&town, "/api/trellis/v1/exchanges?limit=5").await;
    assert_eq!(
        exchanges.len() as u64,
        health["exchanges"]["opened"].as_u64().unwrap(),
        "{exchanges:?}"
    );
    assert!(exchanges.len() > 5, "more than one page: {exchanges:?}");
    let stories = walk(&town, "/api/trellis/v1/stories?limit=3").await;
    assert!(stories.len() > 3, "more than one page: {stories:?}");
    let again = town
        .command_output(&["admin", "demo-network", "--members", "30"])
        .await;
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("has members already"),
        "{again:?}"
    );
}

/// Follows the `next` links of a list from `path` to its end and returns
/// the ids seen, checking they only ever get older.
async fn walk(town: &Instance, path: &str) -> Vec<i64> {
    let client = reqwest::Client::new();
    let mut path = path.to_string();
    let mut seen: Vec<i64> = Vec::new();
    for _ in 0..100 {
        let response = client
            .get(format!("{}{path}", town.base_url()))
            .send()
            .await
            .expect("the list answers");
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let link = response
            .headers()
            .get(reqwest::header::LINK)
            .map(|l| l.to_str().expect("an ASCII Link header").to_string());
        let items: Vec<Value> = response.json().await.expect("a JSON list");
        if items.is_empty() {
            assert_eq!(link, None, "an empty page links nowhere");
            return seen;
        }
        for item in &items {
            let id: i64 = item["id"]
                .as_str()
                .and_then(|i| i.parse().ok())
                .expect("an id");
            assert!(
                seen.last().is_none_or(|last| id < *last),
                "{id} after {seen:?}"
            );
            seen.push(id);
        }
        let link = link.expect("a page with items links to the next");
        assert!(link.ends_with("rel=\"next\""), "{link}");
        let start = link.find("/api/").expect("a link to the API");
        let end = link.find('>').expect("a bracketed link");
        path = link[start..end].to_string();
    }
    panic!("{path}: more than 100 pages");
}

/// The reasons given for `username` among `found`, or `None` when they are
/// not suggested.
fn reasons_for(found: &[Value], username: &str) -> Option<Value> {
    found
        .iter()
        .find(|s| s["account"]["username"] == username)
        .map(|s| s["reasons"].clone())
}

async fn terms_match_however_they_are_written(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let ann = town.create_admin("ann").await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    let dan = town.create_user("dan").await;
    let erin = town.create_user("erin").await;
    practice(
        &town,
        &alice,
        json!({"roles": ["Energy officer"], "place": "Bexley", "needs": ["Grant writing", "procurement"]}),
    )
    .await;
    practice(
        &town,
        &bob,
        json!({"offers": ["grant-writing"], "place": "Bexley"}),
    )
    .await;
    practice(
        &town,
        &carol,
        json!({"roles": ["energy officers"], "place": "Ashford"}),
    )
    .await;
    practice(
        &town,
        &dan,
        json!({"offers": ["grant applications"], "place": "Bexley"}),
    )
    .await;
    practice(
        &town,
        &erin,
        json!({"offers": ["bulk purchasing"], "place": "Bexley"}),
    )
    .await;

    // "grant-writing" meets "Grant writing"; "energy officers" is the same
    // role as "Energy officer", in another place; "grant applications" is
    // only near, and ranks below. Nothing yet says what erin offers is
    // what alice needs.
    let found = suggested(&town, &alice).await;
    let order: Vec<&str> = found
        .iter()
        .map(|s| s["account"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(order, ["bob", "carol", "dan"], "{found:?}");
    assert_eq!(
        found[0]["reasons"],
        json!(["bob offers Grant writing, which you need"])
    );
    assert_eq!(
        found[1]["reasons"],
        json!(["carol has the same role in Ashford: Energy officer"])
    );
    assert_eq!(
        found[2]["reasons"],
        json!(["dan offers grant applications (close to your Grant writing), which you need"])
    );
    assert!(found[2]["score"].as_f64().unwrap() < found[0]["score"].as_f64().unwrap());
    // The need meets the offer from the other side too, in bob's words.
    assert_eq!(
        reasons_for(&suggested(&town, &bob).await, "alice"),
        Some(json!(["alice needs grant-writing, which you offer"]))
    );

    // Mastodon apps get the same people, and no source word that does not
    // apply: none of them is a friend of a friend.
    let v2 = town.get("/api/v2/suggestions", Some(&alice.token)).await;
    assert_eq!(v2.status, StatusCode::OK, "{}", v2.body);
    let v2_order: Vec<&str> = v2
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["account"]["username"].as_str().unwrap())
        .collect();
    assert_eq!(v2_order, order, "{}", v2.body);
    for suggestion in v2.body.as_array().unwrap() {
        assert_eq!(suggestion["sources"], json!([]), "{suggestion}");
        assert_eq!(suggestion["source"], "global", "{suggestion}");
    }

    // The vocabulary: admins only, checked whole, nothing changed on a
    // refusal.
    let empty = town.get(VOCABULARY, None).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    assert_eq!(empty.body, json!({"groups": [], "linked": []}));
    let groups = json!({"groups": [["procurement", "bulk purchasing"]]});
    let member = town.put_json(VOCABULARY, Some(&alice.token), &groups).await;
    assert_eq!(member.status, StatusCode::FORBIDDEN, "{}", member.body);
    let anonymous = town.put_json(VOCABULARY, None, &groups).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    for bad in [
        json!({"groups": [["procurement"]]}),
        json!({"groups": [["heat pump", "Heat-pumps"]]}),
        json!({"groups": [["a", "b"], ["B", "c"]]}),
        json!({"groups": [["x".repeat(101), "y"]]}),
        json!({"groups": [["ok", ""]]}),
        json!({"groups": vec![json!(["a", "b"]); 201]}),
        json!({"groups": "procurement"}),
        json!({"groups": [[1, 2]]}),
        json!({"synonyms": []}),
    ] {
        let refused = town.put_json(VOCABULARY, Some(&ann.token), &bad).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
        assert!(refused.body["error"].is_string(), "{}", refused.body);
    }
    assert_eq!(town.get(VOCABULARY, None).await.body, empty.body);

    let saved = town
        .put_json(
            VOCABULARY,
            Some(&ann.token),
            &json!({"groups": [["  procurement ", "bulk  purchasing", "Procurement"]]}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let expected = json!({"groups": [["procurement", "bulk purchasing"]], "linked": []});
    assert_eq!(saved.body, expected);
    assert_eq!(town.get(VOCABULARY, None).await.body, expected);
    let network = town.get("/api/trellis/v1/network", None).await;
    assert_eq!(
        network.body["vocabulary"],
        json!([["procurement", "bulk purchasing"]]),
        "{}",
        network.body
    );

    // Synonyms match in full.
    assert_eq!(
        reasons_for(&suggested(&town, &alice).await, "erin"),
        Some(json!([
            "erin offers bulk purchasing (your procurement), which you need"
        ]))
    );
}

async fn a_vocabulary_travels_to_linked_networks(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let ann = town.create_admin("ann").await;
    let cat = county.create_admin("cat").await;
    let alice = town.create_user("alice").await;
    let erin = town.create_user("erin").await;
    practice(&town, &alice, json!({"needs": ["procurement"]})).await;
    practice(&town, &erin, json!({"offers": ["bulk purchasing"]})).await;
    assert_eq!(reasons_for(&suggested(&town, &alice).await, "erin"), None);

    // The county's vocabulary, then the town declares the county its
    // parent: the town keeps what the county's network actor publishes.
    let saved = county
        .put_json(
            VOCABULARY,
            Some(&cat.token),
            &json!({"groups": [["procurement", "bulk purchasing"]]}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let parent = format!("network@{}", county.domain());
    let declared = town
        .put_json(
            "/api/trellis/v1/network",
            Some(&ann.token),
            &json!({"parent": parent}),
        )
        .await;
    assert_eq!(declared.status, StatusCode::OK, "{}", declared.body);
    let linked = wait_until(
        "the town to keep the county's vocabulary",
        PATIENCE,
        || async {
            let shown = town.get(VOCABULARY, None).await.body;
            (shown["linked"].as_array().map(Vec::len) == Some(1)).then_some(shown)
        },
    )
    .await;
    assert_eq!(linked["groups"], json!([]), "{linked}");
    assert_eq!(linked["linked"][0]["acct"], parent.as_str(), "{linked}");
    assert_eq!(
        linked["linked"][0]["groups"],
        json!([["procurement", "bulk purchasing"]]),
        "{linked}"
    );

    // The town's matching uses it.
    assert_eq!(
        reasons_for(&suggested(&town, &alice).await, "erin"),
        Some(json!([
            "erin offers bulk purchasing (your procurement), which you need"
        ]))
    );

    // A change at the county reaches the town, which follows it (once the
    // county has the town's Follow: a change before it reaches no one).
    wait_until("the county to list the town", PATIENCE, || async {
        let children = county
            .get("/api/trellis/v1/network/children", None)
            .await
            .body;
        (children.as_array().map(Vec::len) == Some(1)).then_some(())
    })
    .await;
    let changed = county
        .put_json(
            VOCABULARY,
            Some(&cat.token),
            &json!({"groups": [["procurement", "bulk purchasing"], ["CSA", "veg boxes"]]}),
        )
        .await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    wait_until(
        "the county's change to reach the town",
        PATIENCE,
        || async {
            let shown = town.get(VOCABULARY, None).await.body;
            (shown["linked"][0]["groups"].as_array().map(Vec::len) == Some(2)).then_some(())
        },
    )
    .await;

    // And the town's own vocabulary reaches the county, its parent, which
    // lists the town among the linked networks.
    let own = town
        .put_json(
            VOCABULARY,
            Some(&ann.token),
            &json!({"groups": [["retrofit", "home insulation"]]}),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let town_network = format!("network@{}", town.domain());
    wait_until(
        "the county to keep the town's vocabulary",
        PATIENCE,
        || async {
            let shown = county.get(VOCABULARY, None).await.body;
            shown["linked"]
                .as_array()?
                .iter()
                .any(|n| {
                    n["acct"] == town_network.as_str()
                        && n["groups"] == json!([["retrofit", "home insulation"]])
                })
                .then_some(())
        },
    )
    .await;
}
