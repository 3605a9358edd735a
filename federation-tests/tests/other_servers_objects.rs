//! What other kinds of servers send: a PeerTube video and its channel's
//! Announce, a WordPress Article, a Lemmy Page, a Mobilizon Event, and the
//! legal shapes Trellis once refused (`content: null`, a Create whose object
//! is given by id, an embedded actor), and quotes from Misskey and
//! Mastodon, and of members' posts. Each fixture in
//! `fixtures/objects/` was written from its project's documentation of
//! what it sends; `{base}` stands for the peer's address.

use federation_tests::{Backend, Instance, User, backend_tests, peer::Peer};
use reqwest::StatusCode;
use serde_json::{Value, json};

backend_tests!(
    other_servers_objects_show_as_mastodon_shows_them,
    other_servers_objects_show_as_mastodon_shows_them
);
backend_tests!(
    legal_shapes_are_accepted_and_unknown_objects_ignored,
    legal_shapes_are_accepted_and_unknown_objects_ignored
);
backend_tests!(quotes_travel_both_ways, quotes_travel_both_ways);
backend_tests!(
    pinned_posts_are_read_from_featured,
    pinned_posts_are_read_from_featured
);

/// Following someone reads their `featured` collection: their public posts
/// listed there become their pins here, in its order; others' posts and
/// posts not public are left out.
async fn pinned_posts_are_read_from_featured(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    let kim = peer.actor_id("kim");
    let note = |key: &str, author: &str, to: &str| {
        json!({
            "id": peer.url(&format!("/notes/{key}")),
            "type": "Note",
            "attributedTo": peer.actor_id(author),
            "content": format!("<p>{key}</p>"),
            "to": [to],
            "published": "2026-12-01T10:00:00Z",
        })
    };
    let public = "https://www.w3.org/ns/activitystreams#Public";
    let featured = peer.serve(
        "kim-featured",
        "application/activity+json",
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": peer.url("/docs/kim-featured"),
            "type": "OrderedCollection",
            "totalItems": 4,
            "orderedItems": [
                note("charter", "kim", public),
                note("someone-else", "ana", public),
                note("followers-only", "kim", &format!("{kim}/followers")),
                note("garden-map", "kim", public),
            ],
        }),
    );
    peer.set_actor_fields("kim", json!({"featured": featured}));
    let kim_id = peer.accept_follow_from(&town, &bob, "kim").await;
    let pinned = federation_tests::wait_until(
        "kim's pins to be read",
        std::time::Duration::from_secs(30),
        || async {
            let answer = town
                .get(
                    &format!("/api/v1/accounts/{kim_id}/statuses?pinned=true"),
                    Some(&bob.token),
                )
                .await;
            let pins = answer.body.as_array().cloned().unwrap_or_default();
            (pins.len() >= 2).then_some(pins)
        },
    )
    .await;
    let contents: Vec<&str> = pinned
        .iter()
        .map(|s| s["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        contents,
        vec!["<p>charter</p>", "<p>garden-map</p>"],
        "{pinned:?}"
    );
}

