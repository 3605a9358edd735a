//! The pages anyone may read: the network's home and charter, members,
//! posts with their threads, communities, and hashtags. `/@name` and
//! `/@name/ID` also answer ActivityPub clients, which are sent to the
//! document of the same thing.

use super::{
    cards::{AccountLink, Pager, ProfileCard, StatusCard},
    page::{Layout, PageError, PageResult, render},
    session::Visitor,
};
use crate::{
    config::Registrations,
    domain::{
        Account, Context, Origin, Page, accounts, communities, exchanges, follows, links, network,
        practice, statuses, timelines,
    },
    error::Error,
    http::{activitypub::wants_activitypub, input::path_id},
};
use activitypub_federation::config::Data;
use askama::Template;
use axum::{
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect},
};
use serde::Deserialize;

/// How many posts a page of posts shows.
pub const POSTS_PER_PAGE: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub max_id: Option<String>,
    pub page: Option<String>,
    pub done: Option<String>,
    pub state: Option<String>,
    pub role: Option<String>,
    pub place: Option<String>,
    pub community: Option<String>,
    pub dimension: Option<String>,
}

impl ListQuery {
    /// `max_id` as a number; anything else is ignored (the first page).
    pub fn max_id(&self) -> Option<i64> {
        self.max_id.as_deref().and_then(|id| id.parse().ok())
    }

    /// The page number, from 1.
    pub fn page(&self) -> i64 {
        self.page
            .as_deref()
            .and_then(|p| p.parse().ok())
            .filter(|p| *p >= 1 && *p <= 100_000)
            .unwrap_or(1)
    }
}

pub fn posts_page(max_id: Option<i64>) -> Page {
    Page {
        max_id,
        limit: POSTS_PER_PAGE as i64,
        ..Page::default()
    }
}

/// A serde enum's lower-case name, as the API spells it.
pub fn word<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// One of the design questions of the charter, with its answer.
pub struct CharterAnswer {
    pub question: &'static str,
    pub answer: String,
}

pub fn charter_answers(charter: &network::Charter) -> Vec<CharterAnswer> {
    [
        ("Purpose: why does this network exist?", &charter.purpose),
        (
            "Membership: who belongs, and how do people join?",
            &charter.membership,
        ),
        (
            "Value: what do members get from taking part?",
            &charter.value_proposition,
        ),
        (
            "Coordination: how is the work coordinated?",
            &charter.coordination,
        ),
        ("Resources: what sustains the network?", &charter.resources),
        ("Governance: how are decisions made?", &charter.governance),
        (
            "Assessment: how does the network know it is working?",
            &charter.assessment,
        ),
    ]
    .into_iter()
    .map(|(question, answer)| CharterAnswer {
        question,
        answer: answer.clone(),
    })
    .collect()
}

pub struct CommunityItem {
    pub link: AccountLink,
    pub summary: String,
    pub role: String,
    pub place: String,
    pub members: i64,
    pub open: bool,
}

impl CommunityItem {
    pub fn of(ctx: &Context, view: &communities::CommunityView) -> CommunityItem {
        CommunityItem {
            link: AccountLink::of(ctx, &view.account.account),
            summary: view.account.account.note.clone(),
            role: view.role.clone(),
            place: view.place.clone(),
            members: view.members,
            open: view.join_policy == communities::Policy::Open,
        }
    }
}

pub struct ChildNetwork {
    pub handle: String,
    pub name: String,
    pub place: String,
    pub level: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    network: network::Network,
    level: String,
    kind: String,
    charter: Vec<CharterAnswer>,
    children: Vec<ChildNetwork>,
    communities: Vec<CommunityItem>,
    members: i64,
    posts: i64,
    registrations: &'static str,
    domain: String,
}

