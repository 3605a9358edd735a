//! Trellis and a real Fedify 2.3.6 server, both ways: follows accepted on
//! each side, a post with an image read by Fedify's own parser, Fedify's
//! post in a member's home timeline, replies and boosts each way, Fedify's
//! like counted, an edit and a delete seen by Fedify, and polls both ways
//! (a Question, votes, the new counts). Fedify signs with RFC 9421 first
//! and falls back to draft-cavage only after a refusal: every request it
//! makes here must be accepted at the first knock.

use federation_tests::{Backend, Instance, backend_tests, fedify::FedifyPeer, wait_until};
use reqwest::{Method, StatusCode, multipart};
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    fedify_and_trellis_federate_both_ways,
    fedify_and_trellis_federate_both_ways
);

const PATIENCE: Duration = Duration::from_secs(30);

/// A 2×2 PNG.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x38, 0x11, 0xa0, 0x01,
    0x44, 0x0c, 0x10, 0x0a, 0x00, 0x25, 0x8e, 0x05, 0x01, 0x41, 0x32, 0xde, 0x47, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

fn received<'a>(kind: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |event| event["event"] == "received" && event["type"] == kind
}

async fn fedify_and_trellis_federate_both_ways(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let mut fedi = FedifyPeer::start().await;
    let alice_actor = format!("http://{}/users/alice", town.domain());

    // Alice follows the Fedify actor; Fedify accepts.
    let fedi_id = town.resolve_account(&alice, &fedi.acct()).await;
    let asked = town
        .post_json(
            &format!("/api/v1/accounts/{fedi_id}/follow"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(asked.status, StatusCode::OK, "{}", asked.body);
    fedi.wait_for("Fedify to receive the Follow", received("Follow"))
        .await;
    wait_until("Fedify's Accept", PATIENCE, || async {
        let path = format!("/api/v1/accounts/relationships?id[]={fedi_id}");
        let answer = town.get(&path, Some(&alice.token)).await;
        (answer.body[0]["following"] == true).then_some(())
    })
    .await;

    // Fedify follows Alice; Trellis accepts.
    fedi.run(json!({"cmd": "follow", "actor": alice_actor}))
        .await;
    fedi.wait_for("Trellis's Accept", received("Accept")).await;

    // Alice posts an image; Fedify's parser reads the note and its Document.
    let form = multipart::Form::new()
        .part(
            "file",
            multipart::Part::bytes(PNG.to_vec()).file_name("dot.png"),
        )
        .text("description", "A tiny test image");
    let media = town
        .send_multipart(Method::POST, "/api/v2/media", Some(&alice.token), form)
        .await;
    assert_eq!(media.status, StatusCode::OK, "{}", media.body);
    let post = town
        .post_status(
            &alice,
            &json!({"status": "Seed swap on Saturday", "media_ids": [media.body["id"]]}),
        )
        .await;
    let uri = post["uri"].as_str().unwrap().to_string();
    let create = fedi
        .wait_for("Fedify to receive the Create", |e| {
            received("Create")(e) && e["object"]["id"] == uri.as_str()
        })
        .await;
    let note = &create["object"];
    assert_eq!(note["type"], "Note", "{create}");
    assert!(
        note["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Seed swap on Saturday"),
        "{create}"
    );
    assert_eq!(note["attributedTo"], alice_actor.as_str());
    let attachment = &note["attachments"][0];
    assert_eq!(attachment["type"], "Document", "{create}");
    assert_eq!(attachment["url"], media.body["url"]);
    assert_eq!(attachment["mediaType"], "image/png");
    assert_eq!(attachment["name"], "A tiny test image");

    // Fedify posts; the note reaches Alice's home timeline.
    fedi.run(json!({"cmd": "post", "id": "hello", "content": "<p>Hello from Fedify</p>"}))
        .await;
    let hello_uri = fedi.actor.replace("/users/fedi", "/notes/hello");
    let hello = town.wait_for_home_status(&alice, &hello_uri).await;
    assert_eq!(hello["content"], "<p>Hello from Fedify</p>");
    assert_eq!(hello["account"]["acct"], fedi.acct());

    // Fedify likes Alice's post.
    fedi.run(json!({"cmd": "like", "object": uri, "author": alice_actor}))
        .await;
    let on_town = format!("/api/v1/statuses/{}", post["id"].as_str().unwrap());
    wait_until("the like to count", PATIENCE, || async {
        let status = town.get(&on_town, Some(&alice.token)).await;
        (status.body["favourites_count"] == 1).then_some(())
    })
    .await;

    // Fedify replies to Alice's post and boosts it.
    fedi.run(json!({
        "cmd": "post", "id": "reply", "content": "<p>Count me in</p>",
        "inReplyTo": uri, "author": alice_actor,
    }))
    .await;
    fedi.run(json!({"cmd": "announce", "object": uri, "author": alice_actor}))
        .await;
    wait_until("the reply and the boost to count", PATIENCE, || async {
        let status = town.get(&on_town, Some(&alice.token)).await;
        (status.body["replies_count"] == 1 && status.body["reblogs_count"] == 1).then_some(())
    })
    .await;
    let context = town
        .get(&format!("{on_town}/context"), Some(&alice.token))
        .await;
    assert_eq!(
        context.body["descendants"][0]["content"], "<p>Count me in</p>",
        "{}",
        context.body
    );

    // Alice replies to Fedify's note and boosts it; Fedify reads both.
    let hello_id = hello["id"].as_str().unwrap();
    let answer = town
        .post_status(
            &alice,
            &json!({"status": format!("@{} welcome!", fedi.acct()), "in_reply_to_id": hello_id}),
        )
        .await;
    let reply = fedi
        .wait_for("Fedify to receive Alice's reply", |e| {
            received("Create")(e) && e["object"]["id"] == answer["uri"]
        })
        .await;
    assert_eq!(reply["object"]["inReplyTo"], hello_uri.as_str(), "{reply}");
    let boosted = town
        .post_json(
            &format!("/api/v1/statuses/{hello_id}/reblog"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(boosted.status, StatusCode::OK, "{}", boosted.body);
    let announce = fedi
        .wait_for("Fedify to receive the boost", received("Announce"))
        .await;
    assert_eq!(announce["objectId"], hello_uri.as_str(), "{announce}");

    // Alice edits and deletes the post; Fedify hears of both.
    let edited = town
        .put_json(
            &on_town,
            Some(&alice.token),
            &json!({"status": "Seed swap moved to Sunday"}),
        )
        .await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    let update = fedi
        .wait_for("Fedify to receive the Update", |e| {
            received("Update")(e) && e["object"]["id"] == uri.as_str()
        })
        .await;
    assert!(
        update["object"]["content"]
            .as_str()
            .unwrap_or_default()
            .contains("Sunday"),
        "{update}"
    );
    town.delete(&on_town, Some(&alice.token)).await;
    fedi.wait_for("Fedify to receive the Delete", received("Delete"))
        .await;

    // Polls, Alice's first: Fedify reads the Question, votes in it, and
    // hears the new counts.
    let asked = town
        .post_status(
            &alice,
            &json!({"status": "Which evening?",
                    "poll": {"options": ["Tuesday", "Thursday"], "expires_in": 3600}}),
        )
        .await;
    let question_uri = asked["uri"].as_str().unwrap().to_string();
    let create = fedi
        .wait_for("Fedify to receive the Question", |e| {
            received("Create")(e) && e["object"]["id"] == question_uri.as_str()
        })
        .await;
    assert_eq!(create["object"]["type"], "Question", "{create}");
    assert_eq!(
        create["object"]["question"]["oneOf"],
        json!([{"name": "Tuesday", "votes": 0}, {"name": "Thursday", "votes": 0}]),
        "{create}"
    );
    fedi.run(json!({"cmd": "vote", "question": question_uri,
                    "author": alice_actor, "option": "Thursday"}))
        .await;
    let poll_path = format!("/api/v1/polls/{}", asked["id"].as_str().unwrap());
    wait_until("Fedify's vote to count", PATIENCE, || async {
        let poll = town.get(&poll_path, Some(&alice.token)).await.body;
        (poll["options"][1]["votes_count"] == 1 && poll["voters_count"] == 1).then_some(())
    })
    .await;
    let update = fedi
        .wait_for("Fedify to receive the new counts", |e| {
            received("Update")(e)
                && e["object"]["id"] == question_uri.as_str()
                && e["object"]["question"]["oneOf"][1]["votes"] == 1
        })
        .await;
    assert_eq!(update["object"]["question"]["voters"], 1, "{update}");

    // Then Fedify's: Alice sees it with its options, votes for two, and
    // Fedify receives each vote as a Note named for the option.
    fedi.run(
        json!({"cmd": "poll", "id": "evenings", "content": "<p>Which evenings?</p>",
                    "options": ["Monday", "Friday", "Sunday"], "multiple": true}),
    )
    .await;
    let fedi_question = fedi.actor.replace("/users/fedi", "/questions/evenings");
    let shown = town.wait_for_home_status(&alice, &fedi_question).await;
    let poll = &shown["poll"];
    assert_eq!(poll["multiple"], true, "{shown}");
    assert_eq!(poll["options"][1]["title"], "Friday", "{shown}");
    assert_eq!(poll["expired"], false, "{shown}");
    let voted = town
        .post_json(
            &format!("/api/v1/polls/{}/votes", shown["id"].as_str().unwrap()),
            Some(&alice.token),
            &json!({"choices": [1, 2]}),
        )
        .await;
    assert_eq!(voted.status, StatusCode::OK, "{}", voted.body);
    let votes = wait_until("Fedify to receive both votes", PATIENCE, || async {
        let votes: Vec<Value> = fedi
            .events()
            .into_iter()
            .filter(|e| received("Create")(e) && e["object"]["inReplyTo"] == fedi_question.as_str())
            .collect();
        (votes.len() == 2).then_some(votes)
    })
    .await;
    let mut names: Vec<&str> = votes
        .iter()
        .map(|v| v["object"]["name"].as_str().unwrap_or_default())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Friday", "Sunday"], "{votes:?}");
    for vote in &votes {
        assert_eq!(vote["object"]["type"], "Note", "{vote}");
        assert_eq!(vote["object"]["to"], json!([fedi.actor]), "{vote}");
    }

    // Trellis learnt from Fedify's requests that it reads RFC 9421: once
    // Fedify had signed one, Trellis signed its own that way, and Fedify
    // accepted every one (its first contact, Alice's Follow, came before
    // and was signed with draft-cavage).
    let incoming: Vec<Value> = fedi
        .events()
        .into_iter()
        .filter(|e| e["event"] == "incoming")
        .collect();
    assert_eq!(incoming[0]["signature"], "draft-cavage", "{incoming:?}");
    let modern: Vec<&Value> = incoming
        .iter()
        .filter(|e| e["signature"] == "rfc9421")
        .collect();
    assert!(modern.len() >= 5, "{incoming:?}");
    let first_modern = incoming
        .iter()
        .position(|e| e["signature"] == "rfc9421")
        .unwrap();
    for event in &incoming[first_modern..] {
        assert_eq!(event["signature"], "rfc9421", "{incoming:?}");
        assert_eq!(event["alg"], "rsa-v1_5-sha256", "{incoming:?}");
        assert!(
            event["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s)),
            "{incoming:?}"
        );
    }

    // Fedify reads Alice's Ed25519 key (FEP-521a) from her actor document.
    fedi.run(json!({"cmd": "lookup", "actor": alice_actor}))
        .await;
    let looked = fedi
        .wait_for("Fedify to report Alice's keys", |e| e["event"] == "actor")
        .await;
    assert_eq!(
        looked["assertionMethods"],
        json!([{"id": format!("{alice_actor}#ed25519-key"), "controller": alice_actor,
                "algorithm": "Ed25519"}]),
        "{looked}"
    );
    assert_eq!(
        looked["publicKeys"],
        json!([format!("{alice_actor}#main-key")])
    );

    // Every request Fedify sent here was signed with RFC 9421 and accepted
    // as it was: Fedify never had to fall back to draft-cavage.
    let here = format!("http://{}/", town.domain());
    let to_trellis: Vec<Value> = fedi
        .posts()
        .into_iter()
        .filter(|post| post["url"].as_str().is_some_and(|u| u.starts_with(&here)))
        .collect();
    assert!(to_trellis.len() >= 3, "{to_trellis:?}");
    for post in &to_trellis {
        assert_eq!(post["signature"], "rfc9421", "{to_trellis:?}");
        assert!(
            post["status"]
                .as_u64()
                .is_some_and(|s| (200..300).contains(&s)),
            "{to_trellis:?}"
        );
    }
}
