//! Polls both ways: a member asks one (a `Question` to followers), a remote
//! account and members vote in it, the counts go out as `Update`s and the
//! end is announced; a remote `Question` (Mastodon's shape, from
//! `fixtures/objects/mastodon_create_question.json`) shows with its
//! options and counts, and a member's vote goes to its author as a `Note`.

use federation_tests::{
    Backend, Instance, PASSWORD, User, backend_tests, peer::Peer, wait_until, web::WebClient,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    members_ask_polls_and_others_vote,
    members_ask_polls_and_others_vote
);
backend_tests!(
    remote_polls_show_and_members_vote_in_them,
    remote_polls_show_and_members_vote_in_them
);

const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

async fn deliver(town: &Instance, peer: &Peer, name: &str, activity: &Value) {
    let inbox = format!("{}/inbox", town.base_url());
    let (status, body) = peer.post_signed(name, &inbox, activity).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{}: {body}", activity["id"]);
}

/// A vote as Mastodon sends it: a `Note` naming the option, to the poll's
/// author only.
fn vote_from(
    peer: &Peer,
    name: &str,
    key: &str,
    question: &str,
    author: &str,
    option: &str,
) -> Value {
    let actor = peer.actor_id(name);
    let id = format!("{actor}#votes/{key}");
    json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{id}/activity"),
        "type": "Create",
        "actor": actor,
        "to": [author],
        "object": {
            "id": id,
            "type": "Note",
            "name": option,
            "attributedTo": actor,
            "inReplyTo": question,
            "to": [author],
        },
    })
}

async fn poll_of(town: &Instance, user: Option<&User>, id: &str) -> Value {
    let answer = town
        .get(
            &format!("/api/v1/polls/{id}"),
            user.map(|u| u.token.as_str()),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.body
}

fn votes(poll: &Value) -> Vec<i64> {
    poll["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes_count"].as_i64().unwrap())
        .collect()
}

/// The latest activity of `kind` about `object_id` the peer received.
fn latest(peer: &Peer, kind: &str, object_id: &str) -> Option<Value> {
    peer.received()
        .into_iter()
        .rev()
        .find(|a| a["type"] == kind && a["object"]["id"] == object_id)
}

async fn notified(town: &Instance, user: &User, kind: &str, status_id: &str) -> Value {
    wait_until(
        &format!("a {kind} notification for {}", user.username),
        Duration::from_secs(30),
        || async {
            let answer = town.get("/api/v1/notifications", Some(&user.token)).await;
            answer
                .body
                .as_array()?
                .iter()
                .find(|n| n["type"] == kind && n["status"]["id"] == status_id)
                .cloned()
        },
    )
    .await
}

