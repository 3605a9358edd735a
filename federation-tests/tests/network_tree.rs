//! Networks of networks: two towns, a county and a state, each its own
//! server. Each town shares its report with its parent; the county keeps
//! the towns' reports and passes them up with its own, so the state sees
//! every town without talking to one. A town that stops sharing drops out
//! of the totals; peer networks link by their admins' agreement and
//! exchange their reports.

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    a_state_sees_every_town_through_its_county,
    a_state_sees_every_town_through_its_county
);
backend_tests!(
    peer_networks_link_by_agreement_and_exchange_reports,
    peer_networks_link_by_agreement_and_exchange_reports
);

const NETWORK: &str = "/api/trellis/v1/network";
const TREE: &str = "/api/trellis/v1/network/tree";
const LINKS: &str = "/api/trellis/v1/network/links";
const REFRESH: &str = "/api/trellis/v1/network/report/refresh";
const PATIENCE: Duration = Duration::from_secs(45);

/// Names the network on `instance` and, when given, its parent.
async fn describe(
    instance: &Instance,
    admin: &User,
    name: &str,
    level: &str,
    parent: Option<&Instance>,
) {
    let mut body = json!({"name": name, "place": name, "level": level});
    if let Some(parent) = parent {
        body["parent"] = json!(format!("network@{}", parent.domain()));
    }
    let saved = instance.put_json(NETWORK, Some(&admin.token), &body).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
}

/// The branch named `name` anywhere in `tree`.
fn find<'a>(branch: &'a Value, name: &str) -> Option<&'a Value> {
    if branch["name"] == name {
        return Some(branch);
    }
    branch["children"]
        .as_array()?
        .iter()
        .find_map(|child| find(child, name))
}

fn members_of(tree: &Value, name: &str) -> Option<u64> {
    find(&tree["root"], name)?["report"]["members"].as_u64()
}

