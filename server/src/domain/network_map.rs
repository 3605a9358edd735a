//! The network as a graph, from what this server knows: its members and
//! the people elsewhere they have ties with; follows, replies, favourites,
//! exchanges and introductions as weighted edges. The map exports it; the
//! health report measures it and says what a weaver can do about it.
//!
//! The graph and its figures are cached per process (see [`measured`]), so
//! a map page, its health sidebar and the API answer from one load.

use super::{Context, introductions, kinds::Dimension};
use crate::{
    db::{self, DbConnection, models::User, practice, weaving},
    error::Result,
    graph::{Figures, Graph, MapOptions, Node, TieKind, centrality},
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

/// Loads the graph: every local member, and each person elsewhere with at
/// least one tie (or introduction) to a local member. Ties arrive counted
/// per pair from the database, so the work grows with the number of pairs,
/// not of statuses. At a million statuses there are about a million pairs:
/// each kind is read in turn and kept as a 16-byte [`Tie`], and the edges
/// go straight into the graph (each kind's pairs are unique already, so no
/// index of edges is built to fold repeats).
pub fn load(conn: &mut DbConnection) -> Result<Graph> {
    let people = weaving::map_people(conn)?;
    let position: HashMap<i64, u32> = people
        .iter()
        .enumerate()
        .map(|(at, person)| (person.id, at as u32))
        .collect();
    let mut ties = Ties {
        position: &position,
        ties: Vec::new(),
    };
    for (a, b) in weaving::follows_between_people(conn)? {
        ties.add(a, b, TieKind::Follow, 1);
    }
    for (a, b, n) in weaving::reply_pairs(conn)? {
        ties.add(a, b, TieKind::Reply, n);
    }
    for (a, b, n) in weaving::favourite_pairs(conn)? {
        ties.add(a, b, TieKind::Favourite, n);
    }
    for (a, b, n) in weaving::exchange_ties(conn)? {
        ties.add(a, b, TieKind::Exchange, n);
    }
    // A pair may be introduced more than once: one edge, its weight the
    // number of introductions.
    let mut introduced: BTreeMap<(i64, i64), i64> = BTreeMap::new();
    for pair in weaving::introduced_pairs(conn)? {
        *introduced.entry(pair).or_default() += 1;
    }
    for ((a, b), n) in introduced {
        ties.add(a, b, TieKind::Introduction, n);
    }
    let ties = ties.ties;

    let mut on_map: Vec<bool> = people.iter().map(|person| person.local).collect();
    for tie in &ties {
        let (a, b) = (tie.a as usize, tie.b as usize);
        if people[a].local || people[b].local {
            on_map[a] = true;
            on_map[b] = true;
        }
    }
    let mut roles = terms_by_account(conn)?;
    let mut places: HashMap<i64, String> = practice::places(conn)?.into_iter().collect();
    let mut communities = communities_by_member(conn)?;
    let mut graph = Graph::default();
    let mut index: Vec<Option<usize>> = vec![None; people.len()];
    for (at, person) in people.iter().enumerate().filter(|(at, _)| on_map[*at]) {
        let id = person.id;
        let node = Node {
            id: id.to_string(),
            acct: person.acct(),
            display_name: person.display_name.clone(),
            roles: roles.remove(&id).unwrap_or_default(),
            place: places.remove(&id),
            communities: communities.remove(&id).unwrap_or_default(),
            local: person.local,
        };
        index[at] = Some(graph.add_node(node));
    }
    graph.edges = ties
        .into_iter()
        .filter_map(|tie| {
            Some(crate::graph::Edge::new(
                index[tie.a as usize]?,
                index[tie.b as usize]?,
                tie.kind,
                tie.weight,
            ))
        })
        .collect();
    Ok(graph)
}

/// A tie between two people, by their place in the list of people.
struct Tie {
    a: u32,
    b: u32,
    kind: TieKind,
    weight: u32,
}

/// The ties read so far between known people (not deleted, not
/// communities), without self-loops.
struct Ties<'p> {
    position: &'p HashMap<i64, u32>,
    ties: Vec<Tie>,
}

impl Ties<'_> {
    fn add(&mut self, a: i64, b: i64, kind: TieKind, count: i64) {
        if let (Some(&a), Some(&b)) = (self.position.get(&a), self.position.get(&b))
            && a != b
        {
            self.ties.push(Tie {
                a,
                b,
                kind,
                weight: u32::try_from(count).unwrap_or(u32::MAX),
            });
        }
    }
}

