//! The network as a graph, from what this server knows: its members and
//! the people elsewhere they have ties with; follows, replies, exchanges
//! and introductions as weighted ties. The map exports it; the health
//! report measures it.

use super::{Context, introductions, kinds::Dimension};
use crate::{
    db::{self, DbConnection, accounts, practice, weaving},
    error::Result,
    graph::{Figures, Graph, Node, TieKind},
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Loads the graph: every local member, and each person elsewhere with at
/// least one tie to a local member.
pub fn load(conn: &mut DbConnection) -> Result<Graph> {
    let people: HashMap<i64, crate::db::models::Account> = accounts::people(conn, false)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let mut ties: Vec<(i64, i64, TieKind)> = Vec::new();
    ties.extend(
        weaving::follows_between_people(conn)?
            .into_iter()
            .map(|(a, b)| (a, b, TieKind::Follow)),
    );
    ties.extend(
        weaving::reply_pairs(conn)?
            .into_iter()
            .map(|(a, b)| (a, b, TieKind::Reply)),
    );
    ties.extend(
        weaving::exchange_ties(conn)?
            .into_iter()
            .map(|(a, b)| (a, b, TieKind::Exchange)),
    );
    ties.extend(
        weaving::introductions(conn)?
            .into_iter()
            .map(|i| (i.first_id, i.second_id, TieKind::Introduction)),
    );
    let is_local = |id: &i64| people.get(id).is_some_and(|a| a.local);
    let mut on_map: Vec<i64> = people.values().filter(|a| a.local).map(|a| a.id).collect();
    for (a, b, _) in &ties {
        if people.contains_key(a) && people.contains_key(b) && (is_local(a) || is_local(b)) {
            on_map.push(*a);
            on_map.push(*b);
        }
    }
    on_map.sort_unstable();
    on_map.dedup();

    let roles = terms_by_account(conn)?;
    let places: HashMap<i64, String> = practice::places(conn)?.into_iter().collect();
    let communities = communities_by_member(conn)?;
    let mut graph = Graph::default();
    let mut index = HashMap::new();
    for id in &on_map {
        let account = &people[id];
        let node = Node {
            id: id.to_string(),
            acct: account.acct(),
            display_name: account.display_name.clone(),
            roles: roles.get(id).cloned().unwrap_or_default(),
            place: places.get(id).cloned(),
            communities: communities.get(id).cloned().unwrap_or_default(),
            local: account.local,
        };
        index.insert(*id, graph.add_node(node));
    }
    for (a, b, kind) in ties {
        if let (Some(&from), Some(&to)) = (index.get(&a), index.get(&b)) {
            graph.add_edge(from, to, kind, 1);
        }
    }
    Ok(graph)
}

fn terms_by_account(conn: &mut DbConnection) -> Result<HashMap<i64, Vec<String>>> {
    let mut roles: HashMap<i64, Vec<String>> = HashMap::new();
    for (account, _, _, text) in practice::all_terms(conn, &["role"])? {
        roles.entry(account).or_default().push(text);
    }
    Ok(roles)
}

fn communities_by_member(conn: &mut DbConnection) -> Result<HashMap<i64, Vec<String>>> {
    let mut names: HashMap<i64, String> = HashMap::new();
    let mut by_member: HashMap<i64, Vec<String>> = HashMap::new();
    for (member, group) in weaving::memberships(conn)? {
        if !names.contains_key(&group)
            && let Some(account) = accounts::by_id(conn, group)?
        {
            let name = if account.display_name.trim().is_empty() {
                account.acct()
            } else {
                account.display_name.trim().to_string()
            };
            names.insert(group, name);
        }
        if let Some(name) = names.get(&group) {
            by_member.entry(member).or_default().push(name.clone());
        }
    }
    for list in by_member.values_mut() {
        list.sort();
    }
    Ok(by_member)
}

pub async fn graph(ctx: &Context) -> Result<Graph> {
    ctx.db.read(load).await
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
    pub exchanges: ExchangeHealth,
    /// Benefit stories known here, per dimension.
    pub stories: BTreeMap<&'static str, usize>,
    pub introductions: IntroductionHealth,
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

pub async fn health(ctx: &Context) -> Result<Health> {
    // Recorded as they are noticed, so the report counts them.
    introductions::record_collaborations(ctx).await?;
    ctx.db.read(measure).await
}

fn measure(conn: &mut DbConnection) -> Result<Health> {
    let graph = load(conn)?;
    let members: Vec<i64> = accounts::people(conn, true)?.iter().map(|a| a.id).collect();
    let since = db::now() - chrono::Duration::days(ACTIVE_DAYS);
    let local: std::collections::HashSet<i64> = members.iter().copied().collect();
    let active = weaving::active_local_members(conn, since)?
        .into_iter()
        .filter(|id| local.contains(id))
        .count();
    let mut exchanges = ExchangeHealth::default();
    let mut waits = Vec::new();
    let opened = weaving::exchanges_of(conn, &members)?;
    let opened_ids: Vec<i64> = opened.iter().map(|e| e.status_id).collect();
    // Each exchange's first reply by someone other than the asker.
    let mut first_replies: HashMap<i64, chrono::NaiveDateTime> = HashMap::new();
    let askers: HashMap<i64, i64> = opened.iter().map(|e| (e.status_id, e.account_id)).collect();
    for reply in weaving::replies_of(conn, &opened_ids)? {
        if askers.get(&reply.exchange_id) != Some(&reply.account_id) {
            let first = first_replies
                .entry(reply.exchange_id)
                .or_insert(reply.replied_at);
            *first = (*first).min(reply.replied_at);
        }
    }
    for exchange in opened {
        exchanges.opened += 1;
        if exchange.answered_at.is_some() {
            exchanges.answered += 1;
        }
        if let Some(&first) = first_replies.get(&exchange.status_id) {
            exchanges.replied += 1;
            waits.push((first - exchange.opened_at).num_seconds().max(0) as f64);
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
    Ok(Health {
        generated_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        members: members.len(),
        active_members: active,
        active_window_days: ACTIVE_DAYS,
        graph: Figures::of(&graph),
        exchanges,
        stories,
        introductions: IntroductionHealth {
            made: made.len(),
            became_collaborations: made.iter().filter(|i| i.collaborated_at.is_some()).count(),
        },
    })
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
        "Introductions        {} made, {} became micro-collaborations",
        health.introductions.made, health.introductions.became_collaborations
    ));
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

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(600), "10 min");
        assert_eq!(human_duration(12_000), "3 h 20 min");
        assert_eq!(human_duration(187_200), "2 d 4 h");
    }
}
