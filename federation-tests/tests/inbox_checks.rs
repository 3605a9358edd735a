//! Hostile input at the inbox: every check refuses with a 4xx and a reason
//! and stores nothing, while a correctly signed activity from the same
//! actor goes through (so the refusals are not an accident of the setup).

use federation_tests::{Backend, Instance, User, backend_tests, peer::Peer, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    refused_activities_leave_no_trace,
    refused_activities_leave_no_trace
);
backend_tests!(
    fetched_objects_must_be_what_they_claim,
    fetched_objects_must_be_what_they_claim
);
backend_tests!(
    production_mode_refuses_private_addresses,
    production_mode_refuses_private_addresses
);

async fn home_contents(town: &Instance, bob: &User) -> Vec<String> {
    town.home_timeline(bob)
        .await
        .iter()
        .map(|s| s["content"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn assert_refused(
    what: &str,
    (status, body): (StatusCode, String),
    expected: StatusCode,
    reason: &str,
) {
    assert_eq!(status, expected, "{what}: {body}");
    assert!(
        body.contains(reason),
        "{what}: expected {reason:?} in {body}"
    );
}

async fn refused_activities_leave_no_trace(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.accept_follow_from(&town, &bob, "mallory").await;
    let inbox = format!("{}/inbox", town.base_url());

    let forged = peer.create_note("mallory", "unsigned", "forged: unsigned");
    let body = serde_json::to_vec(&forged).unwrap();
    assert_refused(
        "unsigned",
        peer.post_raw(&inbox, body, &[]).await,
        StatusCode::UNAUTHORIZED,
        "not signed",
    );

    let note = peer.create_note("mallory", "digest", "forged: swapped body");
    let signed_for =
        serde_json::to_vec(&peer.create_note("mallory", "digest", "harmless")).unwrap();
    let headers = peer.signature_headers("mallory", &inbox, &signed_for);
    let sent = serde_json::to_vec(&note).unwrap();
    assert_refused(
        "digest",
        peer.post_raw(&inbox, sent, &headers).await,
        StatusCode::UNAUTHORIZED,
        "Digest",
    );

    let note = serde_json::to_vec(&peer.create_note("mallory", "stale", "forged: stale")).unwrap();
    let mut headers = peer.signature_headers("mallory", &inbox, &note);
    let stale = (chrono::Utc::now() - chrono::Duration::hours(3))
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    headers
        .iter_mut()
        .filter(|(k, _)| k == "date")
        .for_each(|(_, v)| *v = stale.clone());
    assert_refused(
        "stale date",
        peer.post_raw(&inbox, note, &headers).await,
        StatusCode::UNAUTHORIZED,
        "window",
    );

    let note =
        serde_json::to_vec(&peer.create_note("mallory", "uncovered", "forged: digest not signed"))
            .unwrap();
    let mut headers = peer.signature_headers("mallory", &inbox, &note);
    headers
        .iter_mut()
        .filter(|(k, _)| k == "signature")
        .for_each(|(_, v)| *v = v.replace("date digest host", "date host"));
    assert_refused(
        "uncovered digest",
        peer.post_raw(&inbox, note, &headers).await,
        StatusCode::UNAUTHORIZED,
        "digest",
    );

    let note = peer.create_note("mallory", "eve", "forged: signed by eve");
    assert_refused(
        "another actor's key",
        peer.post_signed("eve", &inbox, &note).await,
        StatusCode::UNAUTHORIZED,
        "does not belong",
    );

    let note = serde_json::to_vec(&peer.create_note("mallory", "badsig", "forged: bad signature"))
        .unwrap();
    let mut headers = peer.signature_headers("mallory", &inbox, &note);
    let eves = peer.signature_headers("eve", &inbox, &note);
    let eve_signature = eves
        .iter()
        .find(|(k, _)| k == "signature")
        .unwrap()
        .1
        .clone();
    let eve_value = eve_signature
        .split("signature=\"")
        .nth(1)
        .unwrap()
        .to_string();
    headers
        .iter_mut()
        .filter(|(k, _)| k == "signature")
        .for_each(|(_, v)| {
            let prefix = v.split("signature=\"").next().unwrap().to_string();
            *v = format!("{prefix}signature=\"{eve_value}");
        });
    assert_refused(
        "bad signature",
        peer.post_raw(&inbox, note, &headers).await,
        StatusCode::UNAUTHORIZED,
        "does not verify",
    );

    let mut foreign_id = peer.create_note("mallory", "foreign", "forged: foreign id");
    foreign_id["id"] = json!("http://localhost:1/activities/1");
    assert_refused(
        "id on another server",
        peer.post_signed("mallory", &inbox, &foreign_id).await,
        StatusCode::BAD_REQUEST,
        "not on its actor's server",
    );

    let mut impersonation =
        peer.create_note("mallory", "impersonation", "forged: put in eve's mouth");
    impersonation["object"]["attributedTo"] = json!(peer.actor_id("eve"));
    assert_refused(
        "note by someone else",
        peer.post_signed("mallory", &inbox, &impersonation).await,
        StatusCode::FORBIDDEN,
        "author",
    );

    // A group-style share (FEP-1b12) whose Create claims another author.
    let mut wrapped = peer.create_note("mallory", "wrapped", "forged: wrapped for eve");
    wrapped["object"]["attributedTo"] = json!(peer.actor_id("eve"));
    let share = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url("/activities/share-wrapped"),
        "type": "Announce",
        "actor": peer.actor_id("mallory"),
        "object": wrapped,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    });
    assert_refused(
        "announced Create by someone else",
        peer.post_signed("mallory", &inbox, &share).await,
        StatusCode::FORBIDDEN,
        "author",
    );

    let mut huge = peer.create_note("mallory", "huge", "forged: huge");
    huge["object"]["content"] = json!("x".repeat(1024 * 1024));
    let (status, _) = peer.post_signed("mallory", &inbox, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    let bad_json = b"{not json".to_vec();
    let headers = peer.signature_headers("mallory", &inbox, &bad_json);
    assert_refused(
        "malformed JSON",
        peer.post_raw(&inbox, bad_json, &headers).await,
        StatusCode::BAD_REQUEST,
        "not an activity",
    );

    // The control: the same actor, signed properly, twice (at-least-once
    // delivery). It shows once.
    let genuine = peer.create_note("mallory", "genuine", "genuine note");
    for _ in 0..2 {
        let (status, body) = peer.post_signed("mallory", &inbox, &genuine).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let home = home_contents(&town, &bob).await;
    assert_eq!(
        home.iter().filter(|c| c.contains("genuine note")).count(),
        1,
        "{home:?}"
    );
    assert!(!home.iter().any(|c| c.contains("forged")), "{home:?}");
    assert!(town.logs().contains("inbox refused an activity"));
}

async fn fetched_objects_must_be_what_they_claim(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.accept_follow_from(&town, &bob, "mallory").await;
    let inbox = format!("{}/inbox", town.base_url());
    let mallory = peer.actor_id("mallory");
    let announce = |object: &str, key: &str| -> Value {
        json!({
            "id": format!("{mallory}/announces/{key}"),
            "type": "Announce",
            "actor": mallory,
            "object": object,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        })
    };
    let note = |id: &str, content: &str| -> Value {
        json!({
            "id": id,
            "type": "Note",
            "attributedTo": mallory,
            "content": content,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
        })
    };

    let wrong_id = peer.serve(
        "wrong-id",
        "application/activity+json",
        note("http://elsewhere.invalid/notes/1", "wrong id"),
    );
    assert_refused(
        "id differs from its URL",
        peer.post_signed("mallory", &inbox, &announce(&wrong_id, "1"))
            .await,
        StatusCode::BAD_REQUEST,
        "different id",
    );

    let html_url = peer.url("/docs/html");
    peer.serve("html", "text/html", note(&html_url, "served as html"));
    assert_refused(
        "not ActivityStreams",
        peer.post_signed("mallory", &inbox, &announce(&html_url, "2"))
            .await,
        StatusCode::BAD_REQUEST,
        "content type",
    );

    let good_url = peer.url("/docs/good");
    peer.serve(
        "good",
        "application/activity+json",
        note(&good_url, "boosted for real"),
    );
    let (status, body) = peer
        .post_signed("mallory", &inbox, &announce(&good_url, "3"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");

    let mut reply = peer.create_note("mallory", "endless", "a reply to an endless thread");
    reply["object"]["inReplyTo"] = json!(peer.url("/chain/1"));
    let (status, body) = peer.post_signed("mallory", &inbox, &reply).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let chain_fetches = peer.fetches("/chain/");
    assert!(
        (1..=20).contains(&chain_fetches),
        "fetched {chain_fetches} links of the chain"
    );

    let home = home_contents(&town, &bob).await;
    assert!(
        home.iter()
            .any(|c| c.contains("a reply to an endless thread")),
        "{home:?}"
    );
    let boosted: Vec<Value> = town
        .home_timeline(&bob)
        .await
        .into_iter()
        .filter(|s| !s["reblog"].is_null())
        .collect();
    assert_eq!(boosted.len(), 1, "{boosted:?}");
    assert_eq!(boosted[0]["reblog"]["content"], "boosted for real");
}

async fn production_mode_refuses_private_addresses(backend: Backend) {
    let town =
        Instance::start_with("prod", backend, &[("TRELLIS_FEDERATION_DEV_MODE", "false")]).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    let search = |q: String| {
        let town = &town;
        let token = bob.token.clone();
        async move {
            town.get(
                &format!("/api/v2/search?q={q}&resolve=true&type=accounts"),
                Some(&token),
            )
            .await
        }
    };
    for q in [
        peer.acct("mallory"),
        peer.actor_id("mallory"),
        "https://127.0.0.1/users/mallory".to_string(),
        "https://localhost/users/mallory".to_string(),
        "mallory@localhost".to_string(),
    ] {
        let answer = search(q.clone()).await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{q}: {}",
            answer.body
        );
    }
    let note = peer.create_note("mallory", "prod", "from a private address");
    let (status, body) = peer
        .post_signed("mallory", &format!("{}/inbox", town.base_url()), &note)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(peer.fetches("/"), 0, "the peer on loopback was contacted");
    let actor = wait_until("bob's actor", Duration::from_secs(5), || async {
        let answer = reqwest::Client::new()
            .get(format!("{}/users/bob", town.base_url()))
            .header("Accept", "application/activity+json")
            .send()
            .await
            .ok()?;
        answer.json::<Value>().await.ok()
    })
    .await;
    assert!(
        actor["id"].as_str().unwrap().starts_with("https://"),
        "{actor}"
    );
}

backend_tests!(
    follows_of_the_instance_actor_are_rejected,
    follows_of_the_instance_actor_are_rejected
);

async fn follows_of_the_instance_actor_are_rejected(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let peer = Peer::start().await;
    let mallory = peer.actor_id("mallory");
    let instance_actor = format!("http://{}/actor", town.domain());
    let follow = json!({
        "id": format!("{mallory}/follows/1"),
        "type": "Follow",
        "actor": mallory,
        "object": instance_actor,
    });
    let (status, body) = peer
        .post_signed("mallory", &format!("{}/inbox", town.base_url()), &follow)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let reject = wait_until(
        "the Reject reaches the peer",
        Duration::from_secs(20),
        || async { peer.received().into_iter().find(|a| a["type"] == "Reject") },
    )
    .await;
    assert_eq!(reject["actor"], instance_actor);
    assert_eq!(reject["object"]["id"], format!("{mallory}/follows/1"));
    assert_eq!(reject["object"]["actor"], mallory);
}