fn terms_by_account(conn: &mut DbConnection) -> Result<HashMap<i64, Vec<String>>> {
    let mut roles: HashMap<i64, Vec<String>> = HashMap::new();
    for (account, _, _, text) in practice::all_terms(conn, &["role"])? {
        roles.entry(account).or_default().push(text);
    }
    Ok(roles)
}

fn communities_by_member(conn: &mut DbConnection) -> Result<HashMap<i64, Vec<String>>> {
    let mut by_member: HashMap<i64, Vec<String>> = HashMap::new();
    // Members elsewhere are shown in the linked community they belong to.
    let memberships = weaving::memberships_named(conn)?
        .into_iter()
        .chain(weaving::linked_memberships_named(conn)?);
    for (member, group) in memberships {
        let name = if group.display_name.trim().is_empty() {
            group.acct()
        } else {
            group.display_name.trim().to_string()
        };
        by_member.entry(member).or_default().push(name);
    }
    for list in by_member.values_mut() {
        list.sort();
        list.dedup();
    }
    Ok(by_member)
}

/// How long a loaded graph is served as current. Long enough that the map
/// page, its health sidebar and a burst of API calls share one load; short
/// enough that a weaver who just made an introduction sees it on the next
/// visit.
pub const MAP_TTL: Duration = Duration::from_secs(30);

/// The graph with its figures, as loaded at one moment.
#[derive(Clone)]
pub struct Measured {
    pub graph: Arc<Graph>,
    pub figures: Arc<Figures>,
    /// The counts the health report gives beside the graph, taken in the
    /// same load: at a million statuses they cost as much as the graph.
    pub activity: Arc<Activity>,
    /// Where each person sits on the drawn map, laid out on first use.
    positions: Arc<OnceLock<Vec<(f64, f64)>>>,
    /// When the load began, on the database's clock.
    pub measured_at: chrono::NaiveDateTime,
    loaded: Instant,
}

impl Measured {
    /// Where each person sits on the drawn map. The layout is most of the
    /// cost of a drawing (a second for 5,000 people), so it is made once
    /// and kept with the graph it belongs to.
    pub fn positions(&self) -> &[(f64, f64)] {
        self.positions
            .get_or_init(|| crate::graph::map_positions(&self.graph))
    }

    /// This measurement with its layout made, off the async workers.
    async fn laid_out(self) -> Result<Measured> {
        off_the_workers(move || {
            self.positions();
            crate::memory::release_freed();
            self
        })
        .await
    }

    /// The whole map drawn.
    pub async fn svg(&self, options: MapOptions) -> Result<String> {
        let measured = self.clone();
        off_the_workers(move || {
            crate::graph::to_svg_placed(
                &measured.graph,
                &measured.figures,
                measured.positions(),
                options,
            )
        })
        .await
    }
}

/// The map as a file other tools open: `json`, `graphml` or `gexf`, in
/// pieces as it is written (off the async workers). JSON, which apps and
/// the map page ask for, is never held whole: at a million statuses it is
/// some 70 MB. A reader that goes away stops the writing.
pub async fn export(ctx: &Context, format: &str) -> Result<tokio::sync::mpsc::Receiver<Vec<u8>>> {
    let graph = graph(ctx).await?;
    let format = format.to_string();
    let (sender, pieces) = tokio::sync::mpsc::channel(4);
    tokio::task::spawn_blocking(move || {
        if write_export(&graph, &format, sender).is_err() {
            tracing::debug!("the map's reader went away before its end");
        }
    });
    Ok(pieces)
}

/// Writes the export in `format` to `sender`, piece by piece; fails when
/// the receiver is gone.
fn write_export(
    graph: &Graph,
    format: &str,
    sender: tokio::sync::mpsc::Sender<Vec<u8>>,
) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = Pieces::new(sender);
    match format {
        "graphml" => out.write_all(crate::graph::to_graphml(graph).as_bytes())?,
        "gexf" => out.write_all(crate::graph::to_gexf(graph).as_bytes())?,
        _ => crate::graph::write_json(graph, &mut out)?,
    }
    // Before the last piece, so the memory is back by the time the reader
    // has the whole map.
    crate::memory::release_freed();
    out.flush()
}

/// A writer that hands what it is given on in pieces of [`Pieces::SIZE`].
struct Pieces {
    sender: tokio::sync::mpsc::Sender<Vec<u8>>,
    buffer: Vec<u8>,
}

impl Pieces {
    const SIZE: usize = 64 * 1024;

    fn new(sender: tokio::sync::mpsc::Sender<Vec<u8>>) -> Pieces {
        Pieces {
            sender,
            buffer: Vec::with_capacity(Self::SIZE),
        }
    }

