//! Trellis's own API, under `/api/trellis/v1/`, for what the Mastodon API
//! has no words for: the network and its charter, communities, weaving.

pub mod network;

use crate::domain::Context;
use axum::{Router, routing::get};

pub fn routes() -> Router<Context> {
    Router::new().route(
        "/api/trellis/v1/network",
        get(network::show).put(network::update),
    )
}
