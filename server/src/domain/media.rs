//! Media: the images members upload for their posts, avatars and headers,
//! and what other servers attach to theirs.
//!
//! An upload is decoded and written anew, so nothing of the original file
//! but its pixels is kept: EXIF (GPS position, camera serial), XMP and text
//! chunks are gone, and the EXIF orientation is applied to the pixels
//! first. The type is read from the bytes, never from what the client
//! claims; JPEG, PNG, WebP and GIF are accepted. Each upload gets a JPEG
//! preview and a blurhash. Remote media is recorded by its URL; the cache
//! (`media_cache`) copies its images here when it is on.

use super::{Account, Context, text};
use crate::{
    db::{self, DbConnection, ids::next_id, media as store, models::Media as MediaRow},
    error::{Error, Result},
};
use image::{
    AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits,
    codecs::{
        gif::{GifDecoder, GifEncoder, Repeat},
        jpeg::JpegEncoder,
    },
    imageops::FilterType,
};
use std::io::Cursor;

pub use crate::db::media::{ATTACHMENT, AVATAR, HEADER};
pub type Media = MediaRow;

/// The largest upload accepted, in bytes (Mastodon's limit for images).
pub const MAX_UPLOAD_BYTES: usize = 16 * 1024 * 1024;
/// The most pixels an image may have (7680 × 4320).
pub const MAX_PIXELS: u64 = 33_177_600;
/// The most pixels of all frames of an animated GIF together, so that a
/// small image with thousands of frames cannot take the memory a large one
/// is refused for.
pub const MAX_ANIMATION_PIXELS: u64 = 100_000_000;
/// Attachments per status, as Mastodon allows.
pub const MAX_ATTACHMENTS: usize = 4;
/// Characters of a description (alt text).
pub const MAX_DESCRIPTION: usize = 1_500;
/// The longer side of a preview, in pixels.
pub const PREVIEW_SIZE: u32 = 640;
/// Avatars and headers are scaled down to fit these boxes.
pub const AVATAR_BOX: (u32, u32) = (400, 400);
pub const HEADER_BOX: (u32, u32) = (1500, 500);
/// Remote attachments recorded per status.
pub const MAX_REMOTE_ATTACHMENTS: usize = 8;

/// An image as Trellis keeps it: re-encoded, with its preview.
#[derive(Debug)]
pub struct ProcessedImage {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
    pub preview: Vec<u8>,
    pub preview_width: u32,
    pub preview_height: u32,
    pub blurhash: String,
}

fn not_an_image(detail: impl std::fmt::Display) -> Error {
    Error::Validation(format!(
        "the file is not an image Trellis accepts (JPEG, PNG, WebP or GIF): {detail}"
    ))
}

fn too_large(width: u32, height: u32) -> Error {
    Error::Validation(format!(
        "the image is {width}×{height} pixels, more than the {MAX_PIXELS} accepted"
    ))
}

/// Decodes, checks and re-encodes an uploaded image; `fit` scales it down
/// to fit a box (avatars, headers). CPU-bound: call from a blocking task.
pub fn process_image(bytes: &[u8], fit: Option<(u32, u32)>) -> Result<ProcessedImage> {
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(Error::PayloadTooLarge(format!(
            "the file is {} bytes, more than the {MAX_UPLOAD_BYTES} accepted",
            bytes.len()
        )));
    }
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(not_an_image)?;
    let format = match reader.format() {
        Some(
            format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif),
        ) => format,
        Some(other) => return Err(not_an_image(format!("{other:?}"))),
        None => return Err(not_an_image("unknown format")),
    };
    if format == ImageFormat::Gif && fit.is_none() {
        return process_gif(bytes);
    }
    let mut decoder = reader.into_decoder().map_err(not_an_image)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(too_large(width, height));
    }
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 8);
    decoder.set_limits(limits).map_err(not_an_image)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = DynamicImage::from_decoder(decoder).map_err(not_an_image)?;
    picture.apply_orientation(orientation);
    if let Some((box_width, box_height)) = fit
        && (picture.width() > box_width || picture.height() > box_height)
    {
        picture = picture.resize(box_width, box_height, FilterType::Lanczos3);
    }
    // A photograph stays a JPEG; anything with transparency, or drawn (PNG),
    // stays lossless.
    let keep_lossless = format == ImageFormat::Png || picture.color().has_alpha();
    let (bytes, content_type, extension) = if keep_lossless {
        (encode_png(&picture)?, "image/png", "png")
    } else {
        (encode_jpeg(&picture)?, "image/jpeg", "jpg")
    };
    finish(bytes, content_type, extension, &picture)
}

