//! Media rows: status attachments, avatars and headers.

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
        .filter(media::status_id.eq_any(status_ids))
        .order((media::status_id.asc(), media::position.asc()))
        .load(conn)
}

/// The avatars and headers of the given accounts.
pub fn images_of_accounts(conn: &mut DbConnection, account_ids: &[i64]) -> QueryResult<Vec<Media>> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    media::table
        .filter(media::account_id.eq_any(account_ids))
        .filter(media::role.eq_any([AVATAR, HEADER]))
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
    diesel::delete(media::table.filter(media::id.eq_any(ids))).execute(conn)
}
