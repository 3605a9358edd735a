//! Rate limits on the client API and OAuth, seen from a client: the
//! `X-RateLimit-*` headers, the 429 past the limit, a refused write that
//! leaves no trace, and the per-address buckets for sign-up and sign-in.
//! The harness's `Response` drops headers, so these tests send their
//! requests with reqwest directly.

use chrono::{DateTime, TimeDelta, Utc};
use federation_tests::{Backend, Instance, PASSWORD, backend_tests, wait_until};
use reqwest::{Method, RequestBuilder, StatusCode, header::HeaderMap};
use serde_json::{Value, json};
use std::time::Duration;

/// An answer with its headers.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// `(X-RateLimit-Limit, X-RateLimit-Remaining)`, None when not sent.
    fn quota(&self) -> Option<(u32, u32)> {
        let number = |name| self.header(name).map(|v| v.parse::<u32>().unwrap());
        Some((
            number("x-ratelimit-limit")?,
            number("x-ratelimit-remaining")?,
        ))
    }

    /// `X-RateLimit-Reset`, which must be UTC with milliseconds
    /// (`2026-03-22T22:10:00.250Z`).
    fn reset(&self) -> DateTime<Utc> {
        let text = self
            .header("x-ratelimit-reset")
            .expect("an X-RateLimit-Reset header");
        assert_eq!(text.len(), "2026-03-22T22:10:00.250Z".len(), "{text}");
        assert!(text.ends_with('Z'), "{text}");
        DateTime::parse_from_rfc3339(text)
            .unwrap_or_else(|e| panic!("X-RateLimit-Reset {text:?}: {e}"))
            .to_utc()
    }
}

fn request(instance: &Instance, method: Method, path: &str) -> RequestBuilder {
    reqwest::Client::new().request(method, format!("{}{path}", instance.base_url()))
}

async fn send(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("HTTP request failed");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("cannot read the body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Answer {
        status,
        headers,
        body,
    }
}

fn assert_refused(answer: &Answer, limit: u32) {
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(answer.body, json!({"error": "Too many requests"}));
    assert_eq!(answer.quota(), Some((limit, 0)));
}

backend_tests!(
    tokens_count_down_and_are_refused_past_the_limit,
    tokens_count_down_and_are_refused_past_the_limit
);

