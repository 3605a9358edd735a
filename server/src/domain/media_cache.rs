//! The cache of other servers' media: copies made here (by the fetcher in
//! `federation::media_cache`) so that members' browsers load images from
//! this server rather than from every server a post came from, and keep
//! showing them when those servers go away.
//!
//! A copy goes through the upload pipeline, so it is re-encoded and
//! stripped like an upload. The copies together stay under
//! `media_cache_mib`: the oldest go first, and their media is shown from
//! its server again. Files no row names any more (a remote status deleted
//! or edited, an account gone) are removed by an hourly sweep.

use super::{
    Context,
    media::{self, AVATAR, AVATAR_BOX, HEADER, HEADER_BOX, Media},
};
use crate::{
    db::{self, media as store},
    error::{Error, Result},
};
use std::{collections::HashSet, time::SystemTime};

/// How long a stored file may go unnamed by a row before the sweep
/// removes it: uploads and copies write their files a moment before their
/// rows.
pub const ORPHAN_GRACE: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// Whether a copy of this media is worth making: images only (videos and
/// audio are shown from their servers).
pub fn wanted(row: &Media) -> bool {
    row.remote_url.is_some() && row.kind == "image"
}

/// Remote media no copy was tried for yet.
pub async fn waiting(ctx: &Context, limit: i64) -> Result<Vec<Media>> {
    ctx.db
        .read(move |conn| Ok::<_, Error>(store::cache_queue(conn, limit)?))
        .await
}

/// Takes `row` for copying; false when another worker or process has.
pub async fn claim(ctx: &Context, row: &Media) -> Result<bool> {
    let (id, now) = (row.id, db::now());
    ctx.db
        .write(move |conn| Ok::<_, Error>(store::claim_for_cache(conn, id, now)?))
        .await
}

/// Makes a copy of `row` from the bytes its server sent: processed as an
/// upload is (avatars and headers into their boxes), stored, and recorded
/// on the row. Answers whether the copy was kept: a row that is gone, or
/// names another URL now, keeps none, and the files are removed.
pub async fn keep_copy(ctx: &Context, row: &Media, bytes: Vec<u8>) -> Result<bool> {
    let Some(remote_url) = row.remote_url.clone() else {
        return Ok(false);
    };
    let fit = match row.role.as_str() {
        AVATAR => Some(AVATAR_BOX),
        HEADER => Some(HEADER_BOX),
        _ => None,
    };
    let image = media::process(bytes, fit).await?;
    let (file_key, preview_key) = media::store_files(ctx, row.id, &image).await?;
    let copy = store::CachedCopy {
        bytes: (image.bytes.len() + image.preview.len()) as i64,
        width: i32::try_from(image.width).unwrap_or(i32::MAX),
        height: i32::try_from(image.height).unwrap_or(i32::MAX),
        preview_width: i32::try_from(image.preview_width).unwrap_or(i32::MAX),
        preview_height: i32::try_from(image.preview_height).unwrap_or(i32::MAX),
        blurhash: image.blurhash.clone(),
        file_key,
        preview_key,
    };
    let id = row.id;
    let keys = [copy.file_key.clone(), copy.preview_key.clone()];
    let kept = ctx
        .db
        .write(move |conn| Ok::<_, Error>(store::record_cached(conn, id, &remote_url, &copy)?))
        .await?;
    if !kept {
        media::remove_keys(ctx, keys.to_vec()).await;
    }
    Ok(kept)
}

