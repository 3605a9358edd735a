//! Discovery: WebFinger (RFC 7033), host-meta (RFC 6415) and NodeInfo 2.1.

use crate::{
    domain::{Context, accounts as local_accounts},
    error::{Error, Result},
};
use axum::{
    Json, Router,
    extract::{Query, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;

pub fn routes() -> Router<Context> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/host-meta", get(host_meta))
        .route("/.well-known/host-meta.json", get(host_meta_json))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo_2_1))
        .route("/nodeinfo/2.0", get(nodeinfo_2_0))
}

#[derive(Debug, Deserialize)]
pub struct WebfingerParams {
    resource: String,
}

/// `acct:user@domain`, `user@domain` or the actor's URL.
fn username_of<'a>(ctx: &Context, resource: &'a str) -> Option<&'a str> {
    let base = ctx.urls.base().as_str().trim_end_matches('/');
    if let Some(path) = resource.strip_prefix(base) {
        return path
            .strip_prefix("/users/")
            .or_else(|| path.strip_prefix("/@"));
    }
    let handle = resource
        .strip_prefix("acct:")
        .unwrap_or(resource)
        .trim_start_matches('@');
    let (username, domain) = handle.rsplit_once('@')?;
    domain
        .eq_ignore_ascii_case(&ctx.urls.domain())
        .then_some(username)
}

pub async fn webfinger(
    State(ctx): State<Context>,
    Query(params): Query<WebfingerParams>,
) -> Result<Response> {
    let username = username_of(&ctx, params.resource.trim()).ok_or_else(Error::not_found)?;
    let account = local_accounts::local_by_username(&ctx, username).await?;
    let profile = ctx.urls.profile_page(&account.username);
    // Where another server sends one of our members to follow someone
    // from there (Mastodon's remote follow reads this template).
    let subscribe = format!(
        "{}/authorize_interaction?uri={{uri}}",
        ctx.urls.base().as_str().trim_end_matches('/')
    );
    let body = json!({
        "subject": format!("acct:{}@{}", account.username, ctx.urls.domain()),
        "aliases": [account.ap_id, profile],
        "links": [
            {"rel": "self", "type": crate::protocol::CONTENT_TYPE, "href": account.ap_id},
            {"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile},
            {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": subscribe},
        ],
    });
    Ok((
        [(header::CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        Json(body),
    )
        .into_response())
}

/// The WebFinger address template, which host-meta documents point to.
fn webfinger_template(ctx: &Context) -> String {
    format!(
        "{}/.well-known/webfinger?resource={{uri}}",
        ctx.urls.base().as_str().trim_end_matches('/')
    )
}

pub async fn host_meta(State(ctx): State<Context>) -> Response {
    let template = webfinger_template(&ctx);
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">\n  <Link rel=\"lrdd\" template=\"{template}\"/>\n</XRD>\n"
    );
    (
        [(header::CONTENT_TYPE, "application/xrd+xml; charset=utf-8")],
        xml,
    )
        .into_response()
}

/// host-meta as JSON (RFC 6415), which some servers ask for first.
pub async fn host_meta_json(State(ctx): State<Context>) -> Response {
    let body = json!({"links": [{"rel": "lrdd", "template": webfinger_template(&ctx)}]});
    (
        [(header::CONTENT_TYPE, "application/jrd+json; charset=utf-8")],
        Json(body),
    )
        .into_response()
}

pub async fn nodeinfo_links(State(ctx): State<Context>) -> Json<serde_json::Value> {
    let link = |version: &str| {
        json!({
            "rel": format!("http://nodeinfo.diaspora.software/ns/schema/{version}"),
            "href": ctx.urls.base().join(&format!("/nodeinfo/{version}")).map(String::from).unwrap_or_default(),
        })
    };
    Json(json!({ "links": [link("2.1"), link("2.0")] }))
}

pub async fn nodeinfo_2_1(State(ctx): State<Context>) -> Result<Response> {
    nodeinfo(&ctx, "2.1").await
}

/// NodeInfo 2.0, for the crawlers and servers that know no later schema.
/// It has the same fields here: 2.1 only added `software.repository` and
/// `software.homepage`, which Trellis does not send.
pub async fn nodeinfo_2_0(State(ctx): State<Context>) -> Result<Response> {
    nodeinfo(&ctx, "2.0").await
}

async fn nodeinfo(ctx: &Context, version: &str) -> Result<Response> {
    let usage = local_accounts::usage(ctx).await?;
    let (users, posts) = (usage.members, usage.local_posts);
    let body = json!({
        "version": version,
        "software": { "name": "trellis", "version": env!("CARGO_PKG_VERSION") },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": [] },
        "openRegistrations": ctx.config.registrations != crate::config::Registrations::Closed,
        "usage": { "users": { "total": users }, "localPosts": posts },
        "metadata": { "nodeName": ctx.config.instance_name },
    });
    let profile = format!(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/{version}#\""
    );
    Ok(([(header::CONTENT_TYPE, profile)], Json(body)).into_response())
}
