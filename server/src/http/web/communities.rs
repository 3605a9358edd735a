//! A community's page (`/@name` for a Group), joining and leaving it, and
//! what its moderators do from the same page: answer join and link
//! requests, pick posts for curated links, take back re-shares.

use super::{
    cards::{AccountLink, Pager, StatusCard},
    page::{Layout, PageResult, done, render},
    public::{LinkItem, ListQuery, POSTS_PER_PAGE, links_of, posts_page},
    session::{Posted, Visitor},
};
use crate::{
    domain::{Account, Context, Page, communities, follows, links, timelines},
    error::Error,
};
use askama::Template;
use axum::extract::{Path, State};

#[derive(Template)]
#[template(path = "community.html")]
struct CommunityPage {
    layout: Layout,
    community: AccountLink,
    name: String,
    summary: String,
    role: String,
    place: String,
    members: i64,
    open: bool,
    moderators: Vec<AccountLink>,
    links: Vec<LinkItem>,
    shares: Vec<StatusCard>,
    pager: Pager,
    /// "member", "requested" or "none" for a logged-in viewer; "" for a
    /// visitor.
    membership: &'static str,
    moderating: bool,
    waiting: Vec<AccountLink>,
    /// The people in the community, for its moderators.
    members_list: Vec<AccountLink>,
}

pub async fn page(ctx: &Context, visitor: Visitor, group: Account, query: ListQuery) -> PageResult {
    let view = communities::local(ctx, &group.username).await?;
    let viewer = visitor.account().cloned();
    let shares = timelines::account_statuses(
        ctx,
        viewer.as_ref(),
        &group,
        timelines::AccountFilter::default(),
        posts_page(query.max_id()),
    )
    .await?;
    let ids: Vec<i64> = shares.iter().map(|s| s.status.id).collect();
    let moderating = viewer
        .as_ref()
        .is_some_and(|v| view.moderators.iter().any(|m| m.id == v.id));
    let membership = match &viewer {
        Some(viewer) => {
            let relationship = follows::relationship(ctx, viewer.id, group.id).await?;
            if relationship.following {
                "member"
            } else if relationship.requested {
                "requested"
            } else {
                "none"
            }
        }
        None => "",
    };
    let people = async |pending: bool| -> Result<Vec<AccountLink>, super::page::PageError> {
        if !moderating {
            return Ok(Vec::new());
        }
        let page = Page {
            limit: 80,
            ..Page::default()
        };
        let (views, _) = follows::list(ctx, group.id, true, pending, page).await?;
        Ok(views
            .iter()
            .filter(|v| v.account.actor_type == "Person")
            .map(|v| AccountLink::of(ctx, &v.account))
            .collect())
    };
    let waiting = people(true).await?;
    let members_list = people(false).await?;
    let links = links_of(ctx, &links::list(ctx, &group.username).await?);
    let layout = Layout::new(ctx, &visitor, super::page::display_name(&group))
        .await
        .with_done(query.done.as_deref())
        .with_alternate(group.ap_id.clone());
    render(&CommunityPage {
        layout,
        community: AccountLink::of(ctx, &group),
        name: group.username.clone(),
        summary: group.note.clone(),
        role: view.role.clone(),
        place: view.place.clone(),
        members: view.members,
        open: view.join_policy == communities::Policy::Open,
        moderators: view
            .moderators
            .iter()
            .map(|m| AccountLink::of(ctx, m))
            .collect(),
        links,
        shares: StatusCard::all(ctx, &shares),
        pager: Pager::by_id(
            &format!("/@{}", group.username),
            &ids,
            POSTS_PER_PAGE,
            query.max_id(),
        ),
        membership,
        moderating,
        waiting,
        members_list,
    })
}

fn community_path(name: &str) -> String {
    format!("/@{name}")
}

