//! `GET /media/:key`: the files members uploaded. Keys are new ids, so a
//! file never changes under its name and may be cached for good.

use crate::{domain::Context, error::Error, media_store::valid_key};
use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};

/// The content type of a stored file, from the extension Trellis gave it.
fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("png") => "image/png",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        _ => "application/octet-stream",
    }
}

pub async fn serve(State(ctx): State<Context>, Path(key): Path<String>) -> Result<Response, Error> {
    if !valid_key(&key) {
        return Err(Error::not_found());
    }
    let store = ctx.media.clone();
    let lookup = key.clone();
    let bytes = tokio::task::spawn_blocking(move || store.get(&lookup))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(format!("reading media: {e}")))?
        .ok_or_else(Error::not_found)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type(&key)),
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            // An image opened on its own runs nothing and frames nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; sandbox",
            ),
        ],
        bytes,
    )
        .into_response())
}
