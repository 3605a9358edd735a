//! https://docs.joinmastodon.org/methods/instance/
//!
//! What apps read first to learn about a server. Clients match on
//! `version` to pick features, so it names a Mastodon API level followed by
//! Trellis's own version.

use crate::config::Registrations;
use crate::{
    domain::{
        Context, accounts,
        network::{self, Network},
    },
    error::Result,
};
use axum::{Json, extract::State};
use serde_json::{Value, json};

/// The Mastodon API level Trellis answers to.
pub const COMPATIBLE_VERSION: &str = "4.3.0";

pub fn version() -> String {
    format!(
        "{COMPATIBLE_VERSION} (compatible; Trellis {})",
        env!("CARGO_PKG_VERSION")
    )
}

async fn counts(ctx: &Context) -> Result<(i64, i64)> {
    let usage = accounts::usage(ctx).await?;
    Ok((usage.members, usage.local_posts))
}

pub async fn v1(State(ctx): State<Context>) -> Result<Json<Value>> {
    let (users, statuses) = counts(&ctx).await?;
    let network = network::get(&ctx).await?;
    let domain = ctx.urls.domain();
    Ok(Json(json!({
        "uri": domain,
        "title": network.name,
        "short_description": network.summary,
        "description": network.summary,
        "email": "",
        "version": version(),
        "urls": { "streaming_api": super::streaming::streaming_base(&ctx) },
        "stats": { "user_count": users, "status_count": statuses, "domain_count": 0 },
        "thumbnail": null,
        "languages": ["en"],
        "registrations": ctx.config.registrations != Registrations::Closed,
        "approval_required": ctx.config.registrations == Registrations::Approval,
        "invites_enabled": false,
        "configuration": configuration(&ctx),
        "contact_account": null,
        "rules": network_rules(&network),
    })))
}

pub async fn v2(State(ctx): State<Context>) -> Result<Json<Value>> {
    let (users, _) = counts(&ctx).await?;
    let network = network::get(&ctx).await?;
    Ok(Json(json!({
        "domain": ctx.urls.domain(),
        // Mastodon 4.3 and later name the API revision they speak; clients
        // warn when a 4.3-level server leaves it out.
        "api_versions": { "mastodon": 2 },
        "title": network.name,
        "version": version(),
        "description": network.summary,
        "usage": { "users": { "active_month": users } },
        "thumbnail": { "url": ctx.urls.base().join("/avatars/missing.png").map(String::from).unwrap_or_default() },
        "languages": ["en"],
        "configuration": configuration(&ctx),
        "registrations": {
            "enabled": ctx.config.registrations != Registrations::Closed,
            "approval_required": ctx.config.registrations == Registrations::Approval,
            "message": null
        },
        "contact": { "email": "", "account": null },
        "rules": network_rules(&network),
    })))
}

fn configuration(ctx: &Context) -> Value {
    json!({
        "urls": { "streaming": super::streaming::streaming_base(ctx) },
        "accounts": {
            "max_featured_tags": crate::domain::tags::MAX_FEATURED,
            "max_pinned_statuses": crate::domain::interactions::MAX_PINS,
        },
        "statuses": {
            "max_characters": crate::domain::statuses::MAX_CHARS,
            "max_media_attachments": crate::domain::media::MAX_ATTACHMENTS,
            "characters_reserved_per_url": 23
        },
        "media_attachments": {
            "supported_mime_types": ["image/jpeg", "image/png", "image/webp", "image/gif"],
            "image_size_limit": crate::domain::media::MAX_UPLOAD_BYTES,
            "image_matrix_limit": crate::domain::media::MAX_PIXELS,
            "description_limit": crate::domain::media::MAX_DESCRIPTION,
            "video_size_limit": 0,
            "video_frame_rate_limit": 0,
            "video_matrix_limit": 0
        },
        "polls": {
            "max_options": crate::domain::polls::MAX_OPTIONS,
            "max_characters_per_option": crate::domain::polls::MAX_OPTION_CHARS,
            "min_expiration": ctx.config.poll_min_expiration_seconds,
            "max_expiration": crate::domain::polls::MAX_EXPIRATION_SECONDS
        },
        "translation": { "enabled": false }
    })
}

/// `GET /api/v1/instance/rules`: the network's operating principles, one
/// rule each, numbered from 1 in the charter's order.
pub async fn rules(State(ctx): State<Context>) -> Result<Json<Value>> {
    Ok(Json(network_rules(&network::get(&ctx).await?)))
}

fn network_rules(network: &Network) -> Value {
    Value::Array(
        network
            .charter
            .operating_principles
            .iter()
            .enumerate()
            .map(|(i, text)| json!({ "id": (i + 1).to_string(), "text": text, "hint": "" }))
            .collect(),
    )
}

/// `GET /api/v1/instance/domain_blocks`: the servers this one blocks, with
/// their public comments (never the private ones), to whom the
/// `domain_blocks_visibility` setting allows.
pub async fn domain_blocks(
    State(ctx): State<Context>,
    auth: crate::http::auth::MaybeAuth,
) -> Result<Json<Value>> {
    use crate::config::Visibility;
    let viewer = auth.viewer("read")?;
    let admin = match &viewer {
        Some(account) => accounts::user_of(&ctx, account.id).await?.admin,
        None => false,
    };
    match ctx.config.domain_blocks_visibility {
        Visibility::Everyone => {}
        Visibility::Members if viewer.is_some() => {}
        Visibility::Members => {
            return Err(crate::error::Error::Unauthorized(
                "This list is shown to members only".into(),
            ));
        }
        Visibility::Admins if admin => {}
        Visibility::Admins => return Err(crate::error::Error::not_found()),
    }
    let blocks = crate::domain::moderation::domain_blocks(&ctx).await?;
    Ok(Json(Value::Array(
        blocks
            .iter()
            .filter(|b| b.severity != "noop" || b.reject_media)
            .map(|b| {
                json!({
                    "domain": b.domain,
                    "digest": super::admin::domain_digest(&b.domain),
                    "severity": b.severity,
                    "comment": b.public_comment,
                })
            })
            .collect(),
    )))
}

/// `GET /api/v1/instance/peers`: the domains of servers this one has met.
pub async fn peers(State(ctx): State<Context>) -> Result<Json<Vec<String>>> {
    Ok(Json(accounts::peers(&ctx).await?))
}

/// Endpoints for features Trellis does not have (custom emojis, filters,
/// lists, trends, announcements): apps call them at start-up, and an empty
/// list is the truthful answer.
pub async fn empty_list() -> Json<Value> {
    Json(json!([]))
}

/// `GET /api/v1/preferences`: Trellis keeps no per-member posting defaults
/// yet, so these are the defaults every member has.
pub async fn preferences(auth: crate::http::auth::Auth) -> Result<Json<Value>> {
    auth.require("read:accounts")?;
    Ok(Json(json!({
        "posting:default:visibility": "public",
        "posting:default:sensitive": false,
        "posting:default:language": null,
        "reading:expand:media": "default",
        "reading:expand:spoilers": false,
    })))
}
