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
