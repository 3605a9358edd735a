//! Input found to break things in testing, each case on both databases:
//! NUL characters (refused when local, removed when remote), tokens in the
//! query string, oversized remote content, loops of replies, two
//! requests meeting the same remote actor or note for the first time, and
//! what admins and other servers send about networks.

use federation_tests::{Backend, Instance, User, backend_tests, peer::Peer, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(nul_is_refused_at_the_edge, nul_is_refused_at_the_edge);
backend_tests!(
    nul_is_removed_from_remote_content,
    nul_is_removed_from_remote_content
);
backend_tests!(
    a_token_in_the_query_authenticates_and_is_counted_as_such,
    a_token_in_the_query_authenticates_and_is_counted_as_such
);
backend_tests!(
    remote_content_is_held_to_caps,
    remote_content_is_held_to_caps
);
backend_tests!(reply_loops_are_fetched_once, reply_loops_are_fetched_once);
backend_tests!(
    concurrent_first_contacts_all_succeed,
    concurrent_first_contacts_all_succeed
);
backend_tests!(
    network_inputs_are_refused_and_change_nothing,
    network_inputs_are_refused_and_change_nothing
);
backend_tests!(
    reports_from_strangers_change_nothing,
    reports_from_strangers_change_nothing
);

const NUL: &str = "a\u{0}b";

fn refused(what: &str, status: StatusCode, body: &Value) {
    assert!(
        status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY,
        "{what}: expected 400 or 422, got {status}: {body}"
    );
}

async fn nul_is_refused_at_the_edge(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let token = Some(bob.token.as_str());

    for path in [
        "/users/%00",
        "/@%00",
        "/tags/%00",
        "/api/trellis/v1/communities/%00",
        "/api/v1/accounts/lookup?acct=%00",
        "/api/v2/search?q=a%00b&resolve=true",
        "/api/v1/timelines/tag/%00",
        "/oauth/authorize?client_id=%00&response_type=code&redirect_uri=urn:ietf:wg:oauth:2.0:oob",
        "/.well-known/webfinger?resource=acct:%00@localhost",
    ] {
        let answer = town.get(path, token).await;
        refused(path, answer.status, &answer.body);
    }

    let posts: [(&str, Value); 7] = [
        (
            "/api/v1/apps",
            json!({"client_name": NUL, "redirect_uris": "urn:ietf:wg:oauth:2.0:oob"}),
        ),
        (
            "/api/v1/accounts",
            json!({"username": NUL, "email": "x@example.test", "password": "long enough password", "agreement": true}),
        ),
        (
            "/oauth/token",
            json!({"grant_type": "client_credentials", "client_id": NUL}),
        ),
        ("/api/v1/statuses", json!({"status": NUL})),
        (
            "/api/trellis/v1/communities",
            json!({"name": "nul", "display_name": NUL}),
        ),
        ("/api/trellis/v1/communities", json!({"name": NUL})),
        (
            "/api/v1/statuses",
            json!({"status": "fine", "spoiler_text": NUL}),
        ),
    ];
    for (path, body) in &posts {
        let answer = town.post_json(path, token, body).await;
        refused(path, answer.status, &answer.body);
    }
    let form = town
        .post_form("/api/v1/statuses", token, &[("status", NUL)])
        .await;
    refused("form status", form.status, &form.body);

    let profile = town
        .patch_json(
            "/api/v1/accounts/update_credentials",
            token,
            &json!({"display_name": NUL}),
        )
        .await;
    refused("profile", profile.status, &profile.body);
    let practice = town
        .patch_json(
            "/api/trellis/v1/profile",
            token,
            &json!({"organization": NUL}),
        )
        .await;
    refused("practice", practice.status, &practice.body);

    // A community of bob's own, to ask for a link to a NUL target.
    let made = town
        .post_json(
            "/api/trellis/v1/communities",
            token,
            &json!({"name": "growers"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::OK, "{}", made.body);
    let link = town
        .post_json(
            "/api/trellis/v1/communities/growers/links",
            token,
            &json!({"target": NUL, "direction": "peer"}),
        )
        .await;
    refused("link target", link.status, &link.body);

    // Nothing was stored on the way.
    let statuses = town.get("/api/v1/accounts/lookup?acct=bob", None).await;
    assert_eq!(statuses.body["statuses_count"], 0, "{}", statuses.body);
    assert_eq!(statuses.body["display_name"], "", "{}", statuses.body);
}

/// A Follow of `user` on `town` from the peer's actor `name`.
async fn follow_from(peer: &Peer, town: &Instance, user: &User, name: &str) -> StatusCode {
    let actor = peer.actor_id(name);
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/follows/{}", rand::random::<u32>()),
        "type": "Follow",
        "actor": actor,
        "object": format!("http://{}/users/{}", town.domain(), user.username),
    });
    let (status, body) = peer
        .post_signed(name, &format!("{}/inbox", town.base_url()), &follow)
        .await;
    assert!(status.is_success(), "follow from {name}: {status} {body}");
    status
}

async fn nul_is_removed_from_remote_content(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.accept_follow_from(&town, &bob, "mallory").await;

    let mut create = peer.create_note("mallory", "nul", "<p>con\u{0}tent</p>");
    create["object"]["summary"] = json!("warn\u{0}ing");
    create["object"]["tag"] = json!([{"type": "Hashtag", "name": "#nul\u{0}tag"}]);
    let (status, body) = peer
        .post_signed("mallory", &format!("{}/inbox", town.base_url()), &create)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let uri = create["object"]["id"].as_str().unwrap();
    let status = town.wait_for_home_status(&bob, uri).await;
    assert_eq!(status["content"], "<p>content</p>", "{status}");
    assert_eq!(status["spoiler_text"], "warning");
    assert_eq!(status["tags"][0]["name"], "nultag", "{status}");

    // An actor whose profile holds NULs is stored without them.
    peer.set_actor_fields(
        "nully",
        json!({
            "name": "Nul\u{0}ly",
            "summary": "<p>bio\u{0}</p>",
            "attachment": [{"type": "PropertyValue", "name": "si\u{0}te", "value": "v\u{0}"}],
        }),
    );
    follow_from(&peer, &town, &bob, "nully").await;
    let found = town
        .get(
            &format!("/api/v1/accounts/lookup?acct={}", peer.acct("nully")),
            Some(&bob.token),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["display_name"], "Nully");
    assert_eq!(found.body["note"], "<p>bio</p>");
    assert_eq!(found.body["fields"][0]["name"], "site", "{}", found.body);
}

async fn a_token_in_the_query_authenticates_and_is_counted_as_such(backend: Backend) {
    let town = Instance::start_with("town", backend, &[("TRELLIS_RATE_LIMIT_REQUESTS", "5")]).await;
    let bob = town.create_user("bob").await;

    let me = town
        .get(
            &format!(
                "/api/v1/accounts/verify_credentials?access_token={}",
                bob.token
            ),
            None,
        )
        .await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["username"], "bob");
    let wrong = town
        .get(
            "/api/v1/accounts/verify_credentials?access_token=made-up",
            None,
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED, "{}", wrong.body);

    // That refusal used one of the address's five; invented tokens share
    // what is left instead of each buying a fresh allowance.
    for n in 0..4 {
        let answer = town
            .get(&format!("/api/v1/instance?access_token=invented-{n}"), None)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "request {n}: {}",
            answer.body
        );
    }
    let over = town
        .get("/api/v1/instance?access_token=invented-4", None)
        .await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS, "{}", over.body);
    // A valid token has a bucket of its own, in the query as in the header.
    let valid = town
        .get(
            &format!("/api/v1/instance?access_token={}", bob.token),
            None,
        )
        .await;
    assert_eq!(valid.status, StatusCode::OK, "{}", valid.body);
}

