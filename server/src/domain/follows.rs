//! Following and unfollowing, local or remote.

use super::notifications;
use super::{Context, Visibility, outbox, render, urls::Urls};
use crate::{
    db::{
        self, DbConnection, follows,
        ids::next_id,
        models::{Account, Follow},
        statuses::{self, Page},
    },
    error::{Error, Result},
};

/// How many of an account's latest statuses join a new follower's home feed,
/// so following someone shows something at once.
const BACKFILL: i64 = 20;

/// Posts fetched after a follow was sent join the follower's feed if the
/// follow was accepted meanwhile (otherwise the acceptance adds them).
pub async fn backfill_after_fetch(ctx: &Context, follower_id: i64, target_id: i64) -> Result<()> {
    ctx.db
        .write(move |conn| {
            if db::follows::between(conn, follower_id, target_id)?.is_some_and(|f| f.accepted) {
                backfill_home_feed(conn, follower_id, target_id)?;
            }
            Ok(())
        })
        .await
}

/// Adds the target's recent statuses to the follower's feed after a follow
/// is accepted.
pub fn backfill_home_feed(conn: &mut DbConnection, follower_id: i64, target_id: i64) -> Result<()> {
    let visible = [
        Visibility::Public.as_str(),
        Visibility::Unlisted.as_str(),
        Visibility::Private.as_str(),
    ];
    let recent = statuses::by_account(
        conn,
        target_id,
        &visible,
        &statuses::AccountFilter::default(),
        Page {
            limit: BACKFILL,
            ..Page::default()
        },
    )?;
    let existing = statuses::home_feed_ids(
        conn,
        follower_id,
        &[],
        Page {
            limit: i64::MAX,
            min_id: recent.last().map(|s| s.id - 1),
            ..Page::default()
        },
    )?;
    for status in recent.iter().filter(|s| !existing.contains(&s.id)) {
        statuses::add_to_home_feeds(conn, status.id, &[follower_id])?;
    }
    Ok(())
}

/// What a follower may ask for beside the follow itself; `None` keeps the
/// current choice (or the default for a new follow).
#[derive(Debug, Clone, Copy, Default)]
pub struct FollowOptions {
    /// Be told of each new post.
    pub notify: Option<bool>,
    /// See the account's boosts in the home feed.
    pub reblogs: Option<bool>,
}

