//! The database side of activities received from other servers. The
//! federation layer has already checked signatures and origins and fetched
//! what was missing; these functions apply the rules that need stored state,
//! each in one transaction that also records the activity id, so a repeated
//! delivery changes nothing.

use super::{Context, Visibility, follows as follow_rules, outbox, render, text};
use super::{notifications, streaming};
use crate::{
    db::{
        self, DbConnection, accounts, deliveries, follows,
        ids::next_id,
        models::{Account, Favourite, Follow, Status},
        statuses,
    },
    error::{Error, Result},
    protocol::{self, Note},
};

/// What became of an incoming activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Applied,
    /// The same activity id was processed before.
    Duplicate,
    /// Valid but of no concern to this instance, or already reflected.
    Ignored(&'static str),
}

/// Runs `apply` in a transaction that first records `activity_id`.
async fn once<F>(ctx: &Context, activity_id: &str, apply: F) -> Result<Outcome>
where
    F: FnOnce(&mut DbConnection) -> Result<Outcome> + Send + 'static,
{
    let activity_id = activity_id.to_string();
    let activity_id_for_check = activity_id.clone();
    let outcome = ctx
        .db
        .write(move |conn| {
            if !deliveries::record_first_receipt(conn, &activity_id)? {
                return Ok(Outcome::Duplicate);
            }
            apply(conn)
        })
        .await;
    match outcome {
        Err(Error::Conflict(reason)) => {
            // Either a concurrent delivery of the same activity won the
            // race, or the activity clashes with stored data: tell them apart.
            let activity_id = activity_id_for_check;
            let seen = ctx
                .db
                .read(move |conn| Ok::<_, Error>(deliveries::received_before(conn, &activity_id)?))
                .await?;
            if seen {
                Ok(Outcome::Duplicate)
            } else {
                Err(Error::Conflict(reason))
            }
        }
        other => {
            ctx.deliveries_queued();
            other
        }
    }
}

/// Inserts or refreshes a remote actor, keeping its row id, with what it
/// publishes about its practice, its community or its network.
/// A remote actor's `icon` (avatar) and `image` (header), as sent.
#[derive(Debug, Default)]
pub struct RemoteImages {
    pub icon: Option<serde_json::Value>,
    pub image: Option<serde_json::Value>,
}

pub async fn store_remote_actor(
    ctx: &Context,
    account: Account,
    practice: super::practice::Practice,
    community: Option<serde_json::Value>,
    network: Option<serde_json::Value>,
    images: RemoteImages,
) -> Result<Account> {
    ctx.db
        .write(move |conn| {
            let stored = store_actor_row(conn, account)?;
            let rejected = super::moderation::media_rejected(conn, &stored.ap_id)?;
            super::media::record_remote_profile_images(
                conn,
                stored.id,
                images.icon.as_ref(),
                images.image.as_ref(),
                rejected,
            )?;
            super::practice::store_remote(conn, stored.id, &practice)?;
            if stored.actor_type == "Group" {
                let community = community.unwrap_or(serde_json::Value::Null);
                super::communities::store_remote(conn, &stored, &community)?;
            }
            if let Some(network) = network {
                super::network::store_remote(conn, &stored, &network)?;
            }
            Ok(stored)
        })
        .await
}

fn store_actor_row(conn: &mut DbConnection, account: Account) -> Result<Account> {
    let existing = match accounts::by_ap_id(conn, &account.ap_id)? {
        Some(existing) => existing,
        None => {
            match accounts::by_handle(conn, &account.username, &account.domain)? {
                // A new actor may reuse a handle whose old actor is gone.
                Some(stale) if stale.ap_id != account.ap_id => {
                    return Err(Error::Conflict(format!(
                        "{} already names {}",
                        stale.acct(),
                        stale.ap_id
                    )));
                }
                // Stored by a concurrent request since the first look.
                Some(same) => return refresh_actor_row(conn, account, same),
                None => {}
            }
            match db::insert_unless_taken(conn, |conn| accounts::insert(conn, &account))? {
                Some(inserted) => return Ok(inserted),
                // Fetched and stored by a concurrent request: refresh its row.
                None => accounts::by_ap_id(conn, &account.ap_id)?.ok_or_else(|| {
                    Error::Conflict(format!(
                        "{}@{} clashes with a stored account",
                        account.username, account.domain
                    ))
                })?,
            }
        }
    };
    refresh_actor_row(conn, account, existing)
}

/// Overwrites the stored row of a remote actor with what was fetched,
/// keeping its id and first-seen time.
fn refresh_actor_row(
    conn: &mut DbConnection,
    account: Account,
    existing: Account,
) -> Result<Account> {
    if existing.local {
        return Err(Error::Forbidden(
            "refusing to overwrite a local account".into(),
        ));
    }
    let account = Account {
        id: existing.id,
        created_at: existing.created_at,
        ..account
    };
    Ok(accounts::update(conn, &account)?)
}

/// A local actor that others may follow and address: members and the
/// network actor, not the instance actor.
fn local_target(conn: &mut DbConnection, ap_id: &str) -> Result<Option<Account>> {
    Ok(accounts::by_ap_id(conn, ap_id)?
        .filter(|a| a.local && a.deleted_at.is_none() && a.actor_type != "Application"))
}

