//! The harness itself: an instance starts on each backend and its health
//! check sees a working database.

use federation_tests::{Backend, Instance, backend_tests};
use reqwest::StatusCode;

backend_tests!(health, health_reports_database);

async fn health_reports_database(backend: Backend) {
    let instance = Instance::start("smoke", backend).await;
    let response = instance.get("/health", None).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.body["database"], true, "{}", response.body);
    let (_, stderr) = instance.cli(&["migrate"]).await;
    assert!(stderr.contains("database is up to date"), "{stderr}");
    let (token, _) = instance
        .cli(&[
            "admin",
            "create-user",
            "ana",
            "--email",
            "ana@example.test",
            "--password",
            "long enough",
        ])
        .await;
    assert!(token.is_empty(), "create-user prints nothing on stdout");
    let (token, _) = instance
        .cli(&["admin", "token", "ana", "--scopes", "read"])
        .await;
    let token = token.trim();
    assert_eq!(token.lines().count(), 1, "the token alone on stdout");
    let me = instance
        .get("/api/v1/accounts/verify_credentials", Some(token))
        .await;
    assert_eq!(me.body["acct"], "ana");
    let (queue, _) = instance.cli(&["admin", "queue"]).await;
    assert!(
        queue.starts_with("HOST") && queue.contains("TOTAL"),
        "{queue}"
    );
}

backend_tests!(bulk_network, bulk_generator_builds_what_the_server_reads);

/// The benchmarks' bulk generator writes straight into the tables; the
/// server must read what it wrote as if its own code had written it.
async fn bulk_generator_builds_what_the_server_reads(backend: Backend) {
    use federation_tests::bulk;
    let mut instance = Instance::start("bulk", backend).await;
    instance.stop().await;
    let spec = bulk::Spec {
        members: 60,
        statuses: 4000,
    };
    let written = bulk::generate(
        instance.database_url(),
        &format!("http://{}", instance.domain()),
        spec,
    );
    assert_eq!(written.statuses, 4000, "{written}");
    // Members, people elsewhere and communities, beside the server's own actors.
    assert!(written.accounts >= 60 + 12 + bulk::COMMUNITIES, "{written}");
    assert!(
        written.replies > 1000 && written.exchanges > 50,
        "{written}"
    );
    assert!(
        written.favourites > 1500 && written.home_feed > 500,
        "{written}"
    );
    counts_stay_kept(instance.database_url());
    instance.restart().await;

    let token = instance.admin(&["token", "m1"]).await.trim().to_string();
    let token = Some(token.as_str());
    let home = instance.get("/api/v1/timelines/home?limit=20", token).await;
    let home = home.body.as_array().expect("a page of statuses").clone();
    assert_eq!(home.len(), 20, "m1 follows busy people");
    let ids: Vec<u64> = home
        .iter()
        .map(|s| s["id"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    // Ids sort by time as the server's own do: a post now sorts first.
    let posted = instance
        .post_json(
            "/api/v1/statuses",
            token,
            &serde_json::json!({"status": "fresh"}),
        )
        .await;
    let fresh: u64 = posted.body["id"].as_str().unwrap().parse().unwrap();
    assert!(fresh > ids[0], "{fresh} after {}", ids[0]);

    let notifications = instance.get("/api/v1/notifications?limit=40", token).await;
    let kinds: Vec<&str> = notifications
        .body
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"favourite") && kinds.contains(&"mention"),
        "{kinds:?}"
    );

    let health = instance.get("/api/trellis/v1/network/health", token).await;
    // One of the 60 was deleted while checking the tie counts.
    assert_eq!(health.body["members"], 59, "{}", health.body);
    assert!(health.body["exchanges"]["answered"].as_u64().unwrap() > 5);
    assert!(health.body["exchanges"]["replied"].as_u64().unwrap() > 10);
    assert!(health.body["introductions"]["made"].as_u64().unwrap() >= 2);
    let open = instance
        .get("/api/trellis/v1/exchanges?state=open&limit=5", token)
        .await;
    assert_eq!(open.body.as_array().expect("exchanges").len(), 5);
}

/// The database keeps replies and favourites counted per pair, and each
/// account's statuses and follows, with triggers; whatever the writes, the
/// counts equal a fresh count.
fn counts_stay_kept(url: &str) {
    use federation_tests::bulk;
    let agree = |when: &str| {
        let (drifted, statuses) = bulk::stats_drift(url);
        assert!(statuses > 1000, "{when}: {statuses} statuses counted");
        assert!(drifted.is_empty(), "{when}: {drifted:#?}");
        let (kept, recounted) = bulk::tie_counts(url);
        assert!(!kept.is_empty(), "{when}: no ties counted");
        assert_eq!(kept.len(), recounted.len(), "{when}: pairs");
        let drifted: Vec<_> = kept
            .iter()
            .zip(&recounted)
            .filter(|(k, r)| k != r)
            .take(5)
            .collect();
        assert!(drifted.is_empty(), "{when}: kept, recounted: {drifted:?}");
        kept.iter().map(|t| t.2 + t.3).sum::<i64>()
    };
    let generated = agree("as generated");
    // Unfavourite; delete favourited statuses (their favourites go by
    // cascade) and replies; a waiting reply learns whom it answers; an
    // account goes with everything it wrote.
    for (what, sql) in [
        (
            "unfavourited",
            "DELETE FROM favourites WHERE id IN (SELECT id FROM favourites ORDER BY id LIMIT 200)",
        ),
        (
            "favourited statuses deleted",
            "DELETE FROM statuses WHERE id IN (SELECT status_id FROM favourites ORDER BY status_id DESC LIMIT 100)",
        ),
        (
            "replies deleted",
            "DELETE FROM statuses WHERE id IN (SELECT id FROM statuses WHERE in_reply_to_account_id IS NOT NULL ORDER BY id LIMIT 100)",
        ),
        (
            "replies redirected",
            "UPDATE statuses SET in_reply_to_account_id = 2 WHERE id IN (SELECT id FROM statuses WHERE in_reply_to_account_id = 1 ORDER BY id LIMIT 20)",
        ),
        (
            "replies made private",
            "UPDATE statuses SET visibility = 'private' WHERE id IN (SELECT id FROM statuses WHERE in_reply_to_account_id = 3 ORDER BY id LIMIT 5)",
        ),
        (
            "unfollowed",
            "DELETE FROM follows WHERE id IN (SELECT id FROM follows ORDER BY id DESC LIMIT 50)",
        ),
        (
            "follows waiting",
            "UPDATE follows SET accepted = FALSE WHERE target_account_id = 2",
        ),
        (
            "follows accepted",
            "UPDATE follows SET accepted = TRUE WHERE target_account_id = 2 AND id % 2 = 0",
        ),
        (
            "the latest statuses deleted",
            "DELETE FROM statuses WHERE id IN (SELECT max(id) FROM statuses GROUP BY account_id)",
        ),
        ("an account deleted", "DELETE FROM accounts WHERE id = 7"),
    ] {
        bulk::execute(url, sql);
        agree(what);
    }
    let after = agree("after deletes and changes");
    assert!(after < generated - 300, "{after} of {generated} left");
}