async fn remote_content_is_held_to_caps(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.accept_follow_from(&town, &bob, "mallory").await;
    let inbox = format!("{}/inbox", town.base_url());

    let huge = peer.create_note("mallory", "huge", &"x".repeat(900 * 1024));
    let (status, body) = peer.post_signed("mallory", &inbox, &huge).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("more than the 100000 accepted"), "{body}");

    let mut tagged = peer.create_note("mallory", "tagged", "many tags");
    let tags: Vec<Value> = (0..6000)
        .map(|n| json!({"type": "Hashtag", "name": format!("#tag{n}")}))
        .collect();
    tagged["object"]["tag"] = json!(tags);
    let (status, body) = peer.post_signed("mallory", &inbox, &tagged).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let uri = tagged["object"]["id"].as_str().unwrap();
    let stored = town.wait_for_home_status(&bob, uri).await;
    assert_eq!(
        stored["tags"].as_array().unwrap().len(),
        50,
        "{}",
        stored["tags"]
    );

    // Nothing of the refused note was stored.
    let home = town.home_timeline(&bob).await;
    assert!(!home.iter().any(|s| s["uri"] == huge["object"]["id"]));

    peer.set_actor_fields(
        "wordy",
        json!({
            "name": "n".repeat(1000),
            "attachment": (0..60)
                .map(|n| json!({"type": "PropertyValue", "name": format!("f{n}"), "value": "v"}))
                .collect::<Vec<_>>(),
        }),
    );
    follow_from(&peer, &town, &bob, "wordy").await;
    let found = town
        .get(
            &format!("/api/v1/accounts/lookup?acct={}", peer.acct("wordy")),
            Some(&bob.token),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    assert_eq!(found.body["display_name"].as_str().unwrap().len(), 200);
    assert_eq!(found.body["fields"].as_array().unwrap().len(), 8);
}

