//! Blocking and muting. A block ends follows both ways, is sent to the
//! blocked account's server, and keeps both out of each other's timelines
//! and notifications; a mute is private and only hides.

use super::{Context, outbox, render};
use crate::{
    db::{DbConnection, blocks, follows, ids::next_id, models::Account, statuses},
    error::{Error, Result},
};

/// Ends every follow between two accounts, and their posts in each other's
/// home feeds.
pub fn sever(conn: &mut DbConnection, a: &Account, b: &Account) -> Result<()> {
    for (from, to) in [(a, b), (b, a)] {
        if let Some(follow) = follows::between(conn, from.id, to.id)? {
            follows::delete(conn, follow.id)?;
        }
        statuses::remove_author_from_home_feed(conn, from.id, to.id)?;
    }
    Ok(())
}

pub async fn block(ctx: &Context, account: &Account, target: &Account) -> Result<()> {
    if account.id == target.id {
        return Err(Error::Validation("You can't block yourself".into()));
    }
    let (account, target, urls) = (account.clone(), target.clone(), ctx.urls.clone());
    ctx.db
        .write(move |conn| -> Result<()> {
            let id = next_id();
            let ap_id = urls.activity(id);
            if blocks::blocking(conn, account.id, target.id)? {
                return Ok(());
            }
            blocks::block(conn, id, account.id, target.id, &ap_id)?;
            sever(conn, &account, &target)?;
            if !target.local {
                let block = render::activity(
                    "Block",
                    &ap_id,
                    &account,
                    serde_json::json!(target.ap_id),
                    std::slice::from_ref(&target.ap_id),
                    &[],
                );
                outbox::enqueue(
                    conn,
                    &urls,
                    &account,
                    &block,
                    [target.inbox_url.clone()].into(),
                )?;
            }
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

pub async fn unblock(ctx: &Context, account: &Account, target: &Account) -> Result<()> {
    let (account, target, urls) = (account.clone(), target.clone(), ctx.urls.clone());
    ctx.db
        .write(move |conn| -> Result<()> {
            let Some(ap_id) = blocks::unblock(conn, account.id, target.id)? else {
                return Ok(());
            };
            if !target.local {
                let block = render::activity(
                    "Block",
                    &ap_id,
                    &account,
                    serde_json::json!(target.ap_id),
                    std::slice::from_ref(&target.ap_id),
                    &[],
                );
                let undo = render::undo_of(&urls.activity(next_id()), &account, block);
                outbox::enqueue(
                    conn,
                    &urls,
                    &account,
                    &undo,
                    [target.inbox_url.clone()].into(),
                )?;
            }
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

pub async fn mute(
    ctx: &Context,
    account: &Account,
    target: &Account,
    notifications: bool,
) -> Result<()> {
    if account.id == target.id {
        return Err(Error::Validation("You can't mute yourself".into()));
    }
    let (account_id, target_id) = (account.id, target.id);
    ctx.db
        .write(move |conn| {
            Ok::<_, Error>(blocks::mute(
                conn,
                next_id(),
                account_id,
                target_id,
                notifications,
            )?)
        })
        .await
}

pub async fn unmute(ctx: &Context, account: &Account, target: &Account) -> Result<()> {
    let (account_id, target_id) = (account.id, target.id);
    ctx.db
        .write(move |conn| Ok::<_, Error>(blocks::unmute(conn, account_id, target_id)?))
        .await
}

/// The accounts a member blocks (`true`) or mutes (`false`).
pub async fn listed(
    ctx: &Context,
    account: &Account,
    blocked: bool,
) -> Result<Vec<super::views::AccountView>> {
    let account_id = account.id;
    ctx.db
        .read(move |conn| {
            let listed = blocks::listed(conn, account_id, blocked, 80)?;
            Ok(super::views::account_views(conn, listed)?)
        })
        .await
}

/// Whether notifications from `from_id` should reach `recipient_id`.
pub fn wants_notifications_from(
    conn: &mut DbConnection,
    recipient_id: i64,
    from_id: i64,
) -> diesel::QueryResult<bool> {
    Ok(!blocks::blocking(conn, recipient_id, from_id)?
        && !blocks::blocking(conn, from_id, recipient_id)?
        && blocks::muting(conn, recipient_id, from_id)? != Some(true)
        && !blocks_server_of(conn, recipient_id, from_id)?)
}

/// Whether `account_id` blocked the server `other_id` is on.
pub fn blocks_server_of(
    conn: &mut DbConnection,
    account_id: i64,
    other_id: i64,
) -> diesel::QueryResult<bool> {
    let Some(other) = crate::db::accounts::by_id(conn, other_id)?.filter(|a| !a.local) else {
        return Ok(false);
    };
    Ok(blocks::domains_blocked_by(conn, account_id)?
        .iter()
        .any(|domain| super::moderation::covers(domain, &other.domain)))
}

/// Blocks a whole server for `member`: nothing from it reaches them, its
/// accounts that followed them no longer do (their servers hear a
/// `Reject`), and none may follow them again.
pub async fn block_server(ctx: &Context, member: &Account, domain: &str) -> Result<String> {
    let domain = super::moderation::normalized_domain(domain)?;
    if super::moderation::covers(&domain, &ctx.urls.domain()) {
        return Err(Error::Validation("you cannot block your own server".into()));
    }
    let (member, urls, blocked) = (member.clone(), ctx.urls.clone(), domain.clone());
    ctx.db
        .write(move |conn| {
            blocks::block_domain(conn, next_id(), member.id, &blocked)?;
            let there = crate::db::moderation::remote_accounts_on(conn, &blocked)?;
            for follower in crate::db::follows::followers(conn, member.id)?
                .into_iter()
                .filter(|f| there.contains(&f.id))
            {
                if let Some(follow) = crate::db::follows::between(conn, follower.id, member.id)? {
                    super::follows::send_follow_answer(
                        conn, &urls, "Reject", &member, &follow, &follower,
                    )?;
                    crate::db::follows::delete(conn, follow.id)?;
                }
            }
            Ok::<_, Error>(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(domain)
}

pub async fn unblock_server(ctx: &Context, member: &Account, domain: &str) -> Result<()> {
    let domain = super::moderation::normalized_domain(domain)?;
    let member_id = member.id;
    ctx.db
        .write(move |conn| Ok::<_, Error>(blocks::unblock_domain(conn, member_id, &domain)?))
        .await?;
    Ok(())
}

/// The servers `member` blocked.
pub async fn blocked_servers(ctx: &Context, member: &Account) -> Result<Vec<String>> {
    let member_id = member.id;
    ctx.db
        .read(move |conn| Ok(blocks::domains_blocked_by(conn, member_id)?))
        .await
}

/// Whether `account_id` has blocked `other_id` (or, for a community,
/// banned them), for refusing follows.
pub fn blocks_account(
    conn: &mut DbConnection,
    account_id: i64,
    other_id: i64,
) -> diesel::QueryResult<bool> {
    Ok(blocks::blocking(conn, account_id, other_id)?
        || blocks_server_of(conn, account_id, other_id)?
        || crate::db::communities::is_banned(conn, account_id, other_id)?)
}

pub fn record_remote_block(
    conn: &mut DbConnection,
    actor: &Account,
    target: &Account,
    ap_id: &str,
) -> Result<()> {
    blocks::block(conn, next_id(), actor.id, target.id, ap_id)?;
    sever(conn, actor, target)?;
    Ok(())
}
