//! The Mastodon client API (https://docs.joinmastodon.org/methods/), the
//! common language of fediverse apps. One module per resource; handlers
//! parse, authenticate, call the domain and shape the answer.

pub mod accounts;
pub mod admin;
pub mod apps;
pub mod domain_blocks;
pub mod entities;
pub mod instance;
pub mod markers;
pub mod media;
pub mod notifications;
pub mod oauth;
pub mod polls;
pub mod reports;
pub mod search;
pub mod statuses;
pub mod streaming;
pub mod suggestions;
pub mod tags;
pub mod timelines;

use crate::domain::{Context, Page, views::StatusView};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderMap, HeaderValue, header},
    routing::{delete, get, patch, post},
};
use serde::Deserialize;

/// Bodies that carry an image: the largest upload and room for the form
/// around it.
pub const UPLOAD_BODY_BYTES: usize = crate::domain::media::MAX_UPLOAD_BYTES + 64 * 1024;

pub fn routes() -> Router<Context> {
    Router::new()
        .merge(streaming::routes())
        .merge(admin::routes())
        .route("/api/v1/reports", post(reports::create))
        .route(
            "/api/v1/domain_blocks",
            get(domain_blocks::list)
                .post(domain_blocks::block)
                .delete(domain_blocks::unblock),
        )
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/revoke", post(oauth::revoke))
        .route(
            "/oauth/authorize",
            get(oauth::authorize_page).post(oauth::authorize),
        )
        .route(
            "/.well-known/oauth-authorization-server",
            get(oauth::metadata),
        )
        .route("/api/v1/accounts", post(accounts::register))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route(
            "/api/v1/accounts/update_credentials",
            patch(accounts::update_credentials).layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES)),
        )
        .route("/api/v1/accounts/{id}/followers", get(accounts::followers))
        .route("/api/v1/accounts/{id}/following", get(accounts::following))
        .route("/api/v1/follow_requests", get(accounts::follow_requests))
        .route("/api/v1/accounts/{id}/block", post(accounts::block))
        .route("/api/v1/accounts/{id}/unblock", post(accounts::unblock))
        .route("/api/v1/accounts/{id}/mute", post(accounts::mute))
        .route("/api/v1/accounts/{id}/unmute", post(accounts::unmute))
        .route("/api/v1/blocks", get(accounts::blocked))
        .route("/api/v1/mutes", get(accounts::muted))
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            post(accounts::authorize_request),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            post(accounts::reject_request),
        )
        .route(
            "/api/v1/accounts/relationships",
            get(accounts::relationships),
        )
        .route(
            "/api/v1/accounts/familiar_followers",
            get(accounts::familiar_followers),
        )
        .route("/api/v1/accounts/{id}/note", post(accounts::note))
        .route("/api/v1/accounts/search", get(accounts::search))
        .route("/api/v1/directory", get(accounts::directory))
        .route("/api/v2/suggestions", get(suggestions::v2))
        .route("/api/v1/suggestions", get(suggestions::v1))
        .route(
            "/api/v1/suggestions/{id}",
            axum::routing::delete(suggestions::dismiss),
        )
        .route("/api/v1/accounts/{id}", get(accounts::show))
        .route("/api/v1/accounts/{id}/statuses", get(accounts::statuses))
        .route("/api/v1/accounts/{id}/follow", post(accounts::follow))
        .route("/api/v1/accounts/{id}/unfollow", post(accounts::unfollow))
        .route("/api/v1/statuses", post(statuses::create))
        .route("/api/v1/polls/{id}", get(polls::show))
        .route("/api/v1/polls/{id}/votes", post(polls::vote))
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::show)
                .put(statuses::edit)
                .delete(statuses::delete),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        .route(
            "/api/v1/statuses/{id}/favourited_by",
            get(statuses::favourited_by),
        )
        .route(
            "/api/v1/statuses/{id}/reblogged_by",
            get(statuses::reblogged_by),
        )
        .route("/api/v1/statuses/{id}/source", get(statuses::source))
        .route("/api/v1/statuses/{id}/history", get(statuses::history))
        .route("/api/v1/statuses/{id}/bookmark", post(statuses::bookmark))
        .route(
            "/api/v1/statuses/{id}/unbookmark",
            post(statuses::unbookmark),
        )
        .route("/api/v1/statuses/{id}/pin", post(statuses::pin))
        .route("/api/v1/statuses/{id}/unpin", post(statuses::unpin))
        .route("/api/v1/bookmarks", get(timelines::bookmarks))
        .route("/api/v1/statuses/{id}/favourite", post(statuses::favourite))
        .route(
            "/api/v1/statuses/{id}/unfavourite",
            post(statuses::unfavourite),
        )
        .route("/api/v1/statuses/{id}/reblog", post(statuses::reblog))
        .route("/api/v1/statuses/{id}/unreblog", post(statuses::unreblog))
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{hashtag}", get(timelines::tag))
        .route("/api/v2/search", get(search::search))
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/clear", post(notifications::clear))
        .route(
            "/api/v1/notifications/unread_count",
            get(notifications::unread_count),
        )
        .route("/api/v2/notifications", get(notifications::grouped))
        .route(
            "/api/v2/notifications/unread_count",
            get(notifications::unread_count),
        )
        .route(
            "/api/v2/notifications/{group_key}",
            get(notifications::group),
        )
        .route(
            "/api/v2/notifications/{group_key}/accounts",
            get(notifications::group_accounts),
        )
        .route(
            "/api/v2/notifications/{group_key}/dismiss",
            post(notifications::dismiss_group),
        )
        .route("/api/v1/notifications/{id}", get(notifications::show))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(notifications::dismiss),
        )
        .route(
            "/api/v2/media",
            post(media::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES)),
        )
        .route(
            "/api/v1/media",
            post(media::upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_BYTES)),
        )
        .route("/api/v1/media/{id}", get(media::show).put(media::update))
        .route("/api/v1/tags/{name}", get(tags::show))
        .route("/api/v1/tags/{name}/follow", post(tags::follow))
        .route("/api/v1/tags/{name}/unfollow", post(tags::unfollow))
        .route("/api/v1/followed_tags", get(tags::followed))
        .route(
            "/api/v1/featured_tags",
            get(tags::featured).post(tags::feature),
        )
        .route(
            "/api/v1/featured_tags/suggestions",
            get(instance::empty_list),
        )
        .route("/api/v1/featured_tags/{id}", delete(tags::unfeature))
        .route(
            "/api/v1/accounts/{id}/featured_tags",
            get(tags::featured_of_account),
        )
        .route("/api/v1/favourites", get(timelines::favourites))
        .route("/api/v1/markers", get(markers::get).post(markers::save))
        .route("/api/v1/instance/rules", get(instance::rules))
        .route("/api/v1/instance/peers", get(instance::peers))
        .route(
            "/api/v1/instance/domain_blocks",
            get(instance::domain_blocks),
        )
        .route("/api/v1/preferences", get(instance::preferences))
        .route("/api/v1/custom_emojis", get(instance::empty_list))
        .route("/api/v1/filters", get(instance::empty_list))
        .route("/api/v2/filters", get(instance::empty_list))
        .route("/api/v1/lists", get(instance::empty_list))
        .route("/api/v1/announcements", get(instance::empty_list))
        .route("/api/v1/trends", get(instance::empty_list))
        .route("/api/v1/trends/tags", get(instance::empty_list))
        .route("/api/v1/trends/statuses", get(instance::empty_list))
        .route("/api/v1/trends/links", get(instance::empty_list))
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v1/instance/", get(instance::v1))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v2/instance/", get(instance::v2))
}