/// `/` and `/about`: the network, its charter and how to join.
pub async fn home(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let network = network::get(&ctx).await?;
    let usage = accounts::usage(&ctx).await?;
    let children = network::children(&ctx)
        .await?
        .into_iter()
        .map(|(account, profile)| {
            let profile = profile.unwrap_or_default();
            ChildNetwork {
                handle: format!("{}@{}", account.username, account.domain),
                name: if profile.name.is_empty() {
                    account.acct()
                } else {
                    profile.name
                },
                place: profile.place,
                level: word(&profile.level),
            }
        })
        .collect();
    let communities = communities::list(&ctx, None, None)
        .await?
        .iter()
        .filter(|c| c.account.account.local)
        .map(|c| CommunityItem::of(&ctx, c))
        .collect();
    let title = if network.name.is_empty() {
        "About".to_string()
    } else {
        network.name.clone()
    };
    render(&HomePage {
        layout: Layout::new(&ctx, &visitor, title)
            .await
            .with_done(query.done.as_deref()),
        level: word(&network.level),
        kind: word(&network.kind),
        charter: charter_answers(&network.charter),
        network,
        children,
        communities,
        members: usage.members,
        posts: usage.local_posts,
        registrations: match ctx.config.registrations {
            Registrations::Open => "open",
            Registrations::Approval => "approval",
            Registrations::Closed => "closed",
        },
        domain: ctx.urls.domain(),
    })
}

/// What the viewer's follow button says.
pub struct FollowState {
    pub following: bool,
    pub requested: bool,
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    layout: Layout,
    profile: ProfileCard,
    practice: practice::Practice,
    communities: Vec<AccountLink>,
    posts: Vec<StatusCard>,
    pager: Pager,
    /// None for a visitor or for the member's own page.
    follow: Option<FollowState>,
    own: bool,
    username: String,
}

/// The account named `acct` (`name` here, `name@host` elsewhere). A member
/// may look up one this server has not met yet.
async fn account_named(
    ctx: &Context,
    data: &Data<Context>,
    visitor: &Visitor,
    acct: &str,
) -> Result<Account, PageError> {
    if !acct.contains('@') || acct.ends_with(&format!("@{}", ctx.urls.domain())) {
        let name = acct.split('@').next().unwrap_or_default();
        return Ok(accounts::local_by_username(ctx, name).await?);
    }
    if let Some(known) = accounts::by_acct(ctx, acct).await? {
        return Ok(known);
    }
    if visitor.session.is_none() {
        return Err(Error::NotFound("No one by that name is known here".into()).into());
    }
    crate::federation::resolve::account_by_acct(data, acct, true)
        .await?
        .ok_or_else(|| Error::NotFound("No one by that name could be found".into()).into())
}

/// `/@name`: a member, a community, or (for `network`) the network's home.
pub async fn profile(
    State(ctx): State<Context>,
    data: Data<Context>,
    visitor: Visitor,
    headers: HeaderMap,
    Path(acct): Path<String>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let account = account_named(&ctx, &data, &visitor, &acct).await?;
    if account.deleted_at.is_some() {
        return Err(Error::Gone("This account was deleted".into()).into());
    }
    if account.local && wants_activitypub(&headers) {
        return Ok(Redirect::to(&account.ap_id).into_response());
    }
    if account.local && network::is_network_actor(&account) {
        return Ok(Redirect::to("/").into_response());
    }
    if account.local && account.actor_type == "Group" {
        return super::communities::page(&ctx, visitor, account, query).await;
    }
    let view = accounts::view(&ctx, account.clone()).await?;
    let viewer = visitor.account().cloned();
    let posts = timelines::account_statuses(
        &ctx,
        viewer.as_ref(),
        &account,
        timelines::AccountFilter::default(),
        posts_page(query.max_id()),
    )
    .await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.status.id).collect();
    let practice = practice::get(&ctx, &account).await?;
    let (joined, _) = follows::list(
        &ctx,
        account.id,
        false,
        false,
        Page {
            limit: 80,
            ..Page::default()
        },
    )
    .await?;
    let follow = match &viewer {
        Some(viewer) if viewer.id != account.id => {
            let relationship = follows::relationship(&ctx, viewer.id, account.id).await?;
            Some(FollowState {
                following: relationship.following,
                requested: relationship.requested,
            })
        }
        _ => None,
    };
    let mut layout = Layout::new(
        &ctx,
        &visitor,
        crate::http::web::page::display_name(&account),
    )
    .await
    .with_done(query.done.as_deref());
    if account.local {
        layout = layout.with_alternate(account.ap_id.clone());
    }
    render(&ProfilePage {
        layout,
        profile: ProfileCard::of(&ctx, &view),
        practice,
        communities: joined
            .iter()
            .filter(|v| v.account.actor_type == "Group")
            .map(|v| AccountLink::of(&ctx, &v.account))
            .collect(),
        posts: StatusCard::all(&ctx, &posts),
        pager: Pager::by_id(&format!("/@{acct}"), &ids, POSTS_PER_PAGE, query.max_id()),
        own: viewer.as_ref().is_some_and(|v| v.id == account.id),
        username: account.username.clone(),
        follow,
    })
}

