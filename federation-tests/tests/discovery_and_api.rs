//! One instance seen from outside: discovery documents, content
//! negotiation, OAuth, scopes, errors and pagination.

use federation_tests::{Backend, Instance, PASSWORD, backend_tests, peer::Peer};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};

backend_tests!(
    discovery_documents_describe_members,
    discovery_documents_describe_members
);
backend_tests!(oauth_scopes_and_errors, oauth_scopes_and_errors);
backend_tests!(timelines_page_by_id, timelines_page_by_id);
backend_tests!(
    the_public_timeline_pages_through_local_and_remote,
    the_public_timeline_pages_through_local_and_remote
);
backend_tests!(a_trimmed_home_feed_pages_on, a_trimmed_home_feed_pages_on);

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn fetch(url: &str, accept: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = no_redirects()
        .get(url)
        .header(header::ACCEPT, accept)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

async fn discovery_documents_describe_members(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let base = town.base_url();
    let domain = town.domain();
    let actor_id = format!("http://{domain}/users/alice");

    let finger = town
        .get(
            &format!("/.well-known/webfinger?resource=acct:alice@{domain}"),
            None,
        )
        .await;
    assert_eq!(finger.status, StatusCode::OK);
    assert_eq!(finger.body["subject"], format!("acct:alice@{domain}"));
    let link = finger.body["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "self")
        .unwrap()
        .clone();
    assert_eq!(link["href"], actor_id);
    assert_eq!(link["type"], "application/activity+json");
    for missing in [
        format!("acct:nobody@{domain}"),
        "acct:alice@elsewhere.example".to_string(),
    ] {
        let answer = town
            .get(&format!("/.well-known/webfinger?resource={missing}"), None)
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{missing}");
    }

    let links = town.get("/.well-known/nodeinfo", None).await;
    assert_eq!(
        links.body["links"][0]["href"],
        format!("http://{domain}/nodeinfo/2.1")
    );
    let nodeinfo = town.get("/nodeinfo/2.1", None).await;
    assert_eq!(nodeinfo.body["version"], "2.1");
    assert_eq!(nodeinfo.body["software"]["name"], "trellis");
    assert_eq!(nodeinfo.body["usage"]["users"]["total"], 1);
    assert_eq!(
        links.body["links"][1]["href"],
        format!("http://{domain}/nodeinfo/2.0")
    );
    let older = town.get("/nodeinfo/2.0", None).await;
    assert_eq!(older.status, StatusCode::OK);
    assert_eq!(older.body["version"], "2.0");
    assert_eq!(older.body["usage"], nodeinfo.body["usage"]);
    let host_meta_json = town.get("/.well-known/host-meta.json", None).await;
    assert_eq!(
        host_meta_json.body["links"][0]["template"],
        format!("http://{domain}/.well-known/webfinger?resource={{uri}}")
    );
    let (_, _, host_meta) = fetch(&format!("{base}/.well-known/host-meta"), "*/*").await;
    assert!(
        host_meta.contains(&format!(
            "http://{domain}/.well-known/webfinger?resource={{uri}}"
        )),
        "{host_meta}"
    );

    for accept in [
        "application/activity+json",
        "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
    ] {
        let (status, headers, body) = fetch(&format!("{base}/users/alice"), accept).await;
        assert_eq!(status, StatusCode::OK, "{accept}");
        assert!(
            headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/activity+json")
        );
        let actor: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(actor["id"], actor_id);
        assert_eq!(actor["type"], "Person");
        assert_eq!(actor["inbox"], format!("{actor_id}/inbox"));
        assert_eq!(
            actor["endpoints"]["sharedInbox"],
            format!("http://{domain}/inbox")
        );
        assert_eq!(actor["followers"], format!("{actor_id}/followers"));
        assert_eq!(
            actor["featured"],
            format!("{actor_id}/collections/featured")
        );
        assert_eq!(
            actor["featuredTags"],
            format!("{actor_id}/collections/tags")
        );
        assert_eq!(actor["alsoKnownAs"], json!([]));
        assert_eq!(actor["tag"], json!([]));
        assert_eq!(actor["memorial"], false);
        assert!(actor["indexable"].is_boolean());
        let context = actor["@context"].to_string();
        for term in ["PropertyValue", "featuredTags", "alsoKnownAs", "indexable"] {
            assert!(
                context.contains(&format!("\"{term}\"")),
                "{term} in {context}"
            );
        }
        assert_eq!(actor["publicKey"]["id"], format!("{actor_id}#main-key"));
        assert!(
            actor["publicKey"]["publicKeyPem"]
                .as_str()
                .unwrap()
                .contains("BEGIN PUBLIC KEY")
        );
    }
    let (status, headers, _) = fetch(&format!("{base}/users/alice"), "text/html").await;
    assert!(status.is_redirection(), "{status}");
    assert_eq!(headers[header::LOCATION], format!("http://{domain}/@alice"));
    let (status, _, page) = fetch(&format!("{base}/@alice"), "text/html").await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("@alice@"), "{page}");

    let (status, _, body) = fetch(&format!("{base}/actor"), "application/activity+json").await;
    assert_eq!(status, StatusCode::OK);
    let instance_actor: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(instance_actor["type"], "Application");
    assert!(instance_actor["publicKey"]["publicKeyPem"].is_string());

    let public = town
        .post_status(&alice, &json!({"status": "open to all"}))
        .await;
    let private = town
        .post_status(
            &alice,
            &json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let (status, _, body) = fetch(
        public["uri"]
            .as_str()
            .unwrap()
            .replace(&format!("http://{domain}"), &base)
            .as_str(),
        "application/activity+json",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let note: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(note["type"], "Note");
    assert_eq!(note["attributedTo"], actor_id);
    assert_eq!(
        note["to"][0],
        "https://www.w3.org/ns/activitystreams#Public"
    );
    assert_eq!(
        note["replies"],
        format!("{}/replies", public["uri"].as_str().unwrap())
    );

    // Pins, replies and featured hashtags are collections other servers read.
    let public_id = public["id"].as_str().unwrap();
    let pinned = town
        .post_json(
            &format!("/api/v1/statuses/{public_id}/pin"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(pinned.status, StatusCode::OK, "{}", pinned.body);
    let reply = town
        .post_status(
            &alice,
            &json!({"status": "and a reply", "in_reply_to_id": public_id}),
        )
        .await;
    town.post_status(
        &alice,
        &json!({"status": "a quiet reply", "in_reply_to_id": public_id, "visibility": "private"}),
    )
    .await;
    let featured_tag = town
        .post_json(
            "/api/v1/featured_tags",
            Some(&alice.token),
            &json!({"name": "#Seeds"}),
        )
        .await;
    assert_eq!(featured_tag.status, StatusCode::OK, "{}", featured_tag.body);
    let as_json = |path: String| async move {
        let (status, _, body) = fetch(&path, "application/activity+json").await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        serde_json::from_str::<Value>(&body).unwrap()
    };
    let featured = as_json(format!("{base}/users/alice/collections/featured")).await;
    assert_eq!(featured["type"], "OrderedCollection");
    assert_eq!(featured["totalItems"], 1);
    assert_eq!(featured["orderedItems"][0]["id"], public["uri"]);
    assert_eq!(featured["orderedItems"][0]["type"], "Note");
    let replies = as_json(format!("{base}/users/alice/statuses/{public_id}/replies")).await;
    assert_eq!(replies["orderedItems"], json!([reply["uri"]]), "{replies}");
    let tags = as_json(format!("{base}/users/alice/collections/tags")).await;
    assert_eq!(tags["orderedItems"][0]["type"], "Hashtag");
    assert_eq!(tags["orderedItems"][0]["name"], "#seeds");
    assert_eq!(
        tags["orderedItems"][0]["href"],
        format!("http://{domain}/tags/seeds")
    );

    let private_url = private["uri"]
        .as_str()
        .unwrap()
        .replace(&format!("http://{domain}"), &base);
    let (status, _, _) = fetch(&private_url, "application/activity+json").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a followers-only note leaked to an unsigned fetch"
    );

    let (status, _, _) = fetch(
        &format!("{base}/users/instance.actor"),
        "application/activity+json",
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the instance actor lives at /actor only"
    );
    let finger = town
        .get(
            &format!("/.well-known/webfinger?resource=acct:instance.actor@{domain}"),
            None,
        )
        .await;
    assert_eq!(finger.status, StatusCode::NOT_FOUND);

    let health = town.get("/health", None).await;
    assert_eq!(health.body["status"], "ok");
    assert_eq!(health.body["database"], true);
}

async fn oauth_scopes_and_errors(backend: Backend) {
    let town = Instance::start("town", backend).await;
    town.create_user("alice").await;
    let app = town
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "test app"),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                ("scopes", "read write"),
            ],
        )
        .await;
    assert_eq!(app.status, StatusCode::OK, "{}", app.body);
    let client_id = app.body["client_id"].as_str().unwrap().to_string();
    let client_secret = app.body["client_secret"].as_str().unwrap().to_string();
    let grant = |login: &'static str, password: &'static str, scope: &'static str| {
        let (client_id, client_secret) = (client_id.clone(), client_secret.clone());
        let town = &town;
        async move {
            town.post_json(
                "/oauth/token",
                None,
                &json!({"grant_type": "password", "client_id": client_id, "client_secret": client_secret,
                        "username": login, "password": password, "scope": scope}),
            )
            .await
        }
    };
    let by_email = grant("alice@example.test", PASSWORD, "read write").await;
    assert_eq!(by_email.status, StatusCode::OK, "{}", by_email.body);
    assert_eq!(by_email.body["token_type"], "Bearer");
    let by_name = grant("alice", PASSWORD, "read").await;
    assert_eq!(by_name.body["scope"], "read");
    let wrong = grant("alice", "not the password", "read").await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body["error"].is_string());
    let too_wide = grant("alice", PASSWORD, "read write follow").await;
    assert_eq!(
        too_wide.status,
        StatusCode::BAD_REQUEST,
        "{}",
        too_wide.body
    );

    let read_only = by_name.body["access_token"].as_str().unwrap();
    let me = town
        .get("/api/v1/accounts/verify_credentials", Some(read_only))
        .await;
    assert_eq!(me.body["acct"], "alice");
    assert_eq!(me.body["source"]["privacy"], "public");
    let denied = town
        .post_status_raw(read_only, &json!({"status": "hi"}))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.body);

    let app_only = town
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
            ],
        )
        .await;
    let app_token = app_only.body["access_token"].as_str().unwrap();
    let no_user = town
        .get("/api/v1/accounts/verify_credentials", Some(app_token))
        .await;
    assert_eq!(no_user.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_secret = town
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", "guess"),
            ],
        )
        .await;
    assert_eq!(bad_secret.status, StatusCode::UNAUTHORIZED);

    let writer = by_email.body["access_token"].as_str().unwrap();
    let anonymous = town
        .post_json("/api/v1/statuses", None, &json!({"status": "hi"}))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert!(anonymous.body["error"].is_string());
    let bogus = town
        .get("/api/v1/statuses/not-a-number", Some(writer))
        .await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);
    assert!(bogus.body["error"].is_string());
    let blank = town
        .post_status_raw(writer, &json!({"status": "   "}))
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_visibility = town
        .post_status_raw(writer, &json!({"status": "x", "visibility": "everyone"}))
        .await;
    assert_eq!(bad_visibility.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad_reply = town
        .post_status_raw(writer, &json!({"status": "x", "in_reply_to_id": "999"}))
        .await;
    assert_eq!(bad_reply.status, StatusCode::NOT_FOUND);
    let huge = town
        .post_status_raw(writer, &json!({"status": "x".repeat(1024 * 1024 + 10_000)}))
        .await;
    assert_eq!(huge.status, StatusCode::PAYLOAD_TOO_LARGE);
    let statuses = town.get("/api/v1/accounts/lookup?acct=alice", None).await;
    assert_eq!(
        statuses.body["statuses_count"], 0,
        "a refused post was stored"
    );
}

