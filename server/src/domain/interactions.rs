//! Favourites and boosts of any status the member can see.

use super::{Context, Visibility, outbox, render, views};
use crate::{
    db::{
        self, DbConnection, accounts, follows,
        ids::next_id,
        models::{Account, Favourite, Status},
        statuses,
    },
    error::{Error, Result},
};
use serde_json::json;

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
            if !author.local {
                let like = render::activity(
                    "Like",
                    &favourite.ap_id,
                    &account,
                    json!(status.ap_id),
                    std::slice::from_ref(&author.ap_id),
                    &[],
                );
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
                let like = render::activity(
                    "Like",
                    &favourite.ap_id,
                    &account,
                    json!(status.ap_id),
                    std::slice::from_ref(&author.ap_id),
                    &[],
                );
                let undo = render::undo(
                    &urls.activity(next_id()),
                    &account,
                    like,
                    std::slice::from_ref(&author.ap_id),
                    &[],
                );
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
            let now = db::now();
            let boost = Status {
                id,
                ap_id: format!("{}/activity", urls.status(&account.username, id)),
                url: None,
                account_id: account.id,
                local: true,
                content: String::new(),
                source_text: None,
                spoiler_text: String::new(),
                sensitive: false,
                language: None,
                visibility: Visibility::Public.as_str().into(),
                in_reply_to_id: None,
                in_reply_to_ap_id: None,
                in_reply_to_account_id: None,
                reblog_of_id: Some(original.id),
                published_at: now,
                created_at: now,
                edited_at: None,
            };
            statuses::insert(conn, &boost)?;
            let followers = follows::followers(conn, account.id)?;
            let mut feed: Vec<i64> = followers.iter().filter(|a| a.local).map(|a| a.id).collect();
            feed.push(account.id);
            statuses::add_to_home_feeds(conn, boost.id, &feed)?;
            let to = [crate::protocol::PUBLIC.to_string()];
            let cc = [
                author.ap_id.clone(),
                account.followers_url.clone().unwrap_or_default(),
            ];
            let announce = render::activity(
                "Announce",
                &boost.ap_id,
                &account,
                json!(original.ap_id),
                &to,
                &cc,
            );
            let mut inboxes = outbox::inboxes_of(&followers);
            inboxes.extend(outbox::inboxes_of([&author]));
            outbox::enqueue(conn, &urls, &account, &announce, inboxes)?;
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
            statuses::delete(conn, boost.id)?;
            let followers = follows::followers(conn, account.id)?;
            let to = [crate::protocol::PUBLIC.to_string()];
            let cc = [
                author.ap_id.clone(),
                account.followers_url.clone().unwrap_or_default(),
            ];
            let announce = render::activity(
                "Announce",
                &boost.ap_id,
                &account,
                json!(original.ap_id),
                &to,
                &cc,
            );
            let undo = render::undo(&urls.activity(next_id()), &account, announce, &to, &cc);
            let mut inboxes = outbox::inboxes_of(&followers);
            inboxes.extend(outbox::inboxes_of([&author]));
            outbox::enqueue(conn, &urls, &account, &undo, inboxes)?;
            Ok::<_, Error>(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}
