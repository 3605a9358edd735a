//! Weavers (issue 12): admins grant the role by API, CLI and the members
//! page; weavers see another member's suggestions and the network's "who
//! should meet whom", isolated members first; the introductions digest
//! reaches each member who kept it on, by a direct message from the
//! network.

use federation_tests::{
    Backend, Instance, PASSWORD, User, backend_tests, wait_until, web::WebClient,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    an_admin_grants_weaver_and_weavers_see_anyones_suggestions,
    an_admin_grants_weaver_and_weavers_see_anyones_suggestions
);
backend_tests!(
    the_network_list_puts_isolated_members_first,
    the_network_list_puts_isolated_members_first
);
backend_tests!(
    the_digest_reaches_members_who_kept_it_on,
    the_digest_reaches_members_who_kept_it_on
);
backend_tests!(
    the_members_page_and_settings_change_roles_and_the_digest,
    the_members_page_and_settings_change_roles_and_the_digest
);

const PATIENCE: Duration = Duration::from_secs(30);
const PROFILE: &str = "/api/trellis/v1/profile";
const NETWORK_LIST: &str = "/api/trellis/v1/introductions/network";
const DIGEST: &str = "/api/trellis/v1/introductions/digest";

async fn practice(instance: &Instance, user: &User, body: Value) {
    let set = instance.patch_json(PROFILE, Some(&user.token), &body).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
}

async fn account_id(instance: &Instance, username: &str) -> String {
    let found = instance
        .get(&format!("/api/v1/accounts/lookup?acct={username}"), None)
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.body);
    found.body["id"].as_str().expect("account id").to_string()
}

fn for_member(id: &str) -> String {
    format!("/api/trellis/v1/introductions?for={id}")
}

async fn an_admin_grants_weaver_and_weavers_see_anyones_suggestions(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let ada = town.create_admin("ada").await;
    let wes = town.create_user("wes").await;
    let kim = town.create_user("kim").await;
    let ana = town.create_user("ana").await;
    practice(&town, &kim, json!({"needs": ["grant writing"]})).await;
    practice(&town, &ana, json!({"offers": ["Grant writing"]})).await;
    let kim_id = account_id(&town, "kim").await;

    // A plain member may not look at someone else's suggestions.
    for member in [&wes, &kim] {
        let refused = town.get(&for_member(&kim_id), Some(&member.token)).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }

    // An admin grants the role; only admins can.
    let granted = town
        .put_json("/api/trellis/v1/weavers/wes", Some(&ada.token), &json!({}))
        .await;
    assert_eq!(granted.status, StatusCode::OK, "{}", granted.body);
    assert_eq!(granted.body["weaver"], true);
    assert_eq!(granted.body["admin"], false);
    assert_eq!(granted.body["account"]["acct"], "wes");
    let by_weaver = town
        .put_json("/api/trellis/v1/weavers/kim", Some(&wes.token), &json!({}))
        .await;
    assert_eq!(
        by_weaver.status,
        StatusCode::FORBIDDEN,
        "{}",
        by_weaver.body
    );
    let nobody = town
        .put_json(
            "/api/trellis/v1/weavers/nobody",
            Some(&ada.token),
            &json!({}),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND, "{}", nobody.body);

    // Weavers and admins are listed, to weavers.
    let listed = town.get("/api/trellis/v1/weavers", Some(&wes.token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let accts: Vec<&str> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["account"]["acct"].as_str().unwrap())
        .collect();
    assert_eq!(accts, vec!["ada", "wes"], "{}", listed.body);
    let hidden = town.get("/api/trellis/v1/weavers", Some(&kim.token)).await;
    assert_eq!(hidden.status, StatusCode::FORBIDDEN);

    // The weaver sees Kim's suggestions as Kim would, worded to Kim.
    let seen = town.get(&for_member(&kim_id), Some(&wes.token)).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);
    assert_eq!(seen.body[0]["account"]["acct"], "ana", "{}", seen.body);
    assert_eq!(
        seen.body[0]["reasons"],
        json!(["ana offers grant writing, which you need"])
    );
    let own = town
        .get("/api/trellis/v1/introductions", Some(&kim.token))
        .await;
    assert_eq!(own.body, seen.body);

    // Bad ids are named; someone not a member here is not found.
    let bad = town.get(&for_member("kim"), Some(&wes.token)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let missing = town.get(&for_member("4242"), Some(&wes.token)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);

    // Removed through the CLI, the role is gone at once.
    let users = town.admin(&["users"]).await;
    assert!(users.contains("wes\twes@example.test\tweaver"), "{users}");
    town.admin(&["weaver", "wes", "--remove"]).await;
    let gone = town.get(&for_member(&kim_id), Some(&wes.token)).await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN, "{}", gone.body);
    town.admin(&["weaver", "wes"]).await;
    let back = town.get(&for_member(&kim_id), Some(&wes.token)).await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    let removed = town
        .delete("/api/trellis/v1/weavers/wes", Some(&ada.token))
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(removed.body["weaver"], false);
    let again = town.get(&for_member(&kim_id), Some(&wes.token)).await;
    assert_eq!(again.status, StatusCode::FORBIDDEN, "{}", again.body);
}