/// A GIF keeps its animation: its frames are decoded and written again
/// (which drops comments and application blocks), within a pixel budget.
fn process_gif(bytes: &[u8]) -> Result<ProcessedImage> {
    let decoder = GifDecoder::new(Cursor::new(bytes)).map_err(not_an_image)?;
    let (width, height) = decoder.dimensions();
    let frame_pixels = u64::from(width) * u64::from(height);
    if frame_pixels > MAX_PIXELS {
        return Err(too_large(width, height));
    }
    let mut frames = Vec::new();
    for frame in decoder.into_frames() {
        frames.push(frame.map_err(not_an_image)?);
        if frames.len() as u64 * frame_pixels > MAX_ANIMATION_PIXELS {
            return Err(Error::Validation(format!(
                "the animation has more than {MAX_ANIMATION_PIXELS} pixels in all its frames"
            )));
        }
    }
    let first = frames
        .first()
        .map(|frame| DynamicImage::ImageRgba8(frame.buffer().clone()))
        .ok_or_else(|| not_an_image("a GIF without frames"))?;
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new_with_speed(&mut out, 10);
        encoder.set_repeat(Repeat::Infinite).map_err(internal)?;
        encoder.encode_frames(frames).map_err(internal)?;
    }
    finish(out, "image/gif", "gif", &first)
}

fn internal(error: impl std::fmt::Display) -> Error {
    Error::Internal(format!("image encoding: {error}"))
}

fn encode_png(picture: &DynamicImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .map_err(internal)?;
    Ok(out)
}

fn encode_jpeg(picture: &DynamicImage) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let rgb = flattened(picture);
    JpegEncoder::new_with_quality(&mut out, 88)
        .encode_image(&rgb)
        .map_err(internal)?;
    Ok(out)
}

/// The picture on white, for JPEG, which has no transparency.
fn flattened(picture: &DynamicImage) -> DynamicImage {
    if !picture.color().has_alpha() {
        return DynamicImage::ImageRgb8(picture.to_rgb8());
    }
    let rgba = picture.to_rgba8();
    let rgb = image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let over_white =
            |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
        image::Rgb([over_white(r), over_white(g), over_white(b)])
    });
    DynamicImage::ImageRgb8(rgb)
}

fn finish(
    bytes: Vec<u8>,
    content_type: &'static str,
    extension: &'static str,
    picture: &DynamicImage,
) -> Result<ProcessedImage> {
    let preview_picture = if picture.width() > PREVIEW_SIZE || picture.height() > PREVIEW_SIZE {
        picture.thumbnail(PREVIEW_SIZE, PREVIEW_SIZE)
    } else {
        picture.clone()
    };
    let preview = encode_jpeg(&preview_picture)?;
    let small = picture.thumbnail(32, 32).to_rgba8();
    let blurhash = blurhash::encode(4, 3, small.width(), small.height(), small.as_raw())
        .map_err(|e| Error::Internal(format!("blurhash: {e:?}")))?;
    Ok(ProcessedImage {
        bytes,
        content_type,
        extension,
        width: picture.width(),
        height: picture.height(),
        preview,
        preview_width: preview_picture.width(),
        preview_height: preview_picture.height(),
        blurhash,
    })
}

/// `"x,y"`, each between -1 and 1 (Mastodon's focal point), or an error.
pub fn parse_focus(text: &str) -> Result<(f64, f64)> {
    let invalid = || Error::Validation(format!("focus {text:?} is not two numbers from -1 to 1"));
    let (x, y) = text.split_once(',').ok_or_else(invalid)?;
    let parse = |value: &str| -> Result<f64> {
        let number: f64 = value.trim().parse().map_err(|_| invalid())?;
        if (-1.0..=1.0).contains(&number) {
            Ok(number)
        } else {
            Err(invalid())
        }
    };
    Ok((parse(x)?, parse(y)?))
}