    fn send(&mut self) -> std::io::Result<()> {
        let piece = std::mem::replace(&mut self.buffer, Vec::with_capacity(Self::SIZE));
        self.sender
            .blocking_send(piece)
            .map_err(|_| std::io::ErrorKind::BrokenPipe.into())
    }
}

impl std::io::Write for Pieces {
    #[inline]
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.write_all(bytes)?;
        Ok(bytes.len())
    }

    // serde_json hands over every quote, key and number on its own (tens
    // of millions of calls for a map at a million statuses); the default
    // `write_all` loops over `write` and was not always inlined, which made
    // the export a quarter slower in one build than in the one before.
    #[inline]
    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= Self::SIZE {
            self.send()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

/// Runs CPU-heavy work (drawing and exporting a large map) on the
/// blocking pool, so the async workers keep answering other requests.
async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::error::Error::Internal(format!("drawing the map failed: {e}")))
}

/// The last [`Measured`] of this process, and a lock held by whoever is
/// loading the next one, so requests that arrive together never start
/// two loads.
#[derive(Clone, Default)]
pub struct MapCache {
    current: Arc<std::sync::RwLock<Option<Measured>>>,
    loading: Arc<tokio::sync::Mutex<()>>,
}

impl MapCache {
    fn current(&self) -> Option<Measured> {
        self.current
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    fn store(&self, measured: Measured) {
        *self
            .current
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(measured);
    }
}

/// The graph and its figures. Younger than [`MAP_TTL`], the cached copy is
/// served. Older, it is still served while one background load replaces
/// it (stale while revalidating): on a large network a load takes seconds
/// on SQLite, and no request should wait for it but the first after the
/// process starts. The figures are computed on the database thread with
/// the load, keeping the async workers free.
pub async fn measured(ctx: &Context) -> Result<Measured> {
    let cache = &ctx.map_cache;
    if let Some(measured) = cache.current() {
        if measured.loaded.elapsed() >= MAP_TTL
            && let Ok(guard) = cache.loading.clone().try_lock_owned()
        {
            let ctx = ctx.clone();
            // The map was drawn from the copy being replaced, so it will be
            // drawn again: lay the new copy out before it is served too.
            let drawn = measured.positions.get().is_some();
            tokio::spawn(async move {
                match load_measured(&ctx).await {
                    Ok(fresh) if drawn => match fresh.laid_out().await {
                        Ok(fresh) => ctx.map_cache.store(fresh),
                        Err(error) => tracing::warn!(%error, "laying out the network map failed"),
                    },
                    Ok(fresh) => ctx.map_cache.store(fresh),
                    Err(error) => tracing::warn!(%error, "reloading the network map failed"),
                }
                drop(guard);
            });
        }
        return Ok(measured);
    }
    let _guard = cache.loading.lock().await;
    // Someone else may have loaded it while this request waited.
    if let Some(measured) = cache.current() {
        return Ok(measured);
    }
    let measured = load_measured(ctx).await?;
    cache.store(measured.clone());
    Ok(measured)
}

async fn load_measured(ctx: &Context) -> Result<Measured> {
    // Recorded as they are noticed, so the report counts them.
    introductions::record_collaborations(ctx).await?;
    let measured_at = db::now();
    ctx.db
        .read(move |conn| {
            let graph = load(conn)?;
            let figures = Figures::of(&graph);
            let activity = measure_activity(conn)?;
            crate::memory::release_freed();
            Ok::<_, crate::error::Error>(Measured {
                graph: Arc::new(graph),
                figures: Arc::new(figures),
                activity: Arc::new(activity),
                positions: Arc::default(),
                measured_at,
                loaded: Instant::now(),
            })
        })
        .await
}

pub async fn graph(ctx: &Context) -> Result<Arc<Graph>> {
    Ok(measured(ctx).await?.graph)
}

/// Whether `user` may see who the brokers and the hub are. Members see the
/// counts only: being named as the person a network hangs on is something
/// for those who weave it to act on (admins and weavers), not a ranking
/// for everyone.
pub fn may_see_names(user: &User) -> bool {
    super::accounts::can_weave(user)
}

/// How the network is doing, in figures a weaver can act on.
#[derive(Debug, Clone, Serialize)]
pub struct Health {
    pub generated_at: String,
    /// Local members.
    pub members: usize,
    /// Local members who posted, boosted or favourited in the last 30 days.
    pub active_members: usize,
    pub active_window_days: i64,
    /// The graph's figures: density, reciprocity, core and periphery…
    pub graph: Figures,
    /// The best-connected member; absent for members (see
    /// [`may_see_names`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub best_connected: Option<Person>,
    /// The top brokers, largest share first; absent for members, who see
    /// `graph.broker_count`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub brokers: Option<Vec<NamedBroker>>,
    pub exchanges: ExchangeHealth,
    /// Benefit stories known here, per dimension.
    pub stories: BTreeMap<&'static str, usize>,
    pub introductions: IntroductionHealth,
    /// The figures in sentences, each with what a weaver can do about it.
    pub advice: Vec<Advice>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Person {
    pub acct: String,
    pub display_name: String,
    /// Their ties, and the share of all ties that touch them.
    pub ties: usize,
    pub share_of_ties: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NamedBroker {
    pub acct: String,
    pub display_name: String,
    pub ties: usize,
    /// Share of the shortest paths between other members through them.
    pub share: f64,
}

/// One figure said as a weaver would act on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    /// `shape`, `brokers`, `tie_strength`, `introductions` or `isolated`.
    pub topic: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ExchangeHealth {
    /// Questions and requests local members opened.
    pub opened: usize,
    pub answered: usize,
    /// Of those, how many someone else replied to.
    pub replied: usize,
    pub median_seconds_to_first_reply: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct IntroductionHealth {
    pub made: usize,
    /// Introductions after which the two interacted.
    pub became_collaborations: usize,
}

pub const ACTIVE_DAYS: i64 = 30;

/// The full report, names included; see [`Health::for_member`].
pub async fn health(ctx: &Context) -> Result<Health> {
    let measured = measured(ctx).await?;
    Ok(Health::of(
        &measured.graph,
        &measured.figures,
        &measured.activity,
    ))
}

/// The report and the graph as they are this moment, past the cache: for
/// the network report, which is sent elsewhere and should not be half a
/// minute behind. While nothing is cached yet (the report is measured as
/// the server starts), the measurement becomes the cached map too when
/// `warm_network_map` is on, so the first visitors do not wait for a
/// second load.
pub async fn health_now(ctx: &Context) -> Result<(Health, Arc<Graph>)> {
    let cache = &ctx.map_cache;
    let measured = if ctx.config.warm_network_map && cache.current().is_none() {
        // Held while loading, so a request arriving meanwhile waits for
        // this load rather than starting another.
        let _loading = cache.loading.lock().await;
        // The map page is what people open first: lay it out now too.
        let measured = load_measured(ctx).await?.laid_out().await?;
        if cache.current().is_none() {
            cache.store(measured.clone());
        }
        measured
    } else {
        load_measured(ctx).await?
    };
    Ok((
        Health::of(&measured.graph, &measured.figures, &measured.activity),
        measured.graph,
    ))
}

/// What the report counts besides the graph.
#[derive(Debug, Clone)]
pub struct Activity {
    members: usize,
    active_members: usize,
    exchanges: ExchangeHealth,
    stories: BTreeMap<&'static str, usize>,
    introductions: IntroductionHealth,
}

fn measure_activity(conn: &mut DbConnection) -> Result<Activity> {
    let members = db::accounts::count_local_people(conn)? as usize;
    let since = db::now() - chrono::Duration::days(ACTIVE_DAYS);
    let active_members = weaving::count_active_local_members(conn, since)? as usize;
    let first_replies: HashMap<i64, chrono::NaiveDateTime> =
        weaving::first_replies_to_local_exchanges(conn)?
            .into_iter()
            .filter_map(|(exchange, first)| Some((exchange, first?)))
            .collect();
    let mut exchanges = ExchangeHealth::default();
    let mut waits = Vec::new();
    for (exchange, opened_at, answered_at) in weaving::local_exchanges(conn)? {
        exchanges.opened += 1;
        if answered_at.is_some() {
            exchanges.answered += 1;
        }
        if let Some(&first) = first_replies.get(&exchange) {
            exchanges.replied += 1;
            waits.push((first - opened_at).num_seconds().max(0) as f64);
        }
    }
    exchanges.median_seconds_to_first_reply = crate::graph::median(&mut waits);
    let mut stories: BTreeMap<&'static str, usize> =
        Dimension::ALL.iter().map(|d| (d.as_str(), 0)).collect();
    for (word, _) in weaving::story_dimension_times(conn)? {
        if let Some(dimension) = Dimension::parse(&word) {
            *stories.entry(dimension.as_str()).or_default() += 1;
        }
    }
    let made = weaving::introductions(conn)?;
    Ok(Activity {
        members,
        active_members,
        exchanges,
        stories,
        introductions: IntroductionHealth {
            made: made.len(),
            became_collaborations: made.iter().filter(|i| i.collaborated_at.is_some()).count(),
        },
    })
}

impl Health {
    /// The report with names, for those [`may_see_names`] allows.
    pub fn of(graph: &Graph, figures: &Figures, activity: &Activity) -> Health {
        let best_connected = figures.hub.map(|node| Person {
            acct: graph.nodes[node].acct.clone(),
            display_name: graph.nodes[node].display_name.clone(),
            ties: figures.best_connected_ties,
            share_of_ties: figures.ties_through_top.top_1,
        });
        let brokers = figures
            .brokers
            .iter()
            .map(|broker| NamedBroker {
                acct: graph.nodes[broker.node].acct.clone(),
                display_name: graph.nodes[broker.node].display_name.clone(),
                ties: broker.ties,
                share: broker.share,
            })
            .collect();
        let mut health = Health {
            generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            members: activity.members,
            active_members: activity.active_members,
            active_window_days: ACTIVE_DAYS,
            graph: figures.clone(),
            best_connected,
            brokers: Some(brokers),
            exchanges: activity.exchanges.clone(),
            stories: activity.stories.clone(),
            introductions: activity.introductions.clone(),
            advice: Vec::new(),
        };
        health.advice = advise(&health);
        health
    }

    /// The report as a member sees it: counts, no names.
    pub fn for_member(mut self) -> Health {
        self.best_connected = None;
        self.brokers = None;
        self.advice = advise(&self);
        self
    }
}

fn percent(share: f64) -> String {
    format!("{:.0}%", 100.0 * share)
}

fn name_of(display_name: &str, acct: &str) -> String {
    if display_name.trim().is_empty() {
        acct.to_string()
    } else {
        display_name.trim().to_string()
    }
}

/// The figures that need a decision, in sentences that say what to do.
/// Names appear only when the report carries them.
pub fn advise(health: &Health) -> Vec<Advice> {
    let g = &health.graph;
    let mut advice = Vec::new();
    let mut say = |topic, text: String| advice.push(Advice { topic, text });
    let hub = health
        .best_connected
        .as_ref()
        .map(|p| name_of(&p.display_name, &p.acct));
    if g.ties == 0 {
        say(
            "shape",
            "No ties yet: start by introducing members who share a role or a place.".into(),
        );
    } else if g.hub_and_spoke {
        let who = hub.unwrap_or_else(|| "one person".into());
        say(
            "shape",
            format!(
                "Hub-and-spoke: {} of ties go through {who} (degree centralisation {:.2}). \
                 Introduce their contacts to each other, so the network does not stop \
                 when {who} does.",
                percent(g.ties_through_top.top_1),
                g.degree_centralisation
            ),
        );
    } else if g.ties_through_top.top_3 >= CONCENTRATED && g.ties >= CONCENTRATED_MIN_TIES {
        say(
            "shape",
            format!(
                "Concentrated: {} of ties go through three people. Introduce their \
                 contacts to each other and ask them to pass on hosting.",
                percent(g.ties_through_top.top_3)
            ),
        );
    } else {
        say(
            "shape",
            format!(
                "Woven: the best-connected person holds {} of ties, the top ten {} \
                 (degree centralisation {:.2}); no one person holds the network together.",
                percent(g.ties_through_top.top_1),
                percent(g.ties_through_top.top_10),
                g.degree_centralisation
            ),
        );
    }
    let estimated = match g.betweenness_pivots {
        Some(pivots) => format!(" (estimated from {pivots} members)"),
        None => String::new(),
    };
    if g.broker_count > 0 {
        let names = match &health.brokers {
            Some(brokers) if !brokers.is_empty() => {
                let listed: Vec<String> = brokers
                    .iter()
                    .map(|b| format!("{} {}", name_of(&b.display_name, &b.acct), percent(b.share)))
                    .collect();
                format!(": {}", listed.join(", "))
            }
            _ => String::new(),
        };
        say(
            "brokers",
            format!(
                "{} bridge groups that would lose touch without them, each on at least {} \
                 of the shortest paths between other members{estimated}{names}. Tie their \
                 groups to each other directly, and thank them.",
                people(g.broker_count),
                percent(centrality::BROKER_SHARE)
            ),
        );
    } else if g.ties > 0 {
        say(
            "brokers",
            format!(
                "No one is on {} of the shortest paths between other members{estimated}: \
                 the network does not hang on a few bridges.",
                percent(centrality::BROKER_SHARE)
            ),
        );
    }
    if g.ties > 0 {
        let strong_share = g.strong_ties as f64 / g.ties as f64;
        let next = if strong_share < WEAK_NETWORK {
            "Most ties are light: invite pairs who follow each other into an exchange or a call."
        } else {
            "Keep weak ties too: they bring news from other groups."
        };
        say(
            "tie_strength",
            format!(
                "{} strong ({} of ties: returned, with mutual follows and conversation or help \
                 in an exchange), {} weak. {next}",
                g.strong_ties,
                percent(strong_share),
                g.weak_ties
            ),
        );
    }
    if g.introductions_not_yet_ties > 0 {
        say(
            "introductions",
            format!(
                "{} introduced but not yet in touch: follow up with them.",
                pairs(g.introductions_not_yet_ties)
            ),
        );
    }
    if g.isolated_members > 0 {
        say(
            "isolated",
            format!(
                "{} with no tie yet: introduce them first.",
                people(g.isolated_members)
            ),
        );
    }
    advice
}

/// Three people holding this share of ties read as concentrated…
const CONCENTRATED: f64 = 0.75;
/// …once there are enough ties for three people to be few.
const CONCENTRATED_MIN_TIES: usize = 12;
/// Below this share of strong ties the network is mostly acquaintance.
const WEAK_NETWORK: f64 = 0.2;

fn people(n: usize) -> String {
    if n == 1 {
        "1 person".into()
    } else {
        format!("{n} people")
    }
}

fn pairs(n: usize) -> String {
    if n == 1 {
        "1 pair".into()
    } else {
        format!("{n} pairs")
    }
}

/// The health report as text, for `trellis network report`.
pub fn report(health: &Health) -> String {
    let g = &health.graph;
    let percent = |part: usize, whole: usize| {
        if whole == 0 {
            "-".to_string()
        } else {
            format!("{:.0}%", 100.0 * part as f64 / whole as f64)
        }
    };
    let wait = health
        .exchanges
        .median_seconds_to_first_reply
        .map(|s| human_duration(s as i64))
        .unwrap_or_else(|| "-".into());
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("Network health, {}", health.generated_at));
    line(String::new());
    line(format!(
        "Members              {} ({} active in the last {} days, {})",
        health.members,
        health.active_members,
        health.active_window_days,
        percent(health.active_members, health.members)
    ));
    line(format!(
        "On the map           {} people ({} here, {} elsewhere), {} ties",
        g.nodes,
        g.local_members,
        g.nodes - g.local_members,
        g.ties
    ));
    line(format!("Density              {:.4}", g.density));
    line(format!("Reciprocity          {:.2}", g.reciprocity));
    line(format!(
        "Core                 {} people in the {}-core; periphery {}; isolated {}",
        g.core_members, g.core_k, g.periphery_members, g.isolated_members
    ));
    line(format!(
        "Across places        {} of {} ties ({})",
        g.ties_across_places.across,
        g.ties_across_places.counted,
        percent(g.ties_across_places.across, g.ties_across_places.counted)
    ));
    line(format!(
        "Across communities   {} of {} ties ({})",
        g.ties_across_communities.across,
        g.ties_across_communities.counted,
        percent(
            g.ties_across_communities.across,
            g.ties_across_communities.counted
        )
    ));
    line(format!(
        "To other servers     {} of {} ties ({})",
        g.ties_to_other_instances,
        g.ties,
        percent(g.ties_to_other_instances, g.ties)
    ));
    line(format!(
        "Tie strength         {} strong, {} weak (strong: returned, strength {}+)",
        g.strong_ties,
        g.weak_ties,
        crate::graph::STRONG_TIE
    ));
    line(format!(
        "Centralisation       {:.2}; the top 1, 3 and 10 people hold {}, {} and {} of ties{}",
        g.degree_centralisation,
        self::percent(g.ties_through_top.top_1),
        self::percent(g.ties_through_top.top_3),
        self::percent(g.ties_through_top.top_10),
        if g.hub_and_spoke {
            " (hub-and-spoke)"
        } else {
            ""
        }
    ));
    let named = match &health.brokers {
        Some(brokers) if !brokers.is_empty() => {
            let listed: Vec<String> = brokers
                .iter()
                .map(|b| format!("{} {}", b.acct, self::percent(b.share)))
                .collect();
            format!(": {}", listed.join(", "))
        }
        _ => String::new(),
    };
    line(format!("Brokers              {}{named}", g.broker_count));
    line(format!(
        "Exchanges            {} opened, {} answered, {} replied to; median first reply {}",
        health.exchanges.opened, health.exchanges.answered, health.exchanges.replied, wait
    ));
    let stories: Vec<String> = health
        .stories
        .iter()
        .map(|(d, n)| format!("{d} {n}"))
        .collect();
    line(format!("Stories              {}", stories.join(", ")));
    line(format!(
        "Introductions        {} made, {} became micro-collaborations, {} not yet in touch",
        health.introductions.made,
        health.introductions.became_collaborations,
        g.introductions_not_yet_ties
    ));
    line(String::new());
    line("What to do".to_string());
    for advice in &health.advice {
        line(format!("- {}", advice.text));
    }
    out
}

/// "3 h 20 min", "2 d 4 h", "45 s".
pub fn human_duration(seconds: i64) -> String {
    let (d, h, m) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{seconds} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills a SQLite database with `members` local members, a fifth as
    /// many people elsewhere, twenty communities, ten follows each, and
    /// `statuses` statuses (40% public replies) with a favourite for every
    /// second status and an exchange for every fiftieth.
    const FILL: &str = "
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :people)
        INSERT INTO accounts (id, username, domain, local, actor_type, display_name, ap_id,
            inbox_url, public_key_id, public_key_pem, created_at, updated_at)
        SELECT x, 'm' || x, CASE WHEN x <= :members THEN 'town.example' ELSE 'far.example' END,
            x <= :members, CASE WHEN x > :people - 20 THEN 'Group' ELSE 'Person' END,
            'Member ' || x, 'https://x.example/' || x, 'i', 'k' || x, 'p',
            '2026-01-01 00:00:00', '2026-01-01 00:00:00' FROM n;
        WITH RECURSIVE n(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM n WHERE x < :members * 10 - 1)
        INSERT OR IGNORE INTO follows (id, account_id, target_account_id, ap_id, accepted, created_at)
        SELECT x + 1, x / 10 + 1, (x * 7919 + (x / 10) * 13) % (:people - 20) + 1,
            'f' || x, TRUE, '2026-01-01 00:00:00' FROM n WHERE (x / 10 + 1) <> ((x * 7919 + (x / 10) * 13) % (:people - 20) + 1);
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :members)
        INSERT INTO follows (id, account_id, target_account_id, ap_id, accepted, created_at)
        SELECT 10000000 + x, x, :people - 20 + 1 + x % 20, 'g' || x, TRUE, '2026-01-01 00:00:00' FROM n;
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :statuses)
        INSERT INTO statuses (id, ap_id, account_id, local, content, visibility,
            in_reply_to_account_id, published_at, created_at)
        SELECT x, 's' || x, x % :members + 1, TRUE, 'Some words of a post, about this long.',
            CASE WHEN x % 10 = 0 THEN 'private' ELSE 'public' END,
            CASE WHEN x % 5 < 2 THEN (x * 48271) % :members + 1 END,
            datetime('2026-01-01', '+' || (x % 340) || ' days'),
            datetime('2026-01-01', '+' || (x % 340) || ' days') FROM n;
        WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < :statuses / 2)
        INSERT OR IGNORE INTO favourites (id, account_id, status_id, ap_id, created_at)
        SELECT x, (x * 16807) % :members + 1, x * 2, 'v' || x, '2026-06-01 00:00:00' FROM n;
        INSERT INTO exchanges (status_id, account_id, opened_at)
        SELECT id, account_id, published_at FROM statuses WHERE id % 50 = 0;
        INSERT INTO exchange_replies (status_id, exchange_id, account_id, replied_at)
        SELECT s.id, e.status_id, s.account_id, s.published_at
        FROM statuses s JOIN exchanges e ON e.status_id = s.id - 1 WHERE s.in_reply_to_account_id IS NOT NULL;
    ";

    /// The yardstick on SQLite: `cargo test -p trellis --lib
    /// bench_health_on_sqlite -- --ignored --nocapture` (add `--release`
    /// for the Rust side at full speed; SQLite itself is optimised in every
    /// profile). `TRELLIS_BENCH_STATUSES` changes the million.
    #[tokio::test(flavor = "multi_thread")]
    #[ignore = "a benchmark: fills a million statuses"]
    async fn bench_health_on_sqlite() {
        let statuses: u64 = std::env::var("TRELLIS_BENCH_STATUSES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1_000_000);
        let members = 5_000;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        let database = crate::db::Database::open(&url, 2).unwrap();
        let fill = FILL
            .replace(":people", &(members + members / 5 + 20).to_string())
            .replace(":members", &members.to_string())
            .replace(":statuses", &statuses.to_string());
        let started = Instant::now();
        database
            .write(move |conn| {
                diesel::connection::SimpleConnection::batch_execute(conn, &fill)?;
                Ok::<_, crate::error::Error>(())
            })
            .await
            .unwrap();
        println!("filled {statuses} statuses in {:?}", started.elapsed());
        database
            .write(|conn| {
                diesel::connection::SimpleConnection::batch_execute(conn, "ANALYZE")?;
                Ok::<_, crate::error::Error>(())
            })
            .await
            .unwrap();
        database
            .read(|conn| {
                fn time(conn: &mut DbConnection, name: &str, run: fn(&mut DbConnection) -> usize) {
                    let started = Instant::now();
                    let rows = run(conn);
                    println!("  {name}: {rows} rows in {:?}", started.elapsed());
                }
                time(conn, "people", |c| weaving::map_people(c).unwrap().len());
                time(conn, "follows", |c| {
                    weaving::follows_between_people(c).unwrap().len()
                });
                time(conn, "replies", |c| weaving::reply_pairs(c).unwrap().len());
                time(conn, "favourites", |c| {
                    weaving::favourite_pairs(c).unwrap().len()
                });
                time(conn, "exchanges", |c| {
                    weaving::exchange_ties(c).unwrap().len()
                });
                time(conn, "memberships", |c| {
                    weaving::memberships_named(c).unwrap().len()
                });
                // The two heavy queries again with a 256 MiB page cache
                // instead of SQLite's default 2 MiB: how much of their time
                // is the index not fitting in memory.
                diesel::connection::SimpleConnection::batch_execute(
                    conn,
                    "PRAGMA cache_size = -262144",
                )?;
                for _ in 0..2 {
                    time(conn, "replies, big cache", |c| {
                        weaving::reply_pairs(c).unwrap().len()
                    });
                    time(conn, "favourites, big cache", |c| {
                        weaving::favourite_pairs(c).unwrap().len()
                    });
                }
                diesel::connection::SimpleConnection::batch_execute(
                    conn,
                    "PRAGMA cache_size = -2000",
                )?;
                Ok::<_, crate::error::Error>(())
            })
            .await
            .unwrap();
        for round in 0..2 {
            let (graph, loaded) = database
                .read(|conn| {
                    let started = Instant::now();
                    let graph = load(conn)?;
                    Ok::<_, crate::error::Error>((graph, started.elapsed()))
                })
                .await
                .unwrap();
            let started = Instant::now();
            let figures = Figures::of(&graph);
            let measured = started.elapsed();
            let (activity, counted) = database
                .read(|conn| {
                    let started = Instant::now();
                    let activity = measure_activity(conn)?;
                    Ok::<_, crate::error::Error>((activity, started.elapsed()))
                })
                .await
                .unwrap();
            let started = Instant::now();
            let svg = crate::graph::to_svg(&graph);
            let drawn = started.elapsed();
            println!(
                "round {round}: load {loaded:?} ({} people, {} edges), figures {measured:?}, \
                 activity {counted:?} ({} active, {} exchanges), svg {drawn:?} ({} KiB)",
                graph.nodes.len(),
                graph.edges.len(),
                activity.active_members,
                activity.exchanges.opened,
                svg.len() / 1024
            );
            assert_eq!(activity.members, members as usize);
            assert!(figures.ties > 40_000 && figures.strong_ties > 0);
        }
    }

    /// A map larger than one piece arrives whole, in pieces of about
    /// [`Pieces::SIZE`]; a reader that goes away stops the writer.
    #[test]
    fn exports_are_written_in_pieces() {
        let mut graph = Graph::default();
        for n in 0..2_000 {
            graph.add_node(Node {
                id: n.to_string(),
                acct: format!("member{n}@town.example"),
                ..Node::default()
            });
        }
        for n in 1..2_000 {
            graph.add_edge(n - 1, n, TieKind::Reply, 2);
        }
        let whole = crate::graph::to_json(&graph);
        assert!(whole.len() > 3 * Pieces::SIZE, "{}", whole.len());
        let (sender, mut receiver) = tokio::sync::mpsc::channel(1);
        let writer = std::thread::spawn(move || write_export(&graph, "json", sender));
        let mut pieces = Vec::new();
        while let Some(piece) = receiver.blocking_recv() {
            pieces.push(piece);
        }
        writer.join().unwrap().unwrap();
        assert!(pieces.len() > 3, "{}", pieces.len());
        assert!(pieces.iter().all(|p| p.len() < 2 * Pieces::SIZE));
        assert_eq!(String::from_utf8(pieces.concat()).unwrap(), whole);

        let (sender, receiver) = tokio::sync::mpsc::channel(1);
        drop(receiver);
        let graph = Graph::default();
        assert!(write_export(&graph, "json", sender).is_err());
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(600), "10 min");
        assert_eq!(human_duration(12_000), "3 h 20 min");
        assert_eq!(human_duration(187_200), "2 d 4 h");
    }
}