async fn timelines_page_by_id(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let status = town
            .post_status(&alice, &json!({"status": format!("post {n}")}))
            .await;
        ids.push(status["id"].as_str().unwrap().parse::<i64>().unwrap());
    }
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "ids must grow with time: {ids:?}"
    );
    let first = no_redirects()
        .get(format!("{}/api/v1/timelines/home?limit=2", town.base_url()))
        .bearer_auth(&alice.token)
        .send()
        .await
        .unwrap();
    let link = first.headers()[header::LINK].to_str().unwrap().to_string();
    let page: Vec<Value> = first.json().await.unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["id"], ids[2].to_string());
    assert!(link.contains(&format!("max_id={}", ids[1])), "{link}");
    assert!(
        link.contains("limit=2"),
        "the page size carries over: {link}"
    );
    let older = town
        .get(
            &format!("/api/v1/timelines/home?max_id={}", ids[1]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(older.body.as_array().unwrap().len(), 1);
    assert_eq!(older.body[0]["id"], ids[0].to_string());
    let newer = town
        .get(
            &format!("/api/v1/timelines/home?min_id={}&limit=1", ids[0]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(newer.body[0]["id"], ids[1].to_string());
    let since = town
        .get(
            &format!("/api/v1/timelines/home?since_id={}", ids[0]),
            Some(&alice.token),
        )
        .await;
    assert_eq!(since.body.as_array().unwrap().len(), 2);
}

/// The public timeline interleaves local and remote statuses by id,
/// whichever way it is paged, and each origin alone keeps its own.
async fn the_public_timeline_pages_through_local_and_remote(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let peer = Peer::start().await;
    let alice = town.create_user("alice").await;
    peer.accept_follow_from(&town, &alice, "mia").await;
    let inbox = format!("{}/inbox", town.base_url());
    // Local, remote, local, remote: each id above the one before.
    let mut ids = Vec::new();
    for n in 0..2 {
        let local = town
            .post_status(&alice, &json!({"status": format!("local {n}")}))
            .await;
        ids.push(local["id"].as_str().unwrap().to_string());
        let remote = peer.create_note("mia", &format!("remote-{n}"), &format!("remote {n}"));
        let (status, body) = peer.post_signed("mia", &inbox, &remote).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let stored = town
            .wait_for_home_status(&alice, remote["object"]["id"].as_str().unwrap())
            .await;
        ids.push(stored["id"].as_str().unwrap().to_string());
    }
    let page = |query: &str| {
        let town = &town;
        let path = format!("/api/v1/timelines/public?{query}");
        async move {
            let answer = town.get(&path, None).await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            answer
                .body
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    let newest_first = |picked: &[usize]| -> Vec<String> {
        picked.iter().rev().map(|&at| ids[at].clone()).collect()
    };
    assert_eq!(page("limit=2").await, newest_first(&[2, 3]));
    assert_eq!(
        page(&format!("limit=2&max_id={}", ids[2])).await,
        newest_first(&[0, 1])
    );
    assert_eq!(
        page(&format!("limit=2&min_id={}", ids[0])).await,
        newest_first(&[1, 2]),
        "paging forward gives the oldest statuses above min_id"
    );
    assert_eq!(
        page(&format!("since_id={}", ids[0])).await,
        newest_first(&[1, 2, 3])
    );
    assert_eq!(page("local=true").await, newest_first(&[0, 2]));
    assert_eq!(page("remote=true").await, newest_first(&[1, 3]));
}

backend_tests!(app_startup_endpoints_answer, app_startup_endpoints_answer);

/// What apps call when they open: each answers with its documented shape.
async fn app_startup_endpoints_answer(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let token = Some(alice.token.as_str());
    for path in [
        "/api/v1/custom_emojis",
        "/api/v1/filters",
        "/api/v2/filters",
        "/api/v1/lists",
        "/api/v1/announcements",
        "/api/v1/trends/tags",
        "/api/v1/instance/rules",
        "/api/v1/instance/peers",
    ] {
        let answer = town.get(path, token).await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert_eq!(answer.body, json!([]), "{path}");
    }
    let preferences = town.get("/api/v1/preferences", token).await;
    assert_eq!(preferences.body["posting:default:visibility"], "public");

    let post = town
        .post_status(&alice, &json!({"status": "remember where I was"}))
        .await;
    let id = post["id"].as_str().unwrap();
    let empty = town.get("/api/v1/markers?timeline[]=home", token).await;
    assert_eq!(empty.body, json!({}));
    let saved = town
        .post_json(
            "/api/v1/markers",
            token,
            &json!({"home": {"last_read_id": id}}),
        )
        .await;
    assert_eq!(saved.body["home"]["last_read_id"], id, "{}", saved.body);
    assert_eq!(saved.body["home"]["version"], 1);
    let form = town
        .post_form("/api/v1/markers", token, &[("home[last_read_id]", id)])
        .await;
    assert_eq!(form.body["home"]["version"], 2, "{}", form.body);
    let read = town.get("/api/v1/markers", token).await;
    assert_eq!(read.body["home"]["last_read_id"], id);
    let bad = town
        .post_json(
            "/api/v1/markers",
            token,
            &json!({"home": {"last_read_id": "soon"}}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    town.post_json(
        &format!("/api/v1/statuses/{id}/favourite"),
        token,
        &Value::Null,
    )
    .await;
    let favourites = town.get("/api/v1/favourites", token).await;
    assert_eq!(favourites.body[0]["id"], id, "{}", favourites.body);
    assert_eq!(favourites.body[0]["favourited"], true);
}

backend_tests!(
    authorization_code_flow_with_pkce,
    authorization_code_flow_with_pkce
);

/// The browser side of OAuth: the authorization page, consent, codes with
/// PKCE or the app secret, refresh and revocation.
async fn authorization_code_flow_with_pkce(backend: Backend) {
    use base64::Engine;
    use sha2::Digest;
    let town = Instance::start("town", backend).await;
    town.create_user("alice").await;
    let callback = "http://app.example/callback";
    let app = town
        .post_json(
            "/api/v1/apps",
            None,
            &json!({"client_name": "Weaver", "redirect_uris": [callback, "urn:ietf:wg:oauth:2.0:oob"], "scopes": "read write"}),
        )
        .await;
    let client_id = app.body["client_id"].as_str().unwrap().to_string();
    let client_secret = app.body["client_secret"].as_str().unwrap().to_string();
    let metadata = town
        .get("/.well-known/oauth-authorization-server", None)
        .await;
    assert_eq!(
        metadata.body["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert!(
        metadata.body["grant_types_supported"]
            .as_array()
            .unwrap()
            .contains(&json!("password"))
    );

    let verifier = "a-long-random-verifier-string-of-enough-length-0123456789";
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let base = town.base_url();
    let query = |redirect: &str| {
        format!(
            "client_id={client_id}&redirect_uri={redirect}&response_type=code&scope=read&state=s1&code_challenge={challenge}&code_challenge_method=S256"
        )
    };
    let (status, _, page) = fetch(
        &format!("{base}/oauth/authorize?{}", query(callback)),
        "text/html",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Authorize Weaver") && page.contains("name=\"password\""),
        "{page}"
    );
    let (status, _, _) = fetch(
        &format!("{base}/oauth/authorize?{}", query("http://evil.example/")),
        "text/html",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let consent = |redirect: &'static str, password: &'static str, decision: &'static str| {
        let form = vec![
            ("client_id", client_id.clone()),
            ("redirect_uri", redirect.to_string()),
            ("response_type", "code".to_string()),
            ("scope", "read".to_string()),
            ("state", "s1".to_string()),
            ("code_challenge", challenge.clone()),
            ("code_challenge_method", "S256".to_string()),
            ("login", "alice".to_string()),
            ("password", password.to_string()),
            ("decision", decision.to_string()),
        ];
        let url = format!("{base}/oauth/authorize");
        async move { no_redirects().post(url).form(&form).send().await.unwrap() }
    };
    let wrong = consent(callback, "not it", "approve").await;
    assert_eq!(wrong.status(), StatusCode::OK);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("Invalid email or password")
    );
    let denied = consent(callback, PASSWORD, "deny").await;
    let location = denied.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        location.starts_with(callback)
            && location.contains("error=access_denied")
            && location.contains("state=s1"),
        "{location}"
    );

    let code_from = |response: reqwest::Response| {
        let location = response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_string();
        let url = url::Url::parse(&location).unwrap();
        assert_eq!(
            url.query_pairs().find(|(k, _)| k == "state").unwrap().1,
            "s1"
        );
        url.query_pairs()
            .find(|(k, _)| k == "code")
            .unwrap()
            .1
            .into_owned()
    };
    let code = code_from(consent(callback, PASSWORD, "approve").await);
    let exchange = |code: String,
                    verifier: Option<&'static str>,
                    secret: Option<String>,
                    redirect: &'static str| {
        let mut body = json!({"grant_type": "authorization_code", "client_id": client_id, "code": code, "redirect_uri": redirect});
        if let Some(verifier) = verifier {
            body["code_verifier"] = json!(verifier);
        }
        if let Some(secret) = secret {
            body["client_secret"] = json!(secret);
        }
        let town = &town;
        async move { town.post_json("/oauth/token", None, &body).await }
    };
    let wrong_verifier = exchange(code, Some("guess"), None, callback).await;
    assert_eq!(wrong_verifier.status, StatusCode::BAD_REQUEST);
    let code = code_from(consent(callback, PASSWORD, "approve").await);
    let token = exchange(code.clone(), Some(verifier), None, callback).await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    let replay = exchange(code, Some(verifier), None, callback).await;
    assert_eq!(
        replay.status,
        StatusCode::BAD_REQUEST,
        "codes are single use"
    );
    let access = token.body["access_token"].as_str().unwrap().to_string();
    let me = town
        .get("/api/v1/accounts/verify_credentials", Some(&access))
        .await;
    assert_eq!(me.body["acct"], "alice");

    let refreshed = town
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "refresh_token"),
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                (
                    "refresh_token",
                    token.body["refresh_token"].as_str().unwrap(),
                ),
            ],
        )
        .await;
    assert_eq!(refreshed.status, StatusCode::OK, "{}", refreshed.body);
    let old = town
        .get("/api/v1/accounts/verify_credentials", Some(&access))
        .await;
    assert_eq!(
        old.status,
        StatusCode::UNAUTHORIZED,
        "a refreshed token stops working"
    );
    let renewed = refreshed.body["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        town.get("/api/v1/accounts/verify_credentials", Some(&renewed))
            .await
            .status,
        StatusCode::OK
    );
    let revoked = town
        .post_form(
            "/oauth/revoke",
            None,
            &[
                ("client_id", &client_id),
                ("client_secret", &client_secret),
                ("token", &renewed),
            ],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::OK);
    assert_eq!(
        town.get("/api/v1/accounts/verify_credentials", Some(&renewed))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let out_of_band = consent("urn:ietf:wg:oauth:2.0:oob", PASSWORD, "approve").await;
    let page = out_of_band.text().await.unwrap();
    let code = page
        .split("<code id=\"code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    let oob_token = exchange(
        code,
        Some(verifier),
        Some(client_secret.clone()),
        "urn:ietf:wg:oauth:2.0:oob",
    )
    .await;
    assert_eq!(oob_token.status, StatusCode::OK, "{}", oob_token.body);
}

backend_tests!(
    sign_up_follows_the_registration_mode,
    sign_up_follows_the_registration_mode
);

/// An app token for `instance`, with the scopes a sign-up needs.
async fn app_token(instance: &Instance) -> String {
    let app = instance
        .post_form(
            "/api/v1/apps",
            None,
            &[
                ("client_name", "signup"),
                ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
                ("scopes", "read write"),
            ],
        )
        .await;
    let token = instance
        .post_form(
            "/oauth/token",
            None,
            &[
                ("grant_type", "client_credentials"),
                ("client_id", app.body["client_id"].as_str().unwrap()),
                ("client_secret", app.body["client_secret"].as_str().unwrap()),
                ("scope", "read write"),
            ],
        )
        .await;
    token.body["access_token"].as_str().unwrap().to_string()
}

async fn sign_up_follows_the_registration_mode(backend: Backend) {
    let sign_up = |name: &'static str, agreement: bool| json!({"username": name, "email": format!("{name}@example.test"), "password": PASSWORD, "agreement": agreement});
    let reviewed = Instance::start_with(
        "reviewed",
        backend,
        &[("TRELLIS_REGISTRATIONS", "approval")],
    )
    .await;
    let instance = reviewed.get("/api/v2/instance", None).await;
    assert_eq!(instance.body["registrations"]["approval_required"], true);
    let app = app_token(&reviewed).await;
    let refused = reviewed
        .post_json("/api/v1/accounts", Some(&app), &sign_up("dana", false))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let created = reviewed
        .post_json("/api/v1/accounts", Some(&app), &sign_up("dana", true))
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let token = created.body["access_token"].as_str().unwrap();
    let pending = reviewed
        .get("/api/v1/accounts/verify_credentials", Some(token))
        .await;
    assert_eq!(pending.status, StatusCode::FORBIDDEN);
    let taken = reviewed
        .post_json("/api/v1/accounts", Some(&app), &sign_up("dana", true))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    reviewed.admin(&["approve", "dana"]).await;
    let approved = reviewed
        .get("/api/v1/accounts/verify_credentials", Some(token))
        .await;
    assert_eq!(approved.body["acct"], "dana", "{}", approved.body);

    let open = Instance::start_with("open", backend, &[("TRELLIS_REGISTRATIONS", "open")]).await;
    let app = app_token(&open).await;
    let created = open
        .post_json("/api/v1/accounts", Some(&app), &sign_up("eli", true))
        .await;
    let token = created.body["access_token"].as_str().unwrap();
    assert_eq!(
        open.get("/api/v1/accounts/verify_credentials", Some(token))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        open.post_json("/api/v1/accounts", None, &sign_up("fay", true))
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );

    let closed =
        Instance::start_with("closed", backend, &[("TRELLIS_REGISTRATIONS", "closed")]).await;
    let app = app_token(&closed).await;
    let created = closed
        .post_json("/api/v1/accounts", Some(&app), &sign_up("gus", true))
        .await;
    assert_eq!(created.status, StatusCode::FORBIDDEN);
    assert_eq!(
        closed.get("/api/v1/instance", None).await.body["registrations"],
        false
    );
}

backend_tests!(
    bookmarks_pins_and_idempotent_posts,
    bookmarks_pins_and_idempotent_posts
);

async fn bookmarks_pins_and_idempotent_posts(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let token = Some(alice.token.as_str());

    let retry = |key: &'static str| {
        let client = reqwest::Client::new();
        let url = format!("{}/api/v1/statuses", town.base_url());
        let token = alice.token.clone();
        async move {
            let response = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&json!({"status": "posted once, sent twice"}))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    let first = retry("k-1").await;
    let second = retry("k-1").await;
    assert_eq!(
        first["id"], second["id"],
        "a retried post must not post twice"
    );
    let other = retry("k-2").await;
    assert_ne!(first["id"], other["id"]);
    let profile = town.get("/api/v1/accounts/lookup?acct=alice", None).await;
    assert_eq!(profile.body["statuses_count"], 2);

    let bobs = town
        .post_status(&bob, &json!({"status": "worth keeping"}))
        .await;
    let bobs_id = bobs["id"].as_str().unwrap();
    let marked = town
        .post_json(
            &format!("/api/v1/statuses/{bobs_id}/bookmark"),
            token,
            &Value::Null,
        )
        .await;
    assert_eq!(marked.body["bookmarked"], true);
    let list = town.get("/api/v1/bookmarks", token).await;
    assert_eq!(list.body[0]["id"], bobs_id);
    assert_eq!(
        town.get("/api/v1/bookmarks", Some(&bob.token)).await.body,
        json!([]),
        "bookmarks are private"
    );
    town.post_json(
        &format!("/api/v1/statuses/{bobs_id}/unbookmark"),
        token,
        &Value::Null,
    )
    .await;
    assert_eq!(town.get("/api/v1/bookmarks", token).await.body, json!([]));

    let not_mine = town
        .post_json(
            &format!("/api/v1/statuses/{bobs_id}/pin"),
            token,
            &Value::Null,
        )
        .await;
    assert_eq!(not_mine.status, StatusCode::UNPROCESSABLE_ENTITY);
    let mine = first["id"].as_str().unwrap();
    let pinned = town
        .post_json(&format!("/api/v1/statuses/{mine}/pin"), token, &Value::Null)
        .await;
    assert_eq!(pinned.body["pinned"], true, "{}", pinned.body);
    let alice_id = profile.body["id"].as_str().unwrap();
    let pins = town
        .get(
            &format!("/api/v1/accounts/{alice_id}/statuses?pinned=true"),
            None,
        )
        .await;
    let pins = pins.body.as_array().unwrap().clone();
    assert_eq!(pins.len(), 1);
    assert_eq!(pins[0]["id"], mine);
    let private = town
        .post_status(
            &alice,
            &json!({"status": "for followers", "visibility": "private"}),
        )
        .await;
    let refused = town
        .post_json(
            &format!("/api/v1/statuses/{}/pin", private["id"].as_str().unwrap()),
            token,
            &Value::Null,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// Home feeds keep their newest entries only; paging further back reads
/// what the feed would have held from the statuses, so a member sees the
/// same timeline, in the same order, as an untrimmed feed gave.
async fn a_trimmed_home_feed_pages_on(backend: Backend) {
    use federation_tests::{bulk, wait_until};
    use std::time::Duration;
    let town = Instance::start_with(
        "town",
        backend,
        &[
            ("TRELLIS_HOME_FEED_LENGTH", "4"),
            ("TRELLIS_HOME_FEED_TRIM_INTERVAL_SECONDS", "1"),
        ],
    )
    .await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    town.follow(&alice, "bob").await;
    let mut expected = Vec::new();
    for n in 0..12 {
        let (author, visibility) = match n % 4 {
            0 => (&alice, "public"),
            1 => (&bob, "private"),
            _ => (&bob, "public"),
        };
        let posted = town
            .post_status(
                author,
                &json!({"status": format!("note {n}"), "visibility": visibility}),
            )
            .await;
        expected.push(posted["id"].as_str().unwrap().to_string());
    }
    // Neither a stranger's post nor a direct message to someone else.
    town.post_status(&carol, &json!({"status": "elsewhere"}))
        .await;
    town.post_status(
        &bob,
        &json!({"status": "@carol just us", "visibility": "direct"}),
    )
    .await;
    expected.reverse();

    let url = town.database_url().to_string();
    let rows = "SELECT count(*) FROM home_feed h JOIN accounts a ON a.id = h.account_id \
        WHERE a.username = 'alice' AND a.local"
        .to_string();
    wait_until("alice's feed trimmed", Duration::from_secs(20), || {
        let (url, rows) = (url.clone(), rows.clone());
        async move { (bulk::number(&url, &rows) <= 4).then_some(()) }
    })
    .await;

    let mut seen = Vec::new();
    let mut path = "/api/v1/timelines/home?limit=3".to_string();
    loop {
        let page = town.get(&path, Some(&alice.token)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let ids: Vec<String> = page
            .body
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect();
        let Some(last) = ids.last().cloned() else {
            break;
        };
        seen.extend(ids);
        path = format!("/api/v1/timelines/home?limit=3&max_id={last}");
    }
    assert_eq!(seen, expected);
}
