//! Links between communities: horizontal (`peer`, the same role in another
//! place) and vertical (`parent`, `child`: town, county, state). A link is
//! a pair of follows between the two Group actors, each Follow marked with
//! `trellis:link` and what the other side is to the sender. Once both
//! follows are accepted, each community's re-shares reach the other, which
//! re-shares them to its own members, subject to the sender's `flow`.

use super::{Context, communities, outbox, render};
use crate::{
    db::{
        self, DbConnection, accounts, communities as store, follows,
        ids::next_id,
        models::{Account, CommunityLink, Follow, Status},
        statuses,
    },
    error::{Error, Result},
};
use serde::{Deserialize, Serialize};

/// What the other community is to this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Peer,
    Parent,
    Child,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Peer => "peer",
            Direction::Parent => "parent",
            Direction::Child => "child",
        }
    }

    pub fn parse(value: &str) -> Option<Direction> {
        match value {
            "peer" => Some(Direction::Peer),
            "parent" => Some(Direction::Parent),
            "child" => Some(Direction::Child),
            _ => None,
        }
    }

    /// The same link seen from the other end.
    pub fn inverse(self) -> Direction {
        match self {
            Direction::Peer => Direction::Peer,
            Direction::Parent => Direction::Child,
            Direction::Child => Direction::Parent,
        }
    }

    /// What crosses by default: everything between peers and downward, only
    /// curated posts upward, so a county is not flooded by every town.
    fn default_flow(self) -> Flow {
        match self {
            Direction::Parent => Flow::Curated,
            Direction::Peer | Direction::Child => Flow::All,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flow {
    All,
    Curated,
}

impl Flow {
    fn as_str(self) -> &'static str {
        match self {
            Flow::All => "all",
            Flow::Curated => "curated",
        }
    }
}

pub const PENDING: &str = "pending";
pub const ACTIVE: &str = "active";
pub const REJECTED: &str = "rejected";

/// The hashtag an author adds to send a post across curated links.
pub const WIDER_TAG: &str = "wider";

/// A link as the API shows it.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub link: CommunityLink,
    pub target: Account,
}

/// The `trellis:link` marker on a Follow between communities.
pub fn marker(direction: Direction) -> serde_json::Value {
    serde_json::json!({ "type": "trellis:Link", "direction": direction.as_str() })
}

fn follow_activity(
    follow: &Follow,
    from: &Account,
    to: &Account,
    direction: Direction,
) -> serde_json::Value {
    let mut activity = render::follow(&follow.ap_id, from, to);
    activity["trellis:link"] = marker(direction);
    activity
}

/// `group` follows `target` as one side of a link (nothing if it already
/// does); a remote target is sent the marked Follow.
fn follow_for_link(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    target: &Account,
    direction: Direction,
) -> Result<()> {
    if follows::between(conn, group.id, target.id)?.is_some() {
        return Ok(());
    }
    let id = next_id();
    let follow = Follow {
        id,
        account_id: group.id,
        target_account_id: target.id,
        ap_id: urls.activity(id),
        accepted: target.local,
        created_at: db::now(),
        notify: false,
        show_reblogs: true,
    };
    follows::insert(conn, &follow)?;
    if !target.local {
        let activity = follow_activity(&follow, group, target, direction);
        outbox::enqueue(
            conn,
            urls,
            group,
            &activity,
            [target.inbox_url.clone()].into(),
        )?;
    }
    Ok(())
}

/// A moderator of `name` asks `target` (another community) for a link.
pub async fn request(
    ctx: &Context,
    moderator: &Account,
    name: &str,
    target: &Account,
    direction: Direction,
) -> Result<LinkView> {
    if target.actor_type != "Group" {
        return Err(Error::Validation(format!(
            "{} is not a community",
            target.acct()
        )));
    }
    let (moderator, name, target, urls) = (
        moderator.clone(),
        name.to_string(),
        target.clone(),
        ctx.urls.clone(),
    );
    let view = ctx
        .db
        .write(move |conn| -> Result<LinkView> {
            let group = communities::moderated_in(conn, &name, &moderator)?;
            if group.id == target.id {
                return Err(Error::Validation(
                    "a community cannot link to itself".into(),
                ));
            }
            match store::link_between(conn, group.id, target.id)? {
                // A refused request may be made again.
                Some(old) if old.state == REJECTED => store::delete_link(conn, old.id)?,
                Some(_) => {
                    return Err(Error::Validation(format!(
                        "already linked with {}",
                        target.acct()
                    )));
                }
                None => {}
            }
            let link = CommunityLink {
                id: next_id(),
                community_id: group.id,
                target_account_id: target.id,
                direction: direction.as_str().to_string(),
                flow: direction.default_flow().as_str().to_string(),
                state: PENDING.to_string(),
                created_at: db::now(),
            };
            store::insert_link(conn, &link)?;
            follow_for_link(conn, &urls, &group, &target, direction)?;
            if target.local {
                // Both ends live here: the other side answers at once.
                let follow = follows::between(conn, group.id, target.id)?
                    .ok_or_else(|| Error::Internal("the link's follow vanished".into()))?;
                received(conn, &urls, &target, &group, &follow, direction.inverse())?;
            }
            let link = store::link(conn, group.id, link.id)?.ok_or_else(Error::not_found)?;
            Ok(LinkView { link, target })
        })
        .await?;
    ctx.deliveries_queued();
    Ok(view)
}

