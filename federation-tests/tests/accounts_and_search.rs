//! Edit history, follow options (post notifications, hidden boosts), private
//! notes, familiar followers, the directory and search, across two servers.

use federation_tests::{Backend, Instance, Response, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    edits_keep_history_and_follow_options_apply,
    edits_keep_history_and_follow_options_apply
);
backend_tests!(
    search_directory_notes_and_familiar_followers,
    search_directory_notes_and_familiar_followers
);
backend_tests!(
    followed_hashtags_fill_the_home_feed,
    followed_hashtags_fill_the_home_feed
);

const PATIENCE: Duration = Duration::from_secs(30);

fn id_of(value: &Value) -> &str {
    value["id"].as_str().expect("an id")
}

async fn notifications_of(instance: &Instance, user: &User, kind: &str) -> Vec<Value> {
    let response = instance
        .get(
            &format!("/api/v1/notifications?types[]={kind}"),
            Some(&user.token),
        )
        .await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    response.body.as_array().cloned().unwrap_or_default()
}

async fn edits_keep_history_and_follow_options_apply(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let dave = town.create_user("dave").await;
    let carol = town.create_user("carol").await;
    let bob = county.create_user("bob").await;

    // Bob rings the bell on Alice: each of her posts is notified.
    let alice_on_county = county.follow(&bob, &alice.acct).await;
    let rang = county
        .post_json(
            &format!("/api/v1/accounts/{alice_on_county}/follow"),
            Some(&bob.token),
            &json!({"notify": true}),
        )
        .await;
    assert_eq!(rang.status, StatusCode::OK, "{}", rang.body);
    assert_eq!(rang.body["notifying"], true, "{}", rang.body);
    assert_eq!(rang.body["following"], true, "{}", rang.body);

    let post = town
        .post_status(&alice, &json!({"status": "Bike repair café on Saturday"}))
        .await;
    let uri = post["uri"].as_str().unwrap();
    let told = wait_until("a status notification for Bob", PATIENCE, || async {
        notifications_of(&county, &bob, "status")
            .await
            .into_iter()
            .find(|n| n["status"]["uri"] == uri)
    })
    .await;
    assert_eq!(told["account"]["acct"], alice.acct.as_str());

    // Two edits: the history shows three versions, oldest first, on both
    // servers.
    for text in [
        "Bike repair café on Sunday",
        "Bike repair café on Sunday, bring tubes",
    ] {
        let edited = town
            .put_json(
                &format!("/api/v1/statuses/{}", id_of(&post)),
                Some(&alice.token),
                &json!({"status": text}),
            )
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    }
    let history = town
        .get(
            &format!("/api/v1/statuses/{}/history", id_of(&post)),
            Some(&alice.token),
        )
        .await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let texts = |history: &Value| -> Vec<String> {
        history
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["content"].as_str().unwrap().to_string())
            .collect()
    };
    let on_town = texts(&history.body);
    assert_eq!(on_town.len(), 3, "{}", history.body);
    assert!(on_town[0].contains("on Saturday"), "{on_town:?}");
    assert!(
        on_town[1].contains("on Sunday") && !on_town[1].contains("tubes"),
        "{on_town:?}"
    );
    assert!(on_town[2].contains("bring tubes"), "{on_town:?}");
    assert_eq!(history.body[0]["account"]["username"], "alice");

    let county_id = told["status"]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/statuses/{county_id}/history");
    let on_county = wait_until("both edits on county", PATIENCE, || async {
        let history = county.get(&path, Some(&bob.token)).await;
        (history.body.as_array().map(Vec::len) == Some(3)).then_some(history.body)
    })
    .await;
    assert_eq!(texts(&on_county), on_town);

    // A status never edited has a history of one.
    let plain = town
        .post_status(&alice, &json!({"status": "Nothing to change here"}))
        .await;
    let single = town
        .get(&format!("/api/v1/statuses/{}/history", id_of(&plain)), None)
        .await;
    assert_eq!(
        single.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        single.body
    );

    // A reply to someone else is not a new post to be told of (a reply to
    // one's own post, continuing a thread, would be).
    let daves = town
        .post_status(&dave, &json!({"status": "Who has a pump?"}))
        .await;
    town.post_status(
        &alice,
        &json!({"status": "@dave agreed", "in_reply_to_id": id_of(&daves)}),
    )
    .await;
    let last = town
        .post_status(&alice, &json!({"status": "Last call for the café"}))
        .await;
    let last_uri = last["uri"].as_str().unwrap();
    let told = wait_until("the last post's notification", PATIENCE, || async {
        let list = notifications_of(&county, &bob, "status").await;
        list.iter()
            .any(|n| n["status"]["uri"] == last_uri)
            .then_some(list)
    })
    .await;
    let told_texts: Vec<&str> = told
        .iter()
        .map(|n| n["status"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(told.len(), 3, "{told_texts:?}");
    assert!(!told_texts.iter().any(|t| t.contains("agreed")));

    // Carol follows Dave but not his boosts.
    let dave_id = town.follow(&carol, &dave.username).await;
    let hidden = town
        .post_json(
            &format!("/api/v1/accounts/{dave_id}/follow"),
            Some(&carol.token),
            &json!({"reblogs": false}),
        )
        .await;
    assert_eq!(hidden.body["showing_reblogs"], false, "{}", hidden.body);
    let boosted = town
        .post_json(
            &format!("/api/v1/statuses/{}/reblog", id_of(&plain)),
            Some(&dave.token),
            &Value::Null,
        )
        .await;
    assert_eq!(boosted.status, StatusCode::OK, "{}", boosted.body);
    let own = town
        .post_status(&dave, &json!({"status": "Dave's own news"}))
        .await;
    let home = town.home_timeline(&carol).await;
    assert!(home.iter().any(|s| s["id"] == own["id"]), "{home:?}");
    assert!(
        !home.iter().any(|s| s["reblog"]["id"] == plain["id"]),
        "the boost reached Carol's feed: {home:?}"
    );
}

async fn search_directory_notes_and_familiar_followers(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let carol = town.create_user("carol").await;
    let dave = town.create_user("dave").await;
    let bob = county.create_user("bob").await;

    let renamed = town
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&dave.token),
            &[("display_name", "Dave Greenway"), ("discoverable", "false")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);

    // Search by text: statuses the member may read, hashtags, accounts.
    let public = town
        .post_status(
            &alice,
            &json!({"status": "Rainwater harvesting guide #rainwater"}),
        )
        .await;
    let private = town
        .post_status(
            &alice,
            &json!({"status": "Rainwater tank code is 1234", "visibility": "private"}),
        )
        .await;
    let search = |q: &str, kind: &str| format!("/api/v2/search?q={q}&type={kind}");
    let found = town
        .get(&search("RAINWATER", "statuses"), Some(&carol.token))
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    let ids: Vec<&Value> = found.body["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert_eq!(ids, [&public["id"]], "{}", found.body);
    let own = town
        .get(&search("tank", "statuses"), Some(&alice.token))
        .await;
    assert_eq!(own.body["statuses"][0]["id"], private["id"], "{}", own.body);
    let percent = town
        .get(&search("%25", "statuses"), Some(&carol.token))
        .await;
    assert_eq!(percent.body["statuses"], json!([]), "{}", percent.body);
    // Whole words in any order; not a word that is not there, nor part of
    // a word, nor the markup around the text.
    let found_by = |found: &Response| -> Vec<String> {
        found.body["statuses"]
            .as_array()
            .unwrap_or_else(|| panic!("{}", found.body))
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let public_id = public["id"].as_str().unwrap().to_string();
    for (q, expected) in [
        ("guide%20rainwater", vec![public_id.clone()]),
        ("harvesting%20rainwater", vec![public_id.clone()]),
        ("rainwater%20harv", vec![]),
        ("harvesting%20drought", vec![]),
        ("arvesting", vec![]),
    ] {
        let found = town.get(&search(q, "statuses"), Some(&carol.token)).await;
        assert_eq!(found_by(&found), expected, "{q}: {}", found.body);
    }
    let linked = town
        .post_status(
            &alice,
            &json!({"status": "Cistern sizes @carol https://water.example/cisterns"}),
        )
        .await;
    let linked_id = linked["id"].as_str().unwrap().to_string();
    for (q, expected) in [
        ("cistern", vec![linked_id.clone()]),
        ("carol%20cisterns%20water", vec![linked_id.clone()]),
        ("href", vec![]),
        ("class%20mention", vec![]),
    ] {
        let found = town.get(&search(q, "statuses"), Some(&carol.token)).await;
        assert_eq!(found_by(&found), expected, "{q}: {}", found.body);
    }
    // An edit changes what finds the status.
    let edited = town
        .put_json(
            &format!("/api/v1/statuses/{linked_id}"),
            Some(&alice.token),
            &json!({"status": "Barrel sizes for small gardens"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let old_words = town
        .get(&search("cistern", "statuses"), Some(&carol.token))
        .await;
    assert!(found_by(&old_words).is_empty(), "{}", old_words.body);
    let new_words = town
        .get(&search("barrel%20gardens", "statuses"), Some(&carol.token))
        .await;
    assert_eq!(
        found_by(&new_words),
        [linked_id.as_str()],
        "{}",
        new_words.body
    );
    // The full-text query languages' operators are only separators.
    for q in [
        "%22rainwater",
        "rainwater%22%20OR%20%22tank",
        "NEAR(rainwater%20guide)",
        "rain*",
        "-rainwater",
        "rainwater%3A*%20%26%20!tank",
        "%3C-%3E",
        "%27",
        "*",
    ] {
        let found = town.get(&search(q, "statuses"), Some(&carol.token)).await;
        assert_eq!(found.status, StatusCode::OK, "{q}: {}", found.body);
    }
    // A word longer than PostgreSQL indexes, and ten thousand characters
    // of words and markup, find nothing and fail nothing.
    let long_word = "w".repeat(3000);
    let long_text = "rainwater%20%3Cb%3E".repeat(550);
    for q in [long_word.as_str(), long_text.as_str()] {
        let found = town.get(&search(q, "statuses"), Some(&carol.token)).await;
        assert_eq!(found.status, StatusCode::OK, "{}", found.body);
        if q == long_word {
            assert_eq!(found.body["statuses"], json!([]), "{}", found.body);
        }
    }

    let tags = town
        .get(&search("%23rain", "hashtags"), Some(&carol.token))
        .await;
    assert_eq!(
        tags.body["hashtags"][0]["name"], "rainwater",
        "{}",
        tags.body
    );
    assert!(
        tags.body["hashtags"][0]["url"]
            .as_str()
            .unwrap()
            .ends_with("/tags/rainwater")
    );

    let people = town
        .get(&search("greenway", "accounts"), Some(&carol.token))
        .await;
    assert_eq!(
        people.body["accounts"][0]["username"], "dave",
        "{}",
        people.body
    );

    let bogus = town
        .get(&search("x", "everything"), Some(&carol.token))
        .await;
    assert_eq!(bogus.status, StatusCode::BAD_REQUEST, "{}", bogus.body);

    // A status URL from another server is fetched when asked to resolve.
    let url = public["uri"].as_str().unwrap();
    let path = format!("/api/v2/search?q={url}&resolve=true&type=statuses");
    let resolved = county.get(&path, Some(&bob.token)).await;
    assert_eq!(resolved.status, StatusCode::OK, "{}", resolved.body);
    assert_eq!(
        resolved.body["statuses"][0]["uri"], url,
        "{}",
        resolved.body
    );
    assert_eq!(
        resolved.body["statuses"][0]["account"]["acct"],
        alice.acct.as_str()
    );
    let unresolved = county
        .get(
            &format!("/api/v2/search?q={url}&type=statuses&resolve=false"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        unresolved.body["statuses"][0]["uri"], url,
        "now stored: {}",
        unresolved.body
    );

    // The directory lists discoverable members only.
    let directory = town
        .get("/api/v1/directory?local=true&order=new", None)
        .await;
    assert_eq!(directory.status, StatusCode::OK, "{}", directory.body);
    let names: Vec<&str> = directory
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["carol", "alice"], "{}", directory.body);
    let active = town
        .get("/api/v1/directory?local=true&order=active&limit=1", None)
        .await;
    assert_eq!(active.body[0]["username"], "alice", "{}", active.body);
    let bad = town.get("/api/v1/directory?order=random", None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    // Private notes belong to the one who wrote them.
    let alice_id = town.resolve_account(&carol, "alice").await;
    let noted = town
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/note"),
            Some(&carol.token),
            &json!({"comment": "Ran the water workshop"}),
        )
        .await;
    assert_eq!(noted.status, StatusCode::OK, "{}", noted.body);
    assert_eq!(noted.body["note"], "Ran the water workshop");
    let relationship = format!("/api/v1/accounts/relationships?id[]={alice_id}");
    let seen_by_dave = town.get(&relationship, Some(&dave.token)).await;
    assert_eq!(seen_by_dave.body[0]["note"], "", "{}", seen_by_dave.body);
    let too_long = town
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/note"),
            Some(&carol.token),
            &json!({"comment": "x".repeat(2001)}),
        )
        .await;
    assert_eq!(
        too_long.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        too_long.body
    );
    let kept = town.get(&relationship, Some(&carol.token)).await;
    assert_eq!(
        kept.body[0]["note"], "Ran the water workshop",
        "{}",
        kept.body
    );

    // Familiar followers: whom Carol follows that follows Bob.
    let bob_on_town = town.follow(&dave, &bob.acct).await;
    town.follow(&carol, &dave.username).await;
    town.follow(&carol, &alice.username).await;
    let familiar = town
        .get(
            &format!("/api/v1/accounts/familiar_followers?id[]={bob_on_town}&id[]={alice_id}"),
            Some(&carol.token),
        )
        .await;
    assert_eq!(familiar.status, StatusCode::OK, "{}", familiar.body);
    assert_eq!(familiar.body[0]["id"], bob_on_town.as_str());
    let via: Vec<&Value> = familiar.body[0]["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["username"])
        .collect();
    assert_eq!(via, [&json!("dave")], "{}", familiar.body);
    assert_eq!(familiar.body[1]["accounts"], json!([]), "{}", familiar.body);

    // An account's statuses narrowed by hashtag; none has media.
    town.post_status(&alice, &json!({"status": "Untagged note"}))
        .await;
    let statuses = format!("/api/v1/accounts/{alice_id}/statuses");
    let tagged = town
        .get(
            &format!("{statuses}?tagged=%23Rainwater"),
            Some(&carol.token),
        )
        .await;
    let ids: Vec<&Value> = tagged
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| &s["id"])
        .collect();
    assert_eq!(ids, [&public["id"]], "{}", tagged.body);
    let media = town
        .get(&format!("{statuses}?only_media=true"), Some(&carol.token))
        .await;
    assert_eq!(media.body, json!([]), "{}", media.body);

    // Mention completion in apps.
    let completion = town
        .get(
            "/api/v1/accounts/search?q=green&limit=5",
            Some(&carol.token),
        )
        .await;
    assert_eq!(completion.status, StatusCode::OK, "{}", completion.body);
    assert_eq!(
        completion.body[0]["username"], "dave",
        "{}",
        completion.body
    );
    assert_eq!(completion.body.as_array().map(Vec::len), Some(1));
}

/// A member who follows a hashtag finds public posts carrying it in their
/// home feed, from members here and from other servers, without following
/// their authors; after unfollowing it, new posts no longer arrive. A
/// followers-only post with the tag stays with the followers.
async fn followed_hashtags_fill_the_home_feed(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let carol = town.create_user("carol").await;
    let alice = town.create_user("alice").await;
    let peer = federation_tests::peer::Peer::start().await;
    // Someone here follows the remote author, so its posts arrive at all.
    peer.accept_follow_from(&town, &alice, "mia").await;

    let tag = town
        .post_json("/api/v1/tags/Seeds/follow", Some(&bob.token), &Value::Null)
        .await;
    assert_eq!(tag.status, StatusCode::OK, "{}", tag.body);
    assert_eq!(tag.body["name"], "seeds");
    assert_eq!(tag.body["following"], true);
    let shown = town.get("/api/v1/tags/seeds", Some(&bob.token)).await;
    assert_eq!(shown.body["following"], true, "{}", shown.body);
    let bad = town
        .post_json(
            "/api/v1/tags/not%20a%20tag/follow",
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);

    let local = town
        .post_status(&carol, &json!({"status": "Swap day on Sunday #seeds"}))
        .await;
    let quiet = town
        .post_status(
            &carol,
            &json!({"status": "for my followers #seeds", "visibility": "private"}),
        )
        .await;
    town.wait_for_home_status(&bob, local["uri"].as_str().unwrap())
        .await;
    let mut remote = peer.create_note("mia", "seeds", "<p>Our swap went well #seeds</p>");
    remote["object"]["tag"] = json!([{"type": "Hashtag", "name": "#seeds"}]);
    let inbox = format!("{}/inbox", town.base_url());
    let (status, body) = peer.post_signed("mia", &inbox, &remote).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    town.wait_for_home_status(&bob, remote["object"]["id"].as_str().unwrap())
        .await;
    let home: Vec<String> = town
        .home_timeline(&bob)
        .await
        .iter()
        .map(|s| s["uri"].as_str().unwrap_or_default().to_string())
        .collect();
    assert!(!home.contains(&quiet["uri"].as_str().unwrap().to_string()));

    let unfollowed = town
        .post_json(
            "/api/v1/tags/seeds/unfollow",
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(unfollowed.body["following"], false);
    let followed = town.get("/api/v1/followed_tags", Some(&bob.token)).await;
    assert_eq!(followed.body, json!([]));
    let later = town
        .post_status(&carol, &json!({"status": "Leftover seeds #seeds"}))
        .await;
    // Carol's own feed has it at once; Bob's never will.
    town.wait_for_home_status(&carol, later["uri"].as_str().unwrap())
        .await;
    let home = town.home_timeline(&bob).await;
    assert!(home.iter().all(|s| s["uri"] != later["uri"]), "{home:?}");
}
