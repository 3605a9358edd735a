//! Fetching other servers' media into the cache (`domain::media_cache`).
//! Every image a remote post, avatar or header names is fetched once, with
//! the same care as any request to another server: the URL guard and the
//! server blocks first, then a client whose resolver refuses private
//! addresses, which follows no redirects and gives up after a timeout. The
//! answer must say it is an image, and at most 16 MiB of it is read. A
//! fetch that fails is not tried again: the media is shown from its server.

use super::guard;
use crate::{
    domain::{
        Context,
        media::{MAX_UPLOAD_BYTES, Media},
        media_cache,
    },
    error::Result,
};
use futures::StreamExt;
use std::time::Duration;
use url::Url;

/// How long the fetcher rests when nothing waits.
const IDLE: Duration = Duration::from_secs(2);
/// Rows read from the queue at a time.
const BATCH: i64 = 16;
/// Fetches at the same time: each mostly waits on another server.
const AT_ONCE: usize = 4;

/// Copies remote media into the cache for as long as the server runs; does
/// nothing when the cache is off (`media_cache_mib = 0`).
pub async fn run(ctx: Context) {
    if ctx.config.media_cache_mib == 0 {
        return;
    }
    let client = super::http_client(ctx.config.federation_dev_mode);
    loop {
        match copy_waiting(&ctx, &client).await {
            Ok(0) => tokio::time::sleep(IDLE).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, "the media cache could not go on");
                tokio::time::sleep(IDLE).await;
            }
        }
    }
}

/// Copies one batch of waiting media, then keeps the cache in its bound;
/// answers how many rows it looked at.
pub async fn copy_waiting(ctx: &Context, client: &reqwest::Client) -> Result<usize> {
    let rows = media_cache::waiting(ctx, BATCH).await?;
    let count = rows.len();
    let outcomes: Vec<Result<()>> = futures::stream::iter(rows)
        .map(|row| copy_one(ctx, client, row))
        .buffer_unordered(AT_ONCE)
        .collect()
        .await;
    outcomes.into_iter().collect::<Result<Vec<()>>>()?;
    if count > 0 {
        media_cache::evict_over_bound(ctx).await?;
    }
    Ok(count)
}

async fn copy_one(ctx: &Context, client: &reqwest::Client, row: Media) -> Result<()> {
    if !media_cache::claim(ctx, &row).await? || !media_cache::wanted(&row) {
        return Ok(());
    }
    let url = row.remote_url.clone().unwrap_or_default();
    let bytes = match fetch(ctx, client, &url).await {
        Ok(bytes) => bytes,
        Err(reason) => {
            tracing::info!(%url, %reason, "remote media not cached");
            return Ok(());
        }
    };
    match media_cache::keep_copy(ctx, &row, bytes).await {
        Ok(_) => Ok(()),
        // What the server sent is no image this server can read: shown
        // from there, as any media the cache did not take.
        Err(crate::error::Error::Validation(reason)) => {
            tracing::info!(%url, %reason, "remote media not cached");
            Ok(())
        }
        Err(error) => Err(error),
    }
}

/// The bytes of an image at `url`, or why not.
async fn fetch(ctx: &Context, client: &reqwest::Client, url: &str) -> Result<Vec<u8>, String> {
    let url = Url::parse(url).map_err(|e| e.to_string())?;
    guard::check_remote_url(&url, ctx.config.federation_dev_mode)?;
    crate::domain::moderation::check_url(ctx, &url)
        .await
        .map_err(|_| "the server is blocked or not allowed".to_string())?;
    let mut response = client
        .get(url)
        .header(reqwest::header::ACCEPT, "image/*")
        .send()
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("answered {}", response.status()));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !content_type.starts_with("image/") {
        return Err(format!("content type {content_type:?} is not an image"));
    }
    let too_large = || format!("larger than {MAX_UPLOAD_BYTES} bytes");
    if response
        .content_length()
        .is_some_and(|length| length > MAX_UPLOAD_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading the answer: {e}"))?
    {
        if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}