fn checked_description(description: &str) -> Result<String> {
    text::within_limit("the description", description, MAX_DESCRIPTION)
}

/// What a member sends with an upload.
#[derive(Debug, Default)]
pub struct Upload {
    pub bytes: Vec<u8>,
    pub description: Option<String>,
    pub focus: Option<String>,
}

/// Stores the files of a processed image under new keys, answering the
/// keys; files of a failed call are removed.
pub(super) async fn store_files(
    ctx: &Context,
    id: i64,
    image: &ProcessedImage,
) -> Result<(String, String)> {
    let file_key = format!("{id}.{}", image.extension);
    let preview_key = format!("{id}-preview.jpg");
    let store = ctx.media.clone();
    let (bytes, preview) = (image.bytes.clone(), image.preview.clone());
    let (file, previewed) = (file_key.clone(), preview_key.clone());
    tokio::task::spawn_blocking(move || -> std::io::Result<()> {
        store.put(&file, &bytes)?;
        if let Err(error) = store.put(&previewed, &preview) {
            let _ = store.delete(&file);
            return Err(error);
        }
        Ok(())
    })
    .await
    .map_err(|e| Error::Internal(e.to_string()))?
    .map_err(|e| Error::Internal(format!("storing media: {e}")))?;
    Ok((file_key, preview_key))
}

/// Removes the files of media rows that are gone, after their transaction.
/// A file that cannot be removed is logged and left: the row is what
/// counts, and an unreferenced file harms no one.
pub async fn remove_files(ctx: &Context, rows: Vec<Media>) {
    let keys: Vec<String> = rows
        .into_iter()
        .flat_map(|row| row.file_key.into_iter().chain(row.preview_key))
        .collect();
    remove_keys(ctx, keys).await;
}

/// Removes stored files by key, logging (and leaving) those that resist.
pub(super) async fn remove_keys(ctx: &Context, keys: Vec<String>) {
    if keys.is_empty() {
        return;
    }
    let store = ctx.media.clone();
    let _ = tokio::task::spawn_blocking(move || {
        for key in keys {
            if let Err(error) = store.delete(&key) {
                tracing::warn!(%key, %error, "could not remove a media file");
            }
        }
    })
    .await;
}

pub(super) async fn process(bytes: Vec<u8>, fit: Option<(u32, u32)>) -> Result<ProcessedImage> {
    tokio::task::spawn_blocking(move || process_image(&bytes, fit))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}

fn row_for(
    id: i64,
    account_id: i64,
    role: &str,
    image: &ProcessedImage,
    keys: (String, String),
) -> Media {
    Media {
        id,
        account_id,
        role: role.to_string(),
        status_id: None,
        position: 0,
        kind: "image".into(),
        content_type: image.content_type.into(),
        file_key: Some(keys.0),
        preview_key: Some(keys.1),
        remote_url: None,
        file_size: image.bytes.len() as i64,
        width: i32::try_from(image.width).ok(),
        height: i32::try_from(image.height).ok(),
        preview_width: i32::try_from(image.preview_width).ok(),
        preview_height: i32::try_from(image.preview_height).ok(),
        blurhash: Some(image.blurhash.clone()),
        description: String::new(),
        focus_x: 0.0,
        focus_y: 0.0,
        created_at: db::now(),
        cache_attempted_at: None,
        cached_bytes: 0,
    }
}

/// An upload for a status to come: checked, processed and stored.
pub async fn upload(ctx: &Context, account: &Account, upload: Upload) -> Result<Media> {
    let description = upload
        .description
        .as_deref()
        .map(checked_description)
        .transpose()?
        .unwrap_or_default();
    let focus = upload
        .focus
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(parse_focus)
        .transpose()?
        .unwrap_or((0.0, 0.0));
    let image = process(upload.bytes, None).await?;
    let id = next_id();
    let keys = store_files(ctx, id, &image).await?;
    let mut row = row_for(id, account.id, ATTACHMENT, &image, keys);
    row.description = description;
    (row.focus_x, row.focus_y) = focus;
    let inserted = row.clone();
    if let Err(error) = ctx
        .db
        .write(move |conn| Ok::<_, Error>(store::insert(conn, &inserted)?))
        .await
    {
        remove_files(ctx, vec![row]).await;
        return Err(error);
    }
    Ok(row)
}

