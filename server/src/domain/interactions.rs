//! Favourites and boosts of any status the member can see.

use super::{Context, Visibility, outbox, render, views};
use super::{notifications, streaming};
use crate::{
    db::{
        self, DbConnection, accounts, follows,
        ids::next_id,
        models::{Account, Favourite, Status},
        statuses,
    },
    error::{Error, Result},
};

fn visible_status(
    conn: &mut DbConnection,
    viewer: &Account,
    status_id: i64,
) -> Result<(Status, Account)> {
    let status = statuses::by_id(conn, status_id)?
        .filter(|s| s.reblog_of_id.is_none())
        .ok_or_else(Error::not_found)?;
    if !views::can_see(conn, Some(viewer), &status)? {
        return Err(Error::not_found());
    }
    let author = accounts::by_id(conn, status.account_id)?.ok_or_else(Error::not_found)?;
    Ok((status, author))
}

/// A boost and its undo go to the booster's followers and the original author.
fn boost_inboxes(
    followers: &[Account],
    original_author: &Account,
) -> std::collections::BTreeSet<String> {
    let mut inboxes = outbox::inboxes_of(followers);
    inboxes.extend(outbox::inboxes_of([original_author]));
    inboxes
}

pub async fn favourite(ctx: &Context, account: &Account, status_id: i64) -> Result<()> {
    let account = account.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| {
            let (status, author) = visible_status(conn, &account, status_id)?;
            if statuses::favourite_by(conn, account.id, status.id)?.is_some() {
                return Ok(());
            }
            let id = next_id();
            let favourite = Favourite {
                id,
                account_id: account.id,
                status_id: status.id,
                ap_id: urls.activity(id),
                created_at: db::now(),
            };
            statuses::insert_favourite(conn, &favourite)?;
            notifications::notify(
                conn,
                &author,
                account.id,
                notifications::FAVOURITE,
                Some(status.id),
            )?;
            if !author.local {
                let like = render::like(&favourite.ap_id, &account, &status.ap_id, &author);
                outbox::enqueue(conn, &urls, &account, &like, outbox::inboxes_of([&author]))?;
            }
            Ok::<_, Error>(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

pub async fn unfavourite(ctx: &Context, account: &Account, status_id: i64) -> Result<()> {
    let account = account.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| {
            let (status, author) = visible_status(conn, &account, status_id)?;
            let Some(favourite) = statuses::favourite_by(conn, account.id, status.id)? else {
                return Ok(());
            };
            statuses::delete_favourite(conn, favourite.id)?;
            if !author.local {
                let like = render::like(&favourite.ap_id, &account, &status.ap_id, &author);
                let undo = render::undo_of(&urls.activity(next_id()), &account, like);
                outbox::enqueue(conn, &urls, &account, &undo, outbox::inboxes_of([&author]))?;
            }
            Ok::<_, Error>(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// Boosts a public or unlisted status to the member's followers. Returns the
/// id of the boost (a status of its own, as on Mastodon).
pub async fn reblog(ctx: &Context, account: &Account, status_id: i64) -> Result<i64> {
    let account = account.clone();
    let urls = ctx.urls.clone();
    let id = ctx
        .db
        .write(move |conn| {
            let (original, author) = visible_status(conn, &account, status_id)?;
            let visibility = Visibility::from_stored(&original.visibility);
            if !matches!(visibility, Visibility::Public | Visibility::Unlisted) {
                return Err(Error::Forbidden("This action is not allowed".into()));
            }
            if let Some(existing) = statuses::reblog_by(conn, account.id, original.id)? {
                return Ok(existing.id);
            }
            let id = next_id();
            let ap_id = format!("{}/activity", urls.status(&account.username, id));
            let boost = Status::boost(id, ap_id, account.id, true, original.id, db::now());
            let boost = statuses::insert(conn, &boost)?;
            let followers = follows::followers(conn, account.id)?;
            let hiding = follows::followers_hiding_boosts(conn, account.id)?;
            let mut feed: Vec<i64> = followers
                .iter()
                .filter(|a| a.local && !hiding.contains(&a.id))
                .map(|a| a.id)
                .collect();
            feed.push(account.id);
            statuses::add_boost_to_home_feeds(conn, boost.id, original.id, &feed)?;
            streaming::status_created(conn, &boost)?;
            notifications::notify(
                conn,
                &author,
                account.id,
                notifications::REBLOG,
                Some(original.id),
            )?;
            let announce = render::announce(&boost.ap_id, &account, &original.ap_id, &author);
            outbox::enqueue(
                conn,
                &urls,
                &account,
                &announce,
                boost_inboxes(&followers, &author),
            )?;
            Ok(id)
        })
        .await?;
    ctx.deliveries_queued();
    Ok(id)
}

pub async fn unreblog(ctx: &Context, account: &Account, status_id: i64) -> Result<()> {
    let account = account.clone();
    let urls = ctx.urls.clone();
    ctx.db
        .write(move |conn| {
            let (original, author) = visible_status(conn, &account, status_id)?;
            let Some(boost) = statuses::reblog_by(conn, account.id, original.id)? else {
                return Ok(());
            };
            streaming::status_deleted(conn, &boost)?;
            statuses::delete(conn, boost.id)?;
            let followers = follows::followers(conn, account.id)?;
            let announce = render::announce(&boost.ap_id, &account, &original.ap_id, &author);
            let undo = render::undo_of(&urls.activity(next_id()), &account, announce);
            outbox::enqueue(
                conn,
                &urls,
                &account,
                &undo,
                boost_inboxes(&followers, &author),
            )?;
            Ok::<_, Error>(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// A member may pin this many of their statuses.
pub const MAX_PINS: i64 = 5;

/// Bookmarks (or un-bookmarks) a status the member can see.
pub async fn bookmark(ctx: &Context, account: &Account, status_id: i64, on: bool) -> Result<()> {
    let account = account.clone();
    ctx.db
        .write(move |conn| -> Result<()> {
            let (status, _) = visible_status(conn, &account, status_id)?;
            statuses::set_mark(conn, statuses::Mark::Bookmark, account.id, status.id, on)?;
            Ok(())
        })
        .await
}

/// Pins (or unpins) one of the member's own public or unlisted statuses.
pub async fn pin(ctx: &Context, account: &Account, status_id: i64, on: bool) -> Result<()> {
    let account = account.clone();
    ctx.db
        .write(move |conn| -> Result<()> {
            let (status, _) = visible_status(conn, &account, status_id)?;
            if status.account_id != account.id {
                return Err(Error::Validation(
                    "You can only pin your own statuses".into(),
                ));
            }
            let visibility = Visibility::from_stored(&status.visibility);
            if on && !matches!(visibility, Visibility::Public | Visibility::Unlisted) {
                return Err(Error::Validation(
                    "Only public and unlisted statuses can be pinned".into(),
                ));
            }
            let already = statuses::has_mark(conn, statuses::Mark::Pin, account.id, status.id)?;
            if on && !already && statuses::count_pins(conn, account.id)? >= MAX_PINS {
                return Err(Error::Validation(format!(
                    "You can pin at most {MAX_PINS} statuses"
                )));
            }
            statuses::set_mark(conn, statuses::Mark::Pin, account.id, status.id, on)?;
            Ok(())
        })
        .await
}

/// Makes `status_ids` the pins of a remote account, in the order its
/// server lists them (the first shown first), replacing what it had.
pub async fn replace_remote_pins(
    ctx: &Context,
    account: &Account,
    status_ids: Vec<i64>,
) -> Result<()> {
    if account.local {
        return Err(Error::Internal("a member's pins are their own".into()));
    }
    let account_id = account.id;
    ctx.db
        .write(move |conn| -> Result<()> {
            statuses::clear_pins(conn, account_id)?;
            // Pins list newest first: the last listed goes in first.
            for status_id in status_ids.iter().rev() {
                statuses::set_mark(conn, statuses::Mark::Pin, account_id, *status_id, true)?;
            }
            Ok(())
        })
        .await
}
