//! The weaving pages: learning exchanges (answering and marking answers),
//! benefit stories, introductions, the network map and its health report.

use super::{
    cards::{AccountLink, Pager, StatusCard, count_of},
    page::{Layout, PageResult, done, render},
    posting::{DimensionChoice, dimension_choices},
    public::{ListQuery, POSTS_PER_PAGE},
    session::{Posted, Visitor},
};
use crate::{
    domain::{
        Context, accounts, exchanges, introductions, kinds::Dimension, network_map, statuses,
        stories, weavers,
    },
    graph,
    http::input::path_id,
};
use askama::Template;
use axum::extract::{Path, Query, State};
use std::collections::BTreeSet;

/// An exchange in a list: the question, its state and (for the asker)
/// the replies to choose the answer from.
pub struct ExchangeItem {
    pub id: i64,
    pub question: StatusCard,
    pub kind: String,
    pub state: &'static str,
    pub replies: String,
    pub waited: Option<String>,
    pub answers: Vec<ReplyItem>,
}

pub struct ReplyItem {
    pub card: StatusCard,
    pub helped: bool,
}

fn item(ctx: &Context, exchange: &exchanges::ExchangeView) -> ExchangeItem {
    ExchangeItem {
        id: exchange.status.status.id,
        question: StatusCard::of(ctx, &exchange.status),
        kind: exchange.kind.clone(),
        state: exchange.state(),
        replies: if exchange.replies_count == 0 {
            "no reply yet".into()
        } else {
            count_of(exchange.replies_count as i64, "reply", "replies")
        },
        waited: exchange
            .seconds_to_first_reply()
            .map(|s| format!("first reply after {}", network_map::human_duration(s))),
        answers: Vec::new(),
    }
}

#[derive(Template)]
#[template(path = "exchanges.html")]
struct ExchangesPage {
    layout: Layout,
    answered: bool,
    mine: Vec<ExchangeItem>,
    exchanges: Vec<ExchangeItem>,
    pager: Pager,
}

/// `/exchanges`: questions and requests, open (or `?state=answered`),
/// newest first; for a member also their own open questions with the
/// replies they can mark as the answer.
pub async fn exchanges_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let answered = query.state.as_deref() == Some("answered");
    let viewer = visitor.account().cloned();
    let filter = exchanges::ExchangeFilter {
        answered: Some(answered),
        scope: Default::default(),
        max_id: query.max_id(),
        limit: POSTS_PER_PAGE as i64,
        ..Default::default()
    };
    let listed = exchanges::list(&ctx, viewer.as_ref(), filter).await?;
    let ids: Vec<i64> = listed.iter().map(|e| e.status.status.id).collect();
    let mut mine = Vec::new();
    if let (Some(viewer), false, None) = (&viewer, answered, query.max_id()) {
        let own = exchanges::ExchangeFilter {
            answered: Some(false),
            asker: Some(viewer.id),
            limit: POSTS_PER_PAGE as i64,
            ..Default::default()
        };
        for exchange in exchanges::list(&ctx, Some(viewer), own).await? {
            let mut entry = item(&ctx, &exchange);
            let (_, replies) = statuses::context(&ctx, Some(viewer), entry.id).await?;
            entry.answers = replies
                .iter()
                .filter(|r| r.status.account_id != viewer.id)
                .map(|r| ReplyItem {
                    helped: exchange.helpful.contains(&r.status.id),
                    card: StatusCard::of(&ctx, r),
                })
                .collect();
            mine.push(entry);
        }
    }
    let exchanges = listed
        .iter()
        .filter(|e| !mine.iter().any(|m| m.id == e.status.status.id))
        .map(|e| item(&ctx, e))
        .collect();
    let base = if answered {
        "/exchanges?state=answered"
    } else {
        "/exchanges"
    };
    let title = if answered {
        "Answered questions"
    } else {
        "Questions waiting for an answer"
    };
    render(&ExchangesPage {
        layout: Layout::new(&ctx, &visitor, title)
            .await
            .with_done(query.done.as_deref()),
        answered,
        mine,
        exchanges,
        pager: Pager::by_id(base, &ids, POSTS_PER_PAGE, query.max_id()),
    })
}