/// One of the member's own uploads.
pub async fn own(ctx: &Context, account: &Account, id: i64) -> Result<Media> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| {
            store::by_id(conn, id)?
                .filter(|m| m.account_id == account_id && m.role == ATTACHMENT)
                .ok_or_else(Error::not_found)
        })
        .await
}

/// Changes the description or focal point of one of the member's uploads.
pub async fn describe(
    ctx: &Context,
    account: &Account,
    id: i64,
    description: Option<String>,
    focus: Option<String>,
) -> Result<Media> {
    let current = own(ctx, account, id).await?;
    let description = match description {
        Some(text) => checked_description(&text)?,
        None => current.description.clone(),
    };
    let focus = match focus.as_deref().filter(|f| !f.trim().is_empty()) {
        Some(text) => parse_focus(text)?,
        None => (current.focus_x, current.focus_y),
    };
    ctx.db
        .write(move |conn| Ok(store::describe(conn, id, &description, focus)?))
        .await
}

/// Checks, inside a status's transaction, that `ids` are the author's own
/// uploads that no status has taken, at most four.
pub fn check_attachable(conn: &mut DbConnection, author_id: i64, ids: &[i64]) -> Result<()> {
    if ids.len() > MAX_ATTACHMENTS {
        return Err(Error::Validation(format!(
            "a status takes at most {MAX_ATTACHMENTS} attachments"
        )));
    }
    for id in ids {
        let usable = store::by_id(conn, *id)?.is_some_and(|m| {
            m.account_id == author_id && m.role == ATTACHMENT && m.status_id.is_none()
        });
        if !usable {
            return Err(Error::Validation(format!(
                "media {id} is not an upload of yours waiting for a status"
            )));
        }
    }
    Ok(())
}

/// Makes `ids` a member's status's attachments, in order, on an edit:
/// each is one it shows already or an upload of the author's that no
/// status has taken. Answers the attachments it no longer shows, removed,
/// whose files go once the transaction is written.
pub fn replace_attachments(
    conn: &mut DbConnection,
    status: &crate::db::models::Status,
    ids: &[i64],
) -> Result<Vec<Media>> {
    let current = store::of_statuses(conn, &[status.id])?;
    let added: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !current.iter().any(|m| m.id == *id))
        .collect();
    if ids.len() > MAX_ATTACHMENTS {
        return Err(Error::Validation(format!(
            "a status takes at most {MAX_ATTACHMENTS} attachments"
        )));
    }
    let distinct: std::collections::BTreeSet<&i64> = ids.iter().collect();
    if distinct.len() != ids.len() {
        return Err(Error::Validation(
            "each attachment can be shown once".into(),
        ));
    }
    check_attachable(conn, status.account_id, &added)?;
    if !ids.is_empty() && crate::db::polls::by_status(conn, status.id)?.is_some() {
        return Err(Error::Validation(
            "A status cannot have both media and a poll".into(),
        ));
    }
    let dropped: Vec<Media> = current
        .into_iter()
        .filter(|m| !ids.contains(&m.id))
        .collect();
    store::delete(conn, &dropped.iter().map(|m| m.id).collect::<Vec<_>>())?;
    store::attach(conn, status.id, ids)?;
    Ok(dropped)
}

/// An avatar or header made from an uploaded image: processed and its
/// files stored, its row not yet written (see [`install_profile_image`]),
/// so that a profile change is checked whole before anything is written.
pub async fn prepare_profile_image(
    ctx: &Context,
    account: &Account,
    role: &'static str,
    bytes: Vec<u8>,
) -> Result<Media> {
    let fit = if role == AVATAR {
        AVATAR_BOX
    } else {
        HEADER_BOX
    };
    let image = process(bytes, Some(fit)).await?;
    let id = next_id();
    let keys = store_files(ctx, id, &image).await?;
    Ok(row_for(id, account.id, role, &image, keys))
}

