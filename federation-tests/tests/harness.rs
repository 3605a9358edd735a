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
}