/// A Follow of a local actor. `link` is the direction a community's Follow
/// marks with `trellis:link`: what the followed (the receiver) is to the
/// follower.
pub async fn follow(
    ctx: &Context,
    activity_id: &str,
    follower: Account,
    target_ap_id: String,
    link: Option<super::links::Direction>,
) -> Result<Outcome> {
    let urls = ctx.urls.clone();
    let sender = super::network_reports::Sender::of(ctx);
    let follow_ap_id = activity_id.to_string();
    once(ctx, activity_id, move |conn| {
        let Some(target) = local_target(conn, &target_ap_id)? else {
            // A local actor that cannot be followed (the instance actor, a
            // deleted member) says so, so the other side stops waiting.
            let Some(unfollowable) = accounts::by_ap_id(conn, &target_ap_id)?.filter(|a| a.local)
            else {
                return Ok(Outcome::Ignored("the followed actor is not a member here"));
            };
            let reject = render::follow_answer(
                "Reject",
                &urls.activity(next_id()),
                &unfollowable,
                &follow_ap_id,
                &follower,
            );
            outbox::enqueue(
                conn,
                &urls,
                &unfollowable,
                &reject,
                [follower.inbox_url.clone()].into(),
            )?;
            return Ok(Outcome::Applied);
        };
        if super::blocks::blocks_account(conn, target.id, follower.id)? {
            let reject = render::follow_answer(
                "Reject",
                &urls.activity(next_id()),
                &target,
                &follow_ap_id,
                &follower,
            );
            outbox::enqueue(
                conn,
                &urls,
                &target,
                &reject,
                [follower.inbox_url.clone()].into(),
            )?;
            return Ok(Outcome::Applied);
        }
        // A network that declares this one its parent: followed as anyone
        // is, and listed among the children.
        if link == Some(super::links::Direction::Parent)
            && super::network::is_network_actor(&target)
            && follower.actor_type == "Organization"
        {
            super::network::child_joined(conn, &follower)?;
        }
        // Another network asking to link as peers: its admins' request
        // waits for ours, unaccepted.
        if link == Some(super::links::Direction::Peer)
            && super::network::is_network_actor(&target)
            && follower.actor_type == "Organization"
        {
            match follows::between(conn, follower.id, target.id)? {
                Some(existing) => follows::set_ap_id(conn, existing.id, &follow_ap_id)?,
                None => follows::insert(
                    conn,
                    &Follow {
                        id: next_id(),
                        account_id: follower.id,
                        target_account_id: target.id,
                        ap_id: follow_ap_id.clone(),
                        accepted: false,
                        created_at: db::now(),
                        notify: false,
                        show_reblogs: true,
                    },
                )?,
            }
            super::network::peer_requested(conn, &urls, &sender, &target, &follower)?;
            return Ok(Outcome::Applied);
        }
        if let Some(direction) =
            link.filter(|_| target.actor_type == "Group" && follower.actor_type == "Group")
        {
            let follow = match follows::between(conn, follower.id, target.id)? {
                Some(existing) => {
                    follows::set_ap_id(conn, existing.id, &follow_ap_id)?;
                    Follow {
                        ap_id: follow_ap_id.clone(),
                        ..existing
                    }
                }
                None => {
                    let follow = Follow {
                        id: next_id(),
                        account_id: follower.id,
                        target_account_id: target.id,
                        ap_id: follow_ap_id.clone(),
                        accepted: false,
                        created_at: db::now(),
                        notify: false,
                        show_reblogs: true,
                    };
                    follows::insert(conn, &follow)?;
                    follow
                }
            };
            super::links::received(
                conn,
                &urls,
                &target,
                &follower,
                &follow,
                direction.inverse(),
            )?;
            return Ok(Outcome::Applied);
        }
        let follow = match follows::between(conn, follower.id, target.id)? {
            Some(existing) => {
                follows::set_ap_id(conn, existing.id, &follow_ap_id)?;
                existing
            }
            None => {
                let follow = Follow {
                    id: next_id(),
                    account_id: follower.id,
                    target_account_id: target.id,
                    ap_id: follow_ap_id.clone(),
                    accepted: !target.locked,
                    created_at: db::now(),
                    notify: false,
                    show_reblogs: true,
                };
                follows::insert(conn, &follow)?;
                let kind = if follow.accepted {
                    notifications::FOLLOW
                } else {
                    notifications::FOLLOW_REQUEST
                };
                notifications::notify(conn, &target, follower.id, kind, None)?;
                follow
            }
        };
        if follow.accepted {
            let accept = render::follow_answer(
                "Accept",
                &urls.activity(next_id()),
                &target,
                &follow_ap_id,
                &follower,
            );
            outbox::enqueue(
                conn,
                &urls,
                &target,
                &accept,
                [follower.inbox_url.clone()].into(),
            )?;
        }
        Ok(Outcome::Applied)
    })
    .await
}