async fn the_network_list_puts_isolated_members_first(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let ada = town.create_admin("ada").await;
    let core1 = town.create_user("core1").await;
    let core2 = town.create_user("core2").await;
    let core3 = town.create_user("core3").await;
    let edge = town.create_user("edge").await;
    let alone = town.create_user("alone").await;
    // A triangle is the core; `edge` follows one of it; `alone` has no
    // tie at all.
    town.follow(&core1, "core2").await;
    town.follow(&core2, "core3").await;
    town.follow(&core3, "core1").await;
    town.follow(&edge, "core1").await;
    practice(&town, &core1, json!({"offers": ["grant writing"]})).await;
    practice(&town, &alone, json!({"needs": ["grant writing"]})).await;
    practice(&town, &edge, json!({"interests": ["composting"]})).await;
    practice(&town, &core2, json!({"interests": ["composting"]})).await;

    let plain = town.get(NETWORK_LIST, Some(&edge.token)).await;
    assert_eq!(plain.status, StatusCode::FORBIDDEN, "{}", plain.body);
    let bad = town
        .get(&format!("{NETWORK_LIST}?limit=many"), Some(&ada.token))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);

    let listed = town.get(NETWORK_LIST, Some(&ada.token)).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let pairs = listed.body.as_array().unwrap();
    assert_eq!(pairs[0]["member"]["acct"], "alone", "{}", listed.body);
    assert_eq!(pairs[0]["standing"], "isolated");
    assert_eq!(pairs[0]["meet"]["acct"], "core1");
    assert_eq!(
        pairs[0]["reasons"],
        json!(["core1 offers grant writing, which you need"])
    );
    assert_eq!(pairs[1]["member"]["acct"], "edge", "{}", listed.body);
    assert_eq!(pairs[1]["standing"], "peripheral");
    let standings: Vec<&str> = pairs
        .iter()
        .map(|p| p["standing"].as_str().unwrap())
        .collect();
    assert!(
        standings.iter().skip(2).all(|s| *s == "core"),
        "{standings:?}"
    );
    // Each member is introduced once at most.
    let mut introduced: Vec<&str> = pairs
        .iter()
        .map(|p| p["member"]["acct"].as_str().unwrap())
        .collect();
    let count = introduced.len();
    introduced.sort_unstable();
    introduced.dedup();
    assert_eq!(introduced.len(), count, "{}", listed.body);
    let one = town
        .get(&format!("{NETWORK_LIST}?limit=1"), Some(&ada.token))
        .await;
    assert_eq!(one.body.as_array().unwrap().len(), 1, "{}", one.body);

    // A weaver may introduce two members here who know no one, the
    // weaver included.
    let introduced = town
        .post_json(
            "/api/trellis/v1/introductions",
            Some(&ada.token),
            &json!({"a": "alone", "b": "core1", "note": "Grant writing."}),
        )
        .await;
    assert_eq!(introduced.status, StatusCode::OK, "{}", introduced.body);
    let stranger = town
        .post_json(
            "/api/trellis/v1/introductions",
            Some(&edge.token),
            &json!({"a": "alone", "b": "core2"}),
        )
        .await;
    assert_eq!(
        stranger.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        stranger.body
    );
}

/// Mentions `user` was notified of.
async fn mentions(instance: &Instance, user: &User) -> Vec<Value> {
    let notes = instance
        .get("/api/v1/notifications", Some(&user.token))
        .await;
    assert_eq!(notes.status, StatusCode::OK, "{}", notes.body);
    notes
        .body
        .as_array()
        .into_iter()
        .flatten()
        .filter(|n| n["type"] == "mention")
        .cloned()
        .collect()
}

