//! Communities of practice (Group actors, FEP-1b12): created through
//! Trellis's API, joined from the Mastodon API by following, and re-sharing
//! what mentions them to every member on every server.

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    a_community_reshares_posts_to_members_everywhere,
    a_community_reshares_posts_to_members_everywhere
);
backend_tests!(
    communities_are_created_listed_and_checked,
    communities_are_created_listed_and_checked
);
backend_tests!(
    admins_can_keep_community_creation_to_themselves,
    admins_can_keep_community_creation_to_themselves
);

backend_tests!(
    followers_only_posts_reach_members_only,
    followers_only_posts_reach_members_only
);

const COMMUNITIES: &str = "/api/trellis/v1/communities";
const PATIENCE: Duration = Duration::from_secs(30);

async fn create(instance: &Instance, user: &User, body: Value) -> Value {
    let created = instance
        .post_json(COMMUNITIES, Some(&user.token), &body)
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    created.body
}

/// Entries of `user`'s home timeline that show the status with `uri`,
/// directly or as a boost.
async fn showings(instance: &Instance, user: &User, uri: &str) -> Vec<Value> {
    instance
        .home_timeline(user)
        .await
        .into_iter()
        .filter(|s| s["uri"] == uri || s["reblog"]["uri"] == uri)
        .collect()
}

async fn wait_for_showing(instance: &Instance, user: &User, uri: &str) -> Value {
    wait_until(
        &format!("{uri} in {}'s home", user.username),
        PATIENCE,
        || async { showings(instance, user, uri).await.pop() },
    )
    .await
}

