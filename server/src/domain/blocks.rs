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
        && blocks::muting(conn, recipient_id, from_id)? != Some(true))
}

/// Whether `account_id` has blocked `other_id`, for refusing follows.
pub fn blocks_account(
    conn: &mut DbConnection,
    account_id: i64,
    other_id: i64,
) -> diesel::QueryResult<bool> {
    blocks::blocking(conn, account_id, other_id)
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