/// Makes a prepared image the account's avatar or header, in the caller's
/// transaction; answers the rows it replaced, whose files the caller
/// removes once the transaction is written.
pub fn install_profile_image(conn: &mut DbConnection, image: &Media) -> Result<Vec<Media>> {
    let old = store::take_role(conn, image.account_id, &image.role)?;
    store::insert(conn, image)?;
    Ok(old)
}

/// The kind Mastodon gives media of this type.
fn kind_of(media_type: &str, object_type: &str) -> &'static str {
    match (
        media_type.split('/').next().unwrap_or_default(),
        object_type,
    ) {
        ("image", _) | (_, "Image") => "image",
        ("video", _) | (_, "Video") => "video",
        ("audio", _) | (_, "Audio") => "audio",
        _ => "unknown",
    }
}

/// The URL of a remote attachment: `url` as a string, a `Link`, or a list
/// of them (Pleroma), with its media type when the Link gives one.
fn remote_location(item: &serde_json::Value) -> Option<(String, Option<String>)> {
    let url = item.get("url").or_else(|| item.get("href"))?;
    let link = match url {
        serde_json::Value::Array(links) => links.first()?,
        other => other,
    };
    let (href, media_type) = match link {
        serde_json::Value::String(href) => (href.clone(), None),
        serde_json::Value::Object(link) => (
            link.get("href")?.as_str()?.to_string(),
            link.get("mediaType")
                .and_then(|m| m.as_str())
                .map(String::from),
        ),
        _ => return None,
    };
    let parsed = url::Url::parse(&href).ok()?;
    matches!(parsed.scheme(), "http" | "https").then_some((href, media_type))
}

/// A remote attachment (or avatar) as a row, when it names a usable URL.
fn remote_row(account_id: i64, role: &str, item: &serde_json::Value) -> Option<Media> {
    let (url, link_type) = remote_location(item)?;
    let object_type = item
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or_default();
    let media_type = item
        .get("mediaType")
        .and_then(|m| m.as_str())
        .map(String::from)
        .or(link_type)
        .unwrap_or_default();
    let number = |key: &str| {
        item.get(key)
            .and_then(|v| v.as_i64())
            .and_then(|v| i32::try_from(v).ok())
            .filter(|v| *v > 0)
    };
    let focus = item
        .get("focalPoint")
        .and_then(|f| f.as_array())
        .and_then(|f| Some((f.first()?.as_f64()?, f.get(1)?.as_f64()?)))
        .filter(|(x, y)| (-1.0..=1.0).contains(x) && (-1.0..=1.0).contains(y))
        .unwrap_or((0.0, 0.0));
    let description: String = item
        .get("name")
        .or_else(|| item.get("summary"))
        .and_then(|n| n.as_str())
        .unwrap_or_default()
        .chars()
        .take(MAX_DESCRIPTION)
        .collect();
    let blurhash = item
        .get("blurhash")
        .and_then(|b| b.as_str())
        .filter(|b| b.len() <= 100 && b.chars().all(|c| c.is_ascii_graphic()))
        .map(String::from);
    Some(Media {
        id: next_id(),
        account_id,
        role: role.to_string(),
        status_id: None,
        position: 0,
        kind: kind_of(&media_type, object_type).into(),
        content_type: media_type.chars().take(100).collect(),
        file_key: None,
        preview_key: None,
        remote_url: Some(url),
        file_size: 0,
        width: number("width"),
        height: number("height"),
        preview_width: None,
        preview_height: None,
        blurhash,
        description,
        focus_x: focus.0,
        focus_y: focus.1,
        created_at: db::now(),
        cache_attempted_at: None,
        cached_bytes: 0,
    })
}