/// An exchange's state, as a post's page shows it.
pub struct ExchangeCard {
    pub kind: String,
    pub state: &'static str,
    pub replies: String,
    pub helpful: Vec<i64>,
    /// The viewer asked: they may mark a reply as the answer.
    pub mine: bool,
}

impl ExchangeCard {
    pub fn helped(&self, reply_id: &i64) -> bool {
        self.helpful.contains(reply_id)
    }
}

#[derive(Template)]
#[template(path = "status.html")]
struct StatusPage {
    layout: Layout,
    ancestors: Vec<StatusCard>,
    status: StatusCard,
    replies: Vec<StatusCard>,
    exchange: Option<ExchangeCard>,
    visibility: &'static str,
}

/// `/@name/ID`: a post with its thread and, for a question, its exchange.
pub async fn status(
    State(ctx): State<Context>,
    data: Data<Context>,
    visitor: Visitor,
    headers: HeaderMap,
    Path((acct, id)): Path<(String, String)>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let id = path_id(&id)?;
    let account = account_named(&ctx, &data, &visitor, &acct).await?;
    let viewer = visitor.account().cloned();
    let view = statuses::view(&ctx, viewer.as_ref(), id).await?;
    if view.status.account_id != account.id || view.status.reblog_of_id.is_some() {
        return Err(Error::not_found().into());
    }
    if view.status.local && wants_activitypub(&headers) {
        return Ok(Redirect::to(&view.status.ap_id).into_response());
    }
    let (ancestors, replies) = statuses::context(&ctx, viewer.as_ref(), id).await?;
    let exchange = match exchanges::get(&ctx, viewer.as_ref(), id).await {
        Ok(exchange) => Some(ExchangeCard {
            kind: exchange.kind.clone(),
            state: exchange.state(),
            replies: super::cards::count_of(exchange.replies_count as i64, "reply", "replies"),
            helpful: exchange.helpful.clone(),
            mine: viewer.as_ref().is_some_and(|v| v.id == account.id),
        }),
        Err(Error::NotFound(_)) => None,
        Err(other) => return Err(other.into()),
    };
    let card = StatusCard::of(&ctx, &view);
    let mut layout = Layout::new(&ctx, &visitor, format!("Post by {}", card.author.name))
        .await
        .with_done(query.done.as_deref());
    if view.status.local {
        layout = layout.with_alternate(view.status.ap_id.clone());
    }
    render(&StatusPage {
        layout,
        ancestors: StatusCard::all(&ctx, &ancestors),
        visibility: card.visibility,
        status: card,
        replies: StatusCard::all(&ctx, &replies),
        exchange,
    })
}

#[derive(Template)]
#[template(path = "communities.html")]
struct CommunitiesPage {
    layout: Layout,
    communities: Vec<CommunityItem>,
    role: String,
    place: String,
    roles: Vec<String>,
    places: Vec<String>,
    pager: Pager,
}

const COMMUNITIES_PER_PAGE: usize = 30;

/// `/communities`: every community here and known elsewhere, by role and
/// place.
pub async fn communities_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let role = query.role.clone().unwrap_or_default().trim().to_string();
    let place = query.place.clone().unwrap_or_default().trim().to_string();
    let all = communities::list(&ctx, None, None).await?;
    let mut roles: Vec<String> = all.iter().map(|c| c.role.clone()).collect();
    let mut places: Vec<String> = all.iter().map(|c| c.place.clone()).collect();
    for list in [&mut roles, &mut places] {
        list.retain(|v| !v.is_empty());
        list.sort_by_key(|v| v.to_lowercase());
        list.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
    }
    let matching: Vec<_> = all
        .iter()
        .filter(|c| role.is_empty() || c.role.eq_ignore_ascii_case(&role))
        .filter(|c| place.is_empty() || c.place.eq_ignore_ascii_case(&place))
        .collect();
    let page = query.page();
    let start = ((page - 1) as usize) * COMMUNITIES_PER_PAGE;
    let shown = matching
        .iter()
        .skip(start)
        .take(COMMUNITIES_PER_PAGE)
        .map(|c| CommunityItem::of(&ctx, c))
        .collect();
    let base = format!(
        "/communities?role={}&place={}",
        super::page::urlencode(&role),
        super::page::urlencode(&place)
    );
    render(&CommunitiesPage {
        layout: Layout::new(&ctx, &visitor, "Communities of practice").await,
        communities: shown,
        pager: Pager::by_number(&base, page, matching.len() > start + COMMUNITIES_PER_PAGE),
        role,
        place,
        roles,
        places,
    })
}

