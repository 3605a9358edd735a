//! The network report: what a network shares of itself with the networks
//! around it. Only aggregates travel (counts, figures, and the stories
//! whose authors made them public), never who is who.
//!
//! Reports move up the nesting level by level. A town sends its report to
//! its county; the county keeps it and sends its own report to the state
//! with the reports of its towns inside (a *branch*), so the state sees
//! every town without ever talking to one, and each server holds only the
//! branch below it. Peer networks exchange their own reports, without
//! branches. Each network chooses who receives its report
//! ([`ShareReport`]); a network that stops sharing sends a `Delete`, and
//! the levels above show it as "not shared".

use super::{
    Context,
    kinds::Dimension,
    network::{self, Level, Network, ShareReport},
    network_map, outbox,
};
use crate::{
    db::{self, DbConnection, ids::next_id, models::Account},
    error::{Error, Result},
    graph::{Graph, TieKind},
};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The object type of a report on the wire.
pub const REPORT_TYPE: &str = "trellis:NetworkReport";

pub fn is_report_type(kind: &str) -> bool {
    kind == REPORT_TYPE || kind == "NetworkReport"
}

/// The ActivityPub id of a network's report, beside its actor.
pub fn report_id(actor_ap_id: &str) -> String {
    format!("{actor_ap_id}/report")
}