/// Finds the follow an Accept, Reject or Undo refers to: by its id when the
/// sender echoed it, else by the pair of accounts.
fn referenced_follow(
    conn: &mut DbConnection,
    follow_ap_id: Option<&str>,
    follower_id: i64,
    target_id: i64,
) -> Result<Option<Follow>> {
    let by_id = match follow_ap_id {
        Some(ap_id) => follows::by_ap_id(conn, ap_id)?,
        None => None,
    };
    let follow = match by_id {
        Some(follow) => Some(follow),
        None => follows::between(conn, follower_id, target_id)?,
    };
    Ok(follow.filter(|f| f.account_id == follower_id && f.target_account_id == target_id))
}

/// `target` accepted or rejected a follow from one of our members. The
/// follower is named by the echoed Follow, or found through its id.
pub async fn answer_follow(
    ctx: &Context,
    activity_id: &str,
    target: Account,
    follower_ap_id: Option<String>,
    follow_ap_id: Option<String>,
    accepted: bool,
) -> Result<Outcome> {
    let sender = super::network_reports::Sender::of(ctx);
    once(ctx, activity_id, move |conn| {
        let follower = match (&follower_ap_id, &follow_ap_id) {
            (Some(ap_id), _) => local_target(conn, ap_id)?,
            (None, Some(follow_id)) => match follows::by_ap_id(conn, follow_id)? {
                Some(follow) => accounts::by_id(conn, follow.account_id)?.filter(|a| a.local),
                None => None,
            },
            (None, None) => None,
        };
        let Some(follower) = follower else {
            return Ok(Outcome::Ignored("the follower is not a member here"));
        };
        let Some(follow) =
            referenced_follow(conn, follow_ap_id.as_deref(), follower.id, target.id)?
        else {
            return Ok(Outcome::Ignored("no such follow request"));
        };
        if accepted {
            if !follow.accepted {
                follows::accept(conn, follow.id)?;
                follow_rules::backfill_home_feed(conn, follower.id, target.id)?;
            }
            super::links::accepted(conn, &follower, &target)?;
        } else {
            follows::delete(conn, follow.id)?;
            statuses::remove_author_from_home_feed(conn, follower.id, target.id)?;
            super::links::refused(conn, &follower, &target)?;
        }
        super::network::follow_answered(conn, &sender, &follower, &target, accepted)?;
        Ok(Outcome::Applied)
    })
    .await
}

/// An Undo that names only the id of what it undoes: whichever of the
/// actor's follows, favourites or boosts has that id.
pub async fn undo_by_id(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    undone_ap_id: String,
) -> Result<Outcome> {
    let urls = ctx.urls.clone();
    once(ctx, activity_id, move |conn| {
        if let Some(follow) =
            follows::by_ap_id(conn, &undone_ap_id)?.filter(|f| f.account_id == actor.id)
        {
            if let Some(target) = accounts::by_id(conn, follow.target_account_id)? {
                follow_undone(conn, &urls, &actor, &target, &follow)?;
            }
            return Ok(Outcome::Applied);
        }
        if let Some(favourite) =
            statuses::favourite_by_ap_id(conn, &undone_ap_id)?.filter(|f| f.account_id == actor.id)
        {
            statuses::delete_favourite(conn, favourite.id)?;
            return Ok(Outcome::Applied);
        }
        if let Some(boost) = statuses::by_ap_id(conn, &undone_ap_id)?
            .filter(|s| s.account_id == actor.id && s.reblog_of_id.is_some())
        {
            boost_undone(conn, &urls, &actor, &boost)?;
            return Ok(Outcome::Applied);
        }
        if crate::db::blocks::unblock_by_ap_id(conn, actor.id, &undone_ap_id)? > 0 {
            return Ok(Outcome::Applied);
        }
        Ok(Outcome::Ignored("nothing of this actor's has that id"))
    })
    .await
}

pub async fn undo_follow(
    ctx: &Context,
    activity_id: &str,
    follower: Account,
    target_ap_id: String,
    follow_ap_id: Option<String>,
) -> Result<Outcome> {
    let urls = ctx.urls.clone();
    once(ctx, activity_id, move |conn| {
        let Some(target) = accounts::by_ap_id(conn, &target_ap_id)? else {
            return Ok(Outcome::Ignored("unknown follow target"));
        };
        let Some(follow) =
            referenced_follow(conn, follow_ap_id.as_deref(), follower.id, target.id)?
        else {
            return Ok(Outcome::Ignored("no such follow"));
        };
        follow_undone(conn, &urls, &follower, &target, &follow)?;
        Ok(Outcome::Applied)
    })
    .await
}

fn follow_undone(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    follower: &Account,
    target: &Account,
    follow: &Follow,
) -> Result<()> {
    follows::delete(conn, follow.id)?;
    if target.local && target.actor_type == "Group" {
        // A linked community that stops following ends the link.
        super::links::ended(conn, urls, target, follower)?;
    }
    if super::network::is_network_actor(target) {
        super::network::link_ended(conn, follower)?;
    }
    Ok(())
}

