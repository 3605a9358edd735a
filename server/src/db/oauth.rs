//! Members' logins, OAuth applications and access tokens. Secrets are stored
//! as SHA-256 digests: a leaked database does not leak working tokens.

use super::id_lists::one_of;
use super::{
    DbConnection,
    models::{Account, OAuthApp, OAuthAuthorization, OAuthToken, User},
    schema::{accounts, oauth_apps, oauth_authorizations, oauth_tokens, users},
};
use diesel::prelude::*;

pub fn insert_user(conn: &mut DbConnection, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(drop)
}

/// The user and account whose email or username matches `login`.
pub fn user_by_login(conn: &mut DbConnection, login: &str) -> QueryResult<Option<(User, Account)>> {
    let login = login.to_lowercase();
    users::table
        .inner_join(accounts::table)
        .filter(
            users::email
                .eq(&login)
                .or(super::accounts::lower(accounts::username).eq(&login)),
        )
        .filter(accounts::local.eq(true))
        .filter(accounts::deleted_at.is_null())
        .select((User::as_select(), Account::as_select()))
        .first(conn)
        .optional()
}

pub fn user_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(User, Account)>> {
    users::table
        .inner_join(accounts::table)
        .filter(users::id.eq(id))
        .select((User::as_select(), Account::as_select()))
        .first(conn)
        .optional()
}

pub fn insert_app(conn: &mut DbConnection, app: &OAuthApp) -> QueryResult<()> {
    diesel::insert_into(oauth_apps::table)
        .values(app)
        .execute(conn)
        .map(drop)
}

pub fn app_by_client_id(conn: &mut DbConnection, client_id: &str) -> QueryResult<Option<OAuthApp>> {
    oauth_apps::table
        .filter(oauth_apps::client_id.eq(client_id))
        .first(conn)
        .optional()
}

pub fn app_by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<OAuthApp>> {
    oauth_apps::table.find(id).first(conn).optional()
}

pub fn insert_token(conn: &mut DbConnection, token: &OAuthToken) -> QueryResult<()> {
    diesel::insert_into(oauth_tokens::table)
        .values(token)
        .execute(conn)
        .map(drop)
}

pub fn live_token_by_hash(
    conn: &mut DbConnection,
    token_hash: &str,
) -> QueryResult<Option<OAuthToken>> {
    oauth_tokens::table
        .filter(oauth_tokens::token_hash.eq(token_hash))
        .filter(oauth_tokens::revoked_at.is_null())
        .first(conn)
        .optional()
}

pub fn insert_authorization(
    conn: &mut DbConnection,
    authorization: &OAuthAuthorization,
) -> QueryResult<()> {
    diesel::insert_into(oauth_authorizations::table)
        .values(authorization)
        .execute(conn)
        .map(drop)
}

/// Removes and returns the authorization with this code: codes are single use.
pub fn take_authorization(
    conn: &mut DbConnection,
    code_hash: &str,
) -> QueryResult<Option<OAuthAuthorization>> {
    let found: Option<OAuthAuthorization> = oauth_authorizations::table
        .find(code_hash)
        .first(conn)
        .optional()?;
    if found.is_some() {
        diesel::delete(oauth_authorizations::table.find(code_hash)).execute(conn)?;
    }
    Ok(found)
}

pub fn live_token_by_refresh_hash(
    conn: &mut DbConnection,
    refresh_hash: &str,
) -> QueryResult<Option<OAuthToken>> {
    oauth_tokens::table
        .filter(oauth_tokens::refresh_token_hash.eq(refresh_hash))
        .filter(oauth_tokens::revoked_at.is_null())
        .first(conn)
        .optional()
}

/// Revokes the token of `app_id` whose access or refresh hash matches.
pub fn revoke(conn: &mut DbConnection, app_id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(
        oauth_tokens::table
            .filter(oauth_tokens::app_id.eq(app_id))
            .filter(
                oauth_tokens::token_hash
                    .eq(hash)
                    .or(oauth_tokens::refresh_token_hash.eq(hash)),
            ),
    )
    .set(oauth_tokens::revoked_at.eq(Some(super::now())))
    .execute(conn)
}