fn reply(peer: &Peer, name: &str, parent: &str) -> Value {
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url(&format!("/docs/{name}")),
        "type": "Note",
        "attributedTo": peer.actor_id("mallory"),
        "content": format!("<p>{name}</p>"),
        "inReplyTo": peer.url(&format!("/docs/{parent}")),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    })
}

async fn resolve_status(town: &Instance, user: &User, url: &str) -> Value {
    let answer = town
        .get(
            &format!("/api/v2/search?q={url}&resolve=true&type=statuses"),
            Some(&user.token),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{url}: {}", answer.body);
    answer.body["statuses"][0].clone()
}

async fn reply_loops_are_fetched_once(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    let json = "application/activity+json";
    let itself = peer.serve("itself", json, reply(&peer, "itself", "itself"));
    peer.serve("ping", json, reply(&peer, "ping", "pong"));
    peer.serve("pong", json, reply(&peer, "pong", "ping"));

    let found = resolve_status(&town, &bob, &itself).await;
    assert_eq!(found["uri"], itself.as_str(), "{found}");
    assert_eq!(peer.fetches("/docs/itself"), 1);

    let ping = resolve_status(&town, &bob, &peer.url("/docs/ping")).await;
    assert_eq!(peer.fetches("/docs/ping"), 1);
    assert_eq!(peer.fetches("/docs/pong"), 1);

    // The threads are still threads: each has a first post, so their
    // context answers with no status appearing twice.
    for status in [&found, &ping] {
        let id = status["id"].as_str().unwrap();
        let context = town
            .get(&format!("/api/v1/statuses/{id}/context"), Some(&bob.token))
            .await;
        assert_eq!(context.status, StatusCode::OK, "{}", context.body);
        let mut ids: Vec<&Value> = context.body["ancestors"]
            .as_array()
            .unwrap()
            .iter()
            .chain(context.body["descendants"].as_array().unwrap())
            .map(|s| &s["id"])
            .collect();
        assert!(!ids.contains(&&status["id"]), "{}", context.body);
        let count = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), count, "{}", context.body);
    }
}