/// Visibility as Mastodon reads it from addressing.
pub fn visibility_of(note: &Note, author: &Account) -> Visibility {
    let followers = author.followers_url.as_deref();
    if note.to.iter().any(|id| protocol::is_public(id)) {
        Visibility::Public
    } else if note.cc.iter().any(|id| protocol::is_public(id)) {
        Visibility::Unlisted
    } else if followers.is_some_and(|f| note.to.iter().chain(&note.cc).any(|id| id == f)) {
        Visibility::Private
    } else {
        Visibility::Direct
    }
}

/// A note as it will be stored, from a verified remote Create (or fetch).
pub struct IncomingNote {
    pub note: Note,
    pub author: Account,
    pub parent: Option<Status>,
    /// The post it quotes, when the note quotes one that could be had.
    pub quoted: Option<Status>,
    pub mentioned: Vec<Account>,
}

/// Records what a remote note quotes, and tells a member here whose post
/// it quotes.
fn record_quote(conn: &mut DbConnection, status: &Status, incoming: &IncomingNote) -> Result<()> {
    let Some(uri) = incoming.note.quoted() else {
        return Ok(());
    };
    let quoted = incoming.quoted.as_ref();
    crate::db::quotes::insert(conn, status.id, quoted.map(|q| q.id), uri.as_str())?;
    if let Some(quoted) = quoted {
        notifications::notify_id(
            conn,
            quoted.account_id,
            status.account_id,
            notifications::QUOTE,
            Some(status.id),
        )?;
    }
    Ok(())
}

/// Records a remote note's attachments (for a converted object, those
/// that are media: a Lemmy link post's `Link` is already in its text).
fn record_attachments(
    conn: &mut DbConnection,
    status: &Status,
    author: &Account,
    note: &Note,
) -> Result<()> {
    if note.attachment.is_empty() {
        return Ok(());
    }
    let rejected = super::moderation::media_rejected(conn, &author.ap_id)?;
    super::media::record_remote_attachments(conn, status, &note.attachment, rejected)
}

/// Stores a remote note's hashtags and what it is for.
fn record_kind(conn: &mut DbConnection, status: &Status, note: &Note) -> Result<()> {
    let hashtags = hashtags_of(note);
    statuses::set_tags(conn, status.id, &hashtags)?;
    super::kinds::record(conn, status, &super::kinds::of_note(note))?;
    // A question may arrive answered already (fetched late, or seen first
    // through a boost).
    super::exchanges::apply_remote_state(conn, status, note.exchange.as_ref())
}

/// The note's hashtags as stored: lower-cased, without `#`.
fn hashtags_of(note: &Note) -> Vec<String> {
    let mut tags: Vec<String> = note
        .tag
        .iter()
        .filter(|t| t.kind == "Hashtag")
        .filter_map(|t| t.name.as_deref())
        .map(|name| name.trim_start_matches('#').to_lowercase())
        .filter(|name| !name.is_empty() && name.len() <= 100)
        .collect();
    tags.sort();
    tags.dedup();
    tags
}

fn status_row(incoming: &IncomingNote) -> Status {
    let note = &incoming.note;
    let now = db::now();
    let url = note
        .url
        .as_ref()
        .and_then(crate::protocol::html_url)
        .map(String::from);
    Status {
        id: next_id(),
        ap_id: note.id.to_string(),
        url,
        account_id: incoming.author.id,
        local: false,
        content: text::sanitize_remote_html(&note.content),
        source_text: None,
        spoiler_text: note.summary.clone().unwrap_or_default(),
        sensitive: note.sensitive.unwrap_or(false),
        language: note
            .content_map
            .as_ref()
            .and_then(|m| m.keys().next().cloned()),
        visibility: visibility_of(note, &incoming.author).as_str().into(),
        in_reply_to_id: incoming.parent.as_ref().map(|p| p.id),
        in_reply_to_ap_id: note.in_reply_to.as_ref().map(|u| u.to_string()),
        in_reply_to_account_id: incoming.parent.as_ref().map(|p| p.account_id),
        reblog_of_id: None,
        published_at: note.published.map(|p| p.naive_utc()).unwrap_or(now),
        created_at: now,
        edited_at: note.updated.map(|u| u.naive_utc()),
    }
}