/// A network's figures at one time. Every field defaults, so a report
/// from a newer or older Trellis reads as far as it goes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Report {
    pub members: u64,
    pub active_members: u64,
    pub active_window_days: u64,
    /// Local communities of practice, by role.
    pub communities: BTreeMap<String, u64>,
    pub ties: Ties,
    pub exchanges: Exchanges,
    pub stories: Stories,
    pub introductions: Introductions,
    /// The health figures (density, reciprocity, core…), numbers and flags
    /// only: lists that name people are never part of a report.
    pub health: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Ties {
    /// Ties between two members of this network.
    pub inside: u64,
    /// Ties between a member here and someone on another server.
    pub to_other_networks: u64,
    /// The latter by server, most first.
    pub by_network: Vec<NetworkTies>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetworkTies {
    pub host: String,
    /// The network's name when that server's network is linked with this one.
    pub name: Option<String>,
    pub ties: u64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Exchanges {
    pub opened: u64,
    pub answered: u64,
    pub replied: u64,
    pub median_seconds_to_first_reply: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Stories {
    pub by_dimension: BTreeMap<String, u64>,
    /// The newest stories their authors posted publicly.
    pub public: Vec<PublicStory>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PublicStory {
    pub url: String,
    pub excerpt: String,
    pub dimensions: Vec<String>,
    pub published: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Introductions {
    pub made: u64,
    pub became_collaborations: u64,
}

/// A network with its report (`None`: not shared) and the branches below
/// it that were shared upward to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Branch {
    /// The network actor's id.
    pub network: String,
    pub acct: String,
    pub name: String,
    pub place: String,
    pub level: Level,
    pub computed_at: Option<DateTime<Utc>>,
    pub report: Option<Report>,
    pub children: Vec<Branch>,
}

/// Public stories a report carries at most.
const PUBLIC_STORIES: i64 = 5;
const EXCERPT_CHARS: usize = 280;

/// Limits on what another network may send: enough for a country of
/// towns, small enough that a hostile peer cannot fill the database.
const MAX_DEPTH: usize = 6;
const MAX_BRANCHES: usize = 2000;
const MAX_TEXT: usize = 300;
const MAX_URL: usize = 2048;
const MAX_ENTRIES: usize = 200;
const MAX_HEALTH_FIGURES: usize = 60;

fn too_long(text: &str, max: usize) -> bool {
    text.chars().count() > max
}

impl Report {
    fn check(&self) -> std::result::Result<(), String> {
        if self.communities.len() > MAX_ENTRIES
            || self.ties.by_network.len() > MAX_ENTRIES
            || self.stories.by_dimension.len() > MAX_ENTRIES
            || self.stories.public.len() > PUBLIC_STORIES as usize
            || self.health.len() > MAX_HEALTH_FIGURES
        {
            return Err("the report has too many entries".into());
        }
        let texts = self
            .communities
            .keys()
            .chain(self.stories.by_dimension.keys())
            .chain(self.health.keys())
            .chain(self.ties.by_network.iter().map(|t| &t.host))
            .chain(self.ties.by_network.iter().filter_map(|t| t.name.as_ref()));
        for text in texts {
            if too_long(text, MAX_TEXT) {
                return Err("a name in the report is too long".into());
            }
        }
        for story in &self.stories.public {
            if too_long(&story.url, MAX_URL)
                || too_long(&story.excerpt, EXCERPT_CHARS + 1)
                || too_long(&story.published, 40)
                || story.dimensions.len() > Dimension::ALL.len()
                || story.dimensions.iter().any(|d| too_long(d, MAX_TEXT))
            {
                return Err("a public story in the report is malformed".into());
            }
            if !story.url.starts_with("https://") && !story.url.starts_with("http://") {
                return Err("a public story's url is not a web address".into());
            }
        }
        if self
            .health
            .values()
            .any(|v| !(v.is_number() || v.is_boolean()))
        {
            return Err("health figures are numbers or flags".into());
        }
        Ok(())
    }
}

impl Branch {
    /// Checks a branch another network sent: sizes, depth, and that no
    /// network appears twice (which would make the tree a loop).
    pub fn check(&self) -> Result<()> {
        let mut seen = BTreeSet::new();
        let mut count = 0;
        self.check_at(0, &mut seen, &mut count)
            .map_err(|reason| Error::BadRequest(format!("network report refused: {reason}")))
    }

    fn check_at(
        &self,
        depth: usize,
        seen: &mut BTreeSet<String>,
        count: &mut usize,
    ) -> std::result::Result<(), String> {
        *count += 1;
        if depth > MAX_DEPTH {
            return Err(format!("branches nest more than {MAX_DEPTH} deep"));
        }
        if *count > MAX_BRANCHES {
            return Err(format!("more than {MAX_BRANCHES} networks"));
        }
        if !seen.insert(self.network.clone()) {
            return Err(format!("{} appears twice", self.network));
        }
        if url::Url::parse(&self.network).is_err() || too_long(&self.network, MAX_URL) {
            return Err("a network is not named by its actor's id".into());
        }
        if [&self.acct, &self.name, &self.place]
            .iter()
            .any(|t| too_long(t, MAX_TEXT))
        {
            return Err("a network's name is too long".into());
        }
        if let Some(report) = &self.report {
            report.check()?;
        }
        for child in &self.children {
            child.check_at(depth + 1, seen, count)?;
        }
        Ok(())
    }

    /// Every network in the branch, itself first.
    pub fn all(&self) -> Vec<&Branch> {
        let mut out = vec![self];
        for child in &self.children {
            out.extend(child.all());
        }
        out
    }
}

/// Measures this network now.
pub async fn compute(ctx: &Context) -> Result<Report> {
    let (health, graph) = network_map::health_now(ctx).await?;
    report_of(ctx, health, graph).await
}

/// The report of the network as `health` and `graph` measured it.
async fn report_of(
    ctx: &Context,
    health: network_map::Health,
    graph: std::sync::Arc<crate::graph::Graph>,
) -> Result<Report> {
    ctx.db
        .read(move |conn| {
            let mut report = Report {
                members: health.members as u64,
                active_members: health.active_members as u64,
                active_window_days: health.active_window_days as u64,
                ties: ties_of(conn, &graph)?,
                exchanges: Exchanges {
                    opened: health.exchanges.opened as u64,
                    answered: health.exchanges.answered as u64,
                    replied: health.exchanges.replied as u64,
                    median_seconds_to_first_reply: health.exchanges.median_seconds_to_first_reply,
                },
                introductions: Introductions {
                    made: health.introductions.made as u64,
                    became_collaborations: health.introductions.became_collaborations as u64,
                },
                health: plain_figures(&health.graph),
                ..Report::default()
            };
            for role in db::weaving::local_community_roles(conn)? {
                let role = role.trim();
                let role = if role.is_empty() { "other" } else { role };
                *report.communities.entry(role.to_string()).or_default() += 1;
            }
            report.stories.by_dimension = health
                .stories
                .iter()
                .map(|(dimension, count)| (dimension.to_string(), *count as u64))
                .collect();
            report.stories.public = public_stories(conn)?;
            Ok(report)
        })
        .await
}

/// The top-level numbers and flags of the figures; lists (which may name
/// people) and nested objects stay home.
fn plain_figures<T: Serialize>(figures: &T) -> BTreeMap<String, serde_json::Value> {
    match serde_json::to_value(figures) {
        Ok(serde_json::Value::Object(map)) => map
            .into_iter()
            .filter(|(_, value)| value.is_number() || value.is_boolean())
            .collect(),
        _ => BTreeMap::new(),
    }
}

/// Ties counted by network, not by person: pairs of members with any
/// contact but an introduction alone.
fn ties_of(conn: &mut DbConnection, graph: &Graph) -> Result<Ties> {
    let mut pairs = BTreeSet::new();
    for edge in &graph.edges {
        let (from, to) = (edge.from(), edge.to());
        let valid = from != to
            && from < graph.nodes.len()
            && to < graph.nodes.len()
            && edge.kind != TieKind::Introduction;
        if valid {
            pairs.insert((from.min(to), from.max(to)));
        }
    }
    let host_of = |index: usize| {
        let node = &graph.nodes[index];
        (!node.local).then(|| {
            node.acct
                .split_once('@')
                .map(|(_, host)| host.to_lowercase())
                .unwrap_or_default()
        })
    };
    let mut ties = Ties::default();
    let mut by_host: HashMap<String, u64> = HashMap::new();
    for (a, b) in pairs {
        match (host_of(a), host_of(b)) {
            (None, None) => ties.inside += 1,
            (Some(host), None) | (None, Some(host)) => {
                ties.to_other_networks += 1;
                *by_host.entry(host).or_default() += 1;
            }
            // Two people elsewhere: on the map only through members here.
            (Some(_), Some(_)) => {}
        }
    }
    let names: HashMap<String, String> = db::network::all_links(conn)?
        .into_iter()
        .map(|(account, ..)| (account.domain.to_lowercase(), account.display_name))
        .collect();
    let mut by_network: Vec<NetworkTies> = by_host
        .into_iter()
        .map(|(host, count)| NetworkTies {
            name: names.get(&host).cloned(),
            host,
            ties: count,
        })
        .collect();
    by_network.sort_by(|a, b| b.ties.cmp(&a.ties).then(a.host.cmp(&b.host)));
    by_network.truncate(MAX_ENTRIES);
    ties.by_network = by_network;
    Ok(ties)
}

fn public_stories(conn: &mut DbConnection) -> Result<Vec<PublicStory>> {
    let stories = db::weaving::public_local_stories(conn, PUBLIC_STORIES)?;
    let ids: Vec<i64> = stories.iter().map(|s| s.id).collect();
    let mut dimensions: HashMap<i64, Vec<String>> = HashMap::new();
    for (status, dimension) in db::weaving::dimensions_of_many(conn, &ids)? {
        dimensions.entry(status).or_default().push(dimension);
    }
    Ok(stories
        .into_iter()
        .map(|story| {
            let text = super::text::strip_html(&story.content);
            let mut excerpt: String = text.trim().chars().take(EXCERPT_CHARS).collect();
            if text.trim().chars().count() > EXCERPT_CHARS {
                excerpt.push('…');
            }
            PublicStory {
                url: story.url.clone().unwrap_or_else(|| story.ap_id.clone()),
                excerpt,
                dimensions: dimensions.remove(&story.id).unwrap_or_default(),
                published: story
                    .published_at
                    .and_utc()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            }
        })
        .collect())
}

/// This network's actor, inside a transaction.
fn own_actor(conn: &mut DbConnection) -> Result<Account> {
    db::accounts::local_by_username(conn, network::NETWORK_USERNAME)?
        .ok_or_else(|| Error::Internal("the network actor is missing".into()))
}

fn stored_branch(conn: &mut DbConnection, account_id: i64) -> Result<Option<Branch>> {
    Ok(db::network::report(conn, account_id)?
        .and_then(|stored| serde_json::from_str(&stored.document).ok()))
}

/// A network known only by its actor: its name, and no report.
fn unshared(conn: &mut DbConnection, account: &Account) -> Result<Branch> {
    let profile: Option<Network> = db::network::remote_profile(conn, account.id)?
        .and_then(|json| serde_json::from_str(&json).ok());
    let profile = profile.unwrap_or_default();
    let name = if profile.name.is_empty() {
        account.display_name.clone()
    } else {
        profile.name
    };
    Ok(Branch {
        network: account.ap_id.clone(),
        acct: account.acct(),
        name,
        place: profile.place,
        level: profile.level,
        ..Branch::default()
    })
}

/// This network as a branch: its latest report and, when `with_children`,
/// what each child last shared (or its name alone).
fn own_branch(
    conn: &mut DbConnection,
    instance_name: &str,
    domain: &str,
    with_children: bool,
) -> Result<Branch> {
    let actor = own_actor(conn)?;
    let profile = network::get_in(conn, instance_name)?;
    let stored = db::network::report(conn, actor.id)?;
    let mut branch = Branch {
        network: actor.ap_id.clone(),
        acct: format!("{}@{domain}", actor.username),
        name: profile.name,
        place: profile.place,
        level: profile.level,
        computed_at: stored.as_ref().map(|s| s.computed_at.and_utc()),
        report: stored.and_then(|s| serde_json::from_str(&s.document).ok()),
        children: Vec::new(),
    };
    if with_children {
        for child in db::network::linked(conn, network::CHILD)? {
            let shared = match stored_branch(conn, child.id)? {
                Some(branch) => branch,
                None => unshared(conn, &child)?,
            };
            branch.children.push(shared);
        }
    }
    Ok(branch)
}

/// The `Update` that carries `branch` to `recipient`.
fn update_activity(
    urls: &super::urls::Urls,
    actor: &Account,
    branch: &Branch,
    recipient: &Account,
) -> serde_json::Value {
    let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let object = serde_json::json!({
        "id": report_id(&actor.ap_id),
        "type": REPORT_TYPE,
        "attributedTo": actor.ap_id,
        "to": [recipient.ap_id],
        "published": branch.computed_at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        "updated": now,
        "trellis:branch": branch,
    });
    super::render::activity(
        "Update",
        &urls.activity(next_id()),
        actor,
        object,
        std::slice::from_ref(&recipient.ap_id),
        &[],
    )
}

/// The `Delete` that withdraws this network's report from `recipient`.
fn delete_activity(
    urls: &super::urls::Urls,
    actor: &Account,
    recipient: &Account,
) -> serde_json::Value {
    super::render::activity(
        "Delete",
        &urls.activity(next_id()),
        actor,
        serde_json::Value::String(report_id(&actor.ap_id)),
        std::slice::from_ref(&recipient.ap_id),
        &[],
    )
}

/// Who receives this network's report, and whether with its branch.
struct Audience {
    parent: Option<Account>,
    peers: Vec<Account>,
}

fn audience(conn: &mut DbConnection) -> Result<Audience> {
    Ok(Audience {
        parent: db::network::linked(conn, network::PARENT)?
            .into_iter()
            .next(),
        peers: db::network::linked(conn, network::PEER)?,
    })
}

/// Everything a sending transaction needs to know about this instance.
#[derive(Clone)]
pub struct Sender {
    pub urls: super::urls::Urls,
    pub instance_name: String,
}

impl Sender {
    pub fn of(ctx: &Context) -> Sender {
        Sender {
            urls: ctx.urls.clone(),
            instance_name: ctx.config.instance_name.clone(),
        }
    }

    fn domain(&self) -> String {
        self.urls.domain()
    }

    /// Sends the report (with the branch, to the parent) to everyone the
    /// network shares it with; `only` narrows it to one network.
    pub fn send(&self, conn: &mut DbConnection, only: Option<i64>) -> Result<()> {
        let share = network::get_in(conn, &self.instance_name)?.share_report;
        let actor = own_actor(conn)?;
        let audience = audience(conn)?;
        let wanted = |account: &Account| only.is_none_or(|id| id == account.id);
        if let Some(parent) = audience.parent.filter(|p| wanted(p))
            && share.reaches_parent()
        {
            let branch = own_branch(conn, &self.instance_name, &self.domain(), true)?;
            let activity = update_activity(&self.urls, &actor, &branch, &parent);
            self.deliver(conn, &actor, &parent, activity)?;
        }
        let peers: Vec<Account> = audience.peers.into_iter().filter(|p| wanted(p)).collect();
        if share.reaches_peers() && !peers.is_empty() {
            let branch = own_branch(conn, &self.instance_name, &self.domain(), false)?;
            for peer in peers {
                let activity = update_activity(&self.urls, &actor, &branch, &peer);
                self.deliver(conn, &actor, &peer, activity)?;
            }
        }
        Ok(())
    }

    /// Withdraws the report from those the new choice no longer reaches.
    pub fn withdraw(&self, conn: &mut DbConnection, share: ShareReport) -> Result<()> {
        let actor = own_actor(conn)?;
        let audience = audience(conn)?;
        let mut gone = Vec::new();
        if !share.reaches_parent() {
            gone.extend(audience.parent);
        }
        if !share.reaches_peers() {
            gone.extend(audience.peers);
        }
        for recipient in gone {
            let activity = delete_activity(&self.urls, &actor, &recipient);
            self.deliver(conn, &actor, &recipient, activity)?;
        }
        Ok(())
    }

    fn deliver(
        &self,
        conn: &mut DbConnection,
        actor: &Account,
        recipient: &Account,
        activity: serde_json::Value,
    ) -> Result<()> {
        outbox::enqueue(
            conn,
            &self.urls,
            actor,
            &activity,
            [recipient.delivery_inbox().to_string()].into(),
        )
    }
}

/// How long an unchanged report may go unsent: the levels above learn at
/// least once a day that the network is still there.
const RESEND_AFTER_HOURS: i64 = 24;

/// Measures the network, keeps the report and sends it where it is shared
/// when it changed, when a day has passed, or when `force`d. Returns
/// whether it was sent.
pub async fn refresh(ctx: &Context, force: bool) -> Result<bool> {
    let report = compute(ctx).await?;
    keep(ctx, report, force).await
}

/// Before this network's own report is shown here, it is brought up to
/// the cached map (see [`network_map::measured`]) when the map is newer:
/// measured from it (so a look costs little), kept, and sent on if it
/// changed, as the schedule would. A network's own page shows it as it
/// is, not as it was this morning.
async fn freshen_own(ctx: &Context) -> Result<()> {
    let measured = network_map::measured(ctx).await?;
    let measured_at = measured.measured_at;
    let stale = ctx
        .db
        .read(move |conn| -> Result<bool> {
            let actor = own_actor(conn)?;
            Ok(db::network::report(conn, actor.id)?
                .is_none_or(|stored| stored.computed_at < measured_at))
        })
        .await?;
    if stale {
        let health =
            network_map::Health::of(&measured.graph, &measured.figures, &measured.activity);
        let report = report_of(ctx, health, measured.graph.clone()).await?;
        keep(ctx, report, false).await?;
    }
    Ok(())
}

/// Stores `report` as this network's own and sends it where it is shared
/// when it changed, when a day has passed, or when `force`d.
async fn keep(ctx: &Context, report: Report, force: bool) -> Result<bool> {
    let sender = Sender::of(ctx);
    let interval = chrono::Duration::from_std(ctx.config.network_report_interval())
        .unwrap_or(chrono::Duration::days(1));
    let sent = ctx
        .db
        .write(move |conn| -> Result<bool> {
            let actor = own_actor(conn)?;
            let now = db::now();
            let stored = db::network::report(conn, actor.id)?;
            let before: Option<Report> = stored
                .as_ref()
                .and_then(|s| serde_json::from_str(&s.document).ok());
            let changed = before.as_ref() != Some(&report);
            let due = stored
                .as_ref()
                .and_then(|s| s.pushed_at)
                .is_none_or(|at| now - at >= chrono::Duration::hours(RESEND_AFTER_HOURS));
            // This network's own row holds the report alone; the rows of
            // other networks hold the branch they sent.
            let document =
                serde_json::to_string(&report).map_err(|e| Error::Internal(e.to_string()))?;
            db::network::save_report(conn, actor.id, &document, now)?;
            take_snapshot_if_due(conn, &report, now, interval)?;
            if !(changed || due || force) {
                return Ok(false);
            }
            sender.send(conn, None)?;
            db::network::mark_report_pushed(conn, actor.id, now)?;
            Ok(true)
        })
        .await?;
    if sent {
        ctx.deliveries_queued();
    }
    Ok(sent)
}

/// A snapshot for the history, unless one was taken within the interval
/// (a little less, so a daily tick that runs late still takes one a day).
fn take_snapshot_if_due(
    conn: &mut DbConnection,
    report: &Report,
    now: NaiveDateTime,
    interval: chrono::Duration,
) -> Result<()> {
    let slack = interval / 10;
    let due = db::network::latest_snapshot_at(conn)?.is_none_or(|at| now - at >= interval - slack);
    if due {
        let figures = serde_json::to_string(report).map_err(|e| Error::Internal(e.to_string()))?;
        db::network::insert_snapshot(conn, next_id(), now, &figures)?;
    }
    Ok(())
}

/// A linked network sent its report (with its branch, from a child).
/// A child's branch is passed on upward at once, so a change in a town
/// reaches the state in one delivery per level. `Ok(Some(reason))` when
/// it was not kept because the network is not linked with this one.
pub fn received(
    conn: &mut DbConnection,
    sender: &Sender,
    from: &Account,
    branch: Branch,
) -> Result<Option<&'static str>> {
    branch.check()?;
    if branch.network != from.ap_id {
        return Err(Error::Forbidden(
            "a network report must describe its sender".into(),
        ));
    }
    let own = own_actor(conn)?;
    if branch.all().iter().any(|b| b.network == own.ap_id) {
        return Err(Error::BadRequest(
            "a network report may not contain this network".into(),
        ));
    }
    // A peer that was asked may send its report before its Accept
    // arrives: that it sends one says it agreed.
    let relation = match db::network::link_with(conn, from.id)? {
        Some((relation, state))
            if state == network::ACTIVE
                || (relation == network::PEER && state == network::PENDING_OUT) =>
        {
            relation
        }
        _ => return Ok(Some("the network is not linked with this one")),
    };
    let mut branch = branch;
    if relation != network::CHILD {
        // Peers share their own report; branches travel only upward.
        branch.children.clear();
    }
    let computed_at = branch
        .computed_at
        .map(|at| at.naive_utc())
        .unwrap_or_else(db::now);
    let document = serde_json::to_string(&branch).map_err(|e| Error::Internal(e.to_string()))?;
    db::network::save_report(conn, from.id, &document, computed_at)?;
    if relation == network::CHILD {
        pass_upward(conn, sender)?;
    }
    Ok(None)
}

/// A linked network withdrew its report.
pub fn withdrawn(conn: &mut DbConnection, sender: &Sender, from: &Account) -> Result<bool> {
    if db::network::remove_report(conn, from.id)? == 0 {
        return Ok(false);
    }
    if db::network::link_with(conn, from.id)?
        .is_some_and(|(relation, _)| relation == network::CHILD)
    {
        pass_upward(conn, sender)?;
    }
    Ok(true)
}

/// Sends this network's branch to its parent, if it shares with it.
fn pass_upward(conn: &mut DbConnection, sender: &Sender) -> Result<()> {
    if let Some(parent) = db::network::linked(conn, network::PARENT)?
        .into_iter()
        .next()
    {
        sender.send(conn, Some(parent.id))?;
    }
    Ok(())
}

/// A branch as the API shows it: with whether it is shared and how old
/// its report is.
#[derive(Debug, Clone, Serialize)]
pub struct BranchView {
    pub network: String,
    pub acct: String,
    pub name: String,
    pub place: String,
    pub level: Level,
    pub shared: bool,
    pub computed_at: Option<DateTime<Utc>>,
    pub age_seconds: Option<i64>,
    pub report: Option<Report>,
    pub children: Vec<BranchView>,
}

impl BranchView {
    fn of(branch: Branch, now: DateTime<Utc>) -> BranchView {
        BranchView {
            shared: branch.report.is_some(),
            age_seconds: branch.computed_at.map(|at| (now - at).num_seconds().max(0)),
            network: branch.network,
            acct: branch.acct,
            name: branch.name,
            place: branch.place,
            level: branch.level,
            computed_at: branch.computed_at,
            report: branch.report,
            children: branch
                .children
                .into_iter()
                .map(|child| BranchView::of(child, now))
                .collect(),
        }
    }

    /// Every network in the view, itself first, with its depth.
    pub fn flattened(&self) -> Vec<(usize, &BranchView)> {
        let mut out = Vec::new();
        self.flatten_into(0, &mut out);
        out
    }

    fn flatten_into<'a>(&'a self, depth: usize, out: &mut Vec<(usize, &'a BranchView)>) {
        out.push((depth, self));
        for child in &self.children {
            child.flatten_into(depth + 1, out);
        }
    }
}

/// Sums across every network in a tree that shared its report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub networks: u64,
    pub shared: u64,
    pub members: u64,
    pub active_members: u64,
    pub communities: u64,
    pub exchanges_opened: u64,
    pub exchanges_answered: u64,
    pub stories: BTreeMap<String, u64>,
    pub introductions_made: u64,
    pub introductions_became_collaborations: u64,
    pub ties_inside: u64,
}

impl Totals {
    pub fn of(root: &BranchView) -> Totals {
        let mut totals = Totals::default();
        for (_, branch) in root.flattened() {
            totals.networks += 1;
            let Some(report) = &branch.report else {
                continue;
            };
            totals.shared += 1;
            totals.members += report.members;
            totals.active_members += report.active_members;
            totals.communities += report.communities.values().sum::<u64>();
            totals.exchanges_opened += report.exchanges.opened;
            totals.exchanges_answered += report.exchanges.answered;
            for (dimension, count) in &report.stories.by_dimension {
                *totals.stories.entry(dimension.clone()).or_default() += count;
            }
            totals.introductions_made += report.introductions.made;
            totals.introductions_became_collaborations +=
                report.introductions.became_collaborations;
            totals.ties_inside += report.ties.inside;
        }
        totals
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Tree {
    pub root: BranchView,
    /// Across `root` and everything below it; peers are beside the tree,
    /// not in it, and are not counted.
    pub totals: Totals,
    /// The peer networks, with the reports they shared.
    pub peers: Vec<BranchView>,
}

/// This network and every network below it that it heard of, with their
/// latest shared reports and the totals, and its peers beside.
pub async fn tree(ctx: &Context) -> Result<Tree> {
    freshen_own(ctx).await?;
    let sender = Sender::of(ctx);
    let (branch, peers) = ctx
        .db
        .read(move |conn| -> Result<(Branch, Vec<Branch>)> {
            let branch = own_branch(conn, &sender.instance_name, &sender.domain(), true)?;
            let mut peers = Vec::new();
            for peer in db::network::linked(conn, network::PEER)? {
                peers.push(match stored_branch(conn, peer.id)? {
                    Some(shared) => shared,
                    None => unshared(conn, &peer)?,
                });
            }
            Ok((branch, peers))
        })
        .await?;
    let now = Utc::now();
    let root = BranchView::of(branch, now);
    let totals = Totals::of(&root);
    Ok(Tree {
        root,
        totals,
        peers: peers.into_iter().map(|p| BranchView::of(p, now)).collect(),
    })
}

/// "1 member", "7 members".
fn counted(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The tree as text, for `trellis network tree`: each network indented
/// under the one it is part of, then the totals.
pub fn tree_text(tree: &Tree) -> String {
    let mut out = String::new();
    for (depth, branch) in tree.root.flattened() {
        let indent = "    ".repeat(depth);
        let level = network::word(&branch.level);
        let mut head = format!("{indent}{}", branch.name);
        if !level.is_empty() || !branch.place.is_empty() {
            let about: Vec<&str> = [level.as_str(), branch.place.as_str()]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect();
            head.push_str(&format!(" ({})", about.join(", ")));
        }
        head.push_str(&format!("  {}", branch.acct));
        out.push_str(&head);
        out.push('\n');
        let Some(report) = &branch.report else {
            out.push_str(&format!("{indent}    not shared\n"));
            continue;
        };
        let age = branch
            .age_seconds
            .map(|s| format!("measured {} ago", network_map::human_duration(s)))
            .unwrap_or_else(|| "not measured yet".into());
        let stories: u64 = report.stories.by_dimension.values().sum();
        out.push_str(&format!(
            "{indent}    {} ({} active), {}, {} inside, {} to other networks; {age}\n",
            counted(report.members, "member", "members"),
            report.active_members,
            counted(
                report.communities.values().sum::<u64>(),
                "community",
                "communities"
            ),
            counted(report.ties.inside, "tie", "ties"),
            report.ties.to_other_networks,
        ));
        out.push_str(&format!(
            "{indent}    {} opened, {} answered; {}; {}, {} became collaborations\n",
            counted(report.exchanges.opened, "exchange", "exchanges"),
            report.exchanges.answered,
            counted(stories, "story", "stories"),
            counted(report.introductions.made, "introduction", "introductions"),
            report.introductions.became_collaborations,
        ));
    }
    let t = &tree.totals;
    out.push_str(&format!(
        "\nAcross the tree: {}, {} sharing; {} ({} active), {}, {} opened, {} answered, {}, {}\n",
        counted(t.networks, "network", "networks"),
        t.shared,
        counted(t.members, "member", "members"),
        t.active_members,
        counted(t.communities, "community", "communities"),
        counted(t.exchanges_opened, "exchange", "exchanges"),
        t.exchanges_answered,
        counted(t.stories.values().sum::<u64>(), "story", "stories"),
        counted(t.introductions_made, "introduction", "introductions"),
    ));
    out
}

/// This network's own latest report, as a view (no children).
pub async fn own(ctx: &Context) -> Result<BranchView> {
    freshen_own(ctx).await?;
    let sender = Sender::of(ctx);
    let branch = ctx
        .db
        .read(move |conn| own_branch(conn, &sender.instance_name, &sender.domain(), false))
        .await?;
    Ok(BranchView::of(branch, Utc::now()))
}

/// The report as an ActivityPub object for a signed fetch: with the
/// branch for the parent, without for anyone else allowed to see it.
pub async fn object_for(ctx: &Context, with_children: bool) -> Result<serde_json::Value> {
    let sender = Sender::of(ctx);
    ctx.db
        .read(move |conn| {
            let actor = own_actor(conn)?;
            let branch = own_branch(conn, &sender.instance_name, &sender.domain(), with_children)?;
            Ok(serde_json::json!({
                "@context": crate::protocol::context(),
                "id": report_id(&actor.ap_id),
                "type": REPORT_TYPE,
                "attributedTo": actor.ap_id,
                "published": branch.computed_at.map(|at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
                "trellis:branch": branch,
            }))
        })
        .await
}

/// Who may fetch the report: the parent's server gets the branch, a
/// peer's server the report alone, anyone the report alone when public.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Parent,
    Peer,
    Anyone,
}

/// What the server at `host` (the signer of a fetch, if any) may read.
pub async fn reader(ctx: &Context, host: Option<String>) -> Result<Option<Reader>> {
    let instance_name = ctx.config.instance_name.clone();
    ctx.db
        .read(move |conn| {
            let share = network::get_in(conn, &instance_name)?.share_report;
            if let Some(host) = host {
                let on_host = |a: &Account| a.domain.eq_ignore_ascii_case(&host);
                if share.reaches_parent()
                    && db::network::linked(conn, network::PARENT)?
                        .iter()
                        .any(on_host)
                {
                    return Ok(Some(Reader::Parent));
                }
                if share.reaches_peers()
                    && db::network::linked(conn, network::PEER)?
                        .iter()
                        .any(on_host)
                {
                    return Ok(Some(Reader::Peer));
                }
            }
            Ok(share.is_public().then_some(Reader::Anyone))
        })
        .await
}

/// A snapshot of the figures as the history shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub taken_at: DateTime<Utc>,
    pub report: Report,
}

#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub snapshots: Vec<Snapshot>,
    /// Changes against the snapshot nearest to 90 days ago, in words.
    pub trends: Vec<String>,
}

/// Most snapshots one request returns: more than a year of daily ones.
const MAX_SNAPSHOTS: i64 = 400;
pub const TREND_DAYS: i64 = 90;

pub async fn history(ctx: &Context, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<History> {
    if from > to {
        return Err(Error::Validation("from is after to".into()));
    }
    // Far-off dates mean nothing here, and PostgreSQL cannot hold some.
    let sane = |at: &DateTime<Utc>| (1970..=9999).contains(&chrono::Datelike::year(at));
    if !sane(&from) || !sane(&to) {
        return Err(Error::Validation(
            "from and to are between the years 1970 and 9999".into(),
        ));
    }
    ctx.db
        .read(move |conn| {
            let snapshots = db::network::snapshots_between(
                conn,
                from.naive_utc(),
                to.naive_utc(),
                MAX_SNAPSHOTS,
            )?
            .into_iter()
            .filter_map(|(taken_at, figures)| {
                Some(Snapshot {
                    taken_at: taken_at.and_utc(),
                    report: serde_json::from_str(&figures).ok()?,
                })
            })
            .collect();
            Ok(History {
                from,
                to,
                snapshots,
                trends: trends_in(conn)?,
            })
        })
        .await
}

/// The trends of the latest snapshot against one about [`TREND_DAYS`]
/// ago (or the oldest there is, when the history is shorter).
pub fn trends_in(conn: &mut DbConnection) -> Result<Vec<String>> {
    let now = db::now();
    let Some((latest_at, latest)) = db::network::snapshot_at_or_before(conn, now)? else {
        return Ok(Vec::new());
    };
    let earlier = match db::network::snapshot_at_or_before(
        conn,
        latest_at - chrono::Duration::days(TREND_DAYS),
    )? {
        Some(found) => Some(found),
        None => db::network::oldest_snapshot(conn)?.filter(|(at, _)| *at < latest_at),
    };
    let Some((earlier_at, earlier)) = earlier else {
        return Ok(Vec::new());
    };
    let (Ok(latest), Ok(earlier)) = (
        serde_json::from_str::<Report>(&latest),
        serde_json::from_str::<Report>(&earlier),
    ) else {
        return Ok(Vec::new());
    };
    Ok(trends(&earlier, &latest, latest_at - earlier_at))
}

/// "12 more people in the core than 90 days ago", for each figure that
/// moved.
pub fn trends(earlier: &Report, latest: &Report, apart: chrono::Duration) -> Vec<String> {
    let when = match (apart.num_days(), apart.num_hours(), apart.num_minutes()) {
        (0, 0, 0 | 1) => "a minute ago".to_string(),
        (0, 0, minutes) => format!("{minutes} minutes ago"),
        (0, 1, _) => "an hour ago".to_string(),
        (0, hours, _) => format!("{hours} hours ago"),
        (1, _, _) => "a day ago".to_string(),
        (days, _, _) => format!("{days} days ago"),
    };
    let figure = |report: &Report, name: &str| {
        report
            .health
            .get(name)
            .and_then(|v| v.as_f64())
            .unwrap_or(0.0) as i64
    };
    let counts = [
        (
            ("member", "members"),
            latest.members as i64,
            earlier.members as i64,
        ),
        (
            ("active member", "active members"),
            latest.active_members as i64,
            earlier.active_members as i64,
        ),
        (
            ("person in the core", "people in the core"),
            figure(latest, "core_members"),
            figure(earlier, "core_members"),
        ),
        (
            ("isolated member", "isolated members"),
            figure(latest, "isolated_members"),
            figure(earlier, "isolated_members"),
        ),
        (
            ("tie", "ties"),
            figure(latest, "ties"),
            figure(earlier, "ties"),
        ),
        (
            ("answered exchange", "answered exchanges"),
            latest.exchanges.answered as i64,
            earlier.exchanges.answered as i64,
        ),
    ];
    counts
        .into_iter()
        .filter(|(_, now, then)| now != then)
        .map(|((one, many), now, then)| {
            let change = now - then;
            let word = if change > 0 { "more" } else { "fewer" };
            let what = if change.abs() == 1 { one } else { many };
            format!("{} {word} {what} than {when}", change.abs())
        })
        .collect()
}

/// Measures the network on a schedule: at start, then every interval.
/// Each process of a multi-process deployment runs it; the report is
/// sent only when it changed or a day passed, which the write
/// transaction decides, so two processes do not both send.
pub async fn run(ctx: Context) {
    let mut ticks = tokio::time::interval(ctx.config.network_report_interval());
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match refresh(&ctx, false).await {
            Ok(sent) => tracing::debug!(sent, "measured the network for its report"),
            Err(error) => tracing::warn!(%error, "measuring the network for its report failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(network: &str) -> Branch {
        Branch {
            network: format!("https://{network}/users/network"),
            acct: format!("network@{network}"),
            name: network.to_string(),
            ..Branch::default()
        }
    }

    #[test]
    fn a_branch_that_loops_or_nests_too_deep_is_refused() {
        let mut county = branch("county.example");
        county.children = vec![branch("a.example"), branch("a.example")];
        assert!(county.check().is_err());

        let mut deep = branch("n0.example");
        for level in 1..=MAX_DEPTH + 1 {
            let mut parent = branch(&format!("n{level}.example"));
            parent.children.push(deep);
            deep = parent;
        }
        assert!(deep.check().is_err());

        let mut fine = branch("county.example");
        fine.children = vec![branch("a.example"), branch("b.example")];
        assert!(fine.check().is_ok());
    }

    #[test]
    fn a_report_naming_people_or_oversized_is_refused() {
        let mut county = branch("county.example");
        let mut report = Report::default();
        report
            .health
            .insert("brokers".into(), serde_json::json!(["Ana"]));
        county.report = Some(report);
        assert!(county.check().is_err());

        let mut report = Report::default();
        report.stories.public.push(PublicStory {
            url: "javascript:alert(1)".into(),
            ..PublicStory::default()
        });
        county.report = Some(report);
        assert!(county.check().is_err());

        county.name = "x".repeat(MAX_TEXT + 1);
        county.report = None;
        assert!(county.check().is_err());
    }

    #[test]
    fn totals_count_only_what_was_shared() {
        let report = |members| Report {
            members,
            exchanges: Exchanges {
                opened: 2,
                answered: 1,
                ..Exchanges::default()
            },
            ..Report::default()
        };
        let mut county = branch("county.example");
        county.report = Some(report(10));
        let mut town = branch("town.example");
        town.report = Some(report(5));
        let quiet = branch("quiet.example");
        county.children = vec![town, quiet];
        let view = BranchView::of(county, Utc::now());
        let totals = Totals::of(&view);
        assert_eq!(totals.networks, 3);
        assert_eq!(totals.shared, 2);
        assert_eq!(totals.members, 15);
        assert_eq!(totals.exchanges_answered, 2);
        assert!(!view.children[1].shared);
    }

    #[test]
    fn trends_say_what_moved_and_since_when() {
        let mut earlier = Report {
            members: 10,
            ..Report::default()
        };
        earlier
            .health
            .insert("core_members".into(), serde_json::json!(3));
        let mut latest = earlier.clone();
        latest.members = 8;
        latest
            .health
            .insert("core_members".into(), serde_json::json!(15));
        assert_eq!(
            trends(&earlier, &latest, chrono::Duration::days(90)),
            [
                "2 fewer members than 90 days ago",
                "12 more people in the core than 90 days ago"
            ]
        );
        assert!(trends(&latest, &latest, chrono::Duration::days(1)).is_empty());
        for (apart, words) in [
            (chrono::Duration::seconds(40), "a minute ago"),
            (chrono::Duration::minutes(15), "15 minutes ago"),
            (chrono::Duration::minutes(70), "an hour ago"),
            (chrono::Duration::hours(5), "5 hours ago"),
            (chrono::Duration::hours(30), "a day ago"),
        ] {
            assert_eq!(
                trends(&earlier, &latest, apart)[0],
                format!("2 fewer members than {words}")
            );
        }
    }

    #[test]
    fn only_numbers_and_flags_leave_as_health_figures() {
        let figures = serde_json::json!({
            "density": 0.5, "hub_and_spoke": true, "brokers": [{"name": "Ana"}],
            "ties_across_places": {"counted": 2, "across": 1}
        });
        let plain = plain_figures(&figures);
        assert_eq!(
            plain.keys().collect::<Vec<_>>(),
            ["density", "hub_and_spoke"]
        );
    }
}
