//! Moderation across real servers, on SQLite and PostgreSQL: reports
//! forwarded as Flags, domain blocks that refuse a server and end follows
//! on both sides, allowlist mode, suspended members, and the admin API's
//! shapes.

use std::time::Duration;

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    a_forwarded_report_arrives_as_a_report_on_the_other_server,
    a_forwarded_report_arrives_as_a_report_on_the_other_server
);
backend_tests!(
    a_suspended_server_is_refused_and_follows_end_on_both_sides,
    a_suspended_server_is_refused_and_follows_end_on_both_sides
);
backend_tests!(
    allowlist_mode_refuses_unlisted_servers,
    allowlist_mode_refuses_unlisted_servers
);
backend_tests!(
    a_suspended_member_cannot_log_in_and_vanishes_elsewhere,
    a_suspended_member_cannot_log_in_and_vanishes_elsewhere
);
backend_tests!(
    the_admin_api_answers_in_mastodons_shapes_and_only_to_admins,
    the_admin_api_answers_in_mastodons_shapes_and_only_to_admins
);

const PATIENCE: Duration = Duration::from_secs(30);

/// Checks `actual` against a fixture written from docs.joinmastodon.org's
/// description of the entity: every documented key is there, and holds
/// the documented JSON type wherever the fixture's value is not null.
fn assert_shape(actual: &Value, fixture: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/mastodon")
        .join(fixture);
    let documented: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .expect("a fixture is JSON");
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    for (key, example) in documented.as_object().expect("a fixture is an object") {
        let value = actual
            .get(key)
            .unwrap_or_else(|| panic!("{fixture}: {key} is missing from {actual}"));
        if !example.is_null() && !value.is_null() {
            assert_eq!(kind(value), kind(example), "{fixture}: {key} in {actual}");
        }
    }
}

/// An admin with a token that holds the admin scopes.
async fn moderator(instance: &Instance, username: &str) -> User {
    let mut admin = instance.create_admin(username).await;
    admin.token = instance
        .admin(&[
            "token",
            username,
            "--scopes",
            "read write follow admin:read admin:write",
        ])
        .await
        .trim()
        .to_string();
    admin
}

async fn local_id(instance: &Instance, user: &User, acct: &str) -> String {
    instance.resolve_account(user, acct).await
}