/// Drops the oldest copies until the cache is within its bound; answers
/// how many went.
pub async fn evict_over_bound(ctx: &Context) -> Result<usize> {
    let bound =
        i64::try_from(ctx.config.media_cache_mib.saturating_mul(1024 * 1024)).unwrap_or(i64::MAX);
    let mut evicted = 0;
    loop {
        let gone = ctx
            .db
            .write(move |conn| {
                let mut over = store::cached_total(conn)? - bound;
                if over <= 0 {
                    return Ok::<_, Error>(Vec::new());
                }
                let mut gone = Vec::new();
                for row in store::oldest_cached(conn, 64)? {
                    over -= row.cached_bytes;
                    gone.push(row);
                    if over <= 0 {
                        break;
                    }
                }
                let ids: Vec<i64> = gone.iter().map(|row| row.id).collect();
                store::forget_cached(conn, &ids)?;
                Ok(gone)
            })
            .await?;
        if gone.is_empty() {
            return Ok(evicted);
        }
        evicted += gone.len();
        media::remove_files(ctx, gone).await;
    }
}

/// The row id a store key was made for (`<id>.<ext>`, `<id>-preview.jpg`).
fn id_of_key(key: &str) -> Option<i64> {
    key.split(['.', '-']).next()?.parse().ok()
}

/// Removes stored files written before `cutoff` that no row names; answers
/// how many went. Keys this server did not make are left alone.
pub async fn sweep_orphans(ctx: &Context, cutoff: SystemTime) -> Result<usize> {
    let files = ctx.media.clone();
    let keys = tokio::task::spawn_blocking(move || files.keys_written_before(cutoff))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(|e| Error::Internal(format!("listing media files: {e}")))?;
    let mut removed = 0;
    for chunk in keys.chunks(500) {
        let ids: Vec<i64> = chunk
            .iter()
            .filter_map(|key| id_of_key(key))
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let named: HashSet<String> = ctx
            .db
            .read(move |conn| Ok::<_, Error>(store::keys_of(conn, &ids)?))
            .await?
            .into_iter()
            .collect();
        let orphans: Vec<String> = chunk
            .iter()
            .filter(|key| id_of_key(key).is_some() && !named.contains(*key))
            .cloned()
            .collect();
        removed += orphans.len();
        media::remove_keys(ctx, orphans).await;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::ids::next_id;

    #[test]
    fn keys_name_the_row_they_were_made_for() {
        assert_eq!(id_of_key("123.png"), Some(123));
        assert_eq!(id_of_key("123-preview.jpg"), Some(123));
        assert_eq!(id_of_key("notes.txt"), None);
    }

    /// A file no row names goes once it is older than the cutoff; a named
    /// one, a newer one and one this server did not make stay.
    #[tokio::test(flavor = "multi_thread")]
    async fn files_no_row_names_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("orphans.db").display());
        let database = crate::db::Database::open(&url, 2).unwrap();
        let config = crate::config::Config {
            media_dir: dir.path().join("media"),
            ..Default::default()
        };
        let ctx = Context::new(database, config);
        let member = super::super::accounts::new_local_actor(&ctx.urls, "ann", "Person").unwrap();
        let member_row = member.clone();
        ctx.db
            .write(move |conn| {
                crate::db::accounts::insert(conn, &member_row)?;
                Ok::<_, Error>(())
            })
            .await
            .unwrap();
        let mut png = Vec::new();
        image::DynamicImage::new_rgb8(4, 4)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let upload = media::Upload {
            bytes: png,
            ..Default::default()
        };
        let kept = media::upload(&ctx, &member, upload).await.unwrap();
        let orphan = format!("{}.png", next_id());
        ctx.media.put(&orphan, b"left behind").unwrap();
        ctx.media.put("notes.txt", b"an admin's").unwrap();
        let before_any = SystemTime::now() - std::time::Duration::from_secs(60);
        assert_eq!(sweep_orphans(&ctx, before_any).await.unwrap(), 0);
        let after_all = SystemTime::now() + std::time::Duration::from_secs(1);
        assert_eq!(sweep_orphans(&ctx, after_all).await.unwrap(), 1);
        assert!(ctx.media.get(&orphan).unwrap().is_none());
        assert!(ctx.media.get("notes.txt").unwrap().is_some());
        for key in [kept.file_key.unwrap(), kept.preview_key.unwrap()] {
            assert!(ctx.media.get(&key).unwrap().is_some(), "{key}");
        }
    }
}