async fn a_state_sees_every_town_through_its_county(backend: Backend) {
    let state = Instance::start("state", backend).await;
    let county = Instance::start("county", backend).await;
    let ashford = Instance::start("ashford", backend).await;
    let brookfield = Instance::start("brookfield", backend).await;
    let state_admin = state.create_admin("sally").await;
    let county_admin = county.create_admin("cora").await;
    let ashford_admin = ashford.create_admin("ann").await;
    let brookfield_admin = brookfield.create_admin("bert").await;

    describe(&state, &state_admin, "Cascadia", "state", None).await;
    describe(
        &county,
        &county_admin,
        "Kent County",
        "county",
        Some(&state),
    )
    .await;
    describe(&ashford, &ashford_admin, "Ashford", "town", Some(&county)).await;
    describe(
        &brookfield,
        &brookfield_admin,
        "Brookfield",
        "town",
        Some(&county),
    )
    .await;

    // Ashford has two more members and a public benefit story; Brookfield
    // one more member.
    let ada = ashford.create_user("ada").await;
    ashford.create_user("abe").await;
    brookfield.create_user("bea").await;
    ashford
        .post_status(
            &ada,
            &json!({"status": "The network found us a co-author for the grant #story #jointwork", "visibility": "public"}),
        )
        .await;

    // Every network measures now rather than tomorrow, and sends.
    for (town, admin) in [
        (&state, &state_admin),
        (&county, &county_admin),
        (&ashford, &ashford_admin),
        (&brookfield, &brookfield_admin),
    ] {
        let refreshed = town
            .post_json(REFRESH, Some(&admin.token), &json!({}))
            .await;
        assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
        assert_eq!(refreshed.body["shared"], true, "{}", refreshed.body);
    }

    // The state sees both towns inside the county, with their figures.
    let tree = wait_until("both towns' reports on the state", PATIENCE, || async {
        let tree = state.get(TREE, Some(&state_admin.token)).await.body;
        (members_of(&tree, "Ashford") == Some(3)
            && members_of(&tree, "Brookfield") == Some(2)
            && members_of(&tree, "Kent County") == Some(1))
        .then_some(tree)
    })
    .await;
    let root = &tree["root"];
    assert_eq!(root["name"], "Cascadia", "{tree}");
    let county_branch = &root["children"][0];
    assert_eq!(county_branch["name"], "Kent County", "{tree}");
    assert_eq!(county_branch["level"], "county");
    assert_eq!(
        county_branch["children"].as_array().unwrap().len(),
        2,
        "{tree}"
    );
    let ashford_branch = find(root, "Ashford").unwrap();
    assert_eq!(ashford_branch["level"], "town");
    assert_eq!(ashford_branch["shared"], true);
    assert!(
        ashford_branch["age_seconds"].as_i64().unwrap() < 300,
        "{tree}"
    );
    let report = &ashford_branch["report"];
    assert_eq!(
        report["stories"]["by_dimension"]["joint_work"], 1,
        "{report}"
    );
    let story = &report["stories"]["public"][0];
    assert!(
        story["excerpt"].as_str().unwrap().contains("co-author"),
        "{report}"
    );
    assert_eq!(story["dimensions"], json!(["joint_work"]));
    // Aggregates only: no handle of a member travels in a report.
    assert!(!tree.to_string().contains("ada@"), "{tree}");
    let totals = &tree["totals"];
    assert_eq!(totals["networks"], 4, "{totals}");
    assert_eq!(totals["shared"], 4, "{totals}");
    // Each server's admin and the people above: state 1, county 1,
    // Ashford 3, Brookfield 2.
    assert_eq!(totals["members"], 7, "{totals}");

    // The command line prints the same tree.
    let (printed, _) = state.cli(&["network", "tree"]).await;
    // Shown with --nocapture: what a state's admin reads.
    println!("{printed}");
    for name in ["Cascadia", "Kent County", "Ashford", "Brookfield"] {
        assert!(printed.contains(name), "{name} missing from:\n{printed}");
    }
    assert!(
        printed.contains("4 networks, 4 sharing; 7 members"),
        "{printed}"
    );

    // The report is not for anyone who asks: unsigned, it is refused.
    let report_url = format!("{}/users/network/report", ashford.base_url());
    let unsigned = reqwest::Client::new()
        .get(&report_url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::UNAUTHORIZED);
    // A member of the state cannot read the tree without a token.
    assert_eq!(state.get(TREE, None).await.status, StatusCode::UNAUTHORIZED);

    // Brookfield stops sharing: the county and the state drop its figures
    // but still name it.
    let stopped = brookfield
        .put_json(
            NETWORK,
            Some(&brookfield_admin.token),
            &json!({"share_report": "none"}),
        )
        .await;
    assert_eq!(stopped.status, StatusCode::OK, "{}", stopped.body);
    assert_eq!(stopped.body["share_report"], "none");
    for (server, token, networks, members) in [
        (&county, &county_admin.token, 3, 4),
        (&state, &state_admin.token, 4, 5),
    ] {
        let tree = wait_until("Brookfield gone from the totals", PATIENCE, || async {
            let tree = server.get(TREE, Some(token)).await.body;
            (find(&tree["root"], "Brookfield")?["shared"] == false).then_some(tree)
        })
        .await;
        assert_eq!(
            find(&tree["root"], "Brookfield").unwrap()["report"],
            Value::Null
        );
        assert_eq!(tree["totals"]["networks"], networks, "{tree}");
        assert_eq!(tree["totals"]["shared"], networks - 1, "{tree}");
        assert_eq!(tree["totals"]["members"], members, "{tree}");
    }

    // Shared publicly, anyone may read the report, without the branch.
    let public = ashford
        .put_json(
            NETWORK,
            Some(&ashford_admin.token),
            &json!({"share_report": "public"}),
        )
        .await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.body);
    let object: Value = reqwest::Client::new()
        .get(&report_url)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(object["type"], "trellis:NetworkReport", "{object}");
    assert_eq!(object["trellis:branch"]["report"]["members"], 3, "{object}");
    assert_eq!(object["trellis:branch"]["children"], json!([]));
}

