//! The streaming API: what an open app hears, over server-sent events and
//! over the websocket, and what it must not hear.

use federation_tests::{
    Backend, Instance, backend_tests,
    streams::{EventSource, Socket, StreamEvent},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    home_stream_hears_remote_posts_edits_deletes_and_notifications,
    home_stream_hears_remote_posts_edits_deletes_and_notifications
);
backend_tests!(
    websocket_streams_public_and_hashtag_posts_but_not_private_ones,
    websocket_streams_public_and_hashtag_posts_but_not_private_ones
);
backend_tests!(
    streaming_refuses_what_it_cannot_serve,
    streaming_refuses_what_it_cannot_serve
);

/// Several processes serve one instance from PostgreSQL: an app connected
/// to one hears what was posted through another.
#[tokio::test]
async fn streams_reach_apps_connected_to_another_process() {
    if !federation_tests::backends().contains(&Backend::Postgres) {
        return;
    }
    let first = Instance::start("town-1", Backend::Postgres).await;
    let second = first.another_process("town-2").await;
    let alice = first.create_user("alice").await;
    let carol = first.create_user("carol").await;
    first.follow(&carol, &alice.username).await;

    let on_second = format!("{}/api/v1/streaming/user", second.base_url());
    let mut carol_home = EventSource::open(&on_second, Some(&carol.token)).await;
    let on_first = format!("{}/api/v1/streaming/user", first.base_url());
    let mut alice_home = EventSource::open(&on_first, Some(&alice.token)).await;

    let via_first = first
        .post_status(
            &alice,
            &json!({"status": "Posted through the first process"}),
        )
        .await;
    let heard = carol_home
        .next_matching(is("update", "id", via_first["id"].clone()))
        .await;
    assert_eq!(heard.payload["account"]["username"], "alice");

    let via_second = second
        .post_status(
            &alice,
            &json!({"status": "Posted through the second process"}),
        )
        .await;
    alice_home
        .next_matching(is("update", "id", via_second["id"].clone()))
        .await;
    carol_home
        .next_matching(is("update", "id", via_second["id"].clone()))
        .await;
}

fn is(event: &'static str, field: &'static str, value: Value) -> impl Fn(&StreamEvent) -> bool {
    move |e| e.event == event && e.payload[field] == value
}

