//! What the admin pages show and change that no other use case covers:
//! the member list, admin rights and the delivery queue.

use super::{Account, Context, User};
use crate::{
    db::{self, deliveries::HostQueue},
    error::{Error, Result},
};

/// Local members whose username or email contains `search` (all when it
/// is empty): `limit` from `offset`.
pub async fn members(
    ctx: &Context,
    search: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<(User, Account)>> {
    let search = search.trim().to_string();
    ctx.db
        .read(move |conn| {
            let search = Some(search.as_str()).filter(|s| !s.is_empty());
            Ok(db::oauth::members(conn, search, limit, offset)?)
        })
        .await
}

/// Gives or takes admin rights. An admin cannot take their own, so a
/// network always keeps the admin who acts.
pub async fn set_admin(ctx: &Context, by: &Account, account_id: i64, admin: bool) -> Result<()> {
    if by.id == account_id && !admin {
        return Err(Error::Validation(
            "You cannot take away your own admin rights".into(),
        ));
    }
    let changed = ctx
        .db
        .write(move |conn| Ok::<_, Error>(db::oauth::set_admin(conn, account_id, admin)?))
        .await?;
    if changed == 0 {
        return Err(Error::NotFound("No member has that login".into()));
    }
    Ok(())
}

/// The delivery queue, one line per remote host.
pub async fn queue_by_host(ctx: &Context) -> Result<Vec<HostQueue>> {
    ctx.db
        .read(|conn| Ok(db::deliveries::summary_by_host(conn)?))
        .await
}
