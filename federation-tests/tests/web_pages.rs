//! Trellis's own pages, driven over HTTP as a browser would (the Chromium
//! suite in `browser_journeys.rs` covers whole journeys): CSRF on every
//! form, admin pages for admins only, sessions shared by processes and
//! ended everywhere, sign-ups waiting for approval, escaping of everything
//! members write, content negotiation, HTML errors and paging.

use federation_tests::{
    Backend, Instance, PASSWORD, backend_tests,
    web::{Page, WebClient},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    forms_refuse_a_missing_or_wrong_csrf_token,
    forms_refuse_a_missing_or_wrong_csrf_token
);
backend_tests!(admin_pages_are_for_admins, admin_pages_are_for_admins);
backend_tests!(
    what_members_write_is_escaped_on_every_page,
    what_members_write_is_escaped_on_every_page
);
backend_tests!(
    sessions_end_everywhere_on_log_out_and_password_change,
    sessions_end_everywhere_on_log_out_and_password_change
);
backend_tests!(
    sign_ups_wait_for_approval_or_are_turned_down,
    sign_ups_wait_for_approval_or_are_turned_down
);
backend_tests!(
    open_sign_ups_log_in_at_once_and_closed_ones_refuse,
    open_sign_ups_log_in_at_once_and_closed_ones_refuse
);
backend_tests!(
    pages_negotiate_content_and_fail_as_html,
    pages_negotiate_content_and_fail_as_html
);
backend_tests!(lists_page_through_everything, lists_page_through_everything);
backend_tests!(
    members_post_answer_and_join_from_the_pages,
    members_post_answer_and_join_from_the_pages
);
backend_tests!(logging_in_is_rate_limited, logging_in_is_rate_limited);

async fn account_id(instance: &Instance, username: &str) -> String {
    let found = instance
        .get(&format!("/api/v1/accounts/lookup?acct={username}"), None)
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    found.body["id"].as_str().expect("account id").to_string()
}

async fn practice_of(instance: &Instance, username: &str) -> Value {
    let id = account_id(instance, username).await;
    instance
        .get(&format!("/api/trellis/v1/accounts/{id}/practice"), None)
        .await
        .body
}

fn assert_refused(page: &Page, what: &str) {
    assert_eq!(page.status, StatusCode::FORBIDDEN, "{what}: {}", page.body);
    assert!(
        page.content_type.starts_with("text/html"),
        "{what} answered {}",
        page.content_type
    );
    assert!(page.body.contains("did not come from this site"), "{what}");
}

async fn forms_refuse_a_missing_or_wrong_csrf_token(backend: Backend) {
    let town = Instance::start("town", backend).await;
    town.create_user("alice").await;
    let admin = town.create_admin("root").await;
    let alice = WebClient::new(&town);

    // Before logging in: the log-in form itself needs the token.
    let refused = alice
        .post(
            "/login",
            &[
                ("login", "alice"),
                ("password", PASSWORD),
                ("next", "/home"),
            ],
        )
        .await;
    assert_refused(&refused, "log-in without a token");
    assert_eq!(
        alice.get("/home").await.location.as_deref(),
        Some("/login?next=%2Fhome")
    );

    alice.log_in("alice", PASSWORD).await;
    let practice = [("roles", "Facilitator"), ("place", "Ashford")];
    assert_refused(
        &alice.post("/settings/practice", &practice).await,
        "practice without a token",
    );
    let mut wrong = vec![("csrf", "not-the-token")];
    wrong.extend_from_slice(&practice);
    assert_refused(
        &alice.post("/settings/practice", &wrong).await,
        "a wrong token",
    );
    assert_eq!(practice_of(&town, "alice").await["roles"], json!([]));

    let statuses_before = town
        .get("/api/v1/accounts/lookup?acct=alice", None)
        .await
        .body["statuses_count"]
        .clone();
    assert_refused(
        &alice
            .post("/statuses", &[("csrf", "x"), ("status", "Sneaky post")])
            .await,
        "a post with a wrong token",
    );
    assert_eq!(
        town.get("/api/v1/accounts/lookup?acct=alice", None)
            .await
            .body["statuses_count"],
        statuses_before
    );

    // A token from another visitor's session is no good either.
    let root = WebClient::new(&town);
    root.log_in("root", PASSWORD).await;
    let alices_token = alice.get("/home").await.csrf();
    let network_before = town.get("/api/trellis/v1/network", None).await.body;
    assert_refused(
        &root
            .post(
                "/admin/network",
                &[("csrf", &alices_token), ("name", "Taken over")],
            )
            .await,
        "another session's token",
    );
    assert_eq!(
        town.get("/api/trellis/v1/network", None).await.body,
        network_before
    );

    // With the page's own token the change goes through, and apps see it.
    let saved = alice
        .submit(
            "/settings/practice",
            "/settings/practice",
            &[
                ("roles", "Facilitator\r\nOrganiser"),
                ("organization", "Vale Co-op"),
                ("place", "Ashford"),
                ("interests", ""),
                ("offers", "Grant writing"),
                ("needs", "Composting workshops"),
            ],
        )
        .await;
    assert!(saved.is_redirect_to("/settings/practice"), "{saved:?}");
    let practice = practice_of(&town, "alice").await;
    assert_eq!(practice["roles"], json!(["Facilitator", "Organiser"]));
    assert_eq!(practice["needs"], json!(["Composting workshops"]));
    let credentials = town
        .get("/api/v1/accounts/lookup?acct=alice", Some(&admin.token))
        .await;
    let fields = credentials.body["fields"].to_string();
    assert!(
        fields.contains("Organiser") && fields.contains("Vale Co-op"),
        "{fields}"
    );
    let page = alice.get("/settings/practice?done=saved").await;
    assert!(page.body.contains("Saved."), "{}", page.body);
    assert!(page.body.contains("Facilitator\nOrganiser"));
}

