//! Trellis's own API, under `/api/trellis/v1/`, for what the Mastodon API
//! has no words for: the network and its charter, communities, weaving.

pub mod communities;
pub mod exchanges;
pub mod introductions;
pub mod network;
pub mod profile;
pub mod weavers;

use crate::domain::Context;
use axum::{
    Router,
    routing::{get, post},
};

pub fn routes() -> Router<Context> {
    Router::new()
        .route(
            "/api/trellis/v1/network",
            get(network::show).put(network::update),
        )
        .route(
            "/api/trellis/v1/network/vocabulary",
            get(network::vocabulary).put(network::set_vocabulary),
        )
        .route("/api/trellis/v1/network/children", get(network::children))
        .route("/api/trellis/v1/network/map", get(network::map))
        .route("/api/trellis/v1/network/map.svg", get(network::map_svg))
        .route("/api/trellis/v1/network/health", get(network::health))
        .route(
            "/api/trellis/v1/network/health/history",
            get(network::health_history),
        )
        .route("/api/trellis/v1/network/report", get(network::report))
        .route(
            "/api/trellis/v1/network/report/refresh",
            post(network::refresh_report),
        )
        .route("/api/trellis/v1/network/tree", get(network::tree))
        .route(
            "/api/trellis/v1/network/links",
            get(network::links).post(network::request_link),
        )
        .route(
            "/api/trellis/v1/network/links/{acct}",
            axum::routing::delete(network::end_link),
        )
        .route(
            "/api/trellis/v1/network/links/{acct}/accept",
            post(network::accept_link),
        )
        .route(
            "/api/trellis/v1/network/links/{acct}/reject",
            post(network::end_link),
        )
        .route(
            "/api/trellis/v1/profile",
            get(profile::show_own).patch(profile::update),
        )
        .route("/api/trellis/v1/accounts/{id}/practice", get(profile::show))
        .route(
            "/api/trellis/v1/communities",
            post(communities::create).get(communities::list),
        )
        .route("/api/trellis/v1/communities/{name}", get(communities::show))
        .route(
            "/api/trellis/v1/communities/{name}/moderators",
            post(communities::add_moderator),
        )
        .route(
            "/api/trellis/v1/communities/{name}/requests",
            get(communities::join_requests),
        )
        .route(
            "/api/trellis/v1/communities/{name}/requests/{id}/accept",
            post(communities::accept_request),
        )
        .route(
            "/api/trellis/v1/communities/{name}/requests/{id}/reject",
            post(communities::reject_request),
        )
        .route(
            "/api/trellis/v1/communities/{name}/shares/{status_id}",
            axum::routing::delete(communities::remove_share),
        )
        .route(
            "/api/trellis/v1/communities/{name}/links",
            post(communities::request_link).get(communities::list_links),
        )
        .route(
            "/api/trellis/v1/communities/{name}/links/{id}",
            axum::routing::patch(communities::change_link).delete(communities::remove_link),
        )
        .route(
            "/api/trellis/v1/communities/{name}/links/{id}/accept",
            post(communities::accept_link),
        )
        .route(
            "/api/trellis/v1/communities/{name}/links/{id}/reject",
            post(communities::reject_link),
        )
        .route(
            "/api/trellis/v1/communities/{name}/picks/{status_id}",
            post(communities::pick),
        )
        .route(
            "/api/trellis/v1/communities/{name}/members/{account_id}/{how}",
            post(communities::remove_member),
        )
        .route("/api/trellis/v1/exchanges", get(exchanges::list))
        .route("/api/trellis/v1/exchanges/{id}", get(exchanges::show))
        .route(
            "/api/trellis/v1/exchanges/{id}/answer",
            post(exchanges::answer),
        )
        .route(
            "/api/trellis/v1/introductions",
            get(introductions::suggested).post(introductions::introduce),
        )
        .route(
            "/api/trellis/v1/introductions/made",
            get(introductions::made),
        )
        .route(
            "/api/trellis/v1/introductions/network",
            get(introductions::network),
        )
        .route(
            "/api/trellis/v1/introductions/digest",
            get(introductions::digest)
                .put(introductions::set_digest)
                .post(introductions::send_digest),
        )
        .route("/api/trellis/v1/weavers", get(weavers::list))
        .route(
            "/api/trellis/v1/weavers/{acct}",
            axum::routing::put(weavers::grant).delete(weavers::remove),
        )
        .route("/api/trellis/v1/stories", get(exchanges::stories))
        .route(
            "/api/trellis/v1/stories/counts",
            get(exchanges::story_counts),
        )
}
