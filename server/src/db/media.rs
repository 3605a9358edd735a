//! Media rows: status attachments, avatars and headers.

use super::id_lists::one_of;
use super::{DbConnection, models::Media, schema::media_attachments as media};
use diesel::prelude::*;

pub const ATTACHMENT: &str = "attachment";
pub const AVATAR: &str = "avatar";
pub const HEADER: &str = "header";

pub fn insert(conn: &mut DbConnection, row: &Media) -> QueryResult<()> {
    diesel::insert_into(media::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<Media>> {
    media::table.find(id).first(conn).optional()
}

/// Sets the description and focal point of an attachment.
pub fn describe(
    conn: &mut DbConnection,
    id: i64,
    description: &str,
    focus: (f64, f64),
) -> QueryResult<Media> {
    diesel::update(media::table.find(id))
        .set((
            media::description.eq(description),
            media::focus_x.eq(focus.0),
            media::focus_y.eq(focus.1),
        ))
        .get_result(conn)
}

/// Gives uploads to a status, in the order given.
pub fn attach(conn: &mut DbConnection, status_id: i64, ids: &[i64]) -> QueryResult<()> {
    for (position, id) in ids.iter().enumerate() {
        diesel::update(media::table.find(id))
            .set((
                media::status_id.eq(status_id),
                media::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The attachments of the given statuses, each status's in order.
pub fn of_statuses(conn: &mut DbConnection, status_ids: &[i64]) -> QueryResult<Vec<Media>> {
    if status_ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(one_of(media::status_id, status_ids))
        .order((media::status_id.asc(), media::position.asc()))
        .load(conn)
}

/// The avatars and headers of the given accounts.
pub fn images_of_accounts(conn: &mut DbConnection, account_ids: &[i64]) -> QueryResult<Vec<Media>> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(one_of(media::account_id, account_ids))
        .filter(media::role.eq(AVATAR).or(media::role.eq(HEADER)))
        .load(conn)
}

/// Removes and returns the account's media in `role` (its old avatar, say).
pub fn take_role(conn: &mut DbConnection, account_id: i64, role: &str) -> QueryResult<Vec<Media>> {
    let rows: Vec<Media> = media::table
        .filter(media::account_id.eq(account_id))
        .filter(media::role.eq(role))
        .load(conn)?;
    diesel::delete(
        media::table
            .filter(media::account_id.eq(account_id))
            .filter(media::role.eq(role)),
    )
    .execute(conn)?;
    Ok(rows)
}

/// Removes and returns a status's attachments.
pub fn take_of_status(conn: &mut DbConnection, status_id: i64) -> QueryResult<Vec<Media>> {
    let rows: Vec<Media> = media::table
        .filter(media::status_id.eq(status_id))
        .load(conn)?;
    diesel::delete(media::table.filter(media::status_id.eq(status_id))).execute(conn)?;
    Ok(rows)
}

/// Uploads no status took, made before `before`, at most `limit` of them.
pub fn unattached_before(
    conn: &mut DbConnection,
    before: chrono::NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Media>> {
    media::table
        .filter(media::status_id.is_null())
        .filter(media::role.eq(ATTACHMENT))
        .filter(media::created_at.lt(before))
        .limit(limit)
        .load(conn)
}

pub fn delete(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::delete(media::table.filter(one_of(media::id, ids))).execute(conn)
}

/// Remote media no copy was tried for yet, oldest first.
pub fn cache_queue(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Media>> {
    media::table
        .filter(media::remote_url.is_not_null())
        .filter(media::cache_attempted_at.is_null())
        .order(media::id.asc())
        .limit(limit)
        .load(conn)
}

/// Marks a copy of `id` as tried; false when another worker (or process)
/// took it first, or the row is gone.
pub fn claim_for_cache(
    conn: &mut DbConnection,
    id: i64,
    now: chrono::NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        media::table
            .find(id)
            .filter(media::cache_attempted_at.is_null()),
    )
    .set(media::cache_attempted_at.eq(now))
    .execute(conn)
    .map(|updated| updated == 1)
}

/// What a copy of remote media gives its row.
#[derive(Debug)]
pub struct CachedCopy {
    pub file_key: String,
    pub preview_key: String,
    pub bytes: i64,
    pub width: i32,
    pub height: i32,
    pub preview_width: i32,
    pub preview_height: i32,
    pub blurhash: String,
}

/// Records the copy of `id`, unless the row is gone or now names another
/// URL (an edit came in while it was fetched); false then, and the caller
/// removes the files.
pub fn record_cached(
    conn: &mut DbConnection,
    id: i64,
    remote_url: &str,
    copy: &CachedCopy,
) -> QueryResult<bool> {
    diesel::update(
        media::table
            .find(id)
            .filter(media::remote_url.eq(remote_url))
            .filter(media::file_key.is_null()),
    )
    .set((
        media::file_key.eq(&copy.file_key),
        media::preview_key.eq(&copy.preview_key),
        media::cached_bytes.eq(copy.bytes),
        media::width.eq(copy.width),
        media::height.eq(copy.height),
        media::preview_width.eq(copy.preview_width),
        media::preview_height.eq(copy.preview_height),
        media::blurhash.eq(&copy.blurhash),
    ))
    .execute(conn)
    .map(|updated| updated == 1)
}

/// Bytes held by cached copies of remote media.
pub fn cached_total(conn: &mut DbConnection) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Total {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
    }
    // A plain query: diesel types PostgreSQL's SUM of a BIGINT as NUMERIC.
    diesel::sql_query(
        "SELECT CAST(COALESCE(SUM(cached_bytes), 0) AS BIGINT) AS total \
         FROM media_attachments WHERE remote_url IS NOT NULL AND file_key IS NOT NULL",
    )
    .get_result::<Total>(conn)
    .map(|row| row.total)
}

/// The oldest cached copies, the first to go when the cache is full.
pub fn oldest_cached(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<Media>> {
    media::table
        .filter(media::remote_url.is_not_null())
        .filter(media::file_key.is_not_null())
        .order((media::cache_attempted_at.asc(), media::id.asc()))
        .limit(limit)
        .load(conn)
}

/// Drops the copies of `ids`: they are shown from their servers again.
pub fn forget_cached(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<usize> {
    diesel::update(
        media::table
            .filter(one_of(media::id, ids))
            .filter(media::remote_url.is_not_null()),
    )
    .set((
        media::file_key.eq(None::<String>),
        media::preview_key.eq(None::<String>),
        media::cached_bytes.eq(0),
    ))
    .execute(conn)
}

/// The store keys rows among `ids` name (files and previews).
pub fn keys_of(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Option<String>, Option<String>)> = media::table
        .filter(one_of(media::id, ids))
        .select((media::file_key, media::preview_key))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .flat_map(|(file, preview)| file.into_iter().chain(preview))
        .collect())
}