/// Stores a remote status if anyone here has reason to see it: a follower of
/// its author, a member it mentions, or a thread that is already here.
/// Statuses no one asked for are dropped, as Mastodon drops them.
pub fn store_note(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    incoming: &IncomingNote,
) -> Result<Option<Status>> {
    if let Some(existing) = statuses::by_ap_id(conn, incoming.note.id.as_str())? {
        return Ok(Some(existing));
    }
    let row = status_row(incoming);
    let visibility = Visibility::from_stored(&row.visibility);
    let local_followers = follows::local_follower_ids(conn, incoming.author.id)?;
    let local_mentions: Vec<i64> = incoming
        .mentioned
        .iter()
        .filter(|a| a.local)
        .map(|a| a.id)
        .collect();
    let mut tag_followers = Vec::new();
    if visibility == Visibility::Public {
        let hashtags = hashtags_of(&incoming.note);
        super::tags::add_tag_followers(conn, row.account_id, &hashtags, &mut tag_followers)?;
        tag_followers.retain(|id| !local_followers.contains(id));
    }
    if local_followers.is_empty()
        && local_mentions.is_empty()
        && tag_followers.is_empty()
        && incoming.parent.is_none()
    {
        return Ok(None);
    }
    let Some(status) = db::insert_unless_taken(conn, |conn| statuses::insert(conn, &row))? else {
        // Stored by a concurrent request (a fetch of the same note), which
        // did the rest too.
        return Ok(statuses::by_ap_id(conn, &row.ap_id)?);
    };
    super::search::index(conn, &status)?;
    let mention_ids: Vec<i64> = incoming.mentioned.iter().map(|a| a.id).collect();
    statuses::insert_mentions(conn, status.id, &mention_ids)?;
    record_kind(conn, &status, &incoming.note)?;
    record_attachments(conn, &status, &incoming.author, &incoming.note)?;
    record_quote(conn, &status, incoming)?;
    super::polls::record_remote(conn, &status, &incoming.note)?;
    for mentioned in &incoming.mentioned {
        notifications::notify(
            conn,
            mentioned,
            incoming.author.id,
            notifications::MENTION,
            Some(status.id),
        )?;
    }
    let audience = if visibility == Visibility::Direct {
        local_mentions
    } else {
        [local_followers, tag_followers].concat()
    };
    statuses::add_to_home_feeds(conn, status.id, &audience)?;
    streaming::status_created(conn, &status)?;
    notifications::notify_subscribers(conn, &status)?;
    super::communities::share_mentioned(conn, urls, &status, &incoming.mentioned)?;
    statuses::adopt_replies(conn, &status)?;
    Ok(Some(status))
}

pub async fn has_local_followers(ctx: &Context, account_id: i64) -> Result<bool> {
    ctx.db
        .read(move |conn| Ok(follows::has_local_follower(conn, account_id)?))
        .await
}

/// Whether a note concerns anyone here, decided before anything is fetched
/// for it: a member follows its author, it mentions a member, or it answers
/// a status this instance holds.
pub async fn concerns_members(ctx: &Context, author: &Account, note: &Note) -> Result<bool> {
    let author_id = author.id;
    let mentions: Vec<String> = note
        .tag
        .iter()
        .filter(|t| t.kind == "Mention")
        .filter_map(|t| t.href.as_ref().map(|h| h.to_string()))
        .collect();
    let parent = note.in_reply_to.as_ref().map(|p| p.to_string());
    ctx.db
        .read(move |conn| {
            if follows::has_local_follower(conn, author_id)? {
                return Ok(true);
            }
            for href in &mentions {
                if local_target(conn, href)?.is_some() {
                    return Ok(true);
                }
            }
            match parent {
                Some(parent) => Ok(statuses::by_ap_id(conn, &parent)?.is_some()),
                None => Ok(false),
            }
        })
        .await
}

pub async fn create_note(
    ctx: &Context,
    activity_id: &str,
    incoming: IncomingNote,
) -> Result<Outcome> {
    let urls = ctx.urls.clone();
    once(ctx, activity_id, move |conn| {
        Ok(match store_note(conn, &urls, &incoming)? {
            Some(_) => Outcome::Applied,
            None => Outcome::Ignored("no one here follows the author or is addressed"),
        })
    })
    .await
}

/// Stores a note fetched outside any activity (a reply's parent, a boosted
/// status), without the relevance rule: something here refers to it.
pub async fn store_fetched_note(ctx: &Context, incoming: IncomingNote) -> Result<Status> {
    ctx.db
        .write(move |conn| {
            if let Some(existing) = statuses::by_ap_id(conn, incoming.note.id.as_str())? {
                return Ok(existing);
            }
            let row = status_row(&incoming);
            let Some(status) = db::insert_unless_taken(conn, |conn| statuses::insert(conn, &row))?
            else {
                // Stored by a concurrent request at the same moment.
                return statuses::by_ap_id(conn, &row.ap_id)?.ok_or_else(Error::not_found);
            };
            super::search::index(conn, &status)?;
            let mention_ids: Vec<i64> = incoming.mentioned.iter().map(|a| a.id).collect();
            statuses::insert_mentions(conn, status.id, &mention_ids)?;
            record_kind(conn, &status, &incoming.note)?;
            record_attachments(conn, &status, &incoming.author, &incoming.note)?;
            record_quote(conn, &status, &incoming)?;
            super::polls::record_remote(conn, &status, &incoming.note)?;
            statuses::adopt_replies(conn, &status)?;
            Ok(status)
        })
        .await
}