pub fn approve_user(conn: &mut DbConnection, account_id: i64) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::account_id.eq(account_id)))
        .set(users::approved.eq(true))
        .execute(conn)
}

/// Which of `account_ids` belong to members whose sign-up was approved.
pub fn approved_among(conn: &mut DbConnection, account_ids: &[i64]) -> QueryResult<Vec<i64>> {
    users::table
        .filter(one_of(users::account_id, account_ids))
        .filter(users::approved.eq(true))
        .select(users::account_id)
        .load(conn)
}

pub fn user_by_account(conn: &mut DbConnection, account_id: i64) -> QueryResult<Option<User>> {
    users::table
        .filter(users::account_id.eq(account_id))
        .first(conn)
        .optional()
}

pub fn set_password_hash(conn: &mut DbConnection, user_id: i64, hash: &str) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::password_hash.eq(hash))
        .execute(conn)
}

/// Local members with their logins, by username, optionally only those
/// whose username or email contains `search`.
pub fn members(
    conn: &mut DbConnection,
    search: Option<&str>,
    limit: i64,
    offset: i64,
) -> QueryResult<Vec<(User, Account)>> {
    let mut query = users::table
        .inner_join(accounts::table)
        .filter(accounts::local.eq(true))
        .filter(accounts::deleted_at.is_null())
        .select((User::as_select(), Account::as_select()))
        .order(accounts::username.asc())
        .limit(limit)
        .offset(offset)
        .into_boxed();
    if let Some(search) = search {
        let pattern = format!(
            "%{}%",
            super::statuses::like_escaped(&search.to_lowercase())
        );
        query = query.filter(
            super::accounts::lower(accounts::username)
                .like(pattern.clone())
                .escape('\\')
                .or(users::email.like(pattern).escape('\\')),
        );
    }
    query.load(conn)
}

pub fn set_admin(conn: &mut DbConnection, account_id: i64, admin: bool) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::account_id.eq(account_id)))
        .set(users::admin.eq(admin))
        .execute(conn)
}

pub fn set_weaver(conn: &mut DbConnection, account_id: i64, weaver: bool) -> QueryResult<usize> {
    diesel::update(users::table.filter(users::account_id.eq(account_id)))
        .set(users::weaver.eq(weaver))
        .execute(conn)
}

/// Weavers and admins, by username.
pub fn weavers(conn: &mut DbConnection) -> QueryResult<Vec<(User, Account)>> {
    users::table
        .inner_join(accounts::table)
        .filter(users::weaver.eq(true).or(users::admin.eq(true)))
        .filter(accounts::deleted_at.is_null())
        .select((User::as_select(), Account::as_select()))
        .order(accounts::username.asc())
        .load(conn)
}

pub fn set_introductions_digest(
    conn: &mut DbConnection,
    user_id: i64,
    wanted: bool,
) -> QueryResult<usize> {
    diesel::update(users::table.find(user_id))
        .set(users::introductions_digest.eq(wanted))
        .execute(conn)
}

/// Members who can log in (approved, not suspended, log-in not
/// disabled), oldest first; with `digest_readers_only`, only those who did
/// not turn the introductions digest off.
pub fn active_members(
    conn: &mut DbConnection,
    digest_readers_only: bool,
) -> QueryResult<Vec<Account>> {
    use super::schema::account_moderation;
    let mut query = users::table
        .inner_join(accounts::table)
        .left_join(account_moderation::table.on(account_moderation::account_id.eq(accounts::id)))
        .filter(users::approved.eq(true))
        .filter(accounts::local.eq(true))
        .filter(accounts::actor_type.eq("Person"))
        .filter(accounts::deleted_at.is_null())
        .filter(account_moderation::suspended_at.is_null())
        .filter(
            account_moderation::login_disabled
                .is_null()
                .or(account_moderation::login_disabled.eq(false)),
        )
        .select(Account::as_select())
        .order(accounts::id.asc())
        .into_boxed();
    if digest_readers_only {
        query = query.filter(users::introductions_digest.eq(true));
    }
    query.load(conn)
}
