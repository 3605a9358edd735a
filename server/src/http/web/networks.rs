//! `/network`: this network and the networks inside it, each with what it
//! shared, and the networks linked with this one. Admins answer peer
//! requests and ask other networks to link here.

use super::{
    cards::count_of,
    page::{Layout, PageResult, done, render},
    public::ListQuery,
    session::{Posted, Visitor},
};
use crate::{
    domain::{
        Context, accounts, network, network_map,
        network_reports::{self, BranchView},
    },
    error::Error,
    federation::{Data, resolve},
};
use askama::Template;
use axum::extract::{Path, Query, State};

/// One network of the tree, said in words.
pub struct TreeRow {
    pub depth: usize,
    pub name: String,
    pub acct: String,
    pub about: String,
    pub shared: bool,
    pub age: String,
    pub lines: Vec<String>,
    pub stories: Vec<(String, String)>,
}

fn row(depth: usize, branch: &BranchView) -> TreeRow {
    let about: Vec<String> = [network::word(&branch.level), branch.place.clone()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    let mut row = TreeRow {
        depth: depth.min(6),
        name: branch.name.clone(),
        acct: branch.acct.clone(),
        about: about.join(", "),
        shared: branch.report.is_some(),
        age: branch
            .age_seconds
            .map(|s| format!("measured {} ago", network_map::human_duration(s)))
            .unwrap_or_default(),
        lines: Vec::new(),
        stories: Vec::new(),
    };
    if let Some(report) = &branch.report {
        let stories: u64 = report.stories.by_dimension.values().sum();
        row.lines = vec![
            format!(
                "{} ({} active in the last {} days); {}",
                count_of(report.members as i64, "member", "members"),
                report.active_members,
                report.active_window_days,
                count_of(
                    report.communities.values().sum::<u64>() as i64,
                    "community of practice",
                    "communities of practice"
                ),
            ),
            format!(
                "{} inside, {} with other networks",
                count_of(report.ties.inside as i64, "tie", "ties"),
                report.ties.to_other_networks
            ),
            format!(
                "{} opened, {} answered; {}; {}, {} became collaborations",
                count_of(report.exchanges.opened as i64, "exchange", "exchanges"),
                report.exchanges.answered,
                count_of(stories as i64, "benefit story", "benefit stories"),
                count_of(
                    report.introductions.made as i64,
                    "introduction",
                    "introductions"
                ),
                report.introductions.became_collaborations
            ),
        ];
        row.stories = report
            .stories
            .public
            .iter()
            .map(|s| (s.url.clone(), s.excerpt.clone()))
            .collect();
    }
    row
}

pub struct LinkRow {
    pub acct: String,
    pub name: String,
    pub url: String,
    pub relation: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "network.html")]
struct NetworkPage {
    layout: Layout,
    rows: Vec<TreeRow>,
    totals: String,
    links: Vec<LinkRow>,
    trends: Vec<String>,
}

/// `GET /network`
pub async fn network_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    visitor.member()?;
    let admin = visitor.session.as_ref().is_some_and(|s| s.user.admin);
    let tree = network_reports::tree(&ctx).await?;
    let t = &tree.totals;
    let totals = format!(
        "{} in this tree, {} sharing their report: {} ({} active), {}, {} opened and {} answered, {}.",
        count_of(t.networks as i64, "network", "networks"),
        t.shared,
        count_of(t.members as i64, "member", "members"),
        t.active_members,
        count_of(
            t.communities as i64,
            "community of practice",
            "communities of practice"
        ),
        count_of(t.exchanges_opened as i64, "exchange", "exchanges"),
        t.exchanges_answered,
        count_of(
            t.stories.values().sum::<u64>() as i64,
            "benefit story",
            "benefit stories"
        ),
    );
    let links = network::links(&ctx, admin)
        .await?
        .into_iter()
        .map(|link| LinkRow {
            acct: link.acct,
            name: link.name,
            url: link.url,
            relation: link.relation,
            state: link.state,
        })
        .collect();
    let history = network_reports::history(
        &ctx,
        chrono::Utc::now() - chrono::Duration::days(1),
        chrono::Utc::now(),
    )
    .await?;
    render(&NetworkPage {
        layout: Layout::new(&ctx, &visitor, "The network and the networks inside it")
            .await
            .with_done(query.done.as_deref()),
        rows: tree
            .root
            .flattened()
            .into_iter()
            .map(|(depth, branch)| row(depth, branch))
            .collect(),
        totals,
        links,
        trends: history.trends,
    })
}

/// `POST /network/links`: ask another network to link as peers (admins).
pub async fn request_link(data: Data, posted: Posted) -> PageResult {
    posted.visitor.admin()?;
    let target = resolve::network_actor(&data, posted.fields.get("target").trim()).await?;
    network::request_peer(&data, target).await?;
    done("/network#links", "requested_link")
}

/// `POST /network/links/{acct}/{accept|reject}`: answer a peer request or
/// end a peer link (admins).
pub async fn answer_link(
    State(ctx): State<Context>,
    Path((acct, action)): Path<(String, String)>,
    posted: Posted,
) -> PageResult {
    posted.visitor.admin()?;
    let accept = match action.as_str() {
        "accept" => true,
        "reject" => false,
        _ => return Err(Error::not_found().into()),
    };
    let other = accounts::by_acct(&ctx, &acct)
        .await?
        .ok_or_else(Error::not_found)?;
    network::answer_peer(&ctx, other, accept).await?;
    done(
        "/network#links",
        if accept { "accepted" } else { "removed" },
    )
}