/// `POST /communities/NAME/join`
pub async fn join(
    State(ctx): State<Context>,
    Path(name): Path<String>,
    posted: Posted,
) -> PageResult {
    let member = posted.visitor.member()?.account.clone();
    let group = communities::local(&ctx, &name).await?.account.account;
    let follow = follows::follow(&ctx, &member, &group, Default::default()).await?;
    done(
        &community_path(&name),
        if follow.accepted {
            "joined"
        } else {
            "requested"
        },
    )
}

/// `POST /communities/NAME/leave`
pub async fn leave(
    State(ctx): State<Context>,
    Path(name): Path<String>,
    posted: Posted,
) -> PageResult {
    let member = posted.visitor.member()?.account.clone();
    let group = communities::local(&ctx, &name).await?.account.account;
    follows::unfollow(&ctx, &member, &group).await?;
    done(&community_path(&name), "left")
}

/// `POST /communities/NAME/requests/ACCOUNT_ID/{accept,reject}`
pub async fn answer_request(
    State(ctx): State<Context>,
    Path((name, account_id, answer)): Path<(String, String, String)>,
    posted: Posted,
) -> PageResult {
    let moderator = posted.visitor.member()?.account.clone();
    let accept = accept_or_reject(&answer)?;
    let group = communities::moderated_account(&ctx, &moderator, &name).await?;
    let requester = crate::http::input::path_id(&account_id)?;
    follows::answer_request(&ctx, &group, requester, accept).await?;
    answered(&name, accept)
}

/// `POST /communities/NAME/members/ACCOUNT_ID/{remove,ban}`
pub async fn remove_member(
    State(ctx): State<Context>,
    Path((name, account_id, how)): Path<(String, String, String)>,
    posted: Posted,
) -> PageResult {
    let moderator = posted.visitor.member()?.account.clone();
    let ban = match how.as_str() {
        "remove" => false,
        "ban" => true,
        _ => return Err(Error::not_found().into()),
    };
    let member = crate::http::input::path_id(&account_id)?;
    communities::remove_member(&ctx, &moderator, &name, member, ban).await?;
    done(&community_path(&name), "removed")
}

/// `POST /communities/NAME/links/ID/{accept,reject,remove}`
pub async fn answer_link(
    State(ctx): State<Context>,
    Path((name, link_id, answer)): Path<(String, String, String)>,
    posted: Posted,
) -> PageResult {
    let moderator = posted.visitor.member()?.account.clone();
    let link_id = crate::http::input::path_id(&link_id)?;
    if answer == "remove" {
        links::remove(&ctx, &moderator, &name, link_id).await?;
        return done(&community_path(&name), "removed");
    }
    let accept = accept_or_reject(&answer)?;
    links::answer(&ctx, &moderator, &name, link_id, accept).await?;
    answered(&name, accept)
}

/// `POST /communities/NAME/shares/STATUS_ID/{pick,remove}`
pub async fn share(
    State(ctx): State<Context>,
    Path((name, status_id, action)): Path<(String, String, String)>,
    posted: Posted,
) -> PageResult {
    let moderator = posted.visitor.member()?.account.clone();
    let status_id = crate::http::input::path_id(&status_id)?;
    match action.as_str() {
        "pick" => {
            communities::pick(&ctx, &moderator, &name, status_id).await?;
            done(&posted.fields.return_to(&community_path(&name)), "picked")
        }
        "remove" => {
            communities::remove_share(&ctx, &moderator, &name, status_id).await?;
            done(&community_path(&name), "removed")
        }
        _ => Err(Error::not_found().into()),
    }
}

/// Back to the community's page, saying how a request was answered.
fn answered(name: &str, accept: bool) -> PageResult {
    done(
        &community_path(name),
        if accept { "accepted" } else { "rejected" },
    )
}

fn accept_or_reject(answer: &str) -> Result<bool, Error> {
    match answer {
        "accept" => Ok(true),
        "reject" => Ok(false),
        _ => Err(Error::not_found()),
    }
}