async fn a_community_reshares_posts_to_members_everywhere(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let river = Instance::start("river", backend).await;
    let alice = town.create_user("alice").await;
    let carol = town.create_user("carol").await;
    let dave = town.create_user("dave").await;
    let bob = river.create_user("bob").await;
    let erin = river.create_user("erin").await;

    let officers = create(
        &town,
        &alice,
        json!({
            "name": "officers",
            "display_name": "Sustainability officers",
            "summary": "Officers of the towns around Ashford",
            "role": "Sustainability officer",
            "place": "Ashford"
        }),
    )
    .await;
    assert_eq!(
        officers["members_count"], 1,
        "the creator joins: {officers}"
    );
    assert_eq!(officers["moderators"], json!(["alice"]));
    assert_eq!(officers["account"]["group"], true);

    // Members join by following, from the Mastodon API, here and elsewhere.
    town.follow(&carol, "officers").await;
    let handle = format!("officers@{}", town.domain());
    river.follow(&bob, &handle).await;
    river.follow(&erin, &handle).await;

    // Dave is no member, but a post that mentions the community reaches
    // every member through it.
    let post = town
        .post_status(
            &dave,
            &json!({"status": "@officers the heat-pump grant reopens Monday"}),
        )
        .await;
    let uri = post["uri"].as_str().unwrap();
    for (instance, member) in [
        (&town, &carol),
        (&town, &alice),
        (&river, &bob),
        (&river, &erin),
    ] {
        let shown = wait_for_showing(instance, member, uri).await;
        assert_eq!(shown["account"]["username"], "officers", "{shown}");
        assert!(
            shown["reblog"]["content"]
                .as_str()
                .unwrap()
                .contains("heat-pump grant"),
            "{shown}"
        );
    }

    // A member on another server posts to the community: members on both
    // servers see it, the author once (their own post, not the re-share).
    let from_river = river
        .post_status(
            &bob,
            &json!({"status": format!("@{handle} our council adopted the plan")}),
        )
        .await;
    let river_uri = from_river["uri"].as_str().unwrap();
    let on_town = wait_for_showing(&town, &carol, river_uri).await;
    assert_eq!(on_town["account"]["username"], "officers", "{on_town}");
    let on_river = wait_for_showing(&river, &erin, river_uri).await;
    assert_eq!(on_river["account"]["acct"], handle.as_str(), "{on_river}");
    let bobs = showings(&river, &bob, river_uri).await;
    assert_eq!(bobs.len(), 1, "{bobs:?}");
    assert_eq!(bobs[0]["reblog"], Value::Null, "{bobs:?}");

    // A moderator takes a re-shared post back, here and on the other server.
    let path = format!(
        "{COMMUNITIES}/officers/shares/{}",
        post["id"].as_str().unwrap()
    );
    let not_moderator = town.delete(&path, Some(&carol.token)).await;
    assert_eq!(
        not_moderator.status,
        StatusCode::FORBIDDEN,
        "{}",
        not_moderator.body
    );
    let removed = town.delete(&path, Some(&alice.token)).await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    for (instance, member) in [(&town, &carol), (&river, &bob), (&river, &erin)] {
        wait_until(
            &format!("the retracted share gone from {}'s home", member.username),
            PATIENCE,
            || async {
                showings(instance, member, uri)
                    .await
                    .is_empty()
                    .then_some(())
            },
        )
        .await;
    }
    let again = town.delete(&path, Some(&alice.token)).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);

    // A member of two communities that both share a post sees it once.
    create(
        &town,
        &alice,
        json!({"name": "climate", "role": "Climate officer"}),
    )
    .await;
    town.follow(&carol, "climate").await;
    let both = town
        .post_status(
            &dave,
            &json!({"status": "@officers @climate flood maps are out"}),
        )
        .await;
    let both_uri = both["uri"].as_str().unwrap();
    wait_for_showing(&town, &carol, both_uri).await;
    // The marker post comes after, so once it shows, both shares are in.
    let marker = town
        .post_status(&dave, &json!({"status": "@climate later news"}))
        .await;
    wait_for_showing(&town, &carol, marker["uri"].as_str().unwrap()).await;
    let seen = showings(&town, &carol, both_uri).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    let original = town
        .get(
            &format!("/api/v1/statuses/{}", both["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(original.body["reblogs_count"], 2, "{}", original.body);

    // The remote server knows the community by role and place.
    let known = river
        .get(
            &format!("{COMMUNITIES}?role=sustainability%20OFFICER"),
            None,
        )
        .await;
    assert_eq!(known.status, StatusCode::OK, "{}", known.body);
    assert_eq!(
        known.body.as_array().map(Vec::len),
        Some(1),
        "{}",
        known.body
    );
    assert_eq!(known.body[0]["acct"], handle.as_str());
    assert_eq!(known.body[0]["local"], false);
    assert_eq!(known.body[0]["place"], "Ashford");
}

async fn communities_are_created_listed_and_checked(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let alice = town.create_user("alice").await;
    let bob = town.create_user("bob").await;

    create(
        &town,
        &alice,
        json!({"name": "facilitators", "role": "Facilitator", "place": "Kent", "join_policy": "approval"}),
    )
    .await;
    create(
        &town,
        &alice,
        json!({"name": "officers", "role": "Officer", "place": "Kent"}),
    )
    .await;

    for bad in [
        json!({"name": "has space"}),
        json!({"name": "officers"}),
        json!({"name": "network"}),
        json!({"name": "ok_name", "join_policy": "invite"}),
        json!({"name": "ok_name", "colour": "red"}),
        json!({"name": "ok_name", "role": "r".repeat(101)}),
    ] {
        let refused = town.post_json(COMMUNITIES, Some(&alice.token), &bad).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
    }
    let anonymous = town
        .post_json(COMMUNITIES, None, &json!({"name": "x"}))
        .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let all = town.get(COMMUNITIES, None).await.body;
    let names: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["facilitators", "officers"]);
    let kent_facilitators = town
        .get(&format!("{COMMUNITIES}?role=facilitator&place=kent"), None)
        .await
        .body;
    assert_eq!(kent_facilitators.as_array().map(Vec::len), Some(1));
    assert_eq!(kent_facilitators[0]["join_policy"], "approval");
    let none = town
        .get(&format!("{COMMUNITIES}?place=Essex"), None)
        .await
        .body;
    assert_eq!(none, json!([]));
    let one = town.get(&format!("{COMMUNITIES}/officers"), None).await;
    assert_eq!(one.body["role"], "Officer", "{}", one.body);
    assert_eq!(
        town.get(&format!("{COMMUNITIES}/nobody"), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Joining a community that approves its members waits for a moderator.
    let id = town.resolve_account(&bob, "facilitators").await;
    let asked = town
        .post_json(
            &format!("/api/v1/accounts/{id}/follow"),
            Some(&bob.token),
            &Value::Null,
        )
        .await;
    assert_eq!(asked.body["requested"], true, "{}", asked.body);
    assert_eq!(asked.body["following"], false, "{}", asked.body);

    // Moderators see the request and answer it; others may not.
    let carol = town.create_user("carol").await;
    let requests = format!("{COMMUNITIES}/facilitators/requests");
    let waiting = town.get(&requests, Some(&alice.token)).await;
    assert_eq!(waiting.status, StatusCode::OK, "{}", waiting.body);
    assert_eq!(waiting.body[0]["username"], "bob", "{}", waiting.body);
    let refused = town.get(&requests, Some(&carol.token)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let bob_id = town.resolve_account(&alice, "bob").await;
    let accepted = town
        .post_json(
            &format!("{requests}/{bob_id}/accept"),
            Some(&alice.token),
            &Value::Null,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
    let relationship = town
        .get(
            &format!("/api/v1/accounts/relationships?id[]={id}"),
            Some(&bob.token),
        )
        .await;
    assert_eq!(
        relationship.body[0]["following"], true,
        "{}",
        relationship.body
    );
    assert_eq!(
        town.get(&requests, Some(&alice.token)).await.body,
        json!([])
    );

    // A moderator names another; the new one may act at once.
    let named = town
        .post_json(
            &format!("{COMMUNITIES}/facilitators/moderators"),
            Some(&alice.token),
            &json!({"account": "carol"}),
        )
        .await;
    assert_eq!(named.status, StatusCode::OK, "{}", named.body);
    assert_eq!(named.body["moderators"], json!(["alice", "carol"]));
    assert_eq!(
        town.get(&requests, Some(&carol.token)).await.status,
        StatusCode::OK
    );

    // Other servers find the moderators where the Group's `attributedTo`
    // points (FEP-1b12), as Lemmy does.
    let actor = activity_json(&town, "/users/facilitators").await;
    let collection = actor["attributedTo"].as_str().expect("attributedTo");
    let path = &collection[collection.find("/users/").expect("a local path")..];
    let moderators = activity_json(&town, path).await;
    assert_eq!(moderators["type"], "OrderedCollection", "{moderators}");
    assert_eq!(moderators["totalItems"], 2, "{moderators}");
    let listed: Vec<&str> = moderators["orderedItems"]
        .as_array()
        .expect("the moderators are listed")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        listed.iter().any(|m| m.ends_with("/users/alice")),
        "{moderators}"
    );
    assert!(
        listed.iter().any(|m| m.ends_with("/users/carol")),
        "{moderators}"
    );
    let nobody = reqwest::Client::new()
        .get(format!("{}/users/alice/moderators", town.base_url()))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(nobody.status(), StatusCode::NOT_FOUND, "a person has none");
}

/// `path` fetched as another server would, in ActivityStreams JSON.
async fn activity_json(town: &Instance, path: &str) -> Value {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", town.base_url()))
        .header("Accept", "application/activity+json")
        .send()
        .await
        .expect("the server answers");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.expect("JSON")
}

async fn admins_can_keep_community_creation_to_themselves(backend: Backend) {
    let town =
        Instance::start_with("town", backend, &[("TRELLIS_COMMUNITY_CREATION", "admins")]).await;
    let bob = town.create_user("bob").await;
    let refused = town
        .post_json(COMMUNITIES, Some(&bob.token), &json!({"name": "growers"}))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    assert_eq!(town.get(COMMUNITIES, None).await.body, json!([]));

    // The command line is an admin's tool, and names the moderator.
    let (_, said) = town
        .cli(&[
            "community",
            "create",
            "growers",
            "--moderator",
            "bob",
            "--role",
            "Grower",
            "--join-policy",
            "approval",
        ])
        .await;
    assert!(said.contains("created community growers"), "{said}");
    let made = town.get(&format!("{COMMUNITIES}/growers"), None).await;
    assert_eq!(made.body["moderators"], json!(["bob"]), "{}", made.body);
    assert_eq!(made.body["join_policy"], "approval");
    assert_eq!(made.body["members_count"], 1);
}

/// A followers-only post to a community reaches its members on every
/// server, and no one else can read it through the community.
async fn followers_only_posts_reach_members_only(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let river = Instance::start("river", backend).await;
    let alice = town.create_user("alice").await;
    let carol = town.create_user("carol").await;
    let dave = town.create_user("dave").await;
    let bob = river.create_user("bob").await;
    let erin = river.create_user("erin").await;
    create(
        &town,
        &alice,
        json!({"name": "officers", "role": "Officer"}),
    )
    .await;
    town.follow(&carol, "officers").await;
    let handle = format!("officers@{}", town.domain());
    river.follow(&bob, &handle).await;

    // From the community's own server: the members elsewhere get it.
    let mine = town
        .post_status(
            &alice,
            &json!({"status": "@officers draft budget, members only", "visibility": "private"}),
        )
        .await;
    let mine_uri = mine["uri"].as_str().unwrap();
    let on_river = wait_for_showing(&river, &bob, mine_uri).await;
    assert_eq!(on_river["visibility"], "private", "{on_river}");
    assert_eq!(on_river["reblog"]["visibility"], "private", "{on_river}");
    let shown_on_town = wait_for_showing(&town, &carol, mine_uri).await;
    assert_eq!(shown_on_town["account"]["username"], "officers");

    // From a member on another server: members on the community's server
    // get it through the community.
    let theirs = river
        .post_status(
            &bob,
            &json!({"status": format!("@{handle} our numbers, members only"), "visibility": "private"}),
        )
        .await;
    let theirs_uri = theirs["uri"].as_str().unwrap();
    let for_carol = wait_for_showing(&town, &carol, theirs_uri).await;
    let town_copy = for_carol["reblog"]["id"].as_str().unwrap().to_string();

    // No one else reads them: not a non-member on either server, not the
    // public timelines, not anonymous readers.
    let river_copy = on_river["reblog"]["id"].as_str().unwrap();
    for (instance, id, who) in [
        (&town, town_copy.as_str(), Some(&dave)),
        (&town, town_copy.as_str(), None),
        (&river, river_copy, Some(&erin)),
        (&town, mine["id"].as_str().unwrap(), Some(&dave)),
    ] {
        let read = instance
            .get(
                &format!("/api/v1/statuses/{id}"),
                who.map(|u| u.token.as_str()),
            )
            .await;
        assert_eq!(read.status, StatusCode::NOT_FOUND, "{id}: {}", read.body);
    }
    let member_read = town
        .get(&format!("/api/v1/statuses/{town_copy}"), Some(&carol.token))
        .await;
    assert_eq!(member_read.status, StatusCode::OK, "{}", member_read.body);
    for instance in [&town, &river] {
        let public = instance.get("/api/v1/timelines/public", None).await;
        let text = public.body.to_string();
        assert!(!text.contains("members only"), "{text}");
    }
    assert!(showings(&town, &dave, theirs_uri).await.is_empty());
    assert!(showings(&river, &erin, mine_uri).await.is_empty());
}