/// Records the attachments of a remote status (replacing those it had,
/// for an edit), unless the server's media is rejected here.
pub fn record_remote_attachments(
    conn: &mut DbConnection,
    status: &crate::db::models::Status,
    attachments: &[serde_json::Value],
    media_rejected: bool,
) -> Result<()> {
    let mut old = store::take_of_status(conn, status.id)?;
    if media_rejected {
        return Ok(());
    }
    let rows = attachments
        .iter()
        .filter_map(|item| remote_row(status.account_id, ATTACHMENT, item))
        .take(MAX_REMOTE_ATTACHMENTS);
    for (position, mut row) in rows.enumerate() {
        row.status_id = Some(status.id);
        row.position = position as i32;
        keep_earlier_copy(&mut row, &mut old);
        store::insert(conn, &row)?;
    }
    Ok(())
}

/// Gives a new row of remote media the id and cached copy of the row it
/// replaces when both name the same URL, so an edit or a refetched actor
/// does not fetch its images again. The files stay named for that id,
/// which is what the sweep of unnamed files reads.
fn keep_earlier_copy(row: &mut Media, earlier: &mut Vec<Media>) {
    let Some(found) = earlier
        .iter()
        .position(|old| old.remote_url.is_some() && old.remote_url == row.remote_url)
    else {
        return;
    };
    let old = earlier.swap_remove(found);
    row.id = old.id;
    row.cache_attempted_at = old.cache_attempted_at;
    if old.file_key.is_some() {
        row.file_key = old.file_key;
        row.preview_key = old.preview_key;
        row.cached_bytes = old.cached_bytes;
        row.width = old.width;
        row.height = old.height;
        row.preview_width = old.preview_width;
        row.preview_height = old.preview_height;
        row.blurhash = old.blurhash;
    }
}

/// Records a remote actor's avatar (`icon`) and header (`image`), each an
/// `Image` or a list of them, replacing what it had.
pub fn record_remote_profile_images(
    conn: &mut DbConnection,
    account_id: i64,
    icon: Option<&serde_json::Value>,
    image: Option<&serde_json::Value>,
    media_rejected: bool,
) -> Result<()> {
    for (role, value) in [(AVATAR, icon), (HEADER, image)] {
        let mut old = store::take_role(conn, account_id, role)?;
        if media_rejected {
            continue;
        }
        let first = match value {
            Some(serde_json::Value::Array(items)) => items.first(),
            other => other,
        };
        if let Some(mut row) = first.and_then(|item| remote_row(account_id, role, item)) {
            keep_earlier_copy(&mut row, &mut old);
            store::insert(conn, &row)?;
        }
    }
    Ok(())
}

/// How long an upload waits for a status before it is removed.
pub const UNATTACHED_LIFETIME: chrono::Duration = chrono::Duration::days(1);

/// Removes uploads no status took within a day; how many went.
pub async fn sweep_unattached(ctx: &Context) -> Result<usize> {
    let before = db::now() - UNATTACHED_LIFETIME;
    let gone = ctx
        .db
        .write(move |conn| {
            let rows = store::unattached_before(conn, before, 500)?;
            let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
            store::delete(conn, &ids)?;
            Ok::<_, Error>(rows)
        })
        .await?;
    let count = gone.len();
    remove_files(ctx, gone).await;
    Ok(count)
}

/// Sweeps unattached uploads, and files no row names, every hour, for as
/// long as the server runs.
pub async fn sweep_forever(ctx: Context) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(60 * 60));
    loop {
        ticks.tick().await;
        match sweep_unattached(&ctx).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "removed uploads no status took"),
            Err(error) => tracing::warn!(%error, "could not sweep unattached uploads"),
        }
        let cutoff = std::time::SystemTime::now() - super::media_cache::ORPHAN_GRACE;
        match super::media_cache::sweep_orphans(&ctx, cutoff).await {
            Ok(0) => {}
            Ok(count) => tracing::info!(count, "removed media files no row names"),
            Err(error) => tracing::warn!(%error, "could not sweep unnamed media files"),
        }
    }
}

/// The address members load a media file from: this server's copy when
/// there is one (an upload, or cached remote media), else the remote URL.
pub fn file_url(urls: &super::urls::Urls, media: &Media) -> String {
    match (&media.file_key, &media.remote_url) {
        (Some(key), _) => urls.media(key),
        (None, Some(remote)) => remote.clone(),
        (None, None) => String::new(),
    }
}