async fn members_ask_polls_and_others_vote(backend: Backend) {
    let town = Instance::start_with(
        "town",
        backend,
        &[("TRELLIS_POLL_MIN_EXPIRATION_SECONDS", "3")],
    )
    .await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    let pat = peer.actor_id("pat");
    let alice_id = format!("http://{}/users/alice", town.domain());
    let follow = json!({
        "id": format!("{pat}/follows/alice"),
        "type": "Follow",
        "actor": pat,
        "object": alice_id,
    });
    deliver(&town, &peer, "pat", &follow).await;

    let instance = town.get("/api/v2/instance", None).await.body;
    assert_eq!(
        instance["configuration"]["polls"],
        json!({"max_options": 4, "max_characters_per_option": 50,
               "min_expiration": 3, "max_expiration": 2_629_746})
    );

    // Polls the server cannot take are refused, and nothing is posted.
    let long = "long ".repeat(11);
    for (fields, why) in [
        (vec![("poll[options][]", "Only one")], "one option"),
        (
            vec![
                ("poll[options][]", "a"),
                ("poll[options][]", "b"),
                ("poll[options][]", "c"),
                ("poll[options][]", "d"),
                ("poll[options][]", "e"),
            ],
            "five options",
        ),
        (
            vec![("poll[options][]", "Same"), ("poll[options][]", "Same")],
            "the same option twice",
        ),
        (
            vec![
                ("poll[options][]", "Yes"),
                ("poll[options][]", long.as_str()),
            ],
            "an option over 50 characters",
        ),
    ] {
        let mut form = vec![("status", "Which?"), ("poll[expires_in]", "3600")];
        form.extend(fields);
        let answer = town
            .post_form("/api/v1/statuses", Some(&alice.token), &form)
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{why}: {}",
            answer.body
        );
    }
    for expires_in in ["2", "2629747", ""] {
        let answer = town
            .post_json(
                "/api/v1/statuses",
                Some(&alice.token),
                &json!({"status": "When?", "poll": {"options": ["Now", "Later"], "expires_in": expires_in}}),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{expires_in:?}: {}",
            answer.body
        );
    }
    let statuses = town
        .get("/api/v1/accounts/verify_credentials", Some(&alice.token))
        .await
        .body;
    assert_eq!(
        statuses["statuses_count"], 0,
        "a refused poll posts nothing"
    );

    // A poll from an app's form.
    let posted = town
        .post_form(
            "/api/v1/statuses",
            Some(&alice.token),
            &[
                ("status", "Which day for the seed swap?"),
                ("poll[options][]", "Saturday"),
                ("poll[options][]", "Sunday"),
                ("poll[expires_in]", "3600"),
            ],
        )
        .await;
    assert_eq!(posted.status, StatusCode::OK, "{}", posted.body);
    let status = posted.body;
    let id = status["id"].as_str().unwrap().to_string();
    let question_id = status["uri"].as_str().unwrap().to_string();
    let poll = &status["poll"];
    assert_eq!(poll["id"], id.as_str());
    assert_eq!(poll["multiple"], false);
    assert_eq!(poll["expired"], false);
    assert_eq!(poll["votes_count"], 0);
    assert_eq!(poll["voters_count"], 0);
    assert_eq!(poll["voted"], false);
    assert_eq!(poll["own_votes"], json!([]));
    assert_eq!(
        poll["options"],
        json!([{"title": "Saturday", "votes_count": 0}, {"title": "Sunday", "votes_count": 0}])
    );
    assert!(poll["expires_at"].as_str().is_some(), "{poll}");

    // The follower's server gets a Question.
    let create = wait_until(
        "the Question reaches pat",
        Duration::from_secs(30),
        || async { latest(&peer, "Create", &question_id) },
    )
    .await;
    let question = &create["object"];
    assert_eq!(question["type"], "Question", "{question}");
    assert_eq!(question["oneOf"][1]["name"], "Sunday");
    assert_eq!(question["oneOf"][1]["replies"]["totalItems"], 0);
    assert_eq!(question["votersCount"], 0);
    assert!(question["endTime"].as_str().is_some(), "{question}");
    assert!(question.get("anyOf").is_none(), "{question}");
    // The document at the status's id says the same.
    let fetched = reqwest::Client::new()
        .get(&question_id)
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(fetched["type"], "Question");
    assert_eq!(
        fetched["@context"][2]["votersCount"], "toot:votersCount",
        "{fetched}"
    );

    // Pat votes Sunday: counted, not shown as a reply, and the new counts go out.
    deliver(
        &town,
        &peer,
        "pat",
        &vote_from(&peer, "pat", "1", &question_id, &alice_id, "Sunday"),
    )
    .await;
    let poll = poll_of(&town, Some(&bob), &id).await;
    assert_eq!(votes(&poll), vec![0, 1], "{poll}");
    assert_eq!(poll["voters_count"], 1);
    assert_eq!(poll["voted"], false);
    let update = wait_until(
        "the new counts reach pat",
        Duration::from_secs(30),
        || async {
            latest(&peer, "Update", &question_id)
                .filter(|u| u["object"]["oneOf"][1]["replies"]["totalItems"] == 1)
        },
    )
    .await;
    assert_eq!(update["object"]["votersCount"], 1);
    let context = town
        .get(
            &format!("/api/v1/statuses/{id}/context"),
            Some(&alice.token),
        )
        .await
        .body;
    assert_eq!(context["descendants"], json!([]), "a vote is not a reply");
    let status = town
        .get(&format!("/api/v1/statuses/{id}"), Some(&alice.token))
        .await
        .body;
    assert_eq!(status["replies_count"], 0);

    // A second vote in a one-choice poll, and an option it lacks, change nothing.
    deliver(
        &town,
        &peer,
        "pat",
        &vote_from(&peer, "pat", "2", &question_id, &alice_id, "Saturday"),
    )
    .await;
    deliver(
        &town,
        &peer,
        "pat",
        &vote_from(&peer, "pat", "3", &question_id, &alice_id, "Monday"),
    )
    .await;
    assert_eq!(votes(&poll_of(&town, None, &id).await), vec![0, 1]);

    // Bob votes through the API; bad choices are refused first.
    for choices in [json!([]), json!(["7"]), json!([0, 1]), json!(["x"])] {
        let answer = town
            .post_json(
                &format!("/api/v1/polls/{id}/votes"),
                Some(&bob.token),
                &json!({"choices": choices}),
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{choices}: {}",
            answer.body
        );
    }
    let answer = town
        .post_form(
            &format!("/api/v1/polls/{id}/votes"),
            Some(&bob.token),
            &[("choices[]", "0")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(votes(&answer.body), vec![1, 1]);
    assert_eq!(answer.body["voters_count"], 2);
    assert_eq!(answer.body["voted"], true);
    assert_eq!(answer.body["own_votes"], json!([0]));
    let again = town
        .post_form(
            &format!("/api/v1/polls/{id}/votes"),
            Some(&bob.token),
            &[("choices[]", "1")],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        again.body
    );
    wait_until(
        "bob's vote reaches pat",
        Duration::from_secs(30),
        || async {
            latest(&peer, "Update", &question_id)
                .filter(|u| u["object"]["oneOf"][0]["replies"]["totalItems"] == 1)
        },
    )
    .await;
    // An anonymous reader sees the counts, and no `voted`.
    let anonymous = poll_of(&town, None, &id).await;
    assert!(anonymous.get("voted").is_none(), "{anonymous}");
    assert_eq!(votes(&anonymous), vec![1, 1]);

    // On the web: the poll shows on the status page, and a member votes there.
    let web = WebClient::new(&town);
    let page = web.get(&format!("/@alice/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Saturday") && page.body.contains("2 votes"),
        "{}",
        page.body
    );
    let carol = town.create_user("carol").await;
    web.log_in(&carol.username, PASSWORD).await;
    let page = web.get(&format!("/@alice/{id}")).await;
    assert!(
        page.body
            .contains(&format!("action=\"/statuses/{id}/vote\"")),
        "{}",
        page.body
    );
    let answer = web
        .submit(
            &format!("/@alice/{id}"),
            &format!("/statuses/{id}/vote"),
            &[("choice", "1")],
        )
        .await;
    assert!(
        answer.status.is_redirection(),
        "{} {}",
        answer.status,
        answer.body
    );
    assert_eq!(votes(&poll_of(&town, Some(&carol), &id).await), vec![1, 2]);
    let page = web.get(&format!("/@alice/{id}")).await;
    assert!(page.body.contains("(your vote)"), "{}", page.body);
    assert!(
        !page
            .body
            .contains(&format!("action=\"/statuses/{id}/vote\""))
    );

    // Carol asks one from the compose box; one option alone is refused.
    let refused = web
        .submit(
            "/home",
            "/statuses",
            &[
                ("status", "Lunch?"),
                ("poll_option", "Soup"),
                ("poll_option", ""),
                ("poll_expires_in", "3600"),
            ],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    let asked = web
        .submit(
            "/home",
            "/statuses",
            &[
                ("status", "Lunch after the swap?"),
                ("poll_option", "Soup"),
                ("poll_option", "Sandwiches"),
                ("poll_option", ""),
                ("poll_option", ""),
                ("poll_expires_in", "86400"),
                ("poll_multiple", "true"),
            ],
        )
        .await;
    assert!(
        asked.status.is_redirection(),
        "{} {}",
        asked.status,
        asked.body
    );
    let carols = town
        .get("/api/v1/accounts/verify_credentials", Some(&carol.token))
        .await
        .body;
    let listed = town
        .get(
            &format!(
                "/api/v1/accounts/{}/statuses",
                carols["id"].as_str().unwrap()
            ),
            None,
        )
        .await
        .body;
    let lunch = &listed[0]["poll"];
    assert_eq!(lunch["multiple"], true, "{listed}");
    assert_eq!(lunch["options"][1]["title"], "Sandwiches", "{listed}");
    assert_eq!(
        listed.as_array().unwrap().len(),
        1,
        "the refused poll posted nothing"
    );

    // A short poll with several choices: it ends, the author and the voters
    // are told, and the final counts go out.
    let short = town
        .post_status(
            &alice,
            &json!({"status": "Quick: what should we bring?",
                    "poll": {"options": ["Seeds", "Tools", "Cake"], "expires_in": 3, "multiple": true}}),
        )
        .await;
    let short_id = short["id"].as_str().unwrap().to_string();
    let short_uri = short["uri"].as_str().unwrap().to_string();
    let answer = town
        .post_json(
            &format!("/api/v1/polls/{short_id}/votes"),
            Some(&bob.token),
            &json!({"choices": [0, 2]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(votes(&answer.body), vec![1, 0, 1]);
    assert_eq!(answer.body["voters_count"], 1);
    notified(&town, &alice, "poll", &short_id).await;
    notified(&town, &bob, "poll", &short_id).await;
    let closed = wait_until(
        "the poll's end reaches pat",
        Duration::from_secs(30),
        || async {
            latest(&peer, "Update", &short_uri).filter(|u| u["object"]["closed"].is_string())
        },
    )
    .await;
    assert_eq!(closed["object"]["type"], "Question");
    assert_eq!(closed["object"]["anyOf"][2]["replies"]["totalItems"], 1);
    let ended = poll_of(&town, Some(&carol), &short_id).await;
    assert_eq!(ended["expired"], true);
    let late = town
        .post_json(
            &format!("/api/v1/polls/{short_id}/votes"),
            Some(&carol.token),
            &json!({"choices": [1]}),
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    // Nobody was told twice.
    let told = town
        .get("/api/v1/notifications?types[]=poll", Some(&alice.token))
        .await;
    assert_eq!(told.body.as_array().unwrap().len(), 1, "{}", told.body);

    // Polls and media do not go together.
    let answer = town
        .post_json(
            "/api/v1/statuses",
            Some(&alice.token),
            &json!({"status": "x", "media_ids": ["1"], "poll": {"options": ["a", "b"], "expires_in": 600}}),
        )
        .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        answer.body
    );
}

async fn remote_polls_show_and_members_vote_in_them(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    peer.accept_follow_from(&town, &bob, "kim").await;
    let kim = peer.actor_id("kim");

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/objects/mastodon_create_question.json");
    let end = (chrono::Utc::now() + chrono::Duration::days(2)).to_rfc3339();
    let text = std::fs::read_to_string(path)
        .unwrap()
        .replace("{base}", &peer.url(""))
        .replace("{end}", &end);
    let create: Value = serde_json::from_str(&text).unwrap();
    let question_id = create["object"]["id"].as_str().unwrap().to_string();
    deliver(&town, &peer, "kim", &create).await;
    let shown = town.wait_for_home_status(&bob, &question_id).await;
    assert_eq!(
        shown["content"],
        "<p>Which evenings suit the repair café?</p>"
    );
    let id = shown["id"].as_str().unwrap().to_string();
    let poll = &shown["poll"];
    assert_eq!(poll["multiple"], true, "{poll}");
    assert_eq!(poll["expired"], false);
    assert_eq!(votes(poll), vec![4, 2, 5]);
    assert_eq!(poll["votes_count"], 11);
    assert_eq!(poll["voters_count"], 7);
    assert_eq!(poll["options"][2]["title"], "Thursday");

    // Bob votes for two evenings: each goes to kim alone, as a Note.
    let answer = town
        .post_json(
            &format!("/api/v1/polls/{id}/votes"),
            Some(&bob.token),
            &json!({"choices": ["0", "2"]}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(votes(&answer.body), vec![5, 2, 6], "shown at once");
    assert_eq!(answer.body["voters_count"], 8);
    assert_eq!(answer.body["own_votes"], json!([0, 2]));
    let sent = wait_until("both votes reach kim", Duration::from_secs(30), || async {
        let votes: Vec<Value> = peer
            .received()
            .into_iter()
            .filter(|a| a["type"] == "Create" && a["object"]["inReplyTo"] == question_id.as_str())
            .collect();
        (votes.len() == 2).then_some(votes)
    })
    .await;
    let mut names: Vec<&str> = sent
        .iter()
        .map(|a| a["object"]["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(names, vec!["Thursday", "Tuesday"]);
    for vote in &sent {
        assert_eq!(vote["object"]["type"], "Note");
        assert_eq!(vote["to"], json!([kim]));
        assert_eq!(vote["object"]["to"], json!([kim]));
        assert!(!vote["object"]["to"].to_string().contains(PUBLIC));
        assert_eq!(
            vote["object"]["attributedTo"],
            format!("http://{}/users/bob", town.domain())
        );
    }

    // Kim's server sends its counts: they replace what was shown; then it ends.
    let mut update = create.clone();
    update["type"] = json!("Update");
    update["id"] = json!(format!("{question_id}#updates/1"));
    update["object"]["anyOf"][0]["replies"]["totalItems"] = json!(9);
    update["object"]["votersCount"] = json!(10);
    deliver(&town, &peer, "kim", &update).await;
    let poll = poll_of(&town, Some(&bob), &id).await;
    assert_eq!(votes(&poll), vec![9, 2, 5]);
    assert_eq!(poll["voters_count"], 10);
    assert_eq!(poll["own_votes"], json!([0, 2]), "bob's choices stay his");
    update["id"] = json!(format!("{question_id}#updates/2"));
    update["object"]["closed"] = json!(chrono::Utc::now().to_rfc3339());
    deliver(&town, &peer, "kim", &update).await;
    let poll = poll_of(&town, Some(&bob), &id).await;
    assert_eq!(poll["expired"], true, "{poll}");
    let carol = town.create_user("carol").await;
    let late = town
        .post_json(
            &format!("/api/v1/polls/{id}/votes"),
            Some(&carol.token),
            &json!({"choices": [1]}),
        )
        .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    notified(&town, &bob, "poll", &id).await;

    // A poll whose server changed its options is a new poll: old votes go.
    update["id"] = json!(format!("{question_id}#updates/3"));
    update["object"]["closed"] = Value::Null;
    update["object"]["anyOf"] = json!([
        {"type": "Note", "name": "Monday", "replies": {"type": "Collection", "totalItems": 0}},
        {"type": "Note", "name": "Friday", "replies": {"type": "Collection", "totalItems": 1}}
    ]);
    deliver(&town, &peer, "kim", &update).await;
    let poll = poll_of(&town, Some(&bob), &id).await;
    assert_eq!(poll["options"][0]["title"], "Monday", "{poll}");
    assert_eq!(votes(&poll), vec![0, 1]);
    assert_eq!(poll["own_votes"], json!([]));

    // Someone else's poll (not a member's) takes no votes from the network:
    // a "vote" for it is an ordinary reply.
    let reply = vote_from(&peer, "ana", "9", &question_id, &kim, "Monday");
    deliver(&town, &peer, "ana", &reply).await;
    assert_eq!(votes(&poll_of(&town, Some(&bob), &id).await), vec![0, 1]);
}