async fn a_forwarded_report_arrives_as_a_report_on_the_other_server(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    moderator(&town, "townhall").await;
    let shirehall = moderator(&county, "shirehall").await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    town.follow(&alice, &bob.acct).await;
    let post = county
        .post_status(&bob, &json!({"status": "Buy my miracle compost!!!"}))
        .await;
    let seen = town
        .wait_for_home_status(&alice, post["uri"].as_str().unwrap())
        .await;
    let bob_here = local_id(&town, &alice, &bob.acct).await;

    let filed = town
        .post_json(
            "/api/v1/reports",
            Some(&alice.token),
            &json!({
                "account_id": bob_here,
                "status_ids": [seen["id"]],
                "comment": "Advertising in every thread",
                "category": "spam",
                "forward": true,
            }),
        )
        .await;
    assert_eq!(filed.status, StatusCode::OK, "{}", filed.body);
    assert_eq!(filed.body["forwarded"], true);
    assert_eq!(filed.body["category"], "spam");
    assert_eq!(filed.body["target_account"]["id"], bob_here.as_str());
    assert_shape(&filed.body, "report.json");

    let arrived = wait_until("the Flag on the county", PATIENCE, || async {
        let listed = county
            .get("/api/v1/admin/reports", Some(&shirehall.token))
            .await;
        assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
        listed.body.as_array().and_then(|r| r.first().cloned())
    })
    .await;
    assert_shape(&arrived, "admin_report.json");
    assert_shape(&arrived["account"], "admin_account.json");
    assert_eq!(arrived["comment"], "Advertising in every thread");
    assert_eq!(arrived["target_account"]["username"], "bob");
    assert_eq!(arrived["action_taken"], false);
    // The reporter stays unnamed: the town's instance actor speaks.
    assert_ne!(arrived["account"]["username"], "alice");
    let statuses = arrived["statuses"].as_array().expect("statuses");
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0]["uri"], post["uri"]);

    let id = arrived["id"].as_str().unwrap();
    let resolved = county
        .post_json(
            &format!("/api/v1/admin/reports/{id}/resolve"),
            Some(&shirehall.token),
            &Value::Null,
        )
        .await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert_eq!(resolved.body["action_taken"], true);
    let open = county
        .get("/api/v1/admin/reports", Some(&shirehall.token))
        .await;
    assert_eq!(open.body, json!([]));

    // A report that is not forwarded stays here.
    let kept = town
        .post_json(
            "/api/v1/reports",
            Some(&alice.token),
            &json!({"account_id": bob_here, "comment": "Just so you know"}),
        )
        .await;
    assert_eq!(kept.body["forwarded"], false);
    assert_eq!(kept.body["category"], "other");
    let reports = town.admin(&["reports"]).await;
    assert_eq!(reports.lines().count(), 2, "{reports}");
    let refused = town
        .post_json(
            "/api/v1/reports",
            Some(&alice.token),
            &json!({"account_id": bob_here, "category": "gossip"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn a_suspended_server_is_refused_and_follows_end_on_both_sides(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let townhall = moderator(&town, "townhall").await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    town.follow(&alice, &bob.acct).await;
    county.follow(&bob, &alice.acct).await;
    let early = county
        .post_status(&bob, &json!({"status": "Before the block"}))
        .await;
    town.wait_for_home_status(&alice, early["uri"].as_str().unwrap())
        .await;

    let blocked = town
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&townhall.token),
            &json!({"domain": county.domain(), "severity": "suspend",
                    "public_comment": "Spam source", "private_comment": "see report 12"}),
        )
        .await;
    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.body);
    assert_eq!(blocked.body["severity"], "suspend");

    // Here: no follows either way, and what came from there is hidden.
    let alice_here = town
        .get("/api/v1/accounts/lookup?acct=alice", None)
        .await
        .body;
    assert_eq!(alice_here["following_count"], 0);
    assert_eq!(alice_here["followers_count"], 0);
    let home = town.home_timeline(&alice).await;
    assert!(home.iter().all(|s| s["uri"] != early["uri"]), "{home:?}");
    // There: the county hears the follows end.
    wait_until("the county sees the follows end", PATIENCE, || async {
        let bob_there = county
            .get("/api/v1/accounts/lookup?acct=bob", None)
            .await
            .body;
        (bob_there["following_count"] == 0 && bob_there["followers_count"] == 0).then_some(())
    })
    .await;

    // Anything the county sends now is refused before any fetch.
    county
        .post_status(
            &bob,
            &json!({"status": "After the block", "visibility": "public"}),
        )
        .await;
    let mention = county
        .post_status(&bob, &json!({"status": format!("@{} hello?", alice.acct)}))
        .await;
    let refused = wait_until("the town refusing the county", PATIENCE, || async {
        let log = town.logs();
        log.contains("is blocked by this server").then_some(log)
    })
    .await;
    assert!(refused.contains("403"), "{refused}");
    assert!(
        town.home_timeline(&alice)
            .await
            .iter()
            .all(|s| s["uri"] != mention["uri"])
    );
    // Following someone there is refused too.
    let bob_here = town
        .get(
            &format!("/api/v1/accounts/lookup?acct={}", bob.acct),
            Some(&alice.token),
        )
        .await;
    let id = bob_here.body["id"]
        .as_str()
        .expect("bob is known")
        .to_string();
    let follow = town
        .post_json(
            &format!("/api/v1/accounts/{id}/follow"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(follow.status, StatusCode::FORBIDDEN, "{}", follow.body);

    // The block is listed publicly, with its public comment only.
    let listed = town.get("/api/v1/instance/domain_blocks", None).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.body[0]["domain"], county.domain());
    assert_eq!(listed.body[0]["comment"], "Spam source");
    assert!(!listed.body.to_string().contains("report 12"));
    let cli = town.admin(&["domain-block", "list"]).await;
    assert!(cli.contains(&county.domain()), "{cli}");
}

async fn allowlist_mode_refuses_unlisted_servers(backend: Backend) {
    let town =
        Instance::start_with("town", backend, &[("TRELLIS_FEDERATION_MODE", "allowlist")]).await;
    let county = Instance::start("county", backend).await;
    let state = Instance::start("state", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    let carol = state.create_user("carol").await;
    town.admin(&["domain-allow", "add", &county.domain()]).await;

    // A listed server's Follow is accepted…
    county.follow(&bob, &alice.acct).await;
    // …an unlisted one's is refused at the inbox and never accepted.
    let carol_id = state.resolve_account(&carol, &alice.acct).await;
    let asked = state
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/follow"),
            Some(&carol.token),
            &Value::Null,
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    wait_until("the town refusing the state", PATIENCE, || async {
        town.logs()
            .contains("is not on this server's allowlist")
            .then_some(())
    })
    .await;
    let relationship = state
        .get(
            &format!("/api/v1/accounts/relationships?id[]={carol_id}"),
            Some(&carol.token),
        )
        .await;
    assert_eq!(relationship.body[0]["following"], false);
    let followers = town
        .get("/api/v1/accounts/lookup?acct=alice", None)
        .await
        .body["followers_count"]
        .clone();
    assert_eq!(followers, 1);
}

async fn a_suspended_member_cannot_log_in_and_vanishes_elsewhere(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let townhall = moderator(&town, "townhall").await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    county.follow(&bob, &alice.acct).await;
    let post = town
        .post_status(&alice, &json!({"status": "Selling followers, cheap"}))
        .await;
    county
        .wait_for_home_status(&bob, post["uri"].as_str().unwrap())
        .await;

    let alice_id = town
        .get("/api/v1/accounts/lookup?acct=alice", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let acted = town
        .post_json(
            &format!("/api/v1/admin/accounts/{alice_id}/action"),
            Some(&townhall.token),
            &json!({"type": "suspend", "text": "Selling followers"}),
        )
        .await;
    assert_eq!(acted.status, StatusCode::OK, "{}", acted.body);

    // Her token no longer works, the password grant and the log-in page refuse her.
    let refused = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let browser = federation_tests::web::WebClient::new(&town);
    let login = browser
        .submit(
            "/login",
            "/login",
            &[("login", "alice"), ("password", federation_tests::PASSWORD)],
        )
        .await;
    assert_eq!(login.status, StatusCode::FORBIDDEN);
    assert!(login.body.contains("suspended"), "{}", login.body);
    // Her post is gone here…
    let status = town
        .get(
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(status.status, StatusCode::NOT_FOUND, "{}", status.body);
    // …and from the county, which was told to drop her.
    wait_until("the county dropping alice's post", PATIENCE, || async {
        county
            .home_timeline(&bob)
            .await
            .iter()
            .all(|s| s["uri"] != post["uri"])
            .then_some(())
    })
    .await;

    let record = town
        .get(
            &format!("/api/v1/admin/accounts/{alice_id}"),
            Some(&townhall.token),
        )
        .await;
    assert_eq!(record.body["suspended"], true);
    let lifted = town
        .post_json(
            &format!("/api/v1/admin/accounts/{alice_id}/unsuspend"),
            Some(&townhall.token),
            &Value::Null,
        )
        .await;
    assert_eq!(lifted.status, StatusCode::OK, "{}", lifted.body);
    assert_eq!(lifted.body["suspended"], false);
    let back = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(back.status, StatusCode::OK);
}

async fn the_admin_api_answers_in_mastodons_shapes_and_only_to_admins(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let townhall = moderator(&town, "townhall").await;
    let alice = town.create_user("alice").await;

    // A member's token, even one asking for admin scopes, gets nothing.
    let member_admin_token = town
        .admin(&["token", "alice", "--scopes", "read admin:read"])
        .await;
    for token in [alice.token.as_str(), member_admin_token.trim()] {
        let refused = town.get("/api/v1/admin/accounts", Some(token)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    // An admin's token without the admin scopes is refused too.
    let plain = town.create_admin("root").await;
    let refused = town.get("/api/v1/admin/reports", Some(&plain.token)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let listed = town
        .get("/api/v1/admin/accounts?local=true", Some(&townhall.token))
        .await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let alice_row = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == "alice")
        .expect("alice is listed")
        .clone();
    assert_shape(&alice_row, "admin_account.json");
    // Admin::Account, as docs.joinmastodon.org describes it.
    for (key, kind) in [
        ("id", "string"),
        ("username", "string"),
        ("created_at", "string"),
        ("email", "string"),
        ("role", "object"),
        ("confirmed", "bool"),
        ("approved", "bool"),
        ("disabled", "bool"),
        ("silenced", "bool"),
        ("suspended", "bool"),
        ("account", "object"),
        ("ips", "array"),
    ] {
        let value = &alice_row[key];
        let ok = match kind {
            "string" => value.is_string(),
            "object" => value.is_object(),
            "bool" => value.is_boolean(),
            _ => value.is_array(),
        };
        assert!(ok, "{key} should be a {kind}: {alice_row}");
    }
    assert_eq!(alice_row["email"], "alice@example.test");
    assert_eq!(alice_row["account"]["acct"], "alice");
    assert!(alice_row["domain"].is_null());

    let id = alice_row["id"].as_str().unwrap();
    let silenced = town
        .post_json(
            &format!("/api/v1/admin/accounts/{id}/action"),
            Some(&townhall.token),
            &json!({"type": "silence", "text": "Posting too often", "send_email_notification": true}),
        )
        .await;
    assert_eq!(silenced.status, StatusCode::OK, "{}", silenced.body);
    let silenced_list = town
        .get(
            "/api/v1/admin/accounts?silenced=true",
            Some(&townhall.token),
        )
        .await;
    assert_eq!(silenced_list.body.as_array().unwrap().len(), 1);
    // The member was told, by a direct message from the network.
    let told = town
        .get("/api/v1/notifications", Some(&alice.token))
        .await
        .body
        .to_string();
    assert!(told.contains("Posting too often"), "{told}");
    // A limited account reaches only its followers: a mention of someone
    // who does not follow her notifies no one, and her public post stays
    // out of the public timeline.
    let dan = town.create_user("dan").await;
    let erin = town.create_user("erin").await;
    town.follow(&erin, "alice").await;
    let limited = town
        .post_status(&alice, &json!({"status": "@dan @erin buy my compost"}))
        .await;
    let mentioned = |user: &User| {
        let (town, user) = (&town, user.clone());
        async move {
            town.get("/api/v1/notifications", Some(&user.token))
                .await
                .body
                .to_string()
                .contains("buy my compost")
        }
    };
    assert!(mentioned(&erin).await, "a follower is still told");
    assert!(
        !mentioned(&dan).await,
        "someone who does not follow her is not"
    );
    let public = town.get("/api/v1/timelines/public", None).await.body;
    assert!(
        public
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["id"] != limited["id"]),
        "{public}"
    );
    let bad = town
        .post_json(
            &format!("/api/v1/admin/accounts/{id}/action"),
            Some(&townhall.token),
            &json!({"type": "banish"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Domain blocks: create, read, change, delete, in Admin::DomainBlock's shape.
    let created = town
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&townhall.token),
            &json!({"domain": "https://Spam.Example/"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_shape(&created.body, "admin_domain_block.json");
    assert_eq!(created.body["domain"], "spam.example");
    assert_eq!(created.body["severity"], "silence");
    for key in ["id", "digest", "created_at"] {
        assert!(created.body[key].is_string(), "{key}: {}", created.body);
    }
    assert!(created.body["reject_media"].is_boolean());
    let block = created.body["id"].as_str().unwrap();
    let changed = town
        .put_json(
            &format!("/api/v1/admin/domain_blocks/{block}"),
            Some(&townhall.token),
            &json!({"severity": "suspend", "reject_media": true}),
        )
        .await;
    assert_eq!(changed.body["severity"], "suspend");
    assert_eq!(changed.body["domain"], "spam.example");
    let gone = town
        .delete(
            &format!("/api/v1/admin/domain_blocks/{block}"),
            Some(&townhall.token),
        )
        .await;
    assert_eq!(gone.status, StatusCode::OK);
    let none = town
        .get("/api/v1/admin/domain_blocks", Some(&townhall.token))
        .await;
    assert_eq!(none.body, json!([]));
    let bad_domain = town
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&townhall.token),
            &json!({"domain": "not a domain"}),
        )
        .await;
    assert_eq!(bad_domain.status, StatusCode::UNPROCESSABLE_ENTITY);
    let itself = town
        .post_json(
            "/api/v1/admin/domain_blocks",
            Some(&townhall.token),
            &json!({"domain": town.domain(), "severity": "suspend"}),
        )
        .await;
    assert_eq!(itself.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Hostile input to the new endpoints: a 4xx on either database, and
    // nothing stored.
    let long = "x".repeat(10_000);
    for (path, token, body) in [
        (
            "/api/v1/admin/domain_blocks",
            &townhall.token,
            json!({"domain": "a\0b.example"}),
        ),
        (
            "/api/v1/admin/domain_blocks",
            &townhall.token,
            json!({"domain": long}),
        ),
        (
            "/api/v1/admin/domain_blocks",
            &townhall.token,
            json!({"domain": "ok.example", "public_comment": long}),
        ),
        (
            "/api/v1/admin/domain_blocks",
            &townhall.token,
            json!({"domain": "<script>x</script>.example"}),
        ),
        (
            "/api/v1/domain_blocks",
            &alice.token,
            json!({"domain": long}),
        ),
        (
            "/api/v1/reports",
            &townhall.token,
            json!({"account_id": id, "comment": long}),
        ),
        (
            "/api/v1/reports",
            &townhall.token,
            json!({"account_id": id, "comment": "a\0b"}),
        ),
        (
            &format!("/api/v1/admin/accounts/{id}/action"),
            &townhall.token,
            json!({"type": "none", "text": long}),
        ),
    ] {
        let answer = town.post_json(path, Some(token), &body).await;
        assert!(
            answer.status.is_client_error(),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
    }
    assert_eq!(
        town.get("/api/v1/admin/domain_blocks", Some(&townhall.token))
            .await
            .body,
        json!([])
    );
    let reports = town
        .get("/api/v1/admin/reports", Some(&townhall.token))
        .await;
    assert_eq!(reports.body, json!([]));
    let allowed = town
        .post_json(
            "/api/v1/admin/domain_allows",
            Some(&townhall.token),
            &json!({"domain": "county.example"}),
        )
        .await;
    assert_shape(&allowed.body, "admin_domain_allow.json");
    assert_eq!(allowed.body["domain"], "county.example");
    let allows = town
        .get("/api/v1/admin/domain_allows", Some(&townhall.token))
        .await;
    assert_eq!(allows.body.as_array().unwrap().len(), 1);
}

backend_tests!(
    a_member_blocks_a_whole_server,
    a_member_blocks_a_whole_server
);

async fn a_member_blocks_a_whole_server(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    town.follow(&alice, &bob.acct).await;
    county.follow(&bob, &alice.acct).await;
    let bob_here = local_id(&town, &alice, &bob.acct).await;

    let blocked = town
        .post_form(
            "/api/v1/domain_blocks",
            Some(&alice.token),
            &[("domain", &county.domain())],
        )
        .await;
    assert_eq!(blocked.status, StatusCode::OK, "{}", blocked.body);
    let listed = town.get("/api/v1/domain_blocks", Some(&alice.token)).await;
    assert_eq!(listed.body, json!([county.domain()]));
    let relationship = town
        .get(
            &format!("/api/v1/accounts/relationships?id[]={bob_here}"),
            Some(&alice.token),
        )
        .await;
    assert_eq!(relationship.body[0]["domain_blocking"], true);
    assert_eq!(relationship.body[0]["followed_by"], false);
    // The county hears that bob no longer follows her.
    wait_until("bob's follow ending", PATIENCE, || async {
        let bob_there = county
            .get("/api/v1/accounts/lookup?acct=bob", None)
            .await
            .body;
        (bob_there["following_count"] == 0).then_some(())
    })
    .await;

    // Nothing from there reaches her: not his posts, not his mentions.
    let post = county
        .post_status(
            &bob,
            &json!({"status": format!("@{} are you there?", alice.acct)}),
        )
        .await;
    let other = town.create_user("carol").await;
    town.follow(&other, &bob.acct).await;
    let later = county
        .post_status(&bob, &json!({"status": "Seen by carol"}))
        .await;
    town.wait_for_home_status(&other, later["uri"].as_str().unwrap())
        .await;
    let home = town.home_timeline(&alice).await;
    assert!(
        home.iter()
            .all(|s| s["uri"] != post["uri"] && s["uri"] != later["uri"])
    );
    let notifications = town
        .get("/api/v1/notifications", Some(&alice.token))
        .await
        .body
        .to_string();
    assert!(!notifications.contains("are you there"), "{notifications}");

    let unblocked = town
        .delete(
            &format!("/api/v1/domain_blocks?domain={}", county.domain()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(unblocked.status, StatusCode::OK);
    assert_eq!(
        town.get("/api/v1/domain_blocks", Some(&alice.token))
            .await
            .body,
        json!([])
    );
}

backend_tests!(
    admins_moderate_from_the_command_line,
    admins_moderate_from_the_command_line
);

async fn admins_moderate_from_the_command_line(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    // Two sign-ups wait for approval (the default registration mode).
    for name in ["dora", "eve"] {
        let browser = federation_tests::web::WebClient::new(&town);
        let page = browser
            .submit(
                "/signup",
                "/signup",
                &[
                    ("username", name),
                    ("email", &format!("{name}@example.test")),
                    ("password", federation_tests::PASSWORD),
                    ("reason", "I mend bicycles"),
                    ("agreement", "on"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    }
    let pending = town.admin(&["users", "--pending"]).await;
    assert_eq!(pending.lines().count(), 2, "{pending}");
    assert!(pending.contains("dora") && pending.contains("I mend bicycles"));
    let (_, said) = town
        .cli(&["admin", "reject", "eve", "--message", "Not a mender"])
        .await;
    assert!(said.contains("turned down"), "{said}");
    let pending = town.admin(&["users", "--pending"]).await;
    assert!(!pending.contains("eve"), "{pending}");

    let users = town.admin(&["users"]).await;
    let alice_line = users
        .lines()
        .find(|l| l.starts_with("alice\t"))
        .expect("alice is listed");
    assert!(alice_line.ends_with("active"), "{alice_line}");

    let password = town.admin(&["reset-password", "alice"]).await;
    let password = password.trim();
    assert!(password.len() >= 16, "{password}");
    federation_tests::web::WebClient::new(&town)
        .log_in("alice", password)
        .await;

    town.cli(&["admin", "suspend", "alice", "--reason", "Spam"])
        .await;
    let refused = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let users = town.admin(&["users"]).await;
    assert!(
        users.contains("alice@example.test\tmember\tsuspended"),
        "{users}"
    );
    town.cli(&["admin", "unsuspend", "alice"]).await;
    let back = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await;
    assert_eq!(back.status, StatusCode::OK);

    town.cli(&[
        "admin",
        "domain-block",
        "add",
        "spam.example",
        "--severity",
        "silence",
        "--public-comment",
        "Noisy",
    ])
    .await;
    let blocks = town.admin(&["domain-block", "list"]).await;
    assert_eq!(blocks.trim(), "spam.example\tsilence\t-\tNoisy");
    let bad = town
        .command_output(&[
            "admin",
            "domain-block",
            "add",
            "x y",
            "--severity",
            "suspend",
        ])
        .await;
    assert!(!bad.status.success());
    town.cli(&["admin", "domain-block", "remove", "spam.example"])
        .await;
    assert_eq!(town.admin(&["domain-block", "list"]).await.trim(), "");
    town.cli(&["admin", "domain-allow", "add", "county.example"])
        .await;
    assert_eq!(
        town.admin(&["domain-allow", "list"]).await.trim(),
        "county.example"
    );
    assert_eq!(town.admin(&["reports"]).await.trim(), "");
}

backend_tests!(
    community_moderators_remove_and_ban_across_servers,
    community_moderators_remove_and_ban_across_servers
);

/// FEP-1b12: a community's moderator removes one member and bans another,
/// who is on another server; that server honours the ban.
async fn community_moderators_remove_and_ban_across_servers(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let townhall = town.create_admin("townhall").await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    let created = town
        .post_json(
            "/api/trellis/v1/communities",
            Some(&townhall.token),
            &json!({"name": "growers", "display_name": "Growers"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let community = format!("growers@{}", town.domain());
    town.follow(&alice, "growers").await;
    let group_there = county.follow(&bob, &community).await;

    let alice_id = town
        .get("/api/v1/accounts/lookup?acct=alice", None)
        .await
        .body["id"]
        .as_str()
        .unwrap()
        .to_string();
    let bob_here = town.resolve_account(&alice, &bob.acct).await;
    // Only moderators may.
    let refused = town
        .post_json(
            &format!("/api/trellis/v1/communities/growers/members/{bob_here}/ban"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);

    let removed = town
        .post_json(
            &format!("/api/trellis/v1/communities/growers/members/{alice_id}/remove"),
            Some(&townhall.token),
            &Value::Null,
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    let banned = town
        .post_json(
            &format!("/api/trellis/v1/communities/growers/members/{bob_here}/ban"),
            Some(&townhall.token),
            &Value::Null,
        )
        .await;
    assert_eq!(banned.status, StatusCode::OK, "{}", banned.body);
    let members = town
        .get("/api/trellis/v1/communities/growers", None)
        .await
        .body;
    assert_eq!(members["members_count"], 1, "{members}");

    // The county honours the ban: bob is no longer a member there, and
    // cannot join again.
    wait_until("the county honouring the ban", PATIENCE, || async {
        let relationship = county
            .get(
                &format!("/api/v1/accounts/relationships?id[]={group_there}"),
                Some(&bob.token),
            )
            .await;
        (relationship.body[0]["following"] == false).then_some(())
    })
    .await;
    let again = county
        .post_json(
            &format!("/api/v1/accounts/{group_there}/follow"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
    // A removed member may come back; a banned one's posts are not shared.
    let back = town
        .post_json(
            &format!(
                "/api/v1/accounts/{}/follow",
                town.resolve_account(&alice, "growers").await
            ),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
}