#[derive(Template)]
#[template(path = "tag.html")]
struct TagPage {
    layout: Layout,
    tag: String,
    posts: Vec<StatusCard>,
    pager: Pager,
}

/// `/tags/NAME`: public posts with a hashtag, here and from elsewhere.
pub async fn tag(
    State(ctx): State<Context>,
    visitor: Visitor,
    Path(tag): Path<String>,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let tag = tag.trim_start_matches('#').to_lowercase();
    let viewer = visitor.account().cloned();
    let posts = timelines::tagged(
        &ctx,
        viewer.as_ref(),
        &tag,
        Origin::Any,
        posts_page(query.max_id()),
    )
    .await?;
    let ids: Vec<i64> = posts.iter().map(|p| p.status.id).collect();
    render(&TagPage {
        layout: Layout::new(&ctx, &visitor, format!("#{tag}")).await,
        pager: Pager::by_id(
            &format!("/tags/{}", super::page::urlencode(&tag)),
            &ids,
            POSTS_PER_PAGE,
            query.max_id(),
        ),
        posts: StatusCard::all(&ctx, &posts),
        tag,
    })
}

#[derive(Debug, Deserialize)]
pub struct InteractionQuery {
    uri: Option<String>,
}

/// `/authorize_interaction?uri=…`: where another server sends one of our
/// members who asked to follow someone from there (Mastodon's remote
/// follow). The member lands on that account's page here, with its
/// follow button.
pub async fn authorize_interaction(
    visitor: Visitor,
    Query(query): Query<InteractionQuery>,
) -> PageResult {
    visitor.member()?;
    let uri = query.uri.unwrap_or_default();
    let acct = uri
        .trim()
        .trim_start_matches("acct:")
        .trim_start_matches('@')
        .to_string();
    let valid = acct.split_once('@').is_some_and(|(name, host)| {
        !name.is_empty() && !host.is_empty() && !acct.contains(['/', '?', '#', ' '])
    });
    if !valid {
        return Err(Error::BadRequest("Give an account as name@host".into()).into());
    }
    Ok(Redirect::to(&format!("/@{acct}")).into_response())
}

/// `POST /@name/remote_follow`: a visitor from another server gives their
/// handle and is sent to their own server to follow from there.
pub async fn remote_follow(
    State(ctx): State<Context>,
    Path(acct): Path<String>,
    posted: super::session::Posted,
) -> PageResult {
    let account = accounts::local_by_username(&ctx, &acct).await?;
    let theirs = posted
        .fields
        .get("acct")
        .trim()
        .trim_start_matches('@')
        .to_string();
    let host = match theirs.split_once('@') {
        Some((name, host))
            if !name.is_empty()
                && !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')) =>
        {
            host.to_lowercase()
        }
        _ => {
            return Err(Error::Validation("Give your handle as name@your.server".into()).into());
        }
    };
    let scheme = ctx.urls.base().scheme();
    let target = format!("{}@{}", account.username, ctx.urls.domain());
    Ok(Redirect::to(&format!(
        "{scheme}://{host}/authorize_interaction?uri={}",
        super::page::urlencode(&target)
    ))
    .into_response())
}

pub fn links_of(ctx: &Context, views: &[links::LinkView]) -> Vec<LinkItem> {
    views
        .iter()
        .map(|view| LinkItem {
            id: view.link.id,
            other: AccountLink::of(ctx, &view.target),
            direction: view.link.direction.clone(),
            flow: view.link.flow.clone(),
            state: view.link.state.clone(),
        })
        .collect()
}

pub struct LinkItem {
    pub id: i64,
    pub other: AccountLink,
    pub direction: String,
    pub flow: String,
    pub state: String,
}