/// `requester` asked `group` (local) for a link through `follow`;
/// `direction` is what `requester` is to `group`. Completes a link `group`
/// asked for, or records a new request, accepted at once under an open
/// link policy.
pub fn received(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    requester: &Account,
    follow: &Follow,
    direction: Direction,
) -> Result<()> {
    let open = store::of_account(conn, group.id)?.is_some_and(|c| c.link_policy != "approval");
    let link = match store::link_between(conn, group.id, requester.id)? {
        // Already linked: a repeated Follow changes nothing.
        Some(link) if link.state == ACTIVE => link,
        // `group` asked first (it follows them): this is the other half.
        Some(link)
            if link.state == PENDING
                && follows::between(conn, group.id, requester.id)?.is_some() =>
        {
            link
        }
        // Their request again, or anew after a refusal: the policy decides
        // as it did the first time.
        Some(link) => {
            if !open {
                store::set_link_state(conn, link.id, PENDING)?;
                return Ok(());
            }
            link
        }
        None => {
            let link = CommunityLink {
                id: next_id(),
                community_id: group.id,
                target_account_id: requester.id,
                direction: direction.as_str().to_string(),
                flow: direction.default_flow().as_str().to_string(),
                state: PENDING.to_string(),
                created_at: db::now(),
            };
            store::insert_link(conn, &link)?;
            if !open {
                return Ok(());
            }
            link
        }
    };
    activate(conn, urls, group, requester, follow, &link)
}

/// Accepts the other side's follow, marks the link active, and follows back.
fn activate(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    other: &Account,
    their_follow: &Follow,
    link: &CommunityLink,
) -> Result<()> {
    if !their_follow.accepted {
        follows::accept(conn, their_follow.id)?;
    }
    if !other.local {
        let accept = render::follow_answer(
            "Accept",
            &urls.activity(next_id()),
            group,
            &their_follow.ap_id,
            other,
        );
        outbox::enqueue(conn, urls, group, &accept, [other.inbox_url.clone()].into())?;
    }
    store::set_link_state(conn, link.id, ACTIVE)?;
    let direction = Direction::parse(&link.direction).unwrap_or(Direction::Peer);
    follow_for_link(conn, urls, group, other, direction)?;
    if other.local
        && let Some(their_link) = store::link_between(conn, other.id, group.id)?
    {
        store::set_link_state(conn, their_link.id, ACTIVE)?;
    }
    Ok(())
}

/// A moderator answers a pending link request.
pub async fn answer(
    ctx: &Context,
    moderator: &Account,
    name: &str,
    link_id: i64,
    accept: bool,
) -> Result<LinkView> {
    let (moderator, name, urls) = (moderator.clone(), name.to_string(), ctx.urls.clone());
    let view = ctx
        .db
        .write(move |conn| -> Result<LinkView> {
            let group = communities::moderated_in(conn, &name, &moderator)?;
            let link = store::link(conn, group.id, link_id)?.ok_or_else(Error::not_found)?;
            let other =
                accounts::by_id(conn, link.target_account_id)?.ok_or_else(Error::not_found)?;
            let their_follow = follows::between(conn, other.id, group.id)?
                .filter(|_| link.state == PENDING)
                .ok_or_else(|| {
                    Error::Validation("this link is not waiting for an answer".into())
                })?;
            if accept {
                activate(conn, &urls, &group, &other, &their_follow, &link)?;
            } else {
                refuse(conn, &urls, &group, &other, &their_follow)?;
                store::set_link_state(conn, link.id, REJECTED)?;
            }
            let link = store::link(conn, group.id, link.id)?.ok_or_else(Error::not_found)?;
            Ok(LinkView {
                link,
                target: other,
            })
        })
        .await?;
    ctx.deliveries_queued();
    Ok(view)
}

/// `group` turns down `other`'s request: their follow goes and they are
/// told (a Reject, or on this server their link is marked at once).
fn refuse(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    other: &Account,
    their_follow: &Follow,
) -> Result<()> {
    follows::delete(conn, their_follow.id)?;
    if other.local {
        return refused(conn, other, group);
    }
    let reject = render::follow_answer(
        "Reject",
        &urls.activity(next_id()),
        group,
        &their_follow.ap_id,
        other,
    );
    outbox::enqueue(conn, urls, group, &reject, [other.inbox_url.clone()].into())
}

