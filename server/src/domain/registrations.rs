//! Sign-ups that wait for an admin when the network's registrations need
//! approval: the list, approving one, and turning one down with a message
//! the applicant sees when they next try to log in.

use super::{Account, Context, User};
use crate::{
    db::{self, models::SignUpRequest, sessions as db_sessions},
    error::{Error, Result},
};

/// One waiting sign-up.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub user: User,
    pub account: Account,
    /// Empty when the sign-up gave no reason (an app's sign-up may not).
    pub reason: String,
}

/// Longest message an admin may send with a refusal.
const MAX_MESSAGE: usize = 1000;

/// Waiting sign-ups, oldest first: `limit` of them from `offset`.
pub async fn waiting(ctx: &Context, limit: i64, offset: i64) -> Result<Vec<Waiting>> {
    let rows = ctx
        .db
        .read(move |conn| Ok::<_, Error>(db_sessions::waiting(conn, limit, offset)?))
        .await?;
    Ok(rows
        .into_iter()
        .map(|(user, account, request)| Waiting {
            user,
            account,
            reason: request.map(|r: SignUpRequest| r.reason).unwrap_or_default(),
        })
        .collect())
}

/// The waiting sign-up of `account_id`, or 404.
async fn waiting_one(ctx: &Context, account_id: i64) -> Result<Account> {
    ctx.db
        .read(move |conn| {
            let user = db::oauth::user_by_account(conn, account_id)?;
            let account = db::accounts::by_id(conn, account_id)?;
            match (user, account) {
                (Some(user), Some(account)) if !user.approved && account.deleted_at.is_none() => {
                    Ok(account)
                }
                _ => Err(Error::NotFound(
                    "no sign-up waits for approval there".into(),
                )),
            }
        })
        .await
}

/// Lets the member of a waiting sign-up log in.
pub async fn approve(ctx: &Context, account_id: i64) -> Result<Account> {
    let account = waiting_one(ctx, account_id).await?;
    super::accounts::approve(ctx, &account.username).await
}

/// Turns a waiting sign-up down. The account is closed at once (it never
/// reached another server, so nothing is sent); its name stays taken, and
/// the message is shown to whoever logs in with its password.
pub async fn turn_down(ctx: &Context, account_id: i64, message: &str) -> Result<Account> {
    let message = super::text::within_limit("message", message, MAX_MESSAGE)?;
    let account = waiting_one(ctx, account_id).await?;
    let id = account.id;
    ctx.db
        .write(move |conn| {
            db_sessions::turn_down(conn, id, &message, db::now())?;
            db::accounts::mark_deleted(conn, id)?;
            Ok::<_, Error>(())
        })
        .await?;
    Ok(account)
}