/// Follows `target`, or changes the options of an existing follow. A local
/// target without approval is followed at once; a remote one gets a Follow
/// and the relationship waits for its Accept.
pub async fn follow(
    ctx: &Context,
    follower: &Account,
    target: &Account,
    options: FollowOptions,
) -> Result<Follow> {
    if follower.id == target.id {
        return Err(Error::Validation("You can't follow yourself".into()));
    }
    if target.deleted_at.is_some() || target.actor_type == "Application" {
        return Err(Error::not_found());
    }
    if !target.local
        && let Ok(url) = url::Url::parse(&target.ap_id)
    {
        super::moderation::check_url(ctx, &url).await?;
    }
    let follower = follower.clone();
    let target = target.clone();
    let urls = ctx.urls.clone();
    let follow = ctx
        .db
        .write(move |conn| -> Result<Follow> {
            if let Some(existing) = follows::between(conn, follower.id, target.id)? {
                let notify = options.notify.unwrap_or(existing.notify);
                let show_reblogs = options.reblogs.unwrap_or(existing.show_reblogs);
                follows::set_options(conn, existing.id, notify, show_reblogs)?;
                return Ok(Follow {
                    notify,
                    show_reblogs,
                    ..existing
                });
            }
            if super::blocks::blocks_account(conn, target.id, follower.id)?
                || super::blocks::blocks_account(conn, follower.id, target.id)?
            {
                return Err(Error::Forbidden("This action is not allowed".into()));
            }
            let id = next_id();
            let follow = Follow {
                id,
                account_id: follower.id,
                target_account_id: target.id,
                ap_id: urls.activity(id),
                accepted: target.local && !target.locked,
                created_at: db::now(),
                notify: options.notify.unwrap_or(false),
                show_reblogs: options.reblogs.unwrap_or(true),
            };
            follows::insert(conn, &follow)?;
            if follow.accepted {
                backfill_home_feed(conn, follower.id, target.id)?;
            }
            let kind = if follow.accepted {
                notifications::FOLLOW
            } else {
                notifications::FOLLOW_REQUEST
            };
            notifications::notify(conn, &target, follower.id, kind, None)?;
            if !target.local {
                let activity = render::follow(&follow.ap_id, &follower, &target);
                outbox::enqueue(
                    conn,
                    &urls,
                    &follower,
                    &activity,
                    [target.inbox_url.clone()].into(),
                )?;
            }
            Ok(follow)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(follow)
}

/// Stops following (or withdraws a pending request).
pub async fn unfollow(ctx: &Context, follower: &Account, target: &Account) -> Result<()> {
    let follower = follower.clone();
    let target = target.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| {
            let Some(follow) = follows::between(conn, follower.id, target.id)? else {
                return Ok(());
            };
            follows::delete(conn, follow.id)?;
            statuses::remove_author_from_home_feed(conn, follower.id, target.id)?;
            if !target.local {
                undo_follow(conn, &urls, &follower, &target, &follow)?;
            }
            Ok::<_, Error>(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// Ends every follow between this server's accounts and `remote` ones,
/// both ways, telling their servers (an `Undo` of our follows, a `Reject`
/// of theirs) before any block cuts them off: the delivery queue lets these
/// last words through.
pub fn end_follows_with(conn: &mut DbConnection, urls: &Urls, remote: &[i64]) -> Result<usize> {
    let ended = crate::db::moderation::follows_involving(conn, remote)?;
    for follow in &ended {
        let (Some(follower), Some(target)) = (
            crate::db::accounts::by_id(conn, follow.account_id)?,
            crate::db::accounts::by_id(conn, follow.target_account_id)?,
        ) else {
            continue;
        };
        if follower.local && !target.local {
            undo_follow(conn, urls, &follower, &target, follow)?;
            statuses::remove_author_from_home_feed(conn, follower.id, target.id)?;
        } else if target.local && !follower.local {
            send_follow_answer(conn, urls, "Reject", &target, follow, &follower)?;
        }
    }
    crate::db::moderation::drop_follows_of(conn, remote)?;
    Ok(ended.len())
}

/// Queues an `Accept` or `Reject` of `follow` from `target` to the
/// follower's server.
pub fn send_follow_answer(
    conn: &mut DbConnection,
    urls: &Urls,
    kind: &str,
    target: &Account,
    follow: &Follow,
    follower: &Account,
) -> Result<()> {
    let answer = render::follow_answer(
        kind,
        &urls.activity(next_id()),
        target,
        &follow.ap_id,
        follower,
    );
    outbox::enqueue(
        conn,
        urls,
        target,
        &answer,
        [follower.inbox_url.clone()].into(),
    )
}

fn undo_follow(
    conn: &mut DbConnection,
    urls: &Urls,
    follower: &Account,
    target: &Account,
    follow: &Follow,
) -> Result<()> {
    let inner = render::follow(&follow.ap_id, follower, target);
    let undo = render::undo(
        &urls.activity(next_id()),
        follower,
        inner,
        std::slice::from_ref(&target.ap_id),
        &[],
    );
    outbox::enqueue(
        conn,
        urls,
        follower,
        &undo,
        [target.inbox_url.clone()].into(),
    )
}

/// The relationship between a viewer and another account, for the client API.
#[derive(Debug, Clone, Default)]
pub struct Relationship {
    pub following: bool,
    pub requested: bool,
    pub followed_by: bool,
    pub requested_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub notifying: bool,
    pub showing_reblogs: bool,
    /// The viewer blocked the other account's whole server.
    pub domain_blocking: bool,
    /// The viewer's private note about the other account.
    pub note: String,
}

pub async fn relationship(ctx: &Context, viewer_id: i64, other_id: i64) -> Result<Relationship> {
    ctx.db
        .read(move |conn| {
            let outgoing = follows::between(conn, viewer_id, other_id)?;
            let incoming = follows::between(conn, other_id, viewer_id)?;
            let mute = crate::db::blocks::muting(conn, viewer_id, other_id)?;
            Ok(Relationship {
                following: outgoing.as_ref().is_some_and(|f| f.accepted),
                requested: outgoing.as_ref().is_some_and(|f| !f.accepted),
                followed_by: incoming.as_ref().is_some_and(|f| f.accepted),
                requested_by: incoming.is_some_and(|f| !f.accepted),
                blocking: crate::db::blocks::blocking(conn, viewer_id, other_id)?,
                blocked_by: crate::db::blocks::blocking(conn, other_id, viewer_id)?,
                muting: mute.is_some(),
                muting_notifications: mute == Some(true),
                notifying: outgoing.as_ref().is_some_and(|f| f.notify),
                showing_reblogs: outgoing.as_ref().is_none_or(|f| f.show_reblogs),
                domain_blocking: super::blocks::blocks_server_of(conn, viewer_id, other_id)?,
                note: crate::db::accounts::note_about(conn, viewer_id, other_id)?
                    .unwrap_or_default(),
            })
        })
        .await
}

/// One page of an account's followers (`incoming`) or followed accounts, or
/// of the requests waiting for its approval (`pending`), with the follow
/// ids that page the list.
pub async fn list(
    ctx: &Context,
    account_id: i64,
    incoming: bool,
    pending: bool,
    page: crate::db::Page,
) -> Result<(Vec<super::views::AccountView>, Vec<i64>)> {
    ctx.db
        .read(move |conn| {
            let rows = follows::page(conn, account_id, incoming, !pending, page)?;
            let (ids, accounts): (Vec<i64>, Vec<_>) = rows.into_iter().unzip();
            let views = super::views::account_views(conn, accounts)?;
            Ok((views, ids))
        })
        .await
}

/// Approves or turns down a pending follow request to `target`; the
/// follower's server hears the answer.
pub async fn answer_request(
    ctx: &Context,
    target: &Account,
    follower_id: i64,
    accept: bool,
) -> Result<()> {
    let target = target.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| -> Result<()> {
            let follow = follows::between(conn, follower_id, target.id)?
                .filter(|f| !f.accepted)
                .ok_or_else(Error::not_found)?;
            let follower =
                crate::db::accounts::by_id(conn, follower_id)?.ok_or_else(Error::not_found)?;
            if accept {
                follows::accept(conn, follow.id)?;
                backfill_home_feed(conn, follower.id, target.id)?;
                notifications::notify(conn, &target, follower.id, notifications::FOLLOW, None)?;
            } else {
                follows::delete(conn, follow.id)?;
            }
            if !follower.local {
                let kind = if accept { "Accept" } else { "Reject" };
                send_follow_answer(conn, &urls, kind, &target, &follow, &follower)?;
            }
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

pub async fn pending_count(ctx: &Context, account_id: i64) -> Result<i64> {
    ctx.db
        .read(move |conn| Ok(follows::count_pending_requests(conn, account_id)?))
        .await
}