async fn peer_networks_link_by_agreement_and_exchange_reports(backend: Backend) {
    let ashford = Instance::start("ashford", backend).await;
    let brookfield = Instance::start("brookfield", backend).await;
    let ann = ashford.create_admin("ann").await;
    let bert = brookfield.create_admin("bert").await;
    let member = ashford.create_user("ada").await;
    brookfield.create_user("bea").await;
    describe(&ashford, &ann, "Ashford", "town", None).await;
    describe(&brookfield, &bert, "Brookfield", "town", None).await;
    let brookfield_network = format!("network@{}", brookfield.domain());
    let ashford_network = format!("network@{}", ashford.domain());

    // Only admins ask; a name that is no network is refused.
    let by_member = ashford
        .post_json(
            LINKS,
            Some(&member.token),
            &json!({"target": brookfield_network}),
        )
        .await;
    assert_eq!(
        by_member.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_member.body
    );
    let person = ashford
        .post_json(
            LINKS,
            Some(&ann.token),
            &json!({"target": format!("bert@{}", brookfield.domain())}),
        )
        .await;
    assert_eq!(
        person.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        person.body
    );

    let asked = ashford
        .post_json(
            LINKS,
            Some(&ann.token),
            &json!({"target": brookfield_network}),
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    assert_eq!(asked.body["relation"], "peer");
    assert_eq!(asked.body["state"], "pending_out");

    // Brookfield's admins see the request; members and visitors do not.
    wait_until("the request on Brookfield", PATIENCE, || async {
        let links = brookfield.get(LINKS, Some(&bert.token)).await.body;
        (links[0]["state"] == "pending_in" && links[0]["acct"] == ashford_network.as_str())
            .then_some(())
    })
    .await;
    assert_eq!(brookfield.get(LINKS, None).await.body, json!([]));

    // Both share with linked networks; then Brookfield accepts.
    for (server, admin) in [(&ashford, &ann), (&brookfield, &bert)] {
        let shared = server
            .put_json(
                NETWORK,
                Some(&admin.token),
                &json!({"share_report": "linked"}),
            )
            .await;
        assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    }
    let accepted = brookfield
        .post_json(
            &format!("{LINKS}/{ashford_network}/accept"),
            Some(&bert.token),
            &json!({}),
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    assert_eq!(accepted.body[0]["state"], "active", "{}", accepted.body);

    // Each now holds the other's report, beside its own tree.
    for (server, admin, other, members) in [
        (&ashford, &ann, "Brookfield", 2),
        (&brookfield, &bert, "Ashford", 2),
    ] {
        let tree = wait_until("the peer's report", PATIENCE, || async {
            let tree = server.get(TREE, Some(&admin.token)).await.body;
            let peer = tree["peers"].as_array()?.first()?.clone();
            (peer["name"] == other && peer["shared"] == true).then_some(tree)
        })
        .await;
        assert_eq!(tree["peers"][0]["report"]["members"], members, "{tree}");
        // Peers are beside the tree, not counted in it.
        assert_eq!(tree["totals"]["networks"], 1, "{tree}");
    }

    // Ashford ends the link: both forget it and what was shared.
    let ended = ashford
        .delete(&format!("{LINKS}/{brookfield_network}"), Some(&ann.token))
        .await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.body, json!([]));
    wait_until("the link gone on Brookfield", PATIENCE, || async {
        let links = brookfield.get(LINKS, Some(&bert.token)).await.body;
        let tree = brookfield.get(TREE, Some(&bert.token)).await.body;
        (links == json!([]) && tree["peers"] == json!([])).then_some(())
    })
    .await;
}

backend_tests!(
    the_history_keeps_a_snapshot_each_interval,
    the_history_keeps_a_snapshot_each_interval
);

async fn the_history_keeps_a_snapshot_each_interval(backend: Backend) {
    // A snapshot a second, so that two are taken within the test.
    let town = Instance::start_with(
        "town",
        backend,
        &[("TRELLIS_NETWORK_REPORT_INTERVAL_SECONDS", "1")],
    )
    .await;
    let admin = town.create_admin("ann").await;
    let history = "/api/trellis/v1/network/health/history";
    let first = wait_until("a snapshot with one member", PATIENCE, || async {
        let body = town.get(history, Some(&admin.token)).await.body;
        let last = body["snapshots"].as_array()?.last()?.clone();
        (last["report"]["members"] == 1).then_some(last)
    })
    .await;
    town.create_user("ada").await;
    town.create_user("abe").await;
    let body = wait_until("a later snapshot with three", PATIENCE, || async {
        let body = town.get(history, Some(&admin.token)).await.body;
        let last = body["snapshots"].as_array()?.last()?.clone();
        (last["report"]["members"] == 3).then_some(body)
    })
    .await;
    let snapshots = body["snapshots"].as_array().unwrap();
    assert!(snapshots.len() >= 2, "{body}");
    assert!(snapshots.iter().any(|s| s["taken_at"] == first["taken_at"]));
    let trends = body["trends"].to_string();
    assert!(trends.contains("more members than"), "{body}");

    // A window is a window; a backwards one or a bad date is refused.
    let past = town
        .get(
            &format!("{history}?from=2020-01-01&to=2020-12-31"),
            Some(&admin.token),
        )
        .await;
    assert_eq!(past.status, StatusCode::OK);
    assert_eq!(past.body["snapshots"], json!([]));
    for bad in [
        "?from=2026-12-31&to=2026-01-01",
        "?from=yesterday",
        "?from=0001-01-01",
        "?to=+262143-12-31T23:59:59Z",
    ] {
        let refused = town
            .get(&format!("{history}{bad}"), Some(&admin.token))
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
    }
    assert_eq!(
        town.get(history, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Members see the tree and the trends on /network.
    let web = federation_tests::web::WebClient::new(&town);
    web.log_in("ada", federation_tests::PASSWORD).await;
    let page = web.get("/network").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("more members than"), "{}", page.body);
    assert!(
        page.body
            .contains("No network is linked with this one yet.")
    );
}

backend_tests!(
    a_networks_own_tree_shows_it_as_it_is,
    a_networks_own_tree_shows_it_as_it_is
);

/// The report a network keeps is measured daily, but its own tree and
/// report pages show it as the map sees it now.
async fn a_networks_own_tree_shows_it_as_it_is(backend: Backend) {
    let town = Instance::start("town", backend).await;
    // The report measured as the server started counts no one yet.
    wait_until("the report measured at start", PATIENCE, || async {
        town.logs()
            .contains("measured the network for its report")
            .then_some(())
    })
    .await;
    let admin = town.create_admin("ann").await;
    town.create_user("ada").await;
    let tree = town.get(TREE, Some(&admin.token)).await.body;
    assert_eq!(tree["root"]["report"]["members"], 2, "{tree}");
    assert_eq!(tree["totals"]["members"], 2, "{tree}");
    let own = town
        .get("/api/trellis/v1/network/report", Some(&admin.token))
        .await
        .body;
    assert_eq!(own["report"]["members"], 2, "{own}");
}

backend_tests!(
    the_measurement_at_start_is_the_first_map,
    the_measurement_at_start_is_the_first_map
);

/// With `warm_network_map` on, as it is outside the tests, the network
/// measured as the server starts is the cached map, so the first request
/// does not wait for a load of its own: it answers from that measurement.
async fn the_measurement_at_start_is_the_first_map(backend: Backend) {
    let town = Instance::start_with("town", backend, &[("TRELLIS_WARM_NETWORK_MAP", "true")]).await;
    wait_until("the measurement at start", PATIENCE, || async {
        town.logs()
            .contains("measured the network for its report")
            .then_some(())
    })
    .await;
    // Ann joins after it: the map measured at start does not count her.
    let admin = town.create_admin("ann").await;
    let health = town
        .get("/api/trellis/v1/network/health", Some(&admin.token))
        .await
        .body;
    assert_eq!(health["members"], 0, "{health}");
}