/// The address other servers are given: where the media came from, so a
/// copy here is never passed off as the original.
pub fn origin_url(urls: &super::urls::Urls, media: &Media) -> String {
    match &media.remote_url {
        Some(remote) => remote.clone(),
        None => file_url(urls, media),
    }
}

/// The address of a preview: the stored preview, else the file itself.
pub fn preview_url(urls: &super::urls::Urls, media: &Media) -> String {
    match &media.preview_key {
        Some(key) => urls.media(key),
        None => file_url(urls, media),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_with_exif(width: u32, height: u32, exif: Vec<u8>) -> Vec<u8> {
        use image::ImageEncoder;
        let picture = image::RgbImage::from_fn(width, height, |x, _| {
            image::Rgb([if x < width / 2 { 250 } else { 10 }, 80, 80])
        });
        let mut out = Vec::new();
        let mut encoder = JpegEncoder::new_with_quality(&mut out, 90);
        encoder.set_exif_metadata(exif).unwrap();
        encoder
            .write_image(
                picture.as_raw(),
                width,
                height,
                image::ExtendedColorType::Rgb8,
            )
            .unwrap();
        out
    }

    /// A little-endian TIFF block with an ImageDescription (standing for
    /// the GPS position a phone writes) and an Orientation.
    fn exif(secret: &str, orientation: u16) -> Vec<u8> {
        let text = format!("{secret}\0");
        let mut tiff = b"II*\0".to_vec();
        tiff.extend(8u32.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        let data_offset = 8 + 2 + 2 * 12 + 4;
        tiff.extend(0x010Eu16.to_le_bytes());
        tiff.extend(2u16.to_le_bytes());
        tiff.extend((text.len() as u32).to_le_bytes());
        tiff.extend((data_offset as u32).to_le_bytes());
        tiff.extend(0x0112u16.to_le_bytes());
        tiff.extend(3u16.to_le_bytes());
        tiff.extend(1u32.to_le_bytes());
        tiff.extend(u32::from(orientation).to_le_bytes());
        tiff.extend(0u32.to_le_bytes());
        tiff.extend(text.as_bytes());
        tiff
    }

    #[test]
    fn uploads_lose_their_metadata_and_stand_upright() {
        let secret = "GPS 51.5072N 0.1276W";
        let original = jpeg_with_exif(40, 20, exif(secret, 6));
        assert!(
            original
                .windows(secret.len())
                .any(|w| w == secret.as_bytes())
        );
        let processed = process_image(&original, None).unwrap();
        assert_eq!(processed.content_type, "image/jpeg");
        // Orientation 6 turns the picture a quarter: 40×20 becomes 20×40.
        assert_eq!((processed.width, processed.height), (20, 40));
        for file in [&processed.bytes, &processed.preview] {
            assert!(!file.windows(secret.len()).any(|w| w == secret.as_bytes()));
            assert!(!file.windows(4).any(|w| w == b"Exif"));
        }
        assert!(!processed.blurhash.is_empty());
    }

    #[test]
    fn anything_but_an_image_is_refused_with_a_reason() {
        for bytes in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'/>"[..],
            b"%PDF-1.7",
            b"",
        ] {
            let error = process_image(bytes, None).unwrap_err();
            assert!(error.to_string().contains("not an image"), "{error}");
        }
        let truncated = &jpeg_with_exif(40, 20, Vec::new())[..200];
        assert!(process_image(truncated, None).is_err());
    }

    #[test]
    fn avatars_are_scaled_into_their_box_and_pngs_stay_png() {
        let picture = image::RgbaImage::from_pixel(1200, 600, image::Rgba([0, 0, 0, 0]));
        let mut png = Vec::new();
        DynamicImage::ImageRgba8(picture)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let avatar = process_image(&png, Some(AVATAR_BOX)).unwrap();
        assert_eq!(avatar.content_type, "image/png");
        assert_eq!((avatar.width, avatar.height), (400, 200));
        assert!((avatar.preview_width, avatar.preview_height) <= (400, 200));
    }

    /// An upload no status took is removed, files and row, once a day has
    /// passed; a newer one and an attached one stay.
    #[tokio::test(flavor = "multi_thread")]
    async fn uploads_no_status_took_are_swept_after_a_day() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("sweep.db").display());
        let database = crate::db::Database::open(&url, 2).unwrap();
        let config = crate::config::Config {
            media_dir: dir.path().join("media"),
            ..Default::default()
        };
        let ctx = Context::new(database, config);
        let member = super::super::accounts::new_local_actor(&ctx.urls, "ann", "Person").unwrap();
        let image = process_image(&jpeg_with_exif(8, 8, Vec::new()), None).unwrap();
        let mut rows = Vec::new();
        for age_hours in [30, 2, 30] {
            let id = next_id();
            let keys = store_files(&ctx, id, &image).await.unwrap();
            let mut row = row_for(id, member.id, ATTACHMENT, &image, keys);
            row.created_at = db::now() - chrono::Duration::hours(age_hours);
            rows.push(row);
        }
        let (inserted, member_row) = (rows.clone(), member.clone());
        ctx.db
            .write(move |conn| {
                crate::db::accounts::insert(conn, &member_row)?;
                for row in &inserted {
                    store::insert(conn, row)?;
                }
                // The third is attached: a status holds it.
                let id = next_id();
                let status = crate::db::models::Status {
                    reblog_of_id: None,
                    ..crate::db::models::Status::boost(
                        id,
                        format!("{}/statuses/{id}", member_row.ap_id),
                        member_row.id,
                        true,
                        0,
                        db::now(),
                    )
                };
                crate::db::statuses::insert(conn, &status)?;
                store::attach(conn, status.id, &[inserted[2].id])?;
                Ok::<_, Error>(())
            })
            .await
            .unwrap();
        assert_eq!(sweep_unattached(&ctx).await.unwrap(), 1);
        let exists = |row: &Media| {
            ctx.media
                .get(row.file_key.as_ref().unwrap())
                .unwrap()
                .is_some()
        };
        assert!(!exists(&rows[0]));
        assert!(
            ctx.media
                .get(rows[0].preview_key.as_ref().unwrap())
                .unwrap()
                .is_none()
        );
        assert!(exists(&rows[1]) && exists(&rows[2]));
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let left = ctx
            .db
            .read(move |conn| {
                let mut left = Vec::new();
                for id in ids {
                    left.push(store::by_id(conn, id)?.is_some());
                }
                Ok::<_, Error>(left)
            })
            .await
            .unwrap();
        assert_eq!(left, [false, true, true]);
    }

    #[test]
    fn focus_is_two_numbers_within_one() {
        assert_eq!(parse_focus("-0.5,1").unwrap(), (-0.5, 1.0));
        for bad in ["", "1", "2,0", "a,b", "0,0,0"] {
            assert!(parse_focus(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn remote_attachments_take_every_shape() {
        let pleroma = serde_json::json!({
            "type": "Document",
            "mediaType": "image/png",
            "name": "a drawing",
            "url": [{"type": "Link", "href": "https://p.example/media/1.png", "mediaType": "image/png"}]
        });
        let row = remote_row(1, ATTACHMENT, &pleroma).unwrap();
        assert_eq!(
            row.remote_url.as_deref(),
            Some("https://p.example/media/1.png")
        );
        assert_eq!(
            (row.kind.as_str(), row.description.as_str()),
            ("image", "a drawing")
        );
        let mastodon = serde_json::json!({
            "type": "Document", "mediaType": "video/mp4", "url": "https://m.example/v.mp4",
            "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", "width": 640, "height": 360,
            "focalPoint": [0.5, -0.25]
        });
        let row = remote_row(1, ATTACHMENT, &mastodon).unwrap();
        assert_eq!(row.kind, "video");
        assert_eq!((row.width, row.height), (Some(640), Some(360)));
        assert_eq!((row.focus_x, row.focus_y), (0.5, -0.25));
        let hostile = serde_json::json!({"type": "Image", "url": "javascript:alert(1)"});
        assert!(remote_row(1, ATTACHMENT, &hostile).is_none());
    }
}