/// The other side accepted `group`'s follow: the link is active if this
/// side had asked for it.
pub fn accepted(conn: &mut DbConnection, group: &Account, other: &Account) -> Result<()> {
    if let Some(link) = store::link_between(conn, group.id, other.id)?
        && link.state == PENDING
        && follows::between(conn, other.id, group.id)?.is_some_and(|f| f.accepted)
    {
        store::set_link_state(conn, link.id, ACTIVE)?;
    }
    Ok(())
}

/// The other side turned `group`'s link request down.
pub fn refused(conn: &mut DbConnection, group: &Account, other: &Account) -> Result<()> {
    if let Some(link) = store::link_between(conn, group.id, other.id)? {
        store::set_link_state(conn, link.id, REJECTED)?;
    }
    Ok(())
}

/// The other side ended the link (Undo of its follow, or Reject of ours):
/// forget it, and stop following them.
pub fn ended(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    other: &Account,
) -> Result<()> {
    let Some(link) = store::link_between(conn, group.id, other.id)? else {
        return Ok(());
    };
    store::delete_link(conn, link.id)?;
    unfollow(conn, urls, group, other)?;
    if let Some(theirs) = follows::between(conn, other.id, group.id)? {
        follows::delete(conn, theirs.id)?;
    }
    Ok(())
}

fn unfollow(
    conn: &mut DbConnection,
    urls: &super::urls::Urls,
    group: &Account,
    other: &Account,
) -> Result<()> {
    if let Some(ours) = follows::between(conn, group.id, other.id)? {
        follows::delete(conn, ours.id)?;
        if !other.local {
            let follow = render::follow(&ours.ap_id, group, other);
            let undo = render::undo_of(&urls.activity(next_id()), group, follow);
            outbox::enqueue(conn, urls, group, &undo, [other.inbox_url.clone()].into())?;
        }
    }
    Ok(())
}

/// A moderator removes a link; the other side is told and stops too.
pub async fn remove(ctx: &Context, moderator: &Account, name: &str, link_id: i64) -> Result<()> {
    let (moderator, name, urls) = (moderator.clone(), name.to_string(), ctx.urls.clone());
    ctx.db
        .write(move |conn| -> Result<()> {
            let group = communities::moderated_in(conn, &name, &moderator)?;
            let link = store::link(conn, group.id, link_id)?.ok_or_else(Error::not_found)?;
            let other =
                accounts::by_id(conn, link.target_account_id)?.ok_or_else(Error::not_found)?;
            // A request still waiting is turned down, so that the other
            // side does not wait for an answer that never comes.
            if link.state == PENDING
                && !other.local
                && let Some(theirs) = follows::between(conn, other.id, group.id)?
            {
                refuse(conn, &urls, &group, &other, &theirs)?;
            }
            ended(conn, &urls, &group, &other)?;
            if other.local {
                ended(conn, &urls, &other, &group)?;
            }
            Ok(())
        })
        .await?;
    ctx.deliveries_queued();
    Ok(())
}

/// A moderator changes what this side sends across a link.
pub async fn set_flow(
    ctx: &Context,
    moderator: &Account,
    name: &str,
    link_id: i64,
    flow: Flow,
) -> Result<LinkView> {
    let (moderator, name) = (moderator.clone(), name.to_string());
    ctx.db
        .write(move |conn| -> Result<LinkView> {
            let group = communities::moderated_in(conn, &name, &moderator)?;
            let link = store::link(conn, group.id, link_id)?.ok_or_else(Error::not_found)?;
            store::set_link_flow(conn, link.id, flow.as_str())?;
            let target =
                accounts::by_id(conn, link.target_account_id)?.ok_or_else(Error::not_found)?;
            let link = store::link(conn, group.id, link.id)?.ok_or_else(Error::not_found)?;
            Ok(LinkView { link, target })
        })
        .await
}

pub async fn list(ctx: &Context, name: &str) -> Result<Vec<LinkView>> {
    let name = name.to_string();
    ctx.db
        .read(move |conn| {
            let group = accounts::local_by_username(conn, &name)?
                .filter(|a| a.actor_type == "Group")
                .ok_or_else(Error::not_found)?;
            let mut views = Vec::new();
            for link in store::links_of(conn, group.id)? {
                if let Some(target) = accounts::by_id(conn, link.target_account_id)? {
                    views.push(LinkView { link, target });
                }
            }
            Ok(views)
        })
        .await
}

/// Whether `group` may send `status` across `link`.
pub fn crosses(
    conn: &mut DbConnection,
    group: &Account,
    link: &CommunityLink,
    status: &Status,
) -> Result<bool> {
    if link.state != ACTIVE {
        return Ok(false);
    }
    if link.flow != Flow::Curated.as_str() {
        return Ok(true);
    }
    Ok(store::is_picked(conn, group.id, status.id)?
        || statuses::tags_of(conn, status.id)?
            .iter()
            .any(|t| t == WIDER_TAG))
}