/// A remote account's vote in a member's poll. `None` when the note
/// replies to no member's poll: it is then an ordinary reply.
pub async fn poll_vote(
    ctx: &Context,
    activity_id: &str,
    voter: Account,
    note: Note,
) -> Result<Option<Outcome>> {
    let Some(poll_id) = note.in_reply_to.as_ref().map(|u| u.to_string()) else {
        return Ok(None);
    };
    let poll = ctx
        .db
        .read(move |conn| {
            let status = statuses::by_ap_id(conn, &poll_id)?.filter(|s| s.local);
            Ok::<_, Error>(match status {
                Some(status) if crate::db::polls::by_status(conn, status.id)?.is_some() => {
                    Some(status)
                }
                _ => None,
            })
        })
        .await?;
    let Some(poll) = poll else {
        return Ok(None);
    };
    let urls = ctx.urls.clone();
    let outcome = once(ctx, activity_id, move |conn| {
        // The voter must be able to see the poll, as for any reply.
        if !super::views::can_see(conn, Some(&voter), &poll)? {
            return Ok(Outcome::Ignored("the voter cannot see the poll"));
        }
        Ok(
            match super::polls::remote_vote(conn, &urls, &voter, &poll, &note)? {
                Ok(()) => Outcome::Applied,
                Err(why) => Outcome::Ignored(why),
            },
        )
    })
    .await?;
    Ok(Some(outcome))
}

pub async fn update_note(
    ctx: &Context,
    activity_id: &str,
    author: Account,
    note: Note,
) -> Result<Outcome> {
    once(ctx, activity_id, move |conn| {
        let Some(status) = statuses::by_ap_id(conn, note.id.as_str())? else {
            return Ok(Outcome::Ignored("unknown status"));
        };
        if status.account_id != author.id {
            return Err(Error::Forbidden("only the author may edit a status".into()));
        }
        let content = text::sanitize_remote_html(&note.content);
        let spoiler_text = note.summary.as_deref().unwrap_or_default();
        let sensitive = note.sensitive.unwrap_or(false);
        // Some servers send Update for changes apps do not show (a poll's
        // counts, an exchange answered); only a new text makes an edit.
        if content != status.content
            || spoiler_text != status.spoiler_text
            || sensitive != status.sensitive
        {
            super::statuses::keep_version(conn, &status)?;
            statuses::update_content(
                conn,
                status.id,
                &content,
                spoiler_text,
                sensitive,
                note.updated.map(|u| u.naive_utc()).unwrap_or_else(db::now),
            )?;
            super::search::index_text(conn, status.id, spoiler_text, &content)?;
            streaming::status_edited(conn, &status)?;
            notifications::notify_boosters_of_edit(conn, status.id, author.id)?;
        }
        record_kind(conn, &status, &note)?;
        super::polls::update_remote(conn, &status, &note)?;
        // An edit may add or remove media: what it lists replaces what was.
        let rejected = super::moderation::media_rejected(conn, &author.ap_id)?;
        super::media::record_remote_attachments(conn, &status, &note.attachment, rejected)?;
        Ok(Outcome::Applied)
    })
    .await
}

/// Delete of a status, or of the actor itself.
pub async fn delete(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    object_ap_id: String,
) -> Result<Outcome> {
    once(ctx, activity_id, move |conn| {
        if object_ap_id == actor.ap_id {
            statuses::delete_by_account(conn, actor.id)?;
            follows::delete_all_of(conn, actor.id)?;
            accounts::mark_deleted(conn, actor.id)?;
            return Ok(Outcome::Applied);
        }
        let Some(status) = statuses::by_ap_id(conn, &object_ap_id)? else {
            return Ok(Outcome::Ignored("unknown object"));
        };
        if status.account_id != actor.id {
            return Err(Error::Forbidden(
                "only the author may delete a status".into(),
            ));
        }
        streaming::status_deleted(conn, &status)?;
        statuses::delete(conn, status.id)?;
        Ok(Outcome::Applied)
    })
    .await
}

/// A report from another server about accounts here.
pub async fn flag(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    objects: Vec<String>,
    content: String,
) -> Result<Outcome> {
    let flag_id = activity_id.to_string();
    once(
        ctx,
        activity_id,
        move |conn| match super::reports::record_flag(conn, &flag_id, &actor, &objects, &content)? {
            0 => Ok(Outcome::Ignored("the Flag names no one here")),
            _ => Ok(Outcome::Applied),
        },
    )
    .await
}

pub async fn like(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    object_ap_id: String,
) -> Result<Outcome> {
    let like_ap_id = activity_id.to_string();
    once(ctx, activity_id, move |conn| {
        let Some(status) = statuses::by_ap_id(conn, &object_ap_id)? else {
            return Ok(Outcome::Ignored("unknown status"));
        };
        if statuses::favourite_by(conn, actor.id, status.id)?.is_some() {
            return Ok(Outcome::Ignored("already favourited"));
        }
        statuses::insert_favourite(
            conn,
            &Favourite {
                id: next_id(),
                account_id: actor.id,
                status_id: status.id,
                ap_id: like_ap_id,
                created_at: db::now(),
            },
        )?;
        notifications::notify_id(
            conn,
            status.account_id,
            actor.id,
            notifications::FAVOURITE,
            Some(status.id),
        )?;
        Ok(Outcome::Applied)
    })
    .await
}

