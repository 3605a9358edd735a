//! https://docs.joinmastodon.org/methods/search/#v2
//!
//! A handle (`user`, `user@host`, `@user@host`) or a URL finds that one
//! account or status; with `resolve=true` and a token, unknown remote ones
//! are looked up over WebFinger or fetched. Other text matches account
//! names, the text of statuses the member may read, and hashtags.

use super::entities;
use crate::{
    domain::{Account, Context, accounts, search, views::StatusView},
    error::{Error, Result},
    federation::{Data, resolve},
    http::{
        auth::MaybeAuth,
        input::{count_param, flexible_bool},
    },
};
use axum::{
    Json,
    extract::{Query, State},
};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: String,
    #[serde(rename = "type")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "flexible_bool")]
    resolve: Option<bool>,
    account_id: Option<String>,
    limit: Option<String>,
    offset: Option<String>,
}

const DEFAULT_LIMIT: i64 = 20;
const MAX_LIMIT: i64 = 40;

/// Which result lists a search fills.
struct Wanted {
    accounts: bool,
    statuses: bool,
    hashtags: bool,
}

impl Wanted {
    fn parse(kind: Option<&str>) -> Result<Wanted> {
        let only = |k| kind.is_none_or(|wanted| wanted == k);
        if let Some(kind) = kind
            && !["accounts", "statuses", "hashtags"].contains(&kind)
        {
            return Err(Error::BadRequest(format!("Unknown search type {kind:?}")));
        }
        Ok(Wanted {
            accounts: only("accounts"),
            statuses: only("statuses"),
            hashtags: only("hashtags"),
        })
    }
}

pub async fn search(
    State(ctx): State<Context>,
    data: Data,
    auth: MaybeAuth,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>> {
    let viewer = auth.viewer("read:search")?;
    let wanted = Wanted::parse(params.kind.as_deref())?;
    let window = search::Window {
        limit: count_param(params.limit.as_deref(), "limit", DEFAULT_LIMIT)?.clamp(1, MAX_LIMIT),
        offset: count_param(params.offset.as_deref(), "offset", 0)?,
    };
    // Only members may make the server contact others on their behalf.
    let resolve = params.resolve.unwrap_or(false) && viewer.is_some();
    let q = params.q.trim();
    let mut found_accounts = Vec::new();
    let mut found_statuses = Vec::new();
    let mut found_tags = Vec::new();

    if let Ok(url) = url::Url::parse(q)
        && matches!(url.scheme(), "http" | "https")
    {
        if wanted.statuses
            && let Some(status) = status_at(&ctx, &data, viewer.as_ref(), &url, resolve).await?
        {
            found_statuses.push(status);
        } else if wanted.accounts {
            // A refused or failed fetch is the member's answer here: the URL
            // was only ever a candidate for an account.
            let account = if resolve {
                Some(resolve::account_by_url(&data, url).await?)
            } else {
                accounts::by_ap_id(&ctx, url.as_str()).await?
            };
            if let Some(account) = account {
                found_accounts.push(accounts::view(&ctx, account).await?);
            }
        }
    } else if !q.is_empty() {
        if wanted.accounts {
            let exact = if is_handle(q) {
                resolve::account_by_acct(&data, q, resolve).await?
            } else {
                None
            };
            if let Some(account) = exact.filter(|_| window.offset == 0) {
                found_accounts.push(accounts::view(&ctx, account).await?);
            }
            for view in search::accounts(&ctx, q, window).await? {
                if !found_accounts
                    .iter()
                    .any(|known| known.account.id == view.account.id)
                {
                    found_accounts.push(view);
                }
            }
            found_accounts.truncate(window.limit as usize);
        }
        if wanted.statuses
            && let Some(viewer) = viewer.as_ref()
        {
            let author = params
                .account_id
                .as_deref()
                .map(crate::http::input::path_id)
                .transpose()?;
            found_statuses = search::statuses(&ctx, viewer, q, author, window).await?;
        }
        if wanted.hashtags {
            found_tags = search::hashtags(&ctx, q, window).await?;
        }
    }

    let accounts: Vec<_> = found_accounts
        .iter()
        .map(|v| entities::account(&ctx.urls, v))
        .collect();
    let statuses: Vec<_> = found_statuses
        .iter()
        .map(|v| entities::status(&ctx.urls, v))
        .collect();
    let hashtags: Vec<_> = found_tags
        .iter()
        .map(|name| entities::hashtag(&ctx.urls, name))
        .collect();
    Ok(Json(
        json!({ "accounts": accounts, "statuses": statuses, "hashtags": hashtags }),
    ))
}

/// `user` or `user@host`, with or without a leading `@`.
fn is_handle(q: &str) -> bool {
    let q = q.trim_start_matches('@');
    !q.is_empty()
        && !q.contains(char::is_whitespace)
        && q.split('@').count() <= 2
        && q.split('@').all(|part| !part.is_empty())
}

/// The status at `url`: one stored here, or with `resolve` one fetched
/// from its server. A URL that is not a status finds nothing.
async fn status_at(
    ctx: &Context,
    data: &Data,
    viewer: Option<&Account>,
    url: &url::Url,
    resolve: bool,
) -> Result<Option<StatusView>> {
    if let Some(view) = search::status_by_url(ctx, viewer, url.as_str()).await? {
        return Ok(Some(view));
    }
    if !resolve || ctx.urls.is_local(url) {
        return Ok(None);
    }
    let Ok(status) = resolve::status_by_url(data, url.clone()).await else {
        return Ok(None);
    };
    search::status_by_url(ctx, viewer, &status.ap_id).await
}