fn fixture(peer: &Peer, name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/objects")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text.replace("{base}", &peer.url("")))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Posts `activity` to the shared inbox signed as `name`; it must be
/// acknowledged with 202.
async fn deliver(town: &Instance, peer: &Peer, name: &str, activity: &Value) {
    let inbox = format!("{}/inbox", town.base_url());
    let (status, body) = peer.post_signed(name, &inbox, activity).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{}: {body}", activity["id"]);
}

async fn home_status(town: &Instance, bob: &User, uri: &str) -> Value {
    town.wait_for_home_status(bob, uri).await
}

async fn other_servers_objects_show_as_mastodon_shows_them(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.set_actor_fields("owner_channel", json!({"type": "Group"}));
    for name in ["owner", "owner_channel", "ann", "kim", "ana"] {
        peer.accept_follow_from(&town, &bob, name).await;
    }

    // PeerTube: attributedTo lists the account and the channel; url lists
    // the page beside the video files.
    let video = fixture(&peer, "peertube_create_video.json");
    deliver(&town, &peer, "owner", &video).await;
    let shown = home_status(&town, &bob, video["object"]["id"].as_str().unwrap()).await;
    let content = shown["content"].as_str().unwrap();
    assert!(
        content.starts_with("<p><strong>How we built a tool library</strong></p>"),
        "{content}"
    );
    assert!(content.contains("Twelve neighbours, one shed"), "{content}");
    assert!(content.contains(&peer.url("/w/gB9pZq")), "{content}");
    assert_eq!(shown["url"], peer.url("/w/gB9pZq"));
    assert_eq!(shown["account"]["acct"], peer.acct("owner"));
    assert_eq!(shown["spoiler_text"], "");
    assert_eq!(shown["tags"][0]["name"], "toollibrary", "{shown}");

    // A channel's Announce of a video it serves: fetched by id, content null.
    peer.serve(
        "videos/2",
        "application/activity+json",
        fixture(&peer, "peertube_video.json"),
    );
    let announce = fixture(&peer, "peertube_channel_announce.json");
    deliver(&town, &peer, "owner_channel", &announce).await;
    let boost = home_status(&town, &bob, announce["id"].as_str().unwrap()).await;
    assert_eq!(boost["account"]["acct"], peer.acct("owner_channel"));
    assert_eq!(boost["account"]["group"], true);
    assert_eq!(boost["account"]["bot"], false, "a channel is not a bot");
    let repair = boost["reblog"]["content"].as_str().unwrap();
    assert!(
        repair.contains("<strong>Repair café, first Saturday</strong>"),
        "{repair}"
    );
    assert!(repair.contains(&peer.url("/w/repair")), "{repair}");
    assert_eq!(boost["reblog"]["account"]["acct"], peer.acct("owner"));

    // WordPress: the excerpt is text, not a content warning; the title stays.
    let article = fixture(&peer, "wordpress_create_article.json");
    deliver(&town, &peer, "ann", &article).await;
    let shown = home_status(&town, &bob, article["object"]["id"].as_str().unwrap()).await;
    let content = shown["content"].as_str().unwrap();
    assert_eq!(shown["spoiler_text"], "", "{shown}");
    assert!(
        content.contains("<strong>Our seed library opens on Saturday</strong>"),
        "{content}"
    );
    assert!(
        content.contains("The library lends seeds &amp; takes some back"),
        "{content}"
    );
    assert!(!content.contains("several screens long"), "{content}");
    assert!(
        content.contains(&peer.url("/2026/12/03/seed-library/")),
        "{content}"
    );

    // Lemmy: the title, the body and the link the post shares.
    let page = fixture(&peer, "lemmy_create_page.json");
    deliver(&town, &peer, "kim", &page).await;
    let shown = home_status(&town, &bob, page["object"]["id"].as_str().unwrap()).await;
    let content = shown["content"].as_str().unwrap();
    assert!(
        content.contains("<strong>Repair cafés near you</strong>"),
        "{content}"
    );
    assert!(content.contains("A list worth keeping"), "{content}");
    assert!(
        content.contains("https://news.example/repair-cafes"),
        "{content}"
    );

    // Mobilizon: what, when and where.
    let event = fixture(&peer, "mobilizon_create_event.json");
    deliver(&town, &peer, "ana", &event).await;
    let shown = home_status(&town, &bob, event["object"]["id"].as_str().unwrap()).await;
    let content = shown["content"].as_str().unwrap();
    assert!(
        content.contains("<strong>Tool library work day</strong>"),
        "{content}"
    );
    assert!(
        content.contains("Starts Saturday 12 December 2026, 10:00 (UTC+01:00)"),
        "{content}"
    );
    assert!(content.contains("Where: Old fire station"), "{content}");
    assert!(content.contains("Bring gloves"), "{content}");
}

async fn legal_shapes_are_accepted_and_unknown_objects_ignored(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.accept_follow_from(&town, &bob, "mia").await;
    let actor = peer.actor_id("mia");

    // `content: null` (a post that is only an attachment).
    let mut empty = peer.create_note("mia", "empty", "");
    empty["object"]["content"] = Value::Null;
    empty["object"]["summary"] = json!("photo of the shed");
    deliver(&town, &peer, "mia", &empty).await;
    let shown = home_status(&town, &bob, empty["object"]["id"].as_str().unwrap()).await;
    assert_eq!(shown["content"], "");
    assert_eq!(shown["spoiler_text"], "photo of the shed");

    // The actor embedded as an object rather than named by id.
    let mut embedded = peer.create_note("mia", "embedded", "<p>actor as an object</p>");
    embedded["actor"] = json!({"type": "Person", "id": actor});
    deliver(&town, &peer, "mia", &embedded).await;
    home_status(&town, &bob, embedded["object"]["id"].as_str().unwrap()).await;

    // A Create whose object is given by id: fetched from the actor's server.
    let by_id = peer.create_note("mia", "by-id", "<p>fetched by id</p>");
    let served = peer.serve("notes/by-id", "application/activity+json", {
        let mut note = by_id["object"].clone();
        note["id"] = json!(peer.url("/docs/notes/by-id"));
        note
    });
    let create = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url("/docs/notes/by-id/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": served,
    });
    deliver(&town, &peer, "mia", &create).await;
    let shown = home_status(&town, &bob, &served).await;
    assert_eq!(shown["content"], "<p>fetched by id</p>");

    // By id from a third server: refused, and nothing is fetched.
    let third = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url("/docs/notes/third/activity"),
        "type": "Create",
        "actor": actor,
        "object": "http://127.0.0.1:9/notes/1",
    });
    let inbox = format!("{}/inbox", town.base_url());
    let (status, body) = peer.post_signed("mia", &inbox, &third).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert!(body.contains("not on the actor's server"), "{body}");

    // An object type Trellis does not show: acknowledged, nothing stored.
    let before = town
        .get("/api/v1/timelines/home?limit=40", Some(&bob.token))
        .await
        .body;
    let chess = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": peer.url("/games/1/activity"),
        "type": "Create",
        "actor": actor,
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {"type": "ChessGame", "id": peer.url("/games/1"), "moves": ["e4"], "attributedTo": [actor, 7]},
    });
    deliver(&town, &peer, "mia", &chess).await;
    let after = town
        .get("/api/v1/timelines/home?limit=40", Some(&bob.token))
        .await
        .body;
    assert_eq!(before, after, "an unknown object changes nothing");
}

