//! https://docs.joinmastodon.org/methods/search/#v2
//!
//! Accounts by handle (`user`, `user@host`, `@user@host`) or actor URL. With
//! `resolve=true` and a token, unknown remote accounts are looked up over
//! WebFinger or fetched.

use super::entities;
use crate::{
    domain::{Context, accounts},
    error::Result,
    federation::{Data, resolve},
    http::{auth::MaybeAuth, input::flexible_bool},
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
}

pub async fn search(
    State(ctx): State<Context>,
    data: Data,
    auth: MaybeAuth,
    Query(params): Query<SearchParams>,
) -> Result<Json<Value>> {
    let viewer = auth.viewer("read:search")?;
    // Only members may make the server contact others on their behalf.
    let resolve = params.resolve.unwrap_or(false) && viewer.is_some();
    let wants_accounts = params.kind.as_deref().is_none_or(|k| k == "accounts");
    let q = params.q.trim();
    let mut found = Vec::new();
    if wants_accounts && !q.is_empty() {
        let account = match url::Url::parse(q) {
            Ok(url) if resolve && matches!(url.scheme(), "http" | "https") => {
                Some(resolve::account_by_url(&data, url).await?)
            }
            Ok(url) => accounts::by_ap_id(&ctx, url.as_str()).await?,
            Err(_) => resolve::account_by_acct(&data, q, resolve).await?,
        };
        if let Some(account) = account {
            found.push(entities::account(
                &ctx.urls,
                &accounts::view(&ctx, account).await?,
            ));
        }
    }
    Ok(Json(
        json!({ "accounts": found, "statuses": [], "hashtags": [] }),
    ))
}