async fn admin_pages_are_for_admins(backend: Backend) {
    let town = Instance::start("town", backend).await;
    town.create_user("alice").await;
    town.create_admin("root").await;

    let visitor = WebClient::new(&town);
    for path in [
        "/admin",
        "/admin/network",
        "/admin/registrations",
        "/admin/members",
        "/admin/federation",
        "/admin/communities",
    ] {
        let page = visitor.get(path).await;
        assert!(page.is_redirect_to("/login?next="), "{path}: {page:?}");
    }

    let alice = WebClient::new(&town);
    alice.log_in("alice", PASSWORD).await;
    let page = alice.get("/admin/network").await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.content_type.starts_with("text/html"));
    let token = alice.get("/home").await.csrf();
    let refused = alice
        .post(
            "/admin/network",
            &[("csrf", &token), ("name", "Alice's network")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_ne!(
        town.get("/api/trellis/v1/network", None).await.body["name"],
        "Alice's network"
    );
    let refused = alice
        .post("/admin/members/1/make_admin", &[("csrf", &token)])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let root = WebClient::new(&town);
    root.log_in("root", PASSWORD).await;
    let saved = root
        .submit(
            "/admin/network",
            "/admin/network",
            &[
                ("name", "Ashford Vale Network"),
                ("summary", "Local sustainability practitioners"),
                ("place", "Ashford Vale"),
                ("level", "town"),
                ("type", "connectivity"),
                ("parent", ""),
                ("share_report", "linked"),
                ("purpose", "Learn from each other"),
                ("membership", "Anyone working on it"),
                ("value_proposition", ""),
                ("coordination", ""),
                ("resources", ""),
                ("governance", "A monthly circle"),
                ("assessment", ""),
                (
                    "operating_principles",
                    "Share what failed too\r\nAnswer when you can",
                ),
            ],
        )
        .await;
    assert!(saved.is_redirect_to("/admin/network"), "{saved:?}");
    let home = visitor.get("/").await;
    for text in [
        "Ashford Vale Network",
        "A monthly circle",
        "Share what failed too",
        "Answer when you can",
    ] {
        assert!(home.body.contains(text), "{text} is not on /");
    }
    assert_eq!(
        town.get("/api/trellis/v1/network", None).await.body["share_report"],
        "linked"
    );
    let instance = town.get("/api/v1/instance", None).await.body;
    let rules = instance["rules"].to_string();
    assert!(rules.contains("Share what failed too"), "{rules}");

    // A bad value changes nothing and says why.
    let refused = root
        .submit(
            "/admin/network",
            "/admin/network",
            &[
                ("name", "Renamed"),
                ("level", "galaxy"),
                ("type", "connectivity"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("class=\"error\""));
    assert_eq!(
        town.get("/api/trellis/v1/network", None).await.body["name"],
        "Ashford Vale Network"
    );

    // Admin rights from the members page; no admin can drop their own.
    let alice_id = account_id(&town, "alice").await;
    let made = root
        .submit(
            "/admin/members",
            &format!("/admin/members/{alice_id}/make_admin"),
            &[],
        )
        .await;
    assert!(made.is_redirect_to("/admin/members"), "{made:?}");
    assert_eq!(alice.get("/admin/network").await.status, StatusCode::OK);
}

const SCRIPT: &str = "<script>alert('x')</script>";
const IMAGE: &str = "\"><img src=x onerror=alert(1)>";

fn assert_escaped(page: &Page, path: &str) {
    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
    for raw in ["<script>alert", "<img src=x"] {
        assert!(!page.body.contains(raw), "{path} shows {raw} unescaped");
    }
}

async fn what_members_write_is_escaped_on_every_page(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let root = town.create_admin("root").await;
    let alice = town.create_user("alice").await;
    let nasty = format!("{SCRIPT}{IMAGE}");
    let profile = town
        .patch_json(
            "/api/v1/accounts/update_credentials",
            Some(&alice.token),
            &json!({"display_name": "<script>alert(1)</script>", "note": nasty}),
        )
        .await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    let practice = town
        .patch_json(
            "/api/trellis/v1/profile",
            Some(&alice.token),
            &json!({"roles": [nasty], "organization": nasty, "place": nasty,
                    "interests": [nasty], "offers": [nasty], "needs": [nasty]}),
        )
        .await;
    assert_eq!(practice.status, StatusCode::OK, "{}", practice.body);
    let network = town
        .put_json(
            "/api/trellis/v1/network",
            Some(&root.token),
            &json!({"name": "Net<script>alert(1)</script>", "summary": nasty, "place": nasty,
                    "charter": {"purpose": nasty, "operating_principles": [nasty]}}),
        )
        .await;
    assert_eq!(network.status, StatusCode::OK, "{}", network.body);
    let community = town
        .post_json(
            "/api/trellis/v1/communities",
            Some(&root.token),
            &json!({"name": "growers", "display_name": nasty, "summary": nasty,
                    "role": nasty, "place": nasty}),
        )
        .await;
    assert_eq!(community.status, StatusCode::OK, "{}", community.body);
    let question = town
        .post_status(
            &alice,
            &json!({"status": format!("{nasty} #question @growers"), "spoiler_text": nasty}),
        )
        .await;
    town.post_status(
        &alice,
        &json!({"status": format!("{nasty} #story"), "dimensions": ["individual"]}),
    )
    .await;
    let id = question["id"].as_str().expect("status id");
    let waiting = WebClient::new(&town);
    let signed_up = waiting
        .submit(
            "/signup",
            "/signup",
            &[
                ("username", "mallory"),
                ("email", "mallory@example.test"),
                ("password", PASSWORD),
                ("reason", &nasty),
                ("agreement", "on"),
            ],
        )
        .await;
    assert_eq!(signed_up.status, StatusCode::OK, "{}", signed_up.body);

    let member = WebClient::new(&town);
    member.log_in("alice", PASSWORD).await;
    let admin = WebClient::new(&town);
    admin.log_in("root", PASSWORD).await;
    for path in [
        "/",
        "/about",
        "/@alice",
        &format!("/@alice/{id}"),
        "/communities",
        "/@growers",
        "/exchanges",
        "/stories",
        "/tags/question",
    ] {
        assert_escaped(&WebClient::new(&town).get(path).await, path);
        assert_escaped(&member.get(path).await, path);
    }
    assert_escaped(&WebClient::new(&town).get("/signup").await, "/signup");
    for path in [
        "/home",
        "/notifications",
        "/settings/profile",
        "/settings/practice",
        "/introductions",
        "/map",
        "/network/health",
    ] {
        assert_escaped(&member.get(path).await, path);
    }
    for path in [
        "/admin",
        "/admin/network",
        "/admin/registrations",
        "/admin/members",
        "/admin/federation",
        "/admin/communities",
    ] {
        assert_escaped(&admin.get(path).await, path);
    }
    let profile = member.get("/@alice").await;
    assert!(profile.body.contains("&lt;script&gt;"), "{}", profile.body);
    let registrations = admin.get("/admin/registrations").await;
    assert!(registrations.body.contains("mallory"));
}

async fn sessions_end_everywhere_on_log_out_and_password_change(backend: Backend) {
    let town = Instance::start("town", backend).await;
    town.create_user("alice").await;
    let laptop = WebClient::new(&town);
    laptop.log_in("alice", PASSWORD).await;
    let phone = WebClient::new(&town);
    phone.log_in("alice", PASSWORD).await;

    let cookies = laptop.cookies();
    assert!(cookies.contains("trellis_session="), "{cookies}");

    if backend == Backend::Postgres {
        // Another process of the same instance knows the session, and a
        // log-out there ends it here.
        let second = town.another_process("town-2").await;
        let elsewhere = laptop.with_cookies_of(&second);
        assert_eq!(elsewhere.get("/home").await.status, StatusCode::OK);
        let out = elsewhere.submit("/home", "/logout", &[]).await;
        assert!(out.is_redirect_to("/login"), "{out:?}");
    } else {
        let out = laptop.submit("/home", "/logout", &[]).await;
        assert!(out.is_redirect_to("/login"), "{out:?}");
    }
    assert!(laptop.get("/home").await.is_redirect_to("/login"));
    assert_eq!(phone.get("/home").await.status, StatusCode::OK);

    // A new password logs out every other session.
    let tablet = WebClient::new(&town);
    tablet.log_in("alice", PASSWORD).await;
    let wrong = phone
        .submit(
            "/settings/password",
            "/settings/password",
            &[
                ("current_password", "not it"),
                ("new_password", "another long one"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(tablet.get("/home").await.status, StatusCode::OK);
    let changed = phone
        .submit(
            "/settings/password",
            "/settings/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "another long one"),
            ],
        )
        .await;
    assert!(changed.is_redirect_to("/settings/password"), "{changed:?}");
    assert!(tablet.get("/home").await.is_redirect_to("/login"));
    assert_eq!(phone.get("/home").await.status, StatusCode::OK);
    let old = WebClient::new(&town)
        .submit(
            "/login",
            "/login",
            &[("login", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(old.status, StatusCode::UNAUTHORIZED);
    WebClient::new(&town)
        .log_in("alice@example.test", "another long one")
        .await;
}

async fn sign_up(client: &WebClient, username: &str, reason: &str) -> Page {
    client
        .submit(
            "/signup",
            "/signup",
            &[
                ("username", username),
                ("email", &format!("{username}@example.test")),
                ("password", PASSWORD),
                ("reason", reason),
                ("agreement", "on"),
            ],
        )
        .await
}

async fn sign_ups_wait_for_approval_or_are_turned_down(backend: Backend) {
    let town =
        Instance::start_with("town", backend, &[("TRELLIS_REGISTRATIONS", "approval")]).await;
    town.create_admin("root").await;
    let admin = WebClient::new(&town);
    admin.log_in("root", PASSWORD).await;

    let carol = WebClient::new(&town);
    let form = carol.get("/signup").await;
    assert!(form.body.contains("name=\"reason\""));
    let without_agreement = carol
        .submit(
            "/signup",
            "/signup",
            &[
                ("username", "carol"),
                ("email", "carol@example.test"),
                ("password", PASSWORD),
                ("reason", "I run the repair café"),
            ],
        )
        .await;
    assert_eq!(without_agreement.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(without_agreement.body.contains("agreement"));
    assert!(
        without_agreement.body.contains("value=\"carol\""),
        "the form keeps what was typed"
    );

    let waiting = sign_up(&carol, "carol", "I run the repair café").await;
    assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.body);
    assert!(
        waiting.body.contains("waits for an admin"),
        "{}",
        waiting.body
    );
    let early = carol
        .submit(
            "/login",
            "/login",
            &[("login", "carol"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(early.status, StatusCode::FORBIDDEN);
    assert!(early.body.contains("awaiting approval"), "{}", early.body);

    let listed = admin.get("/admin/registrations").await;
    assert!(listed.body.contains("data-username=\"carol\""));
    assert!(listed.body.contains("I run the repair café"));
    let carol_id = account_id(&town, "carol").await;
    let approved = admin
        .submit(
            "/admin/registrations",
            &format!("/admin/registrations/{carol_id}/approve"),
            &[],
        )
        .await;
    assert!(
        approved.is_redirect_to("/admin/registrations"),
        "{approved:?}"
    );
    carol.log_in("carol", PASSWORD).await;
    assert!(
        !admin
            .get("/admin/registrations")
            .await
            .body
            .contains("data-username=\"carol\"")
    );

    let dave = WebClient::new(&town);
    sign_up(&dave, "dave", "Selling things").await;
    let dave_id = account_id(&town, "dave").await;
    let turned_down = admin
        .submit(
            "/admin/registrations",
            &format!("/admin/registrations/{dave_id}/reject"),
            &[("message", "This network is for practitioners, not sales.")],
        )
        .await;
    assert!(
        turned_down.is_redirect_to("/admin/registrations"),
        "{turned_down:?}"
    );
    let refused = dave
        .submit(
            "/login",
            "/login",
            &[("login", "dave"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("not sales"), "{}", refused.body);
    // Without the password nobody learns why.
    let guess = dave
        .submit(
            "/login",
            "/login",
            &[("login", "dave"), ("password", "guess guess")],
        )
        .await;
    assert_eq!(guess.status, StatusCode::UNAUTHORIZED);
    assert!(!guess.body.contains("not sales"));
    assert_eq!(dave.get("/@dave").await.status, StatusCode::NOT_FOUND);
    // Approving a sign-up that was turned down finds nothing to approve.
    let again = admin
        .submit(
            "/admin/registrations",
            &format!("/admin/registrations/{dave_id}/approve"),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

async fn open_sign_ups_log_in_at_once_and_closed_ones_refuse(backend: Backend) {
    let open = Instance::start_with("open", backend, &[("TRELLIS_REGISTRATIONS", "open")]).await;
    let erin = WebClient::new(&open);
    let form = erin.get("/signup").await;
    assert!(!form.body.contains("name=\"reason\""));
    let joined = sign_up(&erin, "erin", "").await;
    assert!(joined.is_redirect_to("/home"), "{joined:?}");
    let home = erin.get("/home").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("href=\"/@erin\""));
    let taken = sign_up(&WebClient::new(&open), "erin", "").await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("taken"));

    let closed =
        Instance::start_with("closed", backend, &[("TRELLIS_REGISTRATIONS", "closed")]).await;
    let visitor = WebClient::new(&closed);
    assert!(
        visitor
            .get("/signup")
            .await
            .body
            .contains("not taking sign-ups")
    );
    let refused = visitor
        .post(
            "/signup",
            &[
                ("csrf", &visitor.get("/login").await.csrf()),
                ("username", "frank"),
                ("email", "frank@example.test"),
                ("password", PASSWORD),
                ("agreement", "on"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        closed
            .get("/api/v1/accounts/lookup?acct=frank", None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

async fn pages_negotiate_content_and_fail_as_html(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let status = town
        .post_status(&alice, &json!({"status": "Seed swap on Saturday"}))
        .await;
    let id = status["id"].as_str().expect("id");
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let actor = http
            .get(format!("{}/@alice", town.base_url()))
            .header("accept", accept)
            .send()
            .await
            .expect("GET /@alice");
        assert!(actor.status().is_redirection());
        assert_eq!(
            actor.headers()["location"],
            format!("http://{}/users/alice", town.domain()).as_str()
        );
        let note = http
            .get(format!("{}/@alice/{id}", town.base_url()))
            .header("accept", accept)
            .send()
            .await
            .expect("GET /@alice/ID");
        assert!(note.status().is_redirection());
        assert_eq!(note.headers()["location"], status["uri"].as_str().unwrap());
    }
    let browser = WebClient::new(&town);
    let profile = browser.get("/@alice").await;
    assert!(profile.content_type.starts_with("text/html"));
    assert!(profile.body.contains(&format!(
        "<link rel=\"alternate\" type=\"application/activity+json\" href=\"http://{}/users/alice\">",
        town.domain()
    )));
    let post = browser.get(&format!("/@alice/{id}")).await;
    assert!(post.body.contains("Seed swap on Saturday"));
    assert!(post.body.contains(status["uri"].as_str().unwrap()));

    for path in [
        "/@nobody",
        "/@alice/12345",
        "/@alice/not-a-number",
        "/no/such/page",
        "/tags/%00",
    ] {
        let page = browser.get(path).await;
        assert!(
            page.status == StatusCode::NOT_FOUND || page.status == StatusCode::BAD_REQUEST,
            "{path}: {}",
            page.status
        );
        assert!(
            page.content_type.starts_with("text/html"),
            "{path}: {}",
            page.content_type
        );
        assert!(page.body.contains("<main"), "{path}");
    }
    for path in ["/api/v1/accounts/12345", "/api/v1/nothing", "/users/nobody"] {
        let answer = town.get(path, None).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}");
        assert!(answer.body["error"].is_string(), "{path}: {}", answer.body);
    }
}

/// Follows a list's "Older" links to the end, gathering the ids of the
/// exchanges listed (`data-id="…"`).
async fn walk(client: &WebClient, first: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut next = Some(first.to_string());
    let mut pages = 0;
    while let Some(path) = next {
        pages += 1;
        assert!(pages < 20, "paging does not end");
        let page = client.get(&path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        for part in page
            .body
            .split("<article class=\"exchange\" data-id=\"")
            .skip(1)
        {
            ids.push(part.split('"').next().unwrap_or_default().to_string());
        }
        next = page
            .value_after("rel=\"next\" href=\"")
            .map(|href| href.replace("&amp;", "&"));
    }
    ids
}

async fn lists_page_through_everything(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let mut asked = Vec::new();
    for n in 0..45 {
        let status = town
            .post_status(
                &alice,
                &json!({"status": format!("Question {n}?"), "kind": "question"}),
            )
            .await;
        asked.push(status["id"].as_str().expect("id").to_string());
    }
    let visitor = WebClient::new(&town);
    let mut listed = walk(&visitor, "/exchanges").await;
    assert_eq!(listed.len(), 45, "{listed:?}");
    listed.sort();
    listed.dedup();
    asked.sort();
    assert_eq!(listed, asked);

    let first = visitor.get("/tags/question").await;
    assert_eq!(first.body.matches("<article class=\"status\"").count(), 20);
    let older = first
        .value_after("rel=\"next\" href=\"")
        .expect("a next link on a full page");
    let second = visitor.get(&older).await;
    assert_eq!(second.body.matches("<article class=\"status\"").count(), 20);
    let profile = visitor.get("/@alice").await;
    assert!(profile.body.contains("rel=\"next\""));
}

async fn members_post_answer_and_join_from_the_pages(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let root = town.create_admin("root").await;
    town.create_user("alice").await;
    town.create_user("bob").await;
    let created = town
        .post_json(
            "/api/trellis/v1/communities",
            Some(&root.token),
            &json!({"name": "growers", "display_name": "Growers", "role": "Grower"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let alice = WebClient::new(&town);
    alice.log_in("alice", PASSWORD).await;
    let bob = WebClient::new(&town);
    bob.log_in("bob", PASSWORD).await;

    let posted = alice
        .submit(
            "/home",
            "/statuses",
            &[
                ("status", "Who knows a good compost supplier?"),
                ("kind", "question"),
                ("visibility", "public"),
                ("spoiler_text", ""),
                ("return_to", "/home"),
            ],
        )
        .await;
    assert!(posted.is_redirect_to("/home"), "{posted:?}");
    let open = bob.get("/exchanges").await;
    assert!(open.body.contains("Who knows a good compost supplier?"));
    let question_id = open
        .value_after("<article class=\"exchange\" data-id=\"")
        .expect("the question on /exchanges");

    let replied = bob
        .submit(
            "/exchanges",
            "/statuses",
            &[
                ("status", "@alice The Vale Co-op sells it"),
                ("in_reply_to_id", &question_id),
                ("return_to", "/exchanges"),
            ],
        )
        .await;
    assert!(replied.is_redirect_to("/exchanges"), "{replied:?}");
    let mine = alice.get("/exchanges").await;
    assert!(mine.body.contains("id=\"mine\""));
    assert!(mine.body.contains("The Vale Co-op sells it"));
    let reply_id = mine
        .value_after("name=\"reply_id\" value=\"")
        .expect("a reply to mark");
    // Only the asker may mark the answer.
    let not_hers = bob
        .submit(
            "/exchanges",
            &format!("/exchanges/{question_id}/answer"),
            &[("reply_id", &reply_id)],
        )
        .await;
    assert_eq!(not_hers.status, StatusCode::FORBIDDEN);
    let marked = alice
        .submit(
            "/exchanges",
            &format!("/exchanges/{question_id}/answer"),
            &[("reply_id", &reply_id)],
        )
        .await;
    assert!(
        marked.is_redirect_to("/exchanges?state=answered"),
        "{marked:?}"
    );
    let answered = bob.get("/exchanges?state=answered").await;
    assert!(answered.body.contains("Who knows a good compost supplier?"));
    assert!(answered.body.contains("· answered ·"));
    let exchange = town
        .get(&format!("/api/trellis/v1/exchanges/{question_id}"), None)
        .await;
    assert_eq!(exchange.body["state"], "answered", "{}", exchange.body);

    let favourited = bob
        .submit(
            "/exchanges?state=answered",
            &format!("/statuses/{question_id}/favourite"),
            &[("return_to", "/exchanges?state=answered")],
        )
        .await;
    assert!(favourited.status.is_redirection(), "{favourited:?}");
    let status = town
        .get(&format!("/api/v1/statuses/{question_id}"), None)
        .await;
    assert_eq!(status.body["favourites_count"], 1);

    let joined = bob
        .submit("/@growers", "/communities/growers/join", &[])
        .await;
    assert!(joined.is_redirect_to("/@growers"), "{joined:?}");
    let page = bob.get("/@growers").await;
    assert!(page.body.contains("action=\"/communities/growers/leave\""));
    assert!(page.body.contains("2 members"), "{}", page.body);
}

async fn logging_in_is_rate_limited(backend: Backend) {
    let town = Instance::start_with(
        "town",
        backend,
        &[("TRELLIS_RATE_LIMIT_SIGN_IN_REQUESTS", "2")],
    )
    .await;
    town.create_user("alice").await;
    let visitor = WebClient::new(&town);
    for _ in 0..2 {
        let refused = visitor
            .submit(
                "/login",
                "/login",
                &[("login", "alice"), ("password", "wrong one")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    }
    let limited = visitor
        .submit(
            "/login",
            "/login",
            &[("login", "alice"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
}

backend_tests!(
    a_visitor_follows_from_their_own_server,
    a_visitor_follows_from_their_own_server
);
backend_tests!(
    moderators_answer_requests_and_shares_from_the_community_page,
    moderators_answer_requests_and_shares_from_the_community_page
);
backend_tests!(
    introductions_and_the_map_from_the_pages,
    introductions_and_the_map_from_the_pages
);
backend_tests!(
    session_cookies_are_http_only_and_secure_outside_dev_mode,
    session_cookies_are_http_only_and_secure_outside_dev_mode
);

/// Mastodon's remote follow: a visitor on the town's profile page gives
/// their handle on the county, is sent to the county's
/// `authorize_interaction`, lands on the town member's page there and
/// follows with one button.
async fn a_visitor_follows_from_their_own_server(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    county.create_user("bob").await;

    let webfinger = town
        .get(
            &format!("/.well-known/webfinger?resource=acct:{}", alice.acct),
            None,
        )
        .await;
    let links = webfinger.body["links"].to_string();
    assert!(
        links.contains("http://ostatus.org/schema/1.0/subscribe"),
        "{links}"
    );

    let visitor = WebClient::new(&town);
    let bob_acct = format!("bob@{}", county.domain());
    let sent = visitor
        .submit("/@alice", "/@alice/remote_follow", &[("acct", &bob_acct)])
        .await;
    let location = sent.location.clone().expect("a redirect to the county");
    assert_eq!(
        location,
        format!(
            "http://{}/authorize_interaction?uri=alice%40{}",
            county.domain(),
            town.domain().replace(':', "%3A")
        )
    );
    let refused = visitor
        .submit(
            "/@alice",
            "/@alice/remote_follow",
            &[("acct", "bob@evil.example/x")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);

    let bob = WebClient::new(&county);
    let path = location
        .split_once(&county.domain())
        .map(|(_, path)| path.to_string())
        .expect("a path on the county");
    assert!(bob.get(&path).await.is_redirect_to("/login?next="));
    bob.log_in("bob", PASSWORD).await;
    let landed = bob.get(&path).await;
    let profile_path = landed.location.clone().expect("sent to the profile page");
    assert_eq!(profile_path, format!("/@{}", alice.acct));
    let profile = bob.get(&profile_path).await;
    assert_eq!(profile.status, StatusCode::OK, "{}", profile.body);
    let follow_action = profile
        .body
        .split("<form method=\"post\" action=\"")
        .map(|rest| rest.split('"').next().unwrap_or_default())
        .find(|action| action.ends_with("/follow"))
        .expect("a follow button")
        .to_string();
    let followed = bob
        .submit(
            &profile_path,
            &follow_action,
            &[("return_to", &profile_path)],
        )
        .await;
    assert!(followed.is_redirect_to(&profile_path), "{followed:?}");
    federation_tests::wait_until(
        "alice's new follower",
        std::time::Duration::from_secs(20),
        || async {
            let found = town.get("/api/v1/accounts/lookup?acct=alice", None).await;
            (found.body["followers_count"] == 1).then_some(())
        },
    )
    .await;
}

async fn moderators_answer_requests_and_shares_from_the_community_page(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let root = town.create_admin("root").await;
    let alice = town.create_user("alice").await;
    town.create_user("bob").await;
    let created = town
        .post_json(
            "/api/trellis/v1/communities",
            Some(&root.token),
            &json!({"name": "menders", "display_name": "Menders", "join_policy": "approval"}),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);

    let bob = WebClient::new(&town);
    bob.log_in("bob", PASSWORD).await;
    let asked = bob
        .submit("/@menders", "/communities/menders/join", &[])
        .await;
    assert!(
        asked.is_redirect_to("/@menders?done=requested"),
        "{asked:?}"
    );
    assert!(
        bob.get("/@menders")
            .await
            .body
            .contains("Withdraw the request")
    );

    // Only a moderator sees and answers requests.
    let alice_page = WebClient::new(&town);
    alice_page.log_in("alice", PASSWORD).await;
    assert!(
        !alice_page
            .get("/@menders")
            .await
            .body
            .contains("Asking to join")
    );
    let bob_id = account_id(&town, "bob").await;
    let not_hers = alice_page
        .submit(
            "/@menders",
            &format!("/communities/menders/requests/{bob_id}/accept"),
            &[],
        )
        .await;
    assert_eq!(not_hers.status, StatusCode::FORBIDDEN, "{}", not_hers.body);

    let moderator = WebClient::new(&town);
    moderator.log_in("root", PASSWORD).await;
    let page = moderator.get("/@menders").await;
    assert!(page.body.contains("Asking to join"));
    let accepted = moderator
        .submit(
            "/@menders",
            &format!("/communities/menders/requests/{bob_id}/accept"),
            &[],
        )
        .await;
    assert!(accepted.is_redirect_to("/@menders"), "{accepted:?}");
    assert!(
        bob.get("/@menders")
            .await
            .body
            .contains("action=\"/communities/menders/leave\"")
    );

    // A post that mentions the community is shared; its moderator can
    // pick it for curated links and take the share back.
    let post = town
        .post_status(&alice, &json!({"status": "Repair café on Friday @menders"}))
        .await;
    let id = post["id"].as_str().expect("id").to_string();
    let shared = moderator.get("/@menders").await;
    assert!(
        shared.body.contains("Repair café on Friday"),
        "{}",
        shared.body
    );
    let picked = moderator
        .submit(
            "/@menders",
            &format!("/communities/menders/shares/{id}/pick"),
            &[],
        )
        .await;
    assert!(picked.is_redirect_to("/@menders"), "{picked:?}");
    let removed = moderator
        .submit(
            "/@menders",
            &format!("/communities/menders/shares/{id}/remove"),
            &[],
        )
        .await;
    assert!(
        removed.is_redirect_to("/@menders?done=removed"),
        "{removed:?}"
    );
    assert!(
        !moderator
            .get("/@menders")
            .await
            .body
            .contains("Repair café on Friday")
    );
}

async fn introductions_and_the_map_from_the_pages(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let root = town.create_admin("root").await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    for member in [&alice, &bob] {
        town.follow(&carol, &member.username).await;
        town.follow(member, &carol.username).await;
    }
    town.patch_json(
        "/api/trellis/v1/profile",
        Some(&alice.token),
        &json!({"roles": ["Grower"], "needs": ["Composting workshops"]}),
    )
    .await;
    town.patch_json(
        "/api/trellis/v1/profile",
        Some(&bob.token),
        &json!({"roles": ["Teacher"], "offers": ["composting workshops"]}),
    )
    .await;
    town.post_json(
        "/api/trellis/v1/communities",
        Some(&root.token),
        &json!({"name": "growers", "display_name": "Growers"}),
    )
    .await;
    town.follow(&alice, "growers").await;

    let page = WebClient::new(&town);
    page.log_in("carol", PASSWORD).await;
    let introduced = page
        .submit(
            "/introductions",
            "/introductions",
            &[
                ("a", "alice"),
                ("b", "bob"),
                ("note", "Bob runs the workshops Alice needs"),
            ],
        )
        .await;
    assert!(
        introduced.is_redirect_to("/introductions"),
        "{introduced:?}"
    );
    let made = page.get("/introductions").await;
    assert!(
        made.body.contains("Introductions you made"),
        "{}",
        made.body
    );
    let alices = town
        .get("/api/v1/notifications", Some(&alice.token))
        .await
        .body
        .to_string();
    assert!(
        alices.contains("Bob runs the workshops Alice needs"),
        "{alices}"
    );
    let nobody = page
        .submit(
            "/introductions",
            "/introductions",
            &[("a", "alice"), ("b", "nobody")],
        )
        .await;
    assert_eq!(
        nobody.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        nobody.body
    );

    let alice_page = WebClient::new(&town);
    alice_page.log_in("alice", PASSWORD).await;
    let suggestions = alice_page.get("/introductions").await;
    assert!(
        suggestions
            .body
            .contains("bob offers Composting workshops, which you need"),
        "{}",
        suggestions.body
    );

    let map = page.get("/map").await;
    let everyone = map.body.matches("class=\"node\"").count();
    assert!(everyone >= 4, "{everyone} people on the map");
    assert!(map.body.contains("data-name=\"alice"), "{}", map.body);
    let growers = page.get("/map?community=Growers").await;
    assert!(
        growers.body.contains("data-name=\"alice"),
        "{}",
        growers.body
    );
    assert!(!growers.body.contains("data-name=\"bob"));
    assert!(!growers.body.contains("data-name=\"carol"));
    let teachers = page.get("/map?role=teacher").await;
    assert!(teachers.body.contains("data-name=\"bob"));
    assert!(!teachers.body.contains("data-name=\"alice"));
    let health = page.get("/network/health").await;
    assert!(health.body.contains("Learning exchanges"));
    assert!(
        WebClient::new(&town)
            .get("/map")
            .await
            .is_redirect_to("/login?next=%2Fmap")
    );
}

async fn session_cookies_are_http_only_and_secure_outside_dev_mode(backend: Backend) {
    let dev = Instance::start("dev", backend).await;
    dev.create_user("alice").await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let form = client
        .get(format!("{}/login", dev.base_url()))
        .send()
        .await
        .expect("GET /login");
    let csrf_cookie = form.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(csrf_cookie.starts_with("trellis_csrf="), "{csrf_cookie}");
    assert!(csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"));
    assert!(
        !csrf_cookie.contains("Secure"),
        "dev mode serves plain http: {csrf_cookie}"
    );
    let browser = WebClient::new(&dev);
    let page = browser.get("/login").await;
    let answer = client
        .post(format!("{}/login", dev.base_url()))
        .header("cookie", browser.cookies())
        .form(&[
            ("csrf", page.csrf().as_str()),
            ("login", "alice"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("POST /login");
    let session = answer.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(session.starts_with("trellis_session="), "{session}");
    assert!(
        session.contains("HttpOnly") && session.contains("SameSite=Lax"),
        "{session}"
    );

    let production = Instance::start_with(
        "production",
        backend,
        &[("TRELLIS_FEDERATION_DEV_MODE", "false")],
    )
    .await;
    let form = client
        .get(format!("{}/login", production.base_url()))
        .send()
        .await
        .expect("GET /login");
    let cookie = form.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("; Secure"), "{cookie}");
}

backend_tests!(
    admins_moderate_from_the_pages,
    admins_moderate_from_the_pages
);

async fn admins_moderate_from_the_pages(backend: Backend) {
    let town = Instance::start("town", backend).await;
    town.create_admin("root").await;
    town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let post = town
        .post_status(&bob, &json!({"status": "Cheap followers, DM me"}))
        .await;
    let id = post["id"].as_str().expect("id").to_string();

    let alice = WebClient::new(&town);
    alice.log_in("alice", PASSWORD).await;
    let page = format!("/@bob/{id}");
    let reported = alice
        .submit(
            &page,
            "/reports",
            &[
                ("status_id", &id),
                ("category", "spam"),
                ("comment", "Selling followers"),
                ("return_to", &page),
            ],
        )
        .await;
    assert!(reported.is_redirect_to(&page), "{reported:?}");
    let bobs_page = WebClient::new(&town);
    bobs_page.log_in("bob", PASSWORD).await;

    let admin = WebClient::new(&town);
    admin.log_in("root", PASSWORD).await;
    let open = admin.get("/admin/reports").await;
    assert!(open.body.contains("Selling followers"), "{}", open.body);
    assert!(open.body.contains("Cheap followers, DM me"));
    let report_id = open
        .value_after("<article class=\"report\" data-id=\"")
        .expect("a report");
    let bob_id = account_id(&town, "bob").await;
    let acted = admin
        .submit(
            "/admin/reports",
            &format!("/admin/accounts/{bob_id}/act"),
            &[
                ("action", "suspend"),
                ("reason", "Selling followers"),
                ("report_id", &report_id),
                ("return_to", "/admin/reports"),
            ],
        )
        .await;
    assert!(acted.is_redirect_to("/admin/reports"), "{acted:?}");
    assert!(
        !admin
            .get("/admin/reports")
            .await
            .body
            .contains("Selling followers")
    );
    assert!(
        admin
            .get("/admin/reports?state=resolved")
            .await
            .body
            .contains("Selling followers")
    );
    // Bob's browser session ended with the suspension, and his post is gone.
    assert!(bobs_page.get("/home").await.is_redirect_to("/login"));
    assert_eq!(alice.get(&page).await.status, StatusCode::NOT_FOUND);
    let members = admin.get("/admin/members?q=bob").await;
    assert!(members.body.contains("suspended"), "{}", members.body);
    // Admins cannot act on themselves from the page either.
    let root_id = account_id(&town, "root").await;
    let own = admin
        .submit(
            "/admin/members",
            &format!("/admin/accounts/{root_id}/act"),
            &[("action", "suspend"), ("reason", "oops")],
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Blocking and unblocking a server.
    let blocked = admin
        .submit(
            "/admin/federation",
            "/admin/domain_blocks",
            &[
                ("domain", "spam.example"),
                ("severity", "suspend"),
                ("public_comment", "Spam"),
                ("private_comment", ""),
            ],
        )
        .await;
    assert!(blocked.is_redirect_to("/admin/federation"), "{blocked:?}");
    let federation = admin.get("/admin/federation").await;
    assert!(federation.body.contains("spam.example"));
    let listed = town.get("/api/v1/instance/domain_blocks", None).await;
    assert_eq!(listed.body[0]["domain"], "spam.example");
    let block_id = federation
        .value_after("action=\"/admin/domain_blocks/")
        .expect("a block to lift");
    let block_id = block_id.trim_end_matches("/remove");
    let lifted = admin
        .submit(
            "/admin/federation",
            &format!("/admin/domain_blocks/{block_id}/remove"),
            &[],
        )
        .await;
    assert!(lifted.is_redirect_to("/admin/federation"), "{lifted:?}");
    assert_eq!(
        town.get("/api/v1/instance/domain_blocks", None).await.body,
        json!([])
    );
}
