//! Browser sessions for Trellis's own pages: logging in and out, and
//! changing a password. A session lives in the database, so a log-out on
//! one process ends it on all of them; the browser holds only a random
//! token whose digest is the session's key.

use super::{Account, Context, User, accounts};
use crate::{
    crypto,
    db::{self, models::WebSession, sessions as db_sessions},
    error::{Error, Result},
};

/// How long a session lasts after logging in.
pub const LIFETIME: chrono::Duration = chrono::Duration::days(30);

/// A logged-in browser.
#[derive(Debug, Clone)]
pub struct Session {
    pub token_hash: String,
    /// What each form of this session must carry.
    pub csrf: String,
    pub user: User,
    pub account: Account,
}

/// A session just started: the token for the cookie, and the session.
pub struct Started {
    pub token: String,
    pub session: Session,
}

/// Checks a login and starts a session. A sign-up an admin turned down is
/// told apart (with the admin's message) only to someone who knows its
/// password.
pub async fn log_in(ctx: &Context, login: &str, password: &str) -> Result<Started> {
    match accounts::authenticate(ctx, login, password).await {
        Ok((user, account)) => start(ctx, user, account).await,
        Err(Error::BadRequest(refused)) => {
            let login = login.trim().to_string();
            let turned_down = ctx
                .db
                .read(move |conn| Ok::<_, Error>(db_sessions::turned_down_for_login(conn, &login)?))
                .await?;
            match turned_down {
                Some((user, request)) if crypto::verify_password(password, &user.password_hash) => {
                    Err(Error::Forbidden(format!(
                        "Your sign-up was turned down: {}",
                        request.message.unwrap_or_default()
                    )))
                }
                _ => Err(Error::BadRequest(refused)),
            }
        }
        Err(other) => Err(other),
    }
}

/// Starts a session for a member whose identity is already established
/// (just logged in, or just signed up).
pub async fn start(ctx: &Context, user: User, account: Account) -> Result<Started> {
    let token = crypto::random_token();
    let now = db::now();
    let row = WebSession {
        token_hash: crypto::sha256_hex(&token),
        user_id: user.id,
        csrf_token: crypto::random_token(),
        created_at: now,
        expires_at: now + LIFETIME,
    };
    let session = Session {
        token_hash: row.token_hash.clone(),
        csrf: row.csrf_token.clone(),
        user,
        account,
    };
    ctx.db
        .write(move |conn| {
            // Expired sessions are swept as new ones begin, so the table
            // holds about as many rows as there are live sessions.
            db_sessions::delete_expired(conn, now)?;
            db_sessions::insert(conn, &row)?;
            Ok::<_, Error>(())
        })
        .await?;
    Ok(Started { token, session })
}

/// The live session whose cookie token is `token`; None for an unknown or
/// expired one, or one whose member may no longer log in.
pub async fn find(ctx: &Context, token: &str) -> Result<Option<Session>> {
    let token_hash = crypto::sha256_hex(token);
    let found = ctx
        .db
        .read(move |conn| {
            let found = db_sessions::live(conn, &token_hash, db::now())?;
            Ok::<_, Error>(match found {
                // A suspended member, or one whose login was disabled, is
                // logged out everywhere at once.
                Some((_, _, account))
                    if super::moderation::login_refused(conn, account.id)?.is_some() =>
                {
                    None
                }
                other => other,
            })
        })
        .await?;
    Ok(found.and_then(|(row, user, account)| {
        (user.approved && account.deleted_at.is_none()).then_some(Session {
            token_hash: row.token_hash,
            csrf: row.csrf_token,
            user,
            account,
        })
    }))
}

/// Ends a session, on every process at once.
pub async fn end(ctx: &Context, session: &Session) -> Result<()> {
    let token_hash = session.token_hash.clone();
    ctx.db
        .write(move |conn| Ok::<_, Error>(db_sessions::delete(conn, &token_hash)?))
        .await?;
    Ok(())
}

/// Changes the member's password after checking the current one, and ends
/// their other browser sessions (someone who knew the old password is
/// logged out).
pub async fn change_password(
    ctx: &Context,
    session: &Session,
    current: &str,
    new: &str,
) -> Result<()> {
    if !crypto::verify_password(current, &session.user.password_hash) {
        return Err(Error::Validation(
            "the current password is not right".into(),
        ));
    }
    let password_hash = accounts::password_hash(new)?;
    let user_id = session.user.id;
    let keep = session.token_hash.clone();
    ctx.db
        .write(move |conn| {
            db::oauth::set_password_hash(conn, user_id, &password_hash)?;
            db_sessions::delete_others(conn, user_id, &keep)?;
            Ok::<_, Error>(())
        })
        .await
}

/// Gives a member a new random password (for an admin to pass on) and ends
/// every browser session they had.
pub async fn reset_password(ctx: &Context, account: &Account) -> Result<String> {
    let user = accounts::user_of(ctx, account.id).await?;
    let password: String = crypto::random_token().chars().take(20).collect();
    let password_hash = accounts::password_hash(&password)?;
    ctx.db
        .write(move |conn| {
            db::oauth::set_password_hash(conn, user.id, &password_hash)?;
            // No session has an empty digest, so this ends them all.
            db_sessions::delete_others(conn, user.id, "")?;
            Ok::<_, Error>(())
        })
        .await?;
    Ok(password)
}
