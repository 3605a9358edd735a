//! The stylesheet, the script and the placeholder images, compiled into
//! the binary; and the answer for paths that name nothing.

use super::page::PageError;
use crate::{domain::Context, error::Error};
use axum::{
    Json, Router,
    http::{StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};

pub fn routes() -> Router<Context> {
    Router::new()
        .route("/static/trellis.css", get(stylesheet))
        .route("/static/trellis.js", get(script))
        .route("/avatars/missing.png", get(placeholder_image))
        .route("/headers/missing.png", get(placeholder_image))
}

const STYLESHEET: &str = include_str!("../../../static/trellis.css");
const SCRIPT: &str = include_str!("../../../static/trellis.js");

/// An hour: long enough to spare repeat downloads, short enough that a new
/// release's look arrives the same day.
const CACHE: &str = "public, max-age=3600";

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        STYLESHEET,
    )
        .into_response()
}

async fn script() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, CACHE),
        ],
        SCRIPT,
    )
        .into_response()
}

/// A 1×1 grey PNG: apps expect an avatar and header URL on every account.
const PLACEHOLDER_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00, 0x00, 0x3a, 0x7e, 0x9b,
    0x55, 0x00, 0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x68, 0x00, 0x00, 0x00,
    0x82, 0x00, 0x81, 0x77, 0xcd, 0x72, 0xb6, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae,
    0x42, 0x60, 0x82,
];

async fn placeholder_image() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/png"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        PLACEHOLDER_PNG,
    )
        .into_response()
}

/// Paths of the APIs and of federation, which answer JSON even when
/// nothing is there.
fn is_machine_path(path: &str) -> bool {
    [
        "/api/",
        "/oauth/",
        "/.well-known/",
        "/nodeinfo",
        "/users/",
        "/inbox",
        "/actor",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
}

/// 404 for a path that names nothing: JSON for the APIs, a page for people.
pub async fn not_found(uri: Uri) -> Response {
    if is_machine_path(uri.path()) {
        return (
            StatusCode::NOT_FOUND,
            Json(serde_json::json!({"error": "Record not found"})),
        )
            .into_response();
    }
    PageError::from(Error::NotFound("There is no page at this address.".into())).into_response()
}
