//! Browser sessions and the sign-ups that wait for an admin.

use super::{
    DbConnection,
    models::{Account, SignUpRequest, User, WebSession},
    schema::{accounts, sign_up_requests, users, web_sessions},
};
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, session: &WebSession) -> QueryResult<()> {
    diesel::insert_into(web_sessions::table)
        .values(session)
        .execute(conn)
        .map(drop)
}

/// The session with this digest and its member, unless it has expired.
pub fn live(
    conn: &mut DbConnection,
    token_hash: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<(WebSession, User, Account)>> {
    web_sessions::table
        .inner_join(users::table.inner_join(accounts::table))
        .filter(web_sessions::token_hash.eq(token_hash))
        .filter(web_sessions::expires_at.gt(now))
        .select((
            WebSession::as_select(),
            User::as_select(),
            Account::as_select(),
        ))
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.find(token_hash)).execute(conn)
}

/// Ends every session of `user_id` but the one whose digest is `keep`.
pub fn delete_others(conn: &mut DbConnection, user_id: i64, keep: &str) -> QueryResult<usize> {
    diesel::delete(
        web_sessions::table
            .filter(web_sessions::user_id.eq(user_id))
            .filter(web_sessions::token_hash.ne(keep)),
    )
    .execute(conn)
}

pub fn delete_expired(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(web_sessions::table.filter(web_sessions::expires_at.le(now))).execute(conn)
}

pub fn insert_sign_up_request(conn: &mut DbConnection, request: &SignUpRequest) -> QueryResult<()> {
    diesel::insert_into(sign_up_requests::table)
        .values(request)
        .execute(conn)
        .map(drop)
}

/// Members whose sign-up waits for approval, oldest first, with the reason
/// they gave (sign-ups through the API may give none).
pub fn waiting(
    conn: &mut DbConnection,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(User, Account, Option<SignUpRequest>)>> {
    users::table
        .inner_join(accounts::table.left_join(sign_up_requests::table))
        .filter(users::approved.eq(false))
        .filter(accounts::deleted_at.is_null())
        .order((users::created_at.asc(), users::id.asc()))
        .limit(limit)
        .offset(offset)
        .select((
            User::as_select(),
            Account::as_select(),
            Option::<SignUpRequest>::as_select(),
        ))
        .load(conn)
}

/// Records that an admin turned the sign-up of `account_id` down, keeping
/// the reason the applicant gave when there was one.
pub fn turn_down(
    conn: &mut DbConnection,
    account_id: i64,
    message: &str,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let updated = diesel::update(sign_up_requests::table.find(account_id))
        .set((
            sign_up_requests::turned_down_at.eq(Some(now)),
            sign_up_requests::message.eq(Some(message)),
        ))
        .execute(conn)?;
    if updated == 0 {
        insert_sign_up_request(
            conn,
            &SignUpRequest {
                account_id,
                reason: String::new(),
                created_at: now,
                turned_down_at: Some(now),
                message: Some(message.to_string()),
            },
        )?;
    }
    Ok(())
}

/// The turned-down sign-up whose username or email is `login`, with the
/// login that made it (to check the password before telling anyone why).
pub fn turned_down_for_login(
    conn: &mut DbConnection,
    login: &str,
) -> QueryResult<Option<(User, SignUpRequest)>> {
    let login = login.to_lowercase();
    users::table
        .inner_join(accounts::table.inner_join(sign_up_requests::table))
        .filter(
            users::email
                .eq(&login)
                .or(super::accounts::lower(accounts::username).eq(&login)),
        )
        .filter(accounts::local.eq(true))
        .filter(sign_up_requests::turned_down_at.is_not_null())
        .order(sign_up_requests::turned_down_at.desc())
        .select((User::as_select(), SignUpRequest::as_select()))
        .first(conn)
        .optional()
}
