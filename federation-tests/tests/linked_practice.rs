//! Practice known across linked communities: a town's community of
//! practice links up to the county's; the county's server learns the
//! town's discoverable members with their practice, so a county member's
//! need meets a town member's offer, with a reason that names the town.
//! Following her reads her recent posts, so her open question can be
//! found from the county.

use federation_tests::{Backend, Instance, User, backend_tests, wait_until};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

backend_tests!(
    a_need_meets_an_offer_in_a_linked_community,
    a_need_meets_an_offer_in_a_linked_community
);

const PATIENCE: Duration = Duration::from_secs(60);
const PROFILE: &str = "/api/trellis/v1/profile";

async fn set_practice(instance: &Instance, user: &User, practice: Value) {
    let set = instance
        .patch_json(PROFILE, Some(&user.token), &practice)
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
}

async fn a_need_meets_an_offer_in_a_linked_community(backend: Backend) {
    let town = Instance::start("ashford", backend).await;
    let county = Instance::start("kent", backend).await;
    let (mo, tess, nia) = (
        town.create_user("mo").await,
        town.create_user("tess").await,
        town.create_user("nia").await,
    );
    let (cora, cy) = (
        county.create_user("cora").await,
        county.create_user("cy").await,
    );

    // Tess offers composting workshops and may be found; Nia offers the
    // same but chose not to be.
    set_practice(
        &town,
        &tess,
        json!({"place": "Ashford", "roles": ["Food grower"], "offers": ["Composting workshops"]}),
    )
    .await;
    set_practice(
        &town,
        &nia,
        json!({"place": "Ashford", "offers": ["Composting workshops"]}),
    )
    .await;
    let hidden = town
        .patch_form(
            "/api/v1/accounts/update_credentials",
            Some(&nia.token),
            &[("discoverable", "false")],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::OK, "{}", hidden.body);
    set_practice(
        &county,
        &cy,
        json!({"place": "Kent", "needs": ["composting workshop"]}),
    )
    .await;

    // A community in each, the town's linked up to the county's.
    for (instance, moderator) in [(&town, &mo), (&county, &cora)] {
        let created = instance
            .post_json(
                "/api/trellis/v1/communities",
                Some(&moderator.token),
                &json!({"name": "growers", "role": "Food grower"}),
            )
            .await;
        assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    }
    town.follow(&tess, "growers").await;
    town.follow(&nia, "growers").await;
    county.follow(&cy, "growers").await;

    // The town's community lists its discoverable members, Nia not.
    let list: Value = reqwest::Client::new()
        .get(format!("{}/users/growers/members", town.base_url()))
        .header("accept", "application/activity+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed = list["orderedItems"].to_string();
    assert!(listed.contains("/users/tess"), "{list}");
    assert!(!listed.contains("/users/nia"), "{list}");

    // Tess asks a question before anyone in the county knows her.
    let question = town
        .post_status(
            &tess,
            &json!({"status": "Who has a shredder we could borrow? #question", "visibility": "public"}),
        )
        .await;
    let question_uri = question["uri"].as_str().unwrap().to_string();

    let linked = town
        .post_json(
            "/api/trellis/v1/communities/growers/links",
            Some(&mo.token),
            &json!({"target": format!("growers@{}", county.domain()), "direction": "parent"}),
        )
        .await;
    assert_eq!(linked.status, StatusCode::OK, "{}", linked.body);

    // The county learns Tess and her practice: Cy's need meets her offer,
    // and the reason says where she is.
    let tess_acct = format!("tess@{}", town.domain());
    let suggestion = wait_until("Tess suggested to Cy", PATIENCE, || async {
        let body = county
            .get("/api/trellis/v1/introductions", Some(&cy.token))
            .await
            .body;
        body.as_array()?
            .iter()
            .find(|s| s["account"]["acct"] == tess_acct.as_str())
            .cloned()
    })
    .await;
    let reasons = suggestion["reasons"].to_string();
    assert!(reasons.contains("omposting workshop"), "{suggestion}");
    assert!(reasons.contains("Ashford"), "{suggestion}");
    let everyone = county
        .get("/api/trellis/v1/introductions", Some(&cy.token))
        .await
        .body
        .to_string();
    assert!(!everyone.contains("nia@"), "{everyone}");
    let v2 = county
        .get("/api/v2/suggestions", Some(&cy.token))
        .await
        .body;
    assert!(v2.to_string().contains(&tess_acct), "{v2}");

    // Following Tess reads her recent posts: her open question is now an
    // exchange the county can list among its linked communities'.
    county.follow(&cy, &tess_acct).await;
    let open = wait_until("Tess's question on the county", PATIENCE, || async {
        let body = county
            .get(
                "/api/trellis/v1/exchanges?scope=linked&state=open",
                Some(&cy.token),
            )
            .await
            .body;
        body.as_array()?
            .iter()
            .find(|e| e["status"]["uri"] == question_uri.as_str())
            .cloned()
    })
    .await;
    assert_eq!(open["kind"], "question", "{open}");

    // On the county's map, Tess (tied to Cy by the follow) shows in her
    // community in the town.
    let node = wait_until("Tess on the county's map", PATIENCE, || async {
        let map = county
            .get("/api/trellis/v1/network/map", Some(&cy.token))
            .await
            .body;
        map["nodes"]
            .as_array()?
            .iter()
            .find(|n| n["acct"] == tess_acct.as_str())
            .cloned()
    })
    .await;
    assert!(
        node["communities"].to_string().contains("growers"),
        "{node}"
    );
    let local = county
        .get("/api/trellis/v1/exchanges?scope=local", Some(&cy.token))
        .await;
    assert_eq!(local.status, StatusCode::OK);
    assert!(
        !local.body.to_string().contains(&question_uri),
        "{}",
        local.body
    );
    let refused = county
        .get("/api/trellis/v1/exchanges?scope=galaxy", Some(&cy.token))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
}