pub async fn undo_like(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    like_ap_id: Option<String>,
    object_ap_id: Option<String>,
) -> Result<Outcome> {
    once(ctx, activity_id, move |conn| {
        let by_id = match &like_ap_id {
            Some(id) => statuses::favourite_by_ap_id(conn, id)?,
            None => None,
        };
        let favourite = match (by_id, &object_ap_id) {
            (Some(f), _) => Some(f),
            (None, Some(object)) => match statuses::by_ap_id(conn, object)? {
                Some(status) => statuses::favourite_by(conn, actor.id, status.id)?,
                None => None,
            },
            (None, None) => None,
        };
        match favourite.filter(|f| f.account_id == actor.id) {
            Some(favourite) => {
                statuses::delete_favourite(conn, favourite.id)?;
                Ok(Outcome::Applied)
            }
            None => Ok(Outcome::Ignored("no such favourite")),
        }
    })
    .await
}

pub async fn announce(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    original: Status,
    published: Option<chrono::DateTime<chrono::Utc>>,
    audience: Vec<String>,
) -> Result<Outcome> {
    let announce_ap_id = activity_id.to_string();
    let urls = ctx.urls.clone();
    once(ctx, activity_id, move |conn| {
        // Communities here linked with the booster (a community elsewhere)
        // re-share what it shares, even when its boost is known already:
        // a post picked for a curated link arrives a second time.
        // Only those the Announce names: the sender decides what crosses
        // each link, and names the communities it may reach.
        let mut linked = Vec::new();
        for link in crate::db::communities::active_links_with(conn, actor.id)? {
            if accounts::by_id(conn, link.community_id)?
                .is_some_and(|group| audience.contains(&group.ap_id))
            {
                linked.push(link);
            }
        }
        let already = statuses::reblog_by(conn, actor.id, original.id)?.is_some();
        if already && linked.is_empty() {
            return Ok(Outcome::Ignored("already boosted"));
        }
        // A community shares a followers-only post with its members alone;
        // anyone else may boost only what is public.
        let members_only = actor.actor_type == "Group"
            && Visibility::from_stored(&original.visibility) == Visibility::Private
            && !audience.iter().any(|a| a == protocol::PUBLIC);
        if !members_only
            && !matches!(
                Visibility::from_stored(&original.visibility),
                Visibility::Public | Visibility::Unlisted
            )
        {
            return Err(Error::Forbidden(
                "only public statuses can be boosted".into(),
            ));
        }
        let hiding = follows::followers_hiding_boosts(conn, actor.id)?;
        let local_followers: Vec<i64> = follows::followers(conn, actor.id)?
            .into_iter()
            .filter(|a| a.local && a.actor_type == "Person" && !hiding.contains(&a.id))
            .map(|a| a.id)
            .collect();
        if local_followers.is_empty() && !original.local && linked.is_empty() {
            return Ok(Outcome::Ignored("no one here follows the booster"));
        }
        for link in &linked {
            if let Some(group) = accounts::by_id(conn, link.community_id)?.filter(|a| a.local) {
                super::communities::share(conn, &urls, &group, &original, Some(actor.id))?;
            }
        }
        if already {
            return Ok(Outcome::Applied);
        }
        let published = published.map(|p| p.naive_utc()).unwrap_or_else(db::now);
        let mut boost = Status::boost(
            next_id(),
            announce_ap_id,
            actor.id,
            false,
            original.id,
            published,
        );
        if members_only {
            boost.visibility = Visibility::Private.as_str().into();
        }
        let boost = statuses::insert(conn, &boost)?;
        statuses::add_boost_to_home_feeds(conn, boost.id, original.id, &local_followers)?;
        streaming::status_created(conn, &boost)?;
        notifications::notify_id(
            conn,
            original.account_id,
            actor.id,
            notifications::REBLOG,
            Some(original.id),
        )?;
        Ok(Outcome::Applied)
    })
    .await
}

pub async fn undo_announce(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    announce_ap_id: String,
    shared_ap_id: Option<String>,
) -> Result<Outcome> {
    let urls = ctx.urls.clone();
    once(ctx, activity_id, move |conn| {
        let mut boost = statuses::by_ap_id(conn, &announce_ap_id)?
            .filter(|s| s.account_id == actor.id && s.reblog_of_id.is_some());
        if boost.is_none()
            && let Some(shared) = shared_ap_id.as_deref()
            && let Some(shared) = statuses::by_ap_id(conn, shared)?
        {
            boost = statuses::reblog_by(conn, actor.id, shared.id)?;
        }
        match boost {
            Some(boost) => {
                boost_undone(conn, &urls, &actor, &boost)?;
                Ok(Outcome::Applied)
            }
            None => Ok(Outcome::Ignored("no such boost")),
        }
    })
    .await
}

fn boost_undone(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    booster: &Account,
    boost: &Status,
) -> Result<()> {
    streaming::status_deleted(conn, boost)?;
    statuses::delete(conn, boost.id)?;
    // A linked community took its share back: so do the communities here
    // that re-shared it from there.
    let original = boost
        .reblog_of_id
        .map(|id| statuses::by_id(conn, id))
        .transpose()?
        .flatten();
    if let Some(original) = original {
        for link in crate::db::communities::active_links_with(conn, booster.id)? {
            if let Some(group) = accounts::by_id(conn, link.community_id)?.filter(|a| a.local) {
                super::communities::retract(conn, urls, &group, &original, Some(booster.id))?;
            }
        }
    }
    Ok(())
}