/// `POST /exchanges/ID/answer`: the asker names the reply that answered.
pub async fn answer(
    State(ctx): State<Context>,
    Path(id): Path<String>,
    posted: Posted,
) -> PageResult {
    let asker = posted.visitor.member()?.account.clone();
    let reply = posted.fields.id("reply_id")?;
    exchanges::answer(&ctx, &asker, path_id(&id)?, vec![reply]).await?;
    done("/exchanges?state=answered", "answered")
}

pub struct StoryItem {
    pub card: StatusCard,
    pub dimensions: Vec<String>,
}

pub struct DimensionCount {
    pub label: String,
    pub value: &'static str,
    pub count: usize,
}

#[derive(Template)]
#[template(path = "stories.html")]
struct StoriesPage {
    layout: Layout,
    stories: Vec<StoryItem>,
    counts: Vec<DimensionCount>,
    dimension: String,
    kinds: &'static [super::posting::KindChoice],
    dimensions: Vec<DimensionChoice>,
    pager: Pager,
}

/// `/stories`: benefit stories, by dimension, with a form to tell one.
pub async fn stories_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let dimension = query.dimension.as_deref().and_then(Dimension::parse);
    let viewer = visitor.account().cloned();
    let listed = stories::list(
        &ctx,
        viewer.as_ref(),
        dimension,
        query.max_id(),
        POSTS_PER_PAGE as i64,
    )
    .await?;
    let counts = stories::counts(&ctx, stories::Period::Month).await?;
    let ids: Vec<i64> = listed.iter().map(|s| s.status.status.id).collect();
    let base = match dimension {
        Some(d) => format!("/stories?dimension={}", d.as_str()),
        None => "/stories".into(),
    };
    render(&StoriesPage {
        layout: Layout::new(&ctx, &visitor, "Benefit stories")
            .await
            .with_done(query.done.as_deref()),
        stories: listed
            .iter()
            .map(|s| StoryItem {
                card: StatusCard::of(&ctx, &s.status),
                dimensions: s.dimensions.iter().map(|d| d.replace('_', " ")).collect(),
            })
            .collect(),
        counts: Dimension::ALL
            .iter()
            .map(|d| DimensionCount {
                label: d.as_str().replace('_', " "),
                value: d.as_str(),
                count: counts.total.get(d.as_str()).copied().unwrap_or(0),
            })
            .collect(),
        dimension: dimension
            .map(|d| d.as_str().to_string())
            .unwrap_or_default(),
        kinds: &super::posting::KIND_CHOICES,
        dimensions: dimension_choices(),
        pager: Pager::by_id(&base, &ids, POSTS_PER_PAGE, query.max_id()),
    })
}

pub struct SuggestionItem {
    pub person: AccountLink,
    pub reasons: Vec<String>,
}

/// Two members a weaver might introduce, for the network-wide list.
pub struct PairingItem {
    pub member: AccountLink,
    pub standing: &'static str,
    pub meet: AccountLink,
    pub reasons: Vec<String>,
}

#[derive(Template)]
#[template(path = "introductions.html")]
struct IntroductionsPage {
    layout: Layout,
    suggestions: Vec<SuggestionItem>,
    /// Who should meet whom across the network; for weavers and admins
    /// only, None for everyone else.
    network: Option<Vec<PairingItem>>,
    made: Vec<MadeItem>,
    a: String,
    b: String,
}

pub struct MadeItem {
    pub first: AccountLink,
    pub second: AccountLink,
    pub when: String,
    pub collaborated: bool,
}

/// How many people to suggest on the page.
const SUGGESTIONS: usize = 12;

/// How many pairs the weavers' section lists.
const PAIRINGS: usize = 20;

