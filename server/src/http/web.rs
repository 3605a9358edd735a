//! Server-rendered pages for people following links from other servers: a
//! member's profile and a single status. Only what anyone may see is shown.

use crate::{
    domain::{
        Context, Origin, Page, accounts, statuses, text::escape, timelines, views::StatusView,
    },
    error::Result,
    http::input::path_id,
};
use axum::{
    Router,
    extract::{Path, State},
    http::header,
    response::{Html, IntoResponse, Response},
    routing::get,
};

pub fn routes() -> Router<Context> {
    Router::new()
        .route("/", get(home))
        .route("/@{username}", get(profile))
        .route("/@{username}/{id}", get(status))
        .route("/tags/{tag}", get(tag))
        .route("/avatars/missing.png", get(placeholder_image))
        .route("/headers/missing.png", get(placeholder_image))
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}\
         article{{border-top:1px solid #ddd;padding:1rem 0}}.meta{{color:#666;font-size:.9rem}}</style></head>\
         <body>{body}</body></html>",
        escape(title)
    ))
}

/// Status HTML is sanitised when stored (remote) or generated escaped (local).
fn status_html(view: &StatusView) -> String {
    if let Some(original) = &view.reblog {
        return format!(
            "<p class=\"meta\">@{} boosted</p>{}",
            escape(&view.author.account.acct()),
            status_html(original)
        );
    }
    let author = &view.author.account;
    let name = if author.display_name.is_empty() {
        &author.username
    } else {
        &author.display_name
    };
    format!(
        "<article><p class=\"meta\"><strong>{}</strong> @{} · {}</p>{}</article>",
        escape(name),
        escape(&author.acct()),
        view.status.published_at.format("%Y-%m-%d %H:%M UTC"),
        view.status.content
    )
}

async fn home(State(ctx): State<Context>) -> Result<Html<String>> {
    let usage = accounts::usage(&ctx).await?;
    Ok(page(
        &ctx.config.instance_name,
        &format!(
            "<h1>{}</h1><p>A Trellis network: {} members, {} posts. Use any Mastodon-compatible app to join in at <code>{}</code>.</p>",
            escape(&ctx.config.instance_name),
            usage.members,
            usage.local_posts,
            escape(&ctx.urls.domain())
        ),
    ))
}

async fn profile(State(ctx): State<Context>, Path(username): Path<String>) -> Result<Html<String>> {
    let account = accounts::local_by_username(&ctx, &username).await?;
    let recent = timelines::account_statuses(
        &ctx,
        None,
        &account,
        timelines::AccountFilter::default(),
        Page {
            limit: 20,
            ..Page::default()
        },
    )
    .await?;
    let name = if account.display_name.is_empty() {
        &account.username
    } else {
        &account.display_name
    };
    let posts: String = recent.iter().map(status_html).collect();
    Ok(page(
        name,
        &format!(
            "<h1>{}</h1><p class=\"meta\">@{}@{}</p><div>{}</div>{posts}",
            escape(name),
            escape(&account.username),
            escape(&ctx.urls.domain()),
            account.note
        ),
    ))
}

async fn status(
    State(ctx): State<Context>,
    Path((username, id)): Path<(String, String)>,
) -> Result<Html<String>> {
    let account = accounts::local_by_username(&ctx, &username).await?;
    let view = statuses::view(&ctx, None, path_id(&id)?).await?;
    if view.status.account_id != account.id {
        return Err(crate::error::Error::not_found());
    }
    Ok(page(
        &format!("Post by @{}", account.username),
        &status_html(&view),
    ))
}

async fn tag(State(ctx): State<Context>, Path(tag): Path<String>) -> Result<Html<String>> {
    let page_of = Page {
        limit: 40,
        ..Page::default()
    };
    let tagged = timelines::tagged(&ctx, None, &tag, Origin::Any, page_of).await?;
    let posts: String = tagged.iter().map(status_html).collect();
    let title = format!("#{}", tag.to_lowercase());
    let empty = if tagged.is_empty() {
        "<p>No public posts with this tag yet.</p>"
    } else {
        ""
    };
    Ok(page(
        &title,
        &format!("<h1>{}</h1>{empty}{posts}", escape(&title)),
    ))
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