async fn tokens_count_down_and_are_refused_past_the_limit(backend: Backend) {
    let town = Instance::start_with(
        "limits",
        backend,
        &[
            ("TRELLIS_RATE_LIMIT_REQUESTS", "5"),
            ("TRELLIS_RATE_LIMIT_WINDOW_SECONDS", "60"),
        ],
    )
    .await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let me = |token: &str| {
        request(&town, Method::GET, "/api/v1/accounts/verify_credentials").bearer_auth(token)
    };

    let started = Utc::now();
    let mut resets = Vec::new();
    for remaining in (0..5).rev() {
        let answer = send(me(&alice.token)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        assert_eq!(answer.quota(), Some((5, remaining)));
        resets.push(answer.reset());
    }
    let reset = resets[0];
    // Reset times are told on the wall clock, so allow for rounding.
    let same_window = |other: DateTime<Utc>| (other - reset).abs() < TimeDelta::milliseconds(50);
    assert!(
        resets.iter().copied().all(same_window),
        "one window, one reset time: {resets:?}"
    );
    assert!(reset > started, "{reset} is in the future");
    assert!(reset <= Utc::now() + TimeDelta::seconds(60), "{reset}");

    let refused = send(me(&alice.token)).await;
    assert_refused(&refused, 5);
    assert!(same_window(refused.reset()), "{}", refused.reset());
    let by_query = send(request(
        &town,
        Method::GET,
        &format!(
            "/api/v1/accounts/verify_credentials?access_token={}",
            alice.token
        ),
    ))
    .await;
    assert_refused(&by_query, 5);

    let other_token = send(me(&bob.token)).await;
    assert_eq!(other_token.status, StatusCode::OK, "{}", other_token.body);
    assert_eq!(other_token.quota(), Some((5, 4)));
    let anonymous = send(request(&town, Method::GET, "/api/v1/instance")).await;
    assert_eq!(anonymous.status, StatusCode::OK);
    assert_eq!(anonymous.quota(), Some((5, 4)), "counted per address");

    // ActivityPub, WebFinger, the web pages and the health check are never
    // counted, however often they are asked for.
    let webfinger = format!("/.well-known/webfinger?resource=acct:{}", alice.acct);
    for _ in 0..6 {
        for path in [webfinger.as_str(), "/users/alice", "/@alice", "/health"] {
            let answer = send(
                request(&town, Method::GET, path).header("accept", "application/activity+json"),
            )
            .await;
            assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
            assert_eq!(answer.quota(), None, "{path} is not rate limited");
        }
    }
}

backend_tests!(
    a_refused_write_writes_nothing,
    a_refused_write_writes_nothing
);

async fn a_refused_write_writes_nothing(backend: Backend) {
    let town = Instance::start_with(
        "writes",
        backend,
        &[
            ("TRELLIS_RATE_LIMIT_REQUESTS", "2"),
            ("TRELLIS_RATE_LIMIT_WINDOW_SECONDS", "5"),
        ],
    )
    .await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    let post = |text: &str| {
        send(
            request(&town, Method::POST, "/api/v1/statuses")
                .bearer_auth(&alice.token)
                .json(&json!({"status": text})),
        )
    };
    assert_eq!(post("one").await.status, StatusCode::OK);
    assert_eq!(post("two").await.status, StatusCode::OK);
    assert_refused(&post("three").await, 2);

    // Other tokens have their own counts, so they can look while Alice
    // waits. A look takes two requests, a whole window's worth.
    let (count, written) = alices_statuses(&town, &bob.token).await;
    assert_eq!(count, 2);
    assert_eq!(written.len(), 2, "{written:?}");
    assert!(
        !written.iter().any(|text| text.contains("three")),
        "{written:?}"
    );

    // Once the window has ended Alice gets a fresh one; the refused post is
    // not replayed.
    let fresh = wait_until(
        "alice's rate limit window to end",
        Duration::from_secs(20),
        || async {
            let answer = send(
                request(&town, Method::GET, "/api/v1/accounts/verify_credentials")
                    .bearer_auth(&alice.token),
            )
            .await;
            (answer.status == StatusCode::OK).then_some(answer)
        },
    )
    .await;
    assert_eq!(fresh.quota(), Some((2, 1)));
    assert_eq!(post("four").await.status, StatusCode::OK);
    let (count, written) = alices_statuses(&town, &carol.token).await;
    assert_eq!(count, 3);
    assert!(written[0].contains("four"), "{written:?}");
    assert!(
        !written.iter().any(|text| text.contains("three")),
        "{written:?}"
    );
}

/// Alice's `statuses_count` and the text of her statuses, newest first, as
/// the holder of `token` sees them.
async fn alices_statuses(town: &Instance, token: &str) -> (Value, Vec<String>) {
    let account = town
        .get("/api/v1/accounts/lookup?acct=alice", Some(token))
        .await;
    let id = account.body["id"].as_str().expect("alice's id");
    let statuses = town
        .get(&format!("/api/v1/accounts/{id}/statuses"), Some(token))
        .await;
    assert_eq!(statuses.status, StatusCode::OK, "{}", statuses.body);
    let texts = statuses
        .body
        .as_array()
        .expect("a list of statuses")
        .iter()
        .map(|status| status["content"].as_str().unwrap().to_owned())
        .collect();
    (account.body["statuses_count"].clone(), texts)
}

backend_tests!(
    sign_up_and_sign_in_are_limited_per_address,
    sign_up_and_sign_in_are_limited_per_address
);

/// A registered app and its `write` app token, the token counted once in
/// the sign-in bucket.
async fn app_token(instance: &Instance) -> (Value, Answer) {
    let app = send(request(instance, Method::POST, "/api/v1/apps").form(&[
        ("client_name", "limits"),
        ("redirect_uris", "urn:ietf:wg:oauth:2.0:oob"),
        ("scopes", "read write"),
    ]))
    .await;
    assert_eq!(app.status, StatusCode::OK, "{}", app.body);
    let token = send(request(instance, Method::POST, "/oauth/token").form(&[
        ("grant_type", "client_credentials"),
        ("client_id", app.body["client_id"].as_str().unwrap()),
        ("client_secret", app.body["client_secret"].as_str().unwrap()),
        ("scope", "read write"),
    ]))
    .await;
    assert_eq!(token.status, StatusCode::OK, "{}", token.body);
    (app.body, token)
}

fn sign_up(instance: &Instance, token: &Answer, name: &str) -> RequestBuilder {
    request(instance, Method::POST, "/api/v1/accounts")
        .bearer_auth(token.body["access_token"].as_str().unwrap())
        .json(&json!({
            "username": name,
            "email": format!("{name}@example.test"),
            "password": PASSWORD,
            "agreement": true,
        }))
}

async fn sign_up_and_sign_in_are_limited_per_address(backend: Backend) {
    let town = Instance::start_with(
        "signups",
        backend,
        &[
            ("TRELLIS_REGISTRATIONS", "open"),
            ("TRELLIS_RATE_LIMIT_REQUESTS", "0"),
            ("TRELLIS_RATE_LIMIT_ADDRESS_REQUESTS", "0"),
            ("TRELLIS_RATE_LIMIT_SIGN_UP_REQUESTS", "2"),
            ("TRELLIS_RATE_LIMIT_SIGN_IN_REQUESTS", "3"),
        ],
    )
    .await;
    town.create_user("alice").await;
    let unlimited = send(request(&town, Method::GET, "/api/v1/instance")).await;
    assert_eq!(unlimited.quota(), None, "0 turns the general limits off");

    let (client, app) = app_token(&town).await;
    assert_eq!(app.quota(), Some((3, 2)), "the token endpoint is a sign-in");

    let first = send(sign_up(&town, &app, "una")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.quota(), Some((2, 1)));
    assert!(first.reset() > Utc::now() + TimeDelta::minutes(29));
    assert_eq!(
        send(sign_up(&town, &app, "duo")).await.quota(),
        Some((2, 0))
    );
    assert_refused(&send(sign_up(&town, &app, "tre")).await, 2);
    let lookup = town.get("/api/v1/accounts/lookup?acct=tre", None).await;
    assert_eq!(lookup.status, StatusCode::NOT_FOUND, "{}", lookup.body);

    // Trellis trusts X-Forwarded-For from loopback by default, as from a
    // reverse proxy on the same host, so this is another client.
    let elsewhere =
        send(sign_up(&town, &app, "tre").header("x-forwarded-for", "203.0.113.7")).await;
    assert_eq!(elsewhere.status, StatusCode::OK, "{}", elsewhere.body);
    assert_eq!(elsewhere.quota(), Some((2, 1)));

    let password_grant = |password: &str| {
        request(&town, Method::POST, "/oauth/token").form(&[
            ("grant_type", "password"),
            ("client_id", client["client_id"].as_str().unwrap()),
            ("client_secret", client["client_secret"].as_str().unwrap()),
            ("username", "alice"),
            ("password", password),
        ])
    };
    let wrong = send(password_grant("guess one")).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST, "{}", wrong.body);
    assert_eq!(wrong.quota(), Some((3, 1)));
    let wrong = send(password_grant("guess two")).await;
    assert_eq!(wrong.quota(), Some((3, 0)));
    assert_refused(&send(password_grant(PASSWORD)).await, 3);
    let login_form = send(request(&town, Method::POST, "/oauth/authorize").form(&[
        ("client_id", client["client_id"].as_str().unwrap()),
        ("redirect_uri", "urn:ietf:wg:oauth:2.0:oob"),
        ("login", "alice"),
        ("password", "guess three"),
        ("decision", "approve"),
    ]))
    .await;
    assert_refused(&login_form, 3);
    let other_client =
        send(password_grant("guess three").header("x-forwarded-for", "203.0.113.7")).await;
    assert_eq!(other_client.status, StatusCode::BAD_REQUEST);
    assert_eq!(other_client.quota(), Some((3, 2)));

    // With no trusted proxy, X-Forwarded-For is the client's own claim and
    // changes nothing.
    let direct = Instance::start_with(
        "direct",
        backend,
        &[
            ("TRELLIS_REGISTRATIONS", "open"),
            ("TRELLIS_TRUSTED_PROXIES", ""),
            ("TRELLIS_RATE_LIMIT_SIGN_UP_REQUESTS", "1"),
        ],
    )
    .await;
    let (_, app) = app_token(&direct).await;
    let first = send(sign_up(&direct, &app, "una")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let spoofed =
        send(sign_up(&direct, &app, "duo").header("x-forwarded-for", "203.0.113.7")).await;
    assert_refused(&spoofed, 1);
}