/// `/introductions`: people to meet with the reasons, and a form to
/// introduce two people to each other.
pub async fn introductions_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<IntroduceQuery>,
) -> PageResult {
    let session = visitor.member()?;
    let member = session.account.clone();
    let suggested = introductions::suggest(&ctx, &member, SUGGESTIONS).await?;
    let made = introductions::made_by(&ctx, &member).await?;
    let network = if accounts::can_weave(&session.user) {
        let pairings = weavers::who_should_meet(&ctx, &session.user, PAIRINGS).await?;
        Some(
            pairings
                .iter()
                .map(|pairing| PairingItem {
                    member: AccountLink::of(&ctx, &pairing.member.account),
                    standing: pairing.standing.as_str(),
                    meet: AccountLink::of(&ctx, &pairing.meet.account),
                    reasons: pairing.reasons.clone(),
                })
                .collect(),
        )
    } else {
        None
    };
    render(&IntroductionsPage {
        layout: Layout::new(&ctx, &visitor, "Introductions")
            .await
            .with_done(query.done.as_deref()),
        suggestions: suggested
            .iter()
            .map(|(suggestion, view)| SuggestionItem {
                person: AccountLink::of(&ctx, &view.account),
                reasons: suggestion.reasons.clone(),
            })
            .collect(),
        network,
        made: made
            .iter()
            .map(|(intro, first, second)| MadeItem {
                first: AccountLink::of(&ctx, first),
                second: AccountLink::of(&ctx, second),
                when: intro.created_at.format("%-d %b %Y").to_string(),
                collaborated: intro.collaborated_at.is_some(),
            })
            .collect(),
        a: query.a.unwrap_or_default(),
        b: query.b.unwrap_or_default(),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct IntroduceQuery {
    a: Option<String>,
    b: Option<String>,
    done: Option<String>,
}

/// `POST /introductions`: introduces `a` and `b` (handles) with a note.
pub async fn introduce(State(ctx): State<Context>, posted: Posted) -> PageResult {
    let session = posted.visitor.member()?;
    let introducer = session.account.clone();
    let weaves = accounts::can_weave(&session.user);
    let fields = &posted.fields;
    let first = accounts::by_acct(&ctx, fields.get("a")).await?;
    let second = accounts::by_acct(&ctx, fields.get("b")).await?;
    let draft =
        introductions::check(&ctx, &introducer, weaves, first, second, fields.get("note")).await?;
    introductions::introduce(&ctx, &introducer, draft).await?;
    done("/introductions", "introduced")
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    layout: Layout,
    svg: String,
    community: String,
    role: String,
    place: String,
    communities: Vec<String>,
    roles: Vec<String>,
    places: Vec<String>,
    shown: usize,
    health: Vec<HealthLine>,
    computed: String,
}

fn sorted(values: impl Iterator<Item = String>) -> Vec<String> {
    values
        .filter(|v| !v.trim().is_empty())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect()
}

/// `/map`: the network map, filtered by community, role and place, with
/// the health report in words beside it.
pub async fn map_page(
    State(ctx): State<Context>,
    visitor: Visitor,
    Query(query): Query<ListQuery>,
) -> PageResult {
    let names = network_map::may_see_names(&visitor.member()?.user);
    let measured = network_map::measured(&ctx).await?;
    let whole = &measured.graph;
    let community = query.community.clone().unwrap_or_default();
    let role = query.role.clone().unwrap_or_default();
    let place = query.place.clone().unwrap_or_default();
    let communities = sorted(whole.nodes.iter().flat_map(|n| n.communities.clone()));
    let roles = sorted(whole.nodes.iter().flat_map(|n| n.roles.clone()));
    let places = sorted(whole.nodes.iter().filter_map(|n| n.place.clone()));
    let shown = whole.filtered(|node| {
        (community.is_empty()
            || node
                .communities
                .iter()
                .any(|c| c.eq_ignore_ascii_case(&community)))
            && (role.is_empty() || node.roles.iter().any(|r| r.eq_ignore_ascii_case(&role)))
            && (place.is_empty()
                || node
                    .place
                    .as_deref()
                    .is_some_and(|p| p.eq_ignore_ascii_case(&place)))
    });
    let options = graph::MapOptions {
        name_brokers: names,
    };
    // The whole map's figures are cached; a filtered one needs its own.
    let svg = if community.is_empty() && role.is_empty() && place.is_empty() {
        measured.svg(options).await?
    } else {
        graph::to_svg_with(&shown, options)
    };
    let health = for_viewer(network_map::health(&ctx).await?, names);
    render(&MapPage {
        layout: Layout::new(&ctx, &visitor, "Network map").await,
        svg,
        shown: shown.nodes.len(),
        community,
        role,
        place,
        communities,
        roles,
        places,
        computed: health.generated_at.clone(),
        health: health_in_words(&health),
    })
}

fn wait_of(health: &network_map::Health) -> String {
    health
        .exchanges
        .median_seconds_to_first_reply
        .map(|s| network_map::human_duration(s as i64))
        .unwrap_or_else(|| "no replies yet".into())
}

#[derive(Template)]
#[template(path = "health.html")]
struct HealthPage {
    layout: Layout,
    health: Vec<HealthLine>,
    computed: String,
}

/// `/network/health`: the health report for members.
pub async fn health_page(State(ctx): State<Context>, visitor: Visitor) -> PageResult {
    let names = network_map::may_see_names(&visitor.member()?.user);
    let health = for_viewer(network_map::health(&ctx).await?, names);
    render(&HealthPage {
        layout: Layout::new(&ctx, &visitor, "Network health").await,
        computed: health.generated_at.clone(),
        health: health_in_words(&health),
    })
}

/// The report with names only for those who may see them.
fn for_viewer(health: network_map::Health, names: bool) -> network_map::Health {
    if names { health } else { health.for_member() }
}

/// One figure of the health report, said in a sentence.
pub struct HealthLine {
    pub label: &'static str,
    pub sentence: String,
}

fn people(n: usize) -> String {
    count_of(n as i64, "person", "people")
}

fn ties(n: usize) -> String {
    count_of(n as i64, "tie", "ties")
}

/// The health report as a weaver reads it.
fn health_in_words(health: &network_map::Health) -> Vec<HealthLine> {
    let g = &health.graph;
    let line = |label, sentence: String| HealthLine { label, sentence };
    let stories: Vec<String> = health
        .stories
        .iter()
        .map(|(dimension, n)| format!("{} {n}", dimension.replace('_', " ")))
        .collect();
    let mut lines = vec![
        line(
            "Members",
            format!(
                "{} here, {} active in the last {} days.",
                health.members, health.active_members, health.active_window_days
            ),
        ),
        line(
            "On the map",
            format!(
                "{} ({} here) joined by {}.",
                people(g.nodes),
                g.local_members,
                ties(g.ties)
            ),
        ),
        line(
            "Core and periphery",
            format!(
                "{} in the core, each tied to at least {} others in it; {} on the periphery; {} with no tie yet, the first to introduce.",
                people(g.core_members),
                g.core_k,
                people(g.periphery_members),
                people(g.isolated_members)
            ),
        ),
        line(
            "Density and reciprocity",
            format!(
                "{:.1}% of possible ties exist; {:.0}% of ties are returned.",
                g.density * 100.0,
                g.reciprocity * 100.0
            ),
        ),
        line(
            "Across places",
            format!(
                "{} of {} join different places.",
                g.ties_across_places.across,
                ties(g.ties_across_places.counted)
            ),
        ),
        line(
            "Across communities",
            format!(
                "{} of {} join different communities.",
                g.ties_across_communities.across,
                ties(g.ties_across_communities.counted)
            ),
        ),
        line(
            "To other networks",
            format!(
                "{} reach members on other servers.",
                ties(g.ties_to_other_instances)
            ),
        ),
        line(
            "Learning exchanges",
            format!(
                "{} opened, {} replied to, {} answered; the median first reply came after {}.",
                health.exchanges.opened,
                health.exchanges.replied,
                health.exchanges.answered,
                wait_of(health)
            ),
        ),
        line(
            "Tie strength",
            format!(
                "{} strong and {} weak; a strong tie goes both ways, with mutual follows and a conversation or help in an exchange.",
                g.strong_ties, g.weak_ties
            ),
        ),
        line(
            "Centralisation",
            format!(
                "{:.2} (0 when everyone is equally connected, 1 for one hub); the best-connected 1, 3 and 10 people hold {:.0}%, {:.0}% and {:.0}% of ties.",
                g.degree_centralisation,
                g.ties_through_top.top_1 * 100.0,
                g.ties_through_top.top_3 * 100.0,
                g.ties_through_top.top_10 * 100.0
            ),
        ),
        line("Benefit stories", format!("{}.", stories.join(", "))),
        line(
            "Introductions",
            format!(
                "{} made, {} became micro-collaborations.",
                health.introductions.made, health.introductions.became_collaborations
            ),
        ),
    ];
    lines.extend(health.advice.iter().map(|advice| {
        line(
            match advice.topic {
                "shape" => "Shape",
                "brokers" => "Brokers",
                "tie_strength" => "Deepening ties",
                "introductions" => "Introductions to follow up",
                _ => "No tie yet",
            },
            advice.text.clone(),
        )
    }));
    lines
}
