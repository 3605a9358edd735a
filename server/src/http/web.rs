//! Server-rendered pages for people following links from other servers: a
//! member's profile and a single status; and for what Mastodon apps cannot
//! show: the learning exchanges waiting for an answer and the benefit
//! stories. Only what anyone may see is shown.

use crate::{
    domain::{
        Context, Origin, Page, accounts, exchanges, network_map, statuses, stories, text::escape,
        timelines, views::StatusView,
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
        .route("/exchanges", get(exchanges_page))
        .route("/stories", get(stories_page))
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
            "<h1>{}</h1><p>A Trellis network: {} members, {} posts. Use any Mastodon-compatible app to join in at <code>{}</code>.</p>\
             <p><a href=\"/exchanges\">Questions waiting for an answer</a> · <a href=\"/stories\">Benefit stories</a></p>",
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

#[derive(Debug, serde::Deserialize)]
struct ExchangeQuery {
    state: Option<String>,
}

/// `/exchanges`: open questions and requests (or, with `?state=answered`,
/// answered ones), newest first, with how many replies each has had.
async fn exchanges_page(
    State(ctx): State<Context>,
    axum::extract::Query(query): axum::extract::Query<ExchangeQuery>,
) -> Result<Html<String>> {
    let answered = query.state.as_deref() == Some("answered");
    let filter = exchanges::ExchangeFilter {
        answered: Some(answered),
        limit: 40,
        ..Default::default()
    };
    let listed = exchanges::list(&ctx, None, filter).await?;
    let items: String = listed
        .iter()
        .map(|exchange| {
            let replies = match exchange.replies_count {
                0 => "no reply yet".to_string(),
                1 => "1 reply".to_string(),
                n => format!("{n} replies"),
            };
            let waited = exchange
                .seconds_to_first_reply()
                .map(|s| format!(", first after {}", network_map::human_duration(s)))
                .unwrap_or_default();
            format!(
                "<p class=\"meta\">{} · {replies}{waited}</p>{}",
                escape(&exchange.kind),
                status_html(&exchange.status)
            )
        })
        .collect();
    let (title, other) = if answered {
        (
            "Answered questions",
            "<a href=\"/exchanges\">Still open</a>",
        )
    } else {
        (
            "Questions waiting for an answer",
            "<a href=\"/exchanges?state=answered\">Answered</a>",
        )
    };
    let empty = if listed.is_empty() {
        "<p>None at the moment.</p>"
    } else {
        ""
    };
    Ok(page(
        title,
        &format!(
            "<h1>{title}</h1><p>Reply from any fediverse app to help. {other}</p>{empty}{items}"
        ),
    ))
}

/// `/stories`: benefit stories, with how many speak to each dimension.
async fn stories_page(State(ctx): State<Context>) -> Result<Html<String>> {
    let counts = stories::counts(&ctx, stories::Period::Month).await?;
    let listed = stories::list(&ctx, None, None, None, 40).await?;
    let totals: Vec<String> = counts
        .total
        .iter()
        .map(|(dimension, n)| format!("{} {n}", escape(&dimension.replace('_', " "))))
        .collect();
    let items: String = listed
        .iter()
        .map(|story| {
            format!(
                "<p class=\"meta\">{}</p>{}",
                escape(&story.dimensions.join(", ").replace('_', " ")),
                status_html(&story.status)
            )
        })
        .collect();
    Ok(page(
        "Benefit stories",
        &format!(
            "<h1>Benefit stories</h1><p>What changed in members' work because of this network. \
             Post yours with <code>#story</code>.</p><p class=\"meta\">{}</p>{items}",
            totals.join(" · ")
        ),
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