async fn quotes_travel_both_ways(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.accept_follow_from(&town, &bob, "yui").await;

    // Misskey's quote: `_misskey_quote` and `quoteUrl`, the quoted note
    // fetched from its server.
    let original =
        peer.create_note("yui", "original", "<p>Our repair café rota</p>")["object"].clone();
    let mut original = original;
    original["id"] = json!(peer.url("/docs/notes/original"));
    peer.serve("notes/original", "application/activity+json", original);
    let quote = fixture(&peer, "misskey_create_quote.json");
    deliver(&town, &peer, "yui", &quote).await;
    let shown = home_status(&town, &bob, quote["object"]["id"].as_str().unwrap()).await;
    assert_eq!(shown["quote"]["state"], "accepted", "{shown}");
    assert_eq!(
        shown["quote"]["quoted_status"]["uri"],
        peer.url("/docs/notes/original")
    );
    assert!(
        shown["quote"]["quoted_status"]["content"]
            .as_str()
            .unwrap()
            .contains("repair café rota"),
        "{shown}"
    );

    // A Mastodon quote (FEP-044f `quote`) of Bob's post: he is told.
    let bobs = town
        .post_status(&bob, &json!({"status": "We lend tools on Saturdays"}))
        .await;
    let mut mastodon = peer.create_note("yui", "quoting-bob", "<p>Worth copying</p>");
    mastodon["object"]["quote"] = bobs["uri"].clone();
    deliver(&town, &peer, "yui", &mastodon).await;
    let told = federation_tests::wait_until(
        "Bob's quote notification",
        std::time::Duration::from_secs(30),
        || async {
            let list = town
                .get("/api/v1/notifications?types[]=quote", Some(&bob.token))
                .await;
            list.body.as_array()?.first().cloned()
        },
    )
    .await;
    assert_eq!(told["account"]["acct"], peer.acct("yui"));
    assert_eq!(told["status"]["quote"]["quoted_status"]["id"], bobs["id"]);

    // Bob quotes Yui's note: the quote travels under all four names, with
    // a link line for servers that show no quotes.
    let yuis = home_status(&town, &bob, quote["object"]["id"].as_str().unwrap()).await;
    let bob_quote = town
        .post_status(
            &bob,
            &json!({"status": "Good idea", "quoted_status_id": yuis["id"]}),
        )
        .await;
    assert_eq!(
        bob_quote["quote"]["quoted_status"]["id"], yuis["id"],
        "{bob_quote}"
    );
    assert!(
        bob_quote["content"]
            .as_str()
            .unwrap()
            .contains("quote-inline"),
        "{bob_quote}"
    );
    let sent = federation_tests::wait_until(
        "the quote to reach Yui's server",
        std::time::Duration::from_secs(30),
        || async {
            peer.received()
                .into_iter()
                .find(|a| a["type"] == "Create" && a["object"]["id"] == bob_quote["uri"])
        },
    )
    .await;
    for name in ["quote", "quoteUrl", "_misskey_quote", "quoteUri"] {
        assert_eq!(sent["object"][name], yuis["uri"], "{name} in {sent}");
    }

    // Only what anyone may see can be quoted.
    let private = town
        .post_status(
            &bob,
            &json!({"status": "followers only", "visibility": "private"}),
        )
        .await;
    let refused = town
        .post_status_raw(
            &bob.token,
            &json!({"status": "quoting", "quoted_status_id": private["id"]}),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
}