async fn the_digest_reaches_members_who_kept_it_on(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let ada = town.create_admin("ada").await;
    let kim = town.create_user("kim").await;
    let quiet = town.create_user("quiet").await;
    let ana = town.create_user("ana").await;
    let bo = town.create_user("bo").await;
    practice(&town, &kim, json!({"needs": ["grant writing"]})).await;
    practice(&town, &quiet, json!({"needs": ["grant writing"]})).await;
    practice(&town, &ana, json!({"offers": ["Grant writing"]})).await;

    // Quiet turns it off; the flag is theirs alone and bad values change
    // nothing.
    let off = town
        .patch_json(
            PROFILE,
            Some(&quiet.token),
            &json!({"introductions_digest": false}),
        )
        .await;
    assert_eq!(off.status, StatusCode::OK, "{}", off.body);
    assert_eq!(off.body["introductions_digest"], false);
    assert_eq!(off.body["needs"], json!(["grant writing"]));
    let bad = town
        .patch_json(
            PROFILE,
            Some(&kim.token),
            &json!({"introductions_digest": "perhaps", "place": "Ashford"}),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let kim_profile = town.get(PROFILE, Some(&kim.token)).await.body;
    assert_eq!(kim_profile["introductions_digest"], true);
    assert_eq!(kim_profile["place"], "");

    // Only weavers and admins run the digest.
    for refused in [
        town.get(DIGEST, Some(&kim.token)).await,
        town.put_json(DIGEST, Some(&kim.token), &json!({"weekly": true}))
            .await,
        town.post_json(DIGEST, Some(&kim.token), &json!({})).await,
    ] {
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    }
    let unset = town.get(DIGEST, Some(&ada.token)).await;
    assert_eq!(unset.body, json!({"weekly": false, "last_sent_at": null}));
    for bad in [
        json!({"weekly": "maybe"}),
        json!({"weekly": true, "daily": true}),
        json!({}),
    ] {
        let refused = town.put_json(DIGEST, Some(&ada.token), &bad).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            refused.body
        );
    }
    let weekly = town
        .put_json(DIGEST, Some(&ada.token), &json!({"weekly": true}))
        .await;
    assert_eq!(weekly.status, StatusCode::OK, "{}", weekly.body);
    assert_eq!(weekly.body["weekly"], true);

    // Sent now (the weekly loop may have sent it first, just after the
    // switch; either way each member gets one).
    let sent = town.post_json(DIGEST, Some(&ada.token), &json!({})).await;
    assert!(
        sent.status == StatusCode::ACCEPTED || sent.status == StatusCode::CONFLICT,
        "{:?} {}",
        sent.status,
        sent.body
    );
    let again = town.post_json(DIGEST, Some(&ada.token), &json!({})).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);

    // Kim hears of Ana, and Ana of Kim, from the network, in a direct
    // message for each alone. Members go in the order they joined: once
    // Ana (after Quiet) has hers, Quiet was passed over.
    let told = |user: User| {
        let town = &town;
        async move {
            wait_until(&format!("{}'s digest", user.username), PATIENCE, || async {
                mentions(town, &user).await.into_iter().next()
            })
            .await
        }
    };
    let kims = told(kim.clone()).await;
    assert_eq!(kims["account"]["acct"], "network", "{kims}");
    assert_eq!(kims["status"]["visibility"], "direct");
    let content = kims["status"]["content"].as_str().unwrap();
    assert!(content.contains("ana (@ana)"), "{content}");
    assert!(
        content.contains("ana offers grant writing, which you need"),
        "{content}"
    );
    let anas = told(ana.clone()).await;
    let content = anas["status"]["content"].as_str().unwrap();
    assert!(content.contains("kim (@kim)"), "{content}");
    // Ana's words for her offer are hers: "Grant writing".
    assert!(
        content.contains("kim needs Grant writing, which you offer"),
        "{content}"
    );
    assert_eq!(mentions(&town, &kim).await.len(), 1);
    assert!(mentions(&town, &quiet).await.is_empty());
    // Bo has no one to meet, so no message.
    assert!(mentions(&town, &bo).await.is_empty());
    let after = town.get(DIGEST, Some(&ada.token)).await;
    assert!(after.body["last_sent_at"].is_string(), "{}", after.body);
}

async fn the_members_page_and_settings_change_roles_and_the_digest(backend: Backend) {
    let town = Instance::start("town", backend).await;
    town.create_admin("root").await;
    let wes = town.create_user("wes").await;
    let wes_id = account_id(&town, "wes").await;
    town.create_user("kim").await;
    let kim_id = account_id(&town, "kim").await;

    let root = WebClient::new(&town);
    root.log_in("root", PASSWORD).await;
    let made = root
        .submit(
            "/admin/members",
            &format!("/admin/members/{wes_id}/make_weaver"),
            &[],
        )
        .await;
    assert!(made.is_redirect_to("/admin/members"), "{made:?}");
    let page = root.get("/admin/members").await;
    assert!(page.body.contains("Remove weaver"), "{}", page.body);
    let seen = town.get(&for_member(&kim_id), Some(&wes.token)).await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.body);

    // The weaver's introductions page has the network-wide section.
    let weaver = WebClient::new(&town);
    weaver.log_in("wes", PASSWORD).await;
    let introductions = weaver.get("/introductions").await;
    assert_eq!(introductions.status, StatusCode::OK);
    assert!(
        introductions.body.contains("Who should meet whom"),
        "{}",
        introductions.body
    );
    let kim = WebClient::new(&town);
    kim.log_in("kim", PASSWORD).await;
    assert!(
        !kim.get("/introductions")
            .await
            .body
            .contains("Who should meet whom")
    );

    // Unticking the digest on the practice page turns it off.
    let saved = kim
        .submit(
            "/settings/practice",
            "/settings/practice",
            &[("place", "Ashford")],
        )
        .await;
    assert!(saved.is_redirect_to("/settings/practice"), "{saved:?}");
    let form = kim.get("/settings/practice").await;
    assert!(form.body.contains("name=\"introductions_digest\""));
    assert!(!form.body.contains("value=\"on\" checked"), "{}", form.body);

    let removed = root
        .submit(
            "/admin/members",
            &format!("/admin/members/{wes_id}/remove_weaver"),
            &[],
        )
        .await;
    assert!(removed.is_redirect_to("/admin/members"), "{removed:?}");
    let gone = town.get(&for_member(&kim_id), Some(&wes.token)).await;
    assert_eq!(gone.status, StatusCode::FORBIDDEN, "{}", gone.body);
}
