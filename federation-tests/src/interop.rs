//! The steps every real peer server (`script_peer`) goes through with
//! Trellis: a member, Alice, and one peer actor, each step checked on both
//! sides (in the peer's own parsed view, and in Trellis's API). The
//! scenarios in `tests/fedify_interop.rs` and `tests/bovine_interop.rs`
//! run them in order and add what only their peer does.

use crate::{Instance, TINY_PNG, User, script_peer::ScriptPeer, wait_until};
use reqwest::{Method, StatusCode, multipart};
use serde_json::{Value, json};
use std::time::Duration;

const PATIENCE: Duration = Duration::from_secs(30);

/// Matches the peer's report of an activity of type `kind` it received.
pub fn received<'a>(kind: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |event| event["event"] == "received" && event["type"] == kind
}

/// Matches the peer's report of an activity of type `kind` about `object`.
fn received_about<'a>(kind: &'a str, object: &'a str) -> impl Fn(&Value) -> bool + 'a {
    move |event| received(kind)(event) && event["objectId"] == object
}

pub struct Scenario<'a> {
    pub town: &'a Instance,
    pub alice: &'a User,
    /// Alice's actor id.
    pub alice_actor: String,
}

impl<'a> Scenario<'a> {
    pub fn new(town: &'a Instance, alice: &'a User) -> Scenario<'a> {
        Scenario {
            town,
            alice,
            alice_actor: format!("http://{}/users/alice", town.domain()),
        }
    }

    /// Waits until the status (or poll) at `path`, as Alice reads it,
    /// satisfies `check`, and returns it.
    pub async fn wait_for(&self, path: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        wait_until(what, PATIENCE, || async {
            let found = self.town.get(path, Some(&self.alice.token)).await;
            check(&found.body).then_some(found.body)
        })
        .await
    }

    async fn post_empty(&self, path: &str) -> Value {
        let answer = self
            .town
            .post_json(path, Some(&self.alice.token), &Value::Null)
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{path}: {}", answer.body);
        answer.body
    }

    /// Alice finds the peer by its handle (WebFinger) and follows it; the
    /// peer accepts. Answers the peer's account id here.
    pub async fn alice_follows(&self, peer: &ScriptPeer) -> String {
        let id = self.town.resolve_account(self.alice, &peer.acct()).await;
        self.post_empty(&format!("/api/v1/accounts/{id}/follow"))
            .await;
        peer.wait_for("the peer to receive the Follow", received("Follow"))
            .await;
        let relationship = format!("/api/v1/accounts/relationships?id[]={id}");
        self.wait_for(&relationship, "the peer's Accept", |r| {
            r[0]["following"] == true
        })
        .await;
        id
    }

    /// The peer follows Alice; Trellis accepts.
    pub async fn peer_follows(&self, peer: &mut ScriptPeer) {
        peer.run(json!({"cmd": "follow", "actor": self.alice_actor}))
            .await;
        let accept = peer.wait_for("Trellis's Accept", received("Accept")).await;
        assert_eq!(accept["actor"], self.alice_actor.as_str(), "{accept}");
    }

    /// Alice posts an image; the peer's parser reads the note and its
    /// attachment. Answers the status.
    pub async fn alice_posts_an_image(&self, peer: &ScriptPeer) -> Value {
        let form = multipart::Form::new()
            .part(
                "file",
                multipart::Part::bytes(TINY_PNG.to_vec()).file_name("dot.png"),
            )
            .text("description", "A tiny test image");
        let media = self
            .town
            .send_multipart(Method::POST, "/api/v2/media", Some(&self.alice.token), form)
            .await;
        assert_eq!(media.status, StatusCode::OK, "{}", media.body);
        let post = self
            .town
            .post_status(
                self.alice,
                &json!({"status": "Seed swap on Saturday", "media_ids": [media.body["id"]]}),
            )
            .await;
        let uri = post["uri"].as_str().unwrap();
        let create = peer
            .wait_for(
                "the peer to receive the Create",
                received_about("Create", uri),
            )
            .await;
        let note = &create["object"];
        assert_eq!(note["type"], "Note", "{create}");
        assert!(
            note["content"]
                .as_str()
                .is_some_and(|c| c.contains("Seed swap on Saturday")),
            "{create}"
        );
        assert_eq!(note["attributedTo"], self.alice_actor.as_str(), "{create}");
        let attachment = &note["attachments"][0];
        assert_eq!(attachment["url"], media.body["url"], "{create}");
        assert_eq!(attachment["mediaType"], "image/png", "{create}");
        assert_eq!(attachment["name"], "A tiny test image", "{create}");
        post
    }

    /// The peer posts; the note reaches Alice's home timeline. Answers the
    /// status as Alice sees it.
    pub async fn peer_posts(&self, peer: &mut ScriptPeer, key: &str, content: &str) -> Value {
        let done = peer
            .run(json!({"cmd": "post", "id": key, "content": content}))
            .await;
        let shown = self
            .town
            .wait_for_home_status(self.alice, done["id"].as_str().expect("the post's id"))
            .await;
        assert_eq!(shown["content"], content, "{shown}");
        assert_eq!(shown["account"]["acct"], peer.acct(), "{shown}");
        shown
    }

    /// The peer posts an image: shown with its description, then copied
    /// into the media cache, its original URL kept as `remote_url`.
    pub async fn peer_posts_an_image(&self, peer: &mut ScriptPeer) {
        let done = peer
            .run(
                json!({"cmd": "post", "id": "pic", "content": "<p>A picture</p>",
                        "image": "An orange dot"}),
            )
            .await;
        let shown = self
            .town
            .wait_for_home_status(self.alice, done["id"].as_str().unwrap())
            .await;
        let attachment = &shown["media_attachments"][0];
        assert_eq!(attachment["description"], "An orange dot", "{shown}");
        let remote = attachment["remote_url"].as_str().unwrap_or_default();
        let peer_origin = peer.actor.split("/").take(3).collect::<Vec<_>>().join("/");
        assert!(remote.starts_with(&peer_origin), "{shown}");
        let here = format!("http://{}/media/", self.town.domain());
        let path = format!("/api/v1/statuses/{}", shown["id"].as_str().unwrap());
        let copied = self
            .wait_for(&path, "the peer's image to be copied", |status| {
                status["media_attachments"][0]["url"]
                    .as_str()
                    .is_some_and(|url| url.starts_with(&here))
            })
            .await;
        assert_eq!(copied["media_attachments"][0]["remote_url"], remote);
    }

    /// The peer likes Alice's `post`, replies to it and boosts it.
    pub async fn peer_answers(&self, peer: &mut ScriptPeer, post: &Value) {
        let uri = post["uri"].clone();
        let path = format!("/api/v1/statuses/{}", post["id"].as_str().unwrap());
        peer.run(json!({"cmd": "like", "object": uri, "author": self.alice_actor}))
            .await;
        self.wait_for(&path, "the like to count", |s| s["favourites_count"] == 1)
            .await;
        peer.run(json!({
            "cmd": "post", "id": "reply", "content": "<p>Count me in</p>",
            "inReplyTo": uri, "author": self.alice_actor,
        }))
        .await;
        peer.run(json!({"cmd": "announce", "object": uri, "author": self.alice_actor}))
            .await;
        self.wait_for(&path, "the reply and the boost to count", |s| {
            s["replies_count"] == 1 && s["reblogs_count"] == 1
        })
        .await;
        let context = self
            .wait_for(&format!("{path}/context"), "the thread", |_| true)
            .await;
        assert_eq!(
            context["descendants"][0]["content"], "<p>Count me in</p>",
            "{context}"
        );
    }

    /// Alice replies to the peer's `status`, boosts it and likes it; the
    /// peer receives each.
    pub async fn alice_answers(&self, peer: &ScriptPeer, status: &Value) {
        let (id, uri) = (
            status["id"].as_str().unwrap(),
            status["uri"].as_str().unwrap(),
        );
        let answer = self
            .town
            .post_status(
                self.alice,
                &json!({"status": format!("@{} welcome!", peer.acct()), "in_reply_to_id": id}),
            )
            .await;
        let reply = peer
            .wait_for(
                "the peer to receive Alice's reply",
                received_about("Create", answer["uri"].as_str().unwrap()),
            )
            .await;
        assert_eq!(reply["object"]["inReplyTo"], uri, "{reply}");
        for (action, kind) in [("reblog", "Announce"), ("favourite", "Like")] {
            self.post_empty(&format!("/api/v1/statuses/{id}/{action}"))
                .await;
            peer.wait_for(
                &format!("the peer to receive the {kind}"),
                received_about(kind, uri),
            )
            .await;
        }
    }

    /// Alice edits her `post`, then deletes it; the peer hears of both.
    pub async fn alice_edits_and_deletes(&self, peer: &ScriptPeer, post: &Value) {
        let uri = post["uri"].as_str().unwrap();
        let path = format!("/api/v1/statuses/{}", post["id"].as_str().unwrap());
        let edited = self
            .town
            .put_json(
                &path,
                Some(&self.alice.token),
                &json!({"status": "Seed swap moved to Sunday"}),
            )
            .await;
        assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
        let update = peer
            .wait_for(
                "the peer to receive the Update",
                received_about("Update", uri),
            )
            .await;
        assert!(
            update["object"]["content"]
                .as_str()
                .is_some_and(|c| c.contains("Sunday")),
            "{update}"
        );
        let deleted = self.town.delete(&path, Some(&self.alice.token)).await;
        assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
        peer.wait_for(
            "the peer to receive the Delete",
            received_about("Delete", uri),
        )
        .await;
    }

    /// The peer edits its `status`, then deletes it; Trellis shows the
    /// edit, then the status is gone.
    pub async fn peer_edits_and_deletes(&self, peer: &mut ScriptPeer, key: &str, status: &Value) {
        let path = format!("/api/v1/statuses/{}", status["id"].as_str().unwrap());
        let content = "<p>Edited by its author</p>";
        peer.run(json!({"cmd": "edit", "id": key, "content": content}))
            .await;
        let edited = self
            .wait_for(&path, "the peer's edit", |s| s["content"] == content)
            .await;
        assert!(edited["edited_at"].is_string(), "{edited}");
        peer.run(json!({"cmd": "delete", "id": key})).await;
        wait_until("the peer's delete", PATIENCE, || async {
            let gone = self.town.get(&path, Some(&self.alice.token)).await;
            (gone.status == StatusCode::NOT_FOUND).then_some(())
        })
        .await;
    }

    /// Alice asks a poll: the peer reads the Question, votes in it, and
    /// hears the new counts.
    pub async fn alice_asks_a_poll(&self, peer: &mut ScriptPeer) {
        let asked = self
            .town
            .post_status(
                self.alice,
                &json!({"status": "Which evening?",
                        "poll": {"options": ["Tuesday", "Thursday"], "expires_in": 3600}}),
            )
            .await;
        let question = asked["uri"].as_str().unwrap();
        let create = peer
            .wait_for(
                "the peer to receive the Question",
                received_about("Create", question),
            )
            .await;
        assert_eq!(create["object"]["type"], "Question", "{create}");
        assert_eq!(
            create["object"]["question"]["oneOf"],
            json!([{"name": "Tuesday", "votes": 0}, {"name": "Thursday", "votes": 0}]),
            "{create}"
        );
        peer.run(json!({"cmd": "vote", "question": question,
                        "author": self.alice_actor, "option": "Thursday"}))
            .await;
        let poll = format!("/api/v1/polls/{}", asked["id"].as_str().unwrap());
        self.wait_for(&poll, "the peer's vote to count", |p| {
            p["options"][1]["votes_count"] == 1 && p["voters_count"] == 1
        })
        .await;
        peer.wait_for("the peer to receive the new counts", |e| {
            received_about("Update", question)(e)
                && e["object"]["question"]["oneOf"][1]["votes"] == 1
                && e["object"]["question"]["voters"] == 1
        })
        .await;
    }

    /// The peer asks a poll with several answers: Alice sees it, votes for
    /// two, and the peer receives each vote as a Note named for its
    /// option, to the peer's actor alone. Answers the poll's path here.
    pub async fn peer_asks_a_poll(&self, peer: &mut ScriptPeer) -> String {
        let done = peer
            .run(
                json!({"cmd": "poll", "id": "evenings", "content": "<p>Which evenings?</p>",
                        "options": ["Monday", "Friday", "Sunday"], "multiple": true}),
            )
            .await;
        let question = done["id"].as_str().unwrap().to_string();
        let shown = self.town.wait_for_home_status(self.alice, &question).await;
        let poll = &shown["poll"];
        assert_eq!(poll["multiple"], true, "{shown}");
        assert_eq!(poll["options"][1]["title"], "Friday", "{shown}");
        assert_eq!(poll["expired"], false, "{shown}");
        let path = format!("/api/v1/polls/{}", poll["id"].as_str().unwrap());
        let voted = self
            .town
            .post_json(
                &format!("{path}/votes"),
                Some(&self.alice.token),
                &json!({"choices": [1, 2]}),
            )
            .await;
        assert_eq!(voted.status, StatusCode::OK, "{}", voted.body);
        let votes = wait_until("the peer to receive both votes", PATIENCE, || async {
            let votes: Vec<Value> = peer
                .events()
                .into_iter()
                .filter(|e| received("Create")(e) && e["object"]["inReplyTo"] == question.as_str())
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
            assert_eq!(vote["object"]["to"], json!([peer.actor]), "{vote}");
        }
        path
    }

    /// The peer reads Alice's actor: her RSA key under `publicKey`, her
    /// Ed25519 key under `assertionMethod`. Answers the peer's report.
    pub async fn peer_reads_alice(&self, peer: &mut ScriptPeer) -> Value {
        let before = peer.events().len();
        peer.run(json!({"cmd": "lookup", "actor": self.alice_actor}))
            .await;
        let looked = wait_until("the peer's report of Alice", PATIENCE, || async {
            peer.events()
                .into_iter()
                .skip(before)
                .find(|e| e["event"] == "actor")
        })
        .await;
        assert_eq!(
            looked["publicKeys"],
            json!([format!("{}#main-key", self.alice_actor)]),
            "{looked}"
        );
        assert_eq!(
            looked["assertionMethods"][0]["id"],
            format!("{}#ed25519-key", self.alice_actor),
            "{looked}"
        );
        assert_eq!(
            looked["assertionMethods"][0]["controller"],
            self.alice_actor.as_str(),
            "{looked}"
        );
        looked
    }

    /// Alice unfollows the peer's account `id`; the peer receives the Undo
    /// of her Follow.
    pub async fn alice_unfollows(&self, peer: &ScriptPeer, id: &str) {
        self.post_empty(&format!("/api/v1/accounts/{id}/unfollow"))
            .await;
        let undo = peer
            .wait_for("the peer to receive the Undo", received("Undo"))
            .await;
        assert_eq!(undo["actor"], self.alice_actor.as_str(), "{undo}");
        let relationship = format!("/api/v1/accounts/relationships?id[]={id}");
        self.wait_for(&relationship, "Alice to follow no more", |r| {
            r[0]["following"] == false
        })
        .await;
    }

    /// The POSTs the peer made to Trellis, each answered with a 2xx.
    pub fn deliveries_accepted(&self, peer: &ScriptPeer) -> Vec<Value> {
        let here = format!("http://{}/", self.town.domain());
        let to_trellis: Vec<Value> = peer
            .posts()
            .into_iter()
            .filter(|post| post["url"].as_str().is_some_and(|u| u.starts_with(&here)))
            .collect();
        for post in &to_trellis {
            assert!(
                post["status"]
                    .as_u64()
                    .is_some_and(|s| (200..300).contains(&s)),
                "{to_trellis:?}"
            );
        }
        to_trellis
    }
}