async fn concurrent_first_contacts_all_succeed(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;

    for round in 0..4 {
        let name = format!("newcomer{round}");
        let acct = peer.acct(&name);
        let searches = (0..6).map(|_| async {
            town.get(
                &format!("/api/v2/search?q={acct}&resolve=true&type=accounts"),
                Some(&bob.token),
            )
            .await
        });
        let (answers, follow) = tokio::join!(
            futures::future::join_all(searches),
            follow_from(&peer, &town, &bob, &name)
        );
        assert!(follow.is_success());
        for answer in answers {
            assert_eq!(answer.status, StatusCode::OK, "{name}: {}", answer.body);
            assert_eq!(
                answer.body["accounts"][0]["acct"],
                acct.as_str(),
                "{}",
                answer.body
            );
        }
    }

    let note = peer.serve(
        "shared",
        "application/activity+json",
        json!({
            "id": peer.url("/docs/shared"),
            "type": "Note",
            "attributedTo": peer.actor_id("author"),
            "content": "<p>found by many at once</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        }),
    );
    let lookups = (0..6).map(|_| resolve_status(&town, &bob, &note));
    let found = futures::future::join_all(lookups).await;
    assert!(found.iter().all(|s| s["id"] == found[0]["id"]), "{found:?}");

    // The follows all arrived.
    wait_until("four followers", Duration::from_secs(10), || async {
        let me = town
            .get("/api/v1/accounts/verify_credentials", Some(&bob.token))
            .await;
        (me.body["followers_count"] == 4).then_some(())
    })
    .await;
}

/// What an admin sends about the network (links, vocabulary, sharing,
/// weavers, history ranges) is checked before anything is stored.
async fn network_inputs_are_refused_and_change_nothing(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let admin = town.create_admin("ann").await;
    let member = town.create_user("bob").await;
    let token = Some(admin.token.as_str());
    let long = "x".repeat(10_000);
    let network_before = town.get("/api/trellis/v1/network", token).await.body;

    let links = "/api/trellis/v1/network/links";
    for target in [
        NUL,
        long.as_str(),
        "<b>network</b>@localhost",
        "",
        "network@",
    ] {
        let answer = town
            .post_json(links, token, &json!({ "target": target }))
            .await;
        refused(
            &format!("link to {target:.20}"),
            answer.status,
            &answer.body,
        );
    }
    let answer = town.post_json(links, token, &json!({"target": 7})).await;
    refused("link to a number", answer.status, &answer.body);
    for path in [
        "/api/trellis/v1/network/links/%00/accept",
        "/api/trellis/v1/network/links/nobody@nowhere.invalid/accept",
    ] {
        let answer = town.post_json(path, token, &json!({})).await;
        assert!(
            answer.status.is_client_error(),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
    }
    assert_eq!(town.get(links, token).await.body, json!([]));

    let vocabulary = "/api/trellis/v1/network/vocabulary";
    for body in [
        json!({"vocabulary": [["procurement", NUL]]}),
        json!({"vocabulary": [["procurement", long]]}),
        json!({"vocabulary": "procurement ~ bulk purchasing"}),
        json!({"vocabulary": [[1, 2]]}),
    ] {
        let answer = town.put_json(vocabulary, token, &body).await;
        refused(
            &format!("vocabulary {body:.40}"),
            answer.status,
            &answer.body,
        );
    }
    // Markup in a name is text like any other: kept, and escaped where
    // the network page shows it.
    let markup = town
        .put_json(
            "/api/trellis/v1/network",
            token,
            &json!({"name": "<script>alert(1)</script> Town"}),
        )
        .await;
    assert_eq!(markup.status, StatusCode::OK, "{}", markup.body);
    let web = federation_tests::web::WebClient::new(&town);
    web.log_in("ann", federation_tests::PASSWORD).await;
    let page = web.get("/network").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("<script>alert(1)") && page.body.contains("&#60;script&#62;alert(1)"),
        "the name escaped on /network: {}",
        page.body
            .lines()
            .filter(|l| l.contains("alert"))
            .collect::<Vec<_>>()
            .join("\n")
    );

    for body in [
        json!({"share_report": "everyone"}),
        json!({"share_report": NUL}),
        json!({"share_report": 3}),
    ] {
        let answer = town.put_json("/api/trellis/v1/network", token, &body).await;
        refused(&format!("share_report {body}"), answer.status, &answer.body);
    }

    for (path, who) in [
        ("/api/trellis/v1/weavers/%00", token),
        ("/api/trellis/v1/weavers/nobody", token),
        ("/api/trellis/v1/weavers/bob", Some(member.token.as_str())),
    ] {
        let answer = town.put_json(path, who, &json!({})).await;
        assert!(
            answer.status.is_client_error(),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
    }
    for path in [
        "/api/trellis/v1/introductions?for=%00",
        "/api/trellis/v1/introductions?for=99999999999999999999999",
        "/api/trellis/v1/introductions?for=-1",
        "/api/trellis/v1/network/health/history?from=yesterday",
        "/api/trellis/v1/network/health/history?from=2026-13-45",
        "/api/trellis/v1/exchanges?scope=everywhere",
    ] {
        let answer = town.get(path, token).await;
        assert!(
            answer.status.is_client_error(),
            "{path}: {} {}",
            answer.status,
            answer.body
        );
    }

    // Nothing changed on the way.
    let network_after = town.get("/api/trellis/v1/network", token).await.body;
    assert_eq!(
        network_before["share_report"],
        network_after["share_report"]
    );
    let bob = town
        .get("/api/v1/accounts/lookup?acct=bob", None)
        .await
        .body;
    let weavers = town.get("/api/trellis/v1/weavers", token).await;
    assert!(
        !weavers
            .body
            .to_string()
            .contains(bob["id"].as_str().unwrap()),
        "{}",
        weavers.body
    );
}

/// The tree this network shows, without what changes by the second.
async fn tree_shape(town: &Instance, token: &str) -> (Value, Value, Value) {
    let tree = town
        .get("/api/trellis/v1/network/tree", Some(token))
        .await
        .body;
    (
        tree["root"]["children"].clone(),
        tree["peers"].clone(),
        tree["totals"]["networks"].clone(),
    )
}

/// A network report from a server this network is not linked with, or
/// one that lies about itself, is never kept.
async fn reports_from_strangers_change_nothing(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let admin = town.create_admin("ann").await;
    let peer = Peer::start().await;
    let inbox = format!("{}/users/network/inbox", town.base_url());
    let before = tree_shape(&town, &admin.token).await;
    let sender = peer.actor_id("network");
    let branch = |network: &str, extra: Value| {
        let mut branch = json!({
            "network": network,
            "acct": format!("network@{}", peer.domain()),
            "name": "Elsewhere",
            "place": "Elsewhere",
            "level": "town",
            "computed_at": "2026-12-07T06:00:00Z",
            "report": {"members": 999},
            "children": []
        });
        if let (Some(branch), Some(extra)) = (branch.as_object_mut(), extra.as_object()) {
            branch.extend(extra.clone());
        }
        branch
    };
    let update = |n: u32, branch: Value| {
        json!({
            "@context": ["https://www.w3.org/ns/activitystreams", {"trellis": "https://trellis.community/ns#"}],
            "id": peer.url(&format!("/activities/report-{n}")),
            "type": "Update",
            "actor": sender,
            "to": [format!("{}/users/network", town.base_url())],
            "object": {
                "id": format!("{sender}/report"),
                "type": "trellis:NetworkReport",
                "attributedTo": sender,
                "trellis:branch": branch
            }
        })
    };
    let mut deep = branch("https://deep.example/users/network", json!({}));
    for level in 0..7 {
        deep = branch(
            &format!("https://deep{level}.example/users/network"),
            json!({"children": [deep]}),
        );
    }
    deep["network"] = json!(sender);

    // Well formed, but from a network this one never linked with: taken
    // and ignored, so a stranger learns nothing from the answer.
    let (status, body) = peer
        .post_signed("network", &inbox, &update(1, branch(&sender, json!({}))))
        .await;
    assert!(status.is_success(), "{status}: {body}");
    let refusals = [
        (
            "about someone else",
            update(2, branch("https://other.example/users/network", json!({}))),
            StatusCode::FORBIDDEN,
        ),
        ("too deep", update(3, deep), StatusCode::BAD_REQUEST),
        (
            "a long name",
            update(4, branch(&sender, json!({"name": "x".repeat(10_000)}))),
            StatusCode::BAD_REQUEST,
        ),
        (
            "a script for a story",
            update(
                5,
                branch(
                    &sender,
                    json!({"report": {"stories": {"public": [
                        {"url": "javascript:alert(1)", "excerpt": "", "dimensions": [], "published": ""}
                    ]}}}),
                ),
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            "figures that are text",
            update(
                6,
                branch(
                    &sender,
                    json!({"report": {"health": {"density": "<b>high</b>"}}}),
                ),
            ),
            StatusCode::BAD_REQUEST,
        ),
        (
            "the wrong shape",
            update(7, json!(["not", "a", "branch"])),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (what, activity, expected) in refusals {
        let (status, body) = peer.post_signed("network", &inbox, &activity).await;
        assert_eq!(status, expected, "{what}: {body}");
    }
    // Unsigned, or signed by someone else than the actor it names.
    let activity = update(8, branch(&sender, json!({})));
    let (status, _) = peer
        .post_raw(&inbox, serde_json::to_vec(&activity).unwrap(), &[])
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = peer.post_signed("intruder", &inbox, &activity).await;
    assert!(status.is_client_error(), "{status}");

    assert_eq!(tree_shape(&town, &admin.token).await, before);
}