/// Bob on county keeps his home stream open while Alice on town posts,
/// edits and deletes, and while Carol (on county) replies to him.
async fn home_stream_hears_remote_posts_edits_deletes_and_notifications(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    let carol = county.create_user("carol").await;
    county.follow(&bob, &alice.acct).await;

    let url = format!("{}/api/v1/streaming/user", county.base_url());
    let mut home = EventSource::open(&url, Some(&bob.token)).await;
    let url = format!("{}/api/v1/streaming/user/notification", county.base_url());
    let mut notifications = EventSource::open(&url, Some(&bob.token)).await;

    let post = town
        .post_status(
            &alice,
            &json!({"status": "Compost workshop moved to the library"}),
        )
        .await;
    let uri = post["uri"].clone();
    let update = home.next_matching(is("update", "uri", uri.clone())).await;
    assert_eq!(update.payload["account"]["acct"], alice.acct.as_str());
    assert!(
        update.payload["content"]
            .as_str()
            .unwrap()
            .contains("Compost workshop moved to the library"),
        "{}",
        update.payload
    );
    let county_id = update.payload["id"].as_str().unwrap().to_string();

    let edited = town
        .put_json(
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            Some(&alice.token),
            &json!({"status": "Compost workshop moved to the town hall"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let change = home
        .next_matching(is("status.update", "uri", uri.clone()))
        .await;
    assert!(
        change.payload["content"]
            .as_str()
            .unwrap()
            .contains("town hall"),
        "{}",
        change.payload
    );
    assert!(
        change.payload["edited_at"].is_string(),
        "{}",
        change.payload
    );

    // A mention from a neighbour reaches both of Bob's streams as a
    // notification; the stream that carries only notifications gets no
    // statuses first.
    let mention = county
        .post_status(&carol, &json!({"status": "@bob are you going?"}))
        .await;
    let told = notifications.next().await;
    assert_eq!(told.event, "notification", "{told:?}");
    assert_eq!(told.payload["type"], "mention");
    assert_eq!(told.payload["status"]["id"], mention["id"]);
    assert_eq!(told.payload["account"]["username"], "carol");
    let told_home = home.next_matching(|e| e.event == "notification").await;
    assert_eq!(told_home.payload["id"], told.payload["id"]);

    let deleted = town
        .delete(
            &format!("/api/v1/statuses/{}", post["id"].as_str().unwrap()),
            Some(&alice.token),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let gone = home.next_matching(|e| e.event == "delete").await;
    assert_eq!(gone.payload, Value::String(county_id), "{gone:?}");
}

/// An anonymous websocket on the local public stream, which then also
/// subscribes to a hashtag: public posts arrive on the right streams, a
/// followers-only post on neither.
async fn websocket_streams_public_and_hashtag_posts_but_not_private_ones(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let ws_base = town.base_url().replacen("http://", "ws://", 1);

    let instance = town.get("/api/v1/instance", None).await;
    assert_eq!(
        instance.body["urls"]["streaming_api"],
        format!("ws://{}", town.domain()),
        "{}",
        instance.body
    );

    let mut socket = Socket::connect(
        &format!("{ws_base}/api/v1/streaming?stream=public:local"),
        None,
    )
    .await;
    socket
        .send(json!({"type": "subscribe", "stream": "hashtag", "tag": "Compost"}))
        .await;

    let hidden = town
        .post_status(
            &alice,
            &json!({"status": "Followers only: gate code 4411 #compost", "visibility": "private"}),
        )
        .await;
    let tagged = town
        .post_status(&alice, &json!({"status": "Open day at the #compost site"}))
        .await;

    // Events arrive in the order the posts were made, so the first frames
    // show whether the private post leaked.
    let first = socket.next_matching(|_| true).await;
    let second = socket.next_matching(|_| true).await;
    let mut pair = [first, second];
    pair.sort_by_key(|e| e.stream.clone());
    for event in &pair {
        assert_eq!(event.event, "update", "{event:?}");
        assert_eq!(event.payload["id"], tagged["id"], "{event:?}");
        assert_ne!(event.payload["id"], hidden["id"]);
    }
    assert_eq!(pair[0].stream, ["hashtag", "compost"]);
    assert_eq!(pair[1].stream, ["public:local"]);

    // After unsubscribing from the tag, the next tagged post comes on the
    // public stream alone.
    socket
        .send(json!({"type": "unsubscribe", "stream": "hashtag", "tag": "compost"}))
        .await;
    let untagged_after = town
        .post_status(&alice, &json!({"status": "More #compost news"}))
        .await;
    let marker = town
        .post_status(&alice, &json!({"status": "Last post of the day"}))
        .await;
    let next = socket.next_matching(|_| true).await;
    assert_eq!(next.stream, ["public:local"], "{next:?}");
    assert_eq!(next.payload["id"], untagged_after["id"]);
    let next = socket.next_matching(|_| true).await;
    assert_eq!(next.stream, ["public:local"], "{next:?}");
    assert_eq!(next.payload["id"], marker["id"]);

    // A member's own websocket carries their home timeline when the token
    // comes as the subprotocol, as browser apps send it.
    let mut own = Socket::connect(
        &format!("{ws_base}/api/v1/streaming?stream=user"),
        Some(&alice.token),
    )
    .await;
    let mine = town
        .post_status(
            &alice,
            &json!({"status": "Note to followers", "visibility": "private"}),
        )
        .await;
    let heard = own.next_matching(|_| true).await;
    assert_eq!(heard.stream, ["user"]);
    assert_eq!(heard.event, "update");
    assert_eq!(heard.payload["id"], mine["id"]);

    // Someone who muted alice hears nothing of hers on the public stream,
    // on each of their connections, while others' posts still come.
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    let alice_id = town.resolve_account(&bob, &alice.username).await;
    let muted = town
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/mute"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(muted.body["muting"], true, "{}", muted.body);
    let public_local = format!("{ws_base}/api/v1/streaming?stream=public:local");
    let mut phone = Socket::connect(&public_local, Some(&bob.token)).await;
    let mut laptop = Socket::connect(&public_local, Some(&bob.token)).await;
    let unheard = town
        .post_status(&alice, &json!({"status": "Swap shop on Sunday"}))
        .await;
    let from_carol = town
        .post_status(&carol, &json!({"status": "Bike repair at noon"}))
        .await;
    for socket in [&mut phone, &mut laptop] {
        let first = socket.next_matching(|_| true).await;
        assert_eq!(first.payload["id"], from_carol["id"], "{first:?}");
        assert_ne!(first.payload["id"], unheard["id"]);
    }
}

async fn streaming_refuses_what_it_cannot_serve(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;

    let health = town.get("/api/v1/streaming/health", None).await;
    assert_eq!(health.status, StatusCode::OK);
    assert_eq!(health.body, "OK");

    let anonymous = town.get("/api/v1/streaming/user", None).await;
    assert_eq!(
        anonymous.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        anonymous.body
    );
    assert!(anonymous.body["error"].is_string(), "{}", anonymous.body);

    let bad_token = town
        .get("/api/v1/streaming/user", Some("not-a-token"))
        .await;
    assert_eq!(
        bad_token.status,
        StatusCode::UNAUTHORIZED,
        "{}",
        bad_token.body
    );

    let no_tag = town
        .get("/api/v1/streaming/hashtag", Some(&alice.token))
        .await;
    assert_eq!(no_tag.status, StatusCode::BAD_REQUEST, "{}", no_tag.body);
    assert_eq!(no_tag.body["error"], "No tag for stream provided");

    let unknown = town
        .get("/api/v1/streaming?stream=everything", Some(&alice.token))
        .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST, "{}", unknown.body);
    assert_eq!(unknown.body["error"], "Unknown stream type");

    // On the websocket, a bad command is answered on the socket and the
    // connection stays usable.
    let ws_base = town.base_url().replacen("http://", "ws://", 1);
    let mut socket = Socket::connect(
        &format!("{ws_base}/api/v1/streaming?access_token={}", alice.token),
        None,
    )
    .await;
    socket
        .send(json!({"type": "subscribe", "stream": "nonsense"}))
        .await;
    let answer = socket.next_frame().await;
    assert_eq!(answer["error"], "Unknown stream type", "{answer}");
    socket
        .send(json!({"type": "subscribe", "stream": "user"}))
        .await;
    let post = town
        .post_status(&alice, &json!({"status": "Still listening"}))
        .await;
    let heard = socket.next_matching(|_| true).await;
    assert_eq!(heard.payload["id"], post["id"]);
}