/// Known statuses by ActivityStreams id, without fetching.
pub async fn status_by_ap_id(ctx: &Context, ap_id: &str) -> Result<Option<Status>> {
    let ap_id = ap_id.to_string();
    ctx.db
        .read(move |conn| Ok(statuses::by_ap_id(conn, &ap_id)?))
        .await
}

pub async fn account_by_ap_id(ctx: &Context, ap_id: &str) -> Result<Option<Account>> {
    let ap_id = ap_id.to_string();
    ctx.db
        .read(move |conn| Ok(accounts::by_ap_id(conn, &ap_id)?))
        .await
}

/// What the inbox reads before it trusts a request, in one trip to the
/// database: the server's federation policy, and the account holding the
/// signing key, if one does, with whether it is suspended.
pub struct Gate {
    pub policy: super::moderation::Policy,
    pub signer: Option<Account>,
    pub signer_suspended: bool,
}

pub async fn gate(ctx: &Context, key_id: &str) -> Result<Gate> {
    let key_id = key_id.to_string();
    let mode = ctx.config.federation_mode;
    ctx.db
        .read(move |conn| {
            let policy = super::moderation::Policy::load(conn, mode)?;
            let signer = accounts::by_public_key_id(conn, &key_id)?;
            let signer_suspended = match &signer {
                Some(account) => super::moderation::is_suspended(conn, account.id)?,
                None => false,
            };
            Ok(Gate {
                policy,
                signer,
                signer_suspended,
            })
        })
        .await
}

pub async fn account_by_key_id(ctx: &Context, key_id: &str) -> Result<Option<Account>> {
    let key_id = key_id.to_string();
    ctx.db
        .read(move |conn| Ok(accounts::by_public_key_id(conn, &key_id)?))
        .await
}

/// A remote actor blocks one of our members: follows end both ways.
pub async fn block(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    target_ap_id: String,
) -> Result<Outcome> {
    let block_ap_id = activity_id.to_string();
    once(ctx, activity_id, move |conn| {
        let Some(target) = local_target(conn, &target_ap_id)? else {
            return Ok(Outcome::Ignored("the blocked actor is not a member here"));
        };
        super::blocks::record_remote_block(conn, &actor, &target, &block_ap_id)?;
        Ok(Outcome::Applied)
    })
    .await
}

/// A community elsewhere removed or banned one of our members. Honoured
/// when it comes from the community itself or from its own server (where
/// its moderators usually are); the `target` may name the community or
/// its followers collection.
pub async fn community_removal(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    community: url::Url,
    member_ap_id: String,
    ban: bool,
) -> Result<Outcome> {
    let community_id = community
        .as_str()
        .trim_end_matches("/followers")
        .to_string();
    once(ctx, activity_id, move |conn| {
        let group = match crate::db::accounts::by_ap_id(conn, &community_id)? {
            Some(group) if group.actor_type == "Group" && !group.local => group,
            _ => return Ok(Outcome::Ignored("not a community known here")),
        };
        let trusted = actor.id == group.id
            || (url::Url::parse(&actor.ap_id).ok())
                .zip(url::Url::parse(&group.ap_id).ok())
                .is_some_and(|(a, g)| crate::protocol::same_origin(&a, &g));
        if !trusted {
            return Err(Error::Forbidden(
                "only a community or its own server may remove its members".into(),
            ));
        }
        let Some(member) = local_target(conn, &member_ap_id)? else {
            return Ok(Outcome::Ignored("the removed actor is not a member here"));
        };
        match super::communities::removed_elsewhere(conn, &group, &member, ban)? {
            true => Ok(Outcome::Applied),
            false => Ok(Outcome::Ignored("not a member of that community")),
        }
    })
    .await
}

pub async fn undo_block(
    ctx: &Context,
    activity_id: &str,
    actor: Account,
    block_ap_id: String,
) -> Result<Outcome> {
    once(
        ctx,
        activity_id,
        move |conn| match crate::db::blocks::unblock_by_ap_id(conn, actor.id, &block_ap_id)? {
            0 => Ok(Outcome::Ignored("no such block")),
            _ => Ok(Outcome::Applied),
        },
    )
    .await
}

/// A linked network's report (with its branch, from a child network).
pub async fn network_report(
    ctx: &Context,
    activity_id: &str,
    from: Account,
    branch: super::network_reports::Branch,
) -> Result<Outcome> {
    let sender = super::network_reports::Sender::of(ctx);
    once(
        ctx,
        activity_id,
        move |conn| match super::network_reports::received(conn, &sender, &from, branch)? {
            None => Ok(Outcome::Applied),
            Some(reason) => Ok(Outcome::Ignored(reason)),
        },
    )
    .await
}

/// A linked network withdrew its report.
pub async fn network_report_withdrawn(
    ctx: &Context,
    activity_id: &str,
    from: Account,
) -> Result<Outcome> {
    let sender = super::network_reports::Sender::of(ctx);
    once(ctx, activity_id, move |conn| {
        if super::network_reports::withdrawn(conn, &sender, &from)? {
            Ok(Outcome::Applied)
        } else {
            Ok(Outcome::Ignored("no report of that network is kept"))
        }
    })
    .await
}