/// `max_id`, `since_id`, `min_id` and `limit` from the query string.
#[derive(Debug, Deserialize, Default)]
pub struct PageParams {
    pub max_id: Option<String>,
    pub since_id: Option<String>,
    pub min_id: Option<String>,
    pub limit: Option<String>,
}

impl PageParams {
    /// Unparsable ids are ignored, as Mastodon ignores them; the limit is
    /// clamped to 1..=`max` and defaults to 20.
    pub fn page(&self, max: i64) -> Page {
        let id = |value: &Option<String>| value.as_deref().and_then(|v| v.parse::<i64>().ok());
        Page {
            max_id: id(&self.max_id),
            since_id: id(&self.since_id),
            min_id: id(&self.min_id),
            limit: self
                .limit
                .as_deref()
                .and_then(|l| l.parse::<i64>().ok())
                .unwrap_or(20)
                .clamp(1, max),
        }
    }
}

/// The `Link` header for paging through a list of statuses: `next` goes to
/// older items, `prev` to newer ones. Other parameters of the request
/// (`limit`, filters) are carried over.
pub fn link_header(
    ctx: &Context,
    path: &str,
    query: Option<&str>,
    statuses: &[StatusView],
) -> HeaderMap {
    let ids: Vec<i64> = statuses.iter().map(|v| v.status.id).collect();
    link_header_for_ids(ctx, path, query, &ids)
}

/// A page of statuses as the API answers it: the entities, and the `Link`
/// header built from `page_ids` (the ids the list is paged by, when they are
/// not the statuses' own, as for favourites and bookmarks).
pub fn status_page(
    ctx: &Context,
    path: &str,
    query: Option<&str>,
    views: &[StatusView],
    page_ids: Option<&[i64]>,
) -> (HeaderMap, axum::Json<Vec<entities::Status>>) {
    let headers = match page_ids {
        Some(ids) => link_header_for_ids(ctx, path, query, ids),
        None => link_header(ctx, path, query, views),
    };
    let statuses = views
        .iter()
        .map(|v| entities::status(&ctx.urls, v))
        .collect();
    (headers, axum::Json(statuses))
}

/// `link_header` for any list ordered newest first by id.
pub fn link_header_for_ids(
    ctx: &Context,
    path: &str,
    query: Option<&str>,
    ids: &[i64],
) -> HeaderMap {
    paging_links(ctx, path, query, ids, true)
}

/// A `Link` header with only `next`, for lists that page by `max_id`
/// alone (Trellis's own lists of exchanges and stories).
pub fn next_link_header(ctx: &Context, path: &str, query: Option<&str>, ids: &[i64]) -> HeaderMap {
    paging_links(ctx, path, query, ids, false)
}

fn paging_links(
    ctx: &Context,
    path: &str,
    query: Option<&str>,
    ids: &[i64],
    with_prev: bool,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let (Some(first), Some(last)) = (ids.first().copied(), ids.last().copied()) else {
        return headers;
    };
    let kept: Vec<(String, String)> =
        serde_urlencoded::from_str::<Vec<(String, String)>>(query.unwrap_or_default())
            .unwrap_or_default()
            .into_iter()
            .filter(|(key, _)| !matches!(key.as_str(), "max_id" | "min_id" | "since_id"))
            .collect();
    let base = ctx.urls.base().as_str().trim_end_matches('/');
    let link = |key: &str, id: i64| {
        let mut pairs = kept.clone();
        pairs.push((key.to_string(), id.to_string()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("<{base}{path}?{query}>")
    };
    let mut value = format!("{}; rel=\"next\"", link("max_id", last));
    if with_prev {
        value.push_str(&format!(", {}; rel=\"prev\"", link("min_id", first)));
    }
    if let Ok(value) = HeaderValue::from_str(&value) {
        headers.insert(header::LINK, value);
    }
    headers
}
