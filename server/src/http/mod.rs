//! The HTTP surface: axum routers only. Handlers parse the request, check
//! who is asking, call the domain (or the federation layer when the network
//! is involved) and shape the answer; they never touch the database.

pub mod activitypub;
pub mod auth;
pub mod input;
pub mod mastodon;
pub mod media_files;
pub mod rate_limit;
pub mod trellis;
pub mod web;
pub mod well_known;

use crate::domain::Context;
use activitypub_federation::config::{FederationConfig, FederationMiddleware};
use axum::{Json, Router, extract::State, http::StatusCode, middleware, routing::get};
use serde_json::{Value, json};
use std::sync::Arc;
use tower_http::{cors::CorsLayer, trace::TraceLayer};

/// Request bodies larger than this are refused; nothing Trellis accepts
/// today (text, activities) comes near it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub fn router(ctx: Context, federation: FederationConfig<Context>) -> Router {
    let rate_limits = (
        Arc::new(rate_limit::RateLimits::new(&ctx.config)),
        ctx.clone(),
    );
    Router::new()
        .merge(mastodon::routes())
        .merge(trellis::routes())
        .merge(activitypub::routes())
        .merge(well_known::routes())
        // Before the web pages are merged: they refuse a NUL with a page.
        .layer(middleware::from_fn(input::refuse_nul))
        .merge(web::routes(ctx.clone()))
        .route("/health", get(health))
        .route("/media/{key}", get(media_files::serve))
        .with_state(ctx)
        // Inside CORS, so a browser app can read a 429 and its headers, and
        // so preflight requests, which CORS answers itself, are not counted.
        .layer(middleware::from_fn_with_state(
            rate_limits,
            rate_limit::limit,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(FederationMiddleware::new(federation))
        // Browser-based apps (Elk, Phanpy) call the API from their own origin.
        .layer(CorsLayer::permissive())
        .layer(TraceLayer::new_for_http())
}

/// Readiness: 200 when the database answers, 503 when it does not.
async fn health(State(ctx): State<Context>) -> (StatusCode, Json<Value>) {
    let database = ctx.db.is_reachable().await;
    let status = if database {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "status": if database { "ok" } else { "unavailable" },
            "database": database,
            "backend": match ctx.db.backend() {
                crate::domain::Backend::Sqlite => "sqlite",
                crate::domain::Backend::Postgres => "postgres",
            },
            "version": env!("CARGO_PKG_VERSION"),
        })),
    )
}
