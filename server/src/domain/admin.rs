//! What the admin pages show and change that no other use case covers:
//! the member list, admin and weaver rights and the delivery queue.

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

/// Makes a member a weaver, or no longer one. Only people with a login
/// here can be; an admin weaves already, so the flag changes nothing for
/// them until they stop being an admin.
pub async fn set_weaver(
    ctx: &Context,
    account: &Account,
    weaver: bool,
) -> Result<(User, super::views::AccountView)> {
    if !account.local || account.actor_type != "Person" {
        return Err(Error::Validation(format!(
            "{} is not a member here; only members here can be weavers",
            account.acct()
        )));
    }
    let account = account.clone();
    ctx.db
        .write(move |conn| {
            if db::oauth::set_weaver(conn, account.id, weaver)? == 0 {
                return Err(Error::NotFound("No member has that login".into()));
            }
            let user =
                db::oauth::user_by_account(conn, account.id)?.ok_or_else(Error::not_found)?;
            Ok((user, super::views::account_view(conn, account)?))
        })
        .await
}

/// The members who can weave the network: weavers and admins.
pub async fn weavers(ctx: &Context) -> Result<Vec<(User, super::views::AccountView)>> {
    ctx.db
        .read(|conn| {
            let (users, accounts): (Vec<User>, Vec<Account>) =
                db::oauth::weavers(conn)?.into_iter().unzip();
            let views = super::views::account_views(conn, accounts)?;
            Ok(users.into_iter().zip(views).collect())
        })
        .await
}

/// The delivery queue, one line per remote host.
pub async fn queue_by_host(ctx: &Context) -> Result<Vec<HostQueue>> {
    ctx.db
        .read(|conn| Ok(db::deliveries::summary_by_host(conn)?))
        .await
}

/// An account as the admin API shows it: with its login (for members
/// here) and the limits on it.
#[derive(Debug, Clone)]
pub struct AdminAccount {
    pub view: super::views::AccountView,
    pub user: Option<User>,
    pub limits: db::models::AccountModeration,
}

/// Accounts newest first, filtered as the admin API asks.
pub async fn accounts(
    ctx: &Context,
    filter: db::moderation::AccountFilter,
    max_id: Option<i64>,
    limit: i64,
) -> Result<Vec<AdminAccount>> {
    ctx.db
        .read(move |conn| {
            let rows = db::moderation::admin_accounts(conn, &filter, max_id, limit)?;
            let (accounts, rest): (Vec<_>, Vec<_>) = rows
                .into_iter()
                .map(|(account, user, limits)| (account, (user, limits)))
                .unzip();
            let views = super::views::account_views(conn, accounts)?;
            Ok(views
                .into_iter()
                .zip(rest)
                .map(|(view, (user, limits))| AdminAccount {
                    limits: limits.unwrap_or(db::models::AccountModeration {
                        account_id: view.account.id,
                        ..Default::default()
                    }),
                    view,
                    user,
                })
                .collect())
        })
        .await
}

/// One account for the admin API.
pub async fn account(ctx: &Context, id: i64) -> Result<AdminAccount> {
    ctx.db
        .read(move |conn| {
            // Another server's instance actor files its Flags, so it can
            // be shown here; this server's own is not an account to manage.
            let account = db::accounts::by_id(conn, id)?
                .filter(|a| !(a.local && a.actor_type == "Application"))
                .ok_or_else(Error::not_found)?;
            let user = db::oauth::user_by_account(conn, id)?;
            let limits = db::moderation::limits_of(conn, id)?;
            Ok(AdminAccount {
                view: super::views::account_view(conn, account)?,
                user,
                limits,
            })
        })
        .await
}
