//! What weavers (and admins) do for the whole network: the list of who
//! should meet whom, which puts the people least tied in first, and the
//! introductions digest. It stands above [`introductions`] (whose
//! suggestions it reads) and [`network_map`] (whose graph says who is on
//! the edge); neither calls back here.

use super::{
    Context, accounts, introductions, network, network_map,
    views::{self, AccountView},
};
use crate::{
    db::{self, DbConnection, models::Account},
    error::Result,
    graph::{Graph, core_numbers, core_periphery},
};
use std::collections::{HashMap, HashSet};

/// Where a member stands in the network's tie graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Standing {
    /// No tie at all yet: the first to introduce.
    Isolated,
    /// Tied in, but outside the core.
    Peripheral,
    Core,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Isolated => "isolated",
            Standing::Peripheral => "peripheral",
            Standing::Core => "core",
        }
    }
}

/// The members here in the order a weaver should think of them: isolated
/// first, then the periphery from the least tied in (lowest core number)
/// up, then the core; the older account first among equals, so the list
/// is stable from one request to the next. "The further people are from
/// the nucleus, the harder it is to see the network's impact."
pub fn by_standing(graph: &Graph) -> Vec<(i64, Standing)> {
    let split = core_periphery(graph);
    let cores = core_numbers(graph);
    let mut ordered: Vec<(Standing, u32, i64)> = Vec::new();
    for (nodes, standing) in [
        (&split.isolated, Standing::Isolated),
        (&split.periphery, Standing::Peripheral),
        (&split.core, Standing::Core),
    ] {
        for &index in nodes {
            let node = &graph.nodes[index];
            if let (true, Ok(id)) = (node.local, node.id.parse::<i64>()) {
                ordered.push((standing, cores[index], id));
            }
        }
    }
    ordered.sort_unstable();
    ordered
        .into_iter()
        .map(|(standing, _, id)| (id, standing))
        .collect()
}

/// One member each, in `order`, with the first of their candidates (best
/// first) not already paired with them, up to `limit`. Each member is the
/// one introduced at most once; a pair listed one way is not listed the
/// other way round.
pub fn choose<T, E>(
    order: &[(i64, Standing)],
    limit: usize,
    mut candidates: impl FnMut(i64) -> std::result::Result<Vec<(i64, T)>, E>,
) -> std::result::Result<Vec<(i64, Standing, i64, T)>, E> {
    let mut paired: HashSet<(i64, i64)> = HashSet::new();
    let mut chosen = Vec::new();
    for &(member, standing) in order {
        if chosen.len() >= limit {
            break;
        }
        let found = candidates(member)?.into_iter().find(|(other, _)| {
            *other != member && !paired.contains(&(member.min(*other), member.max(*other)))
        });
        if let Some((other, detail)) = found {
            paired.insert((member.min(other), member.max(other)));
            chosen.push((member, standing, other, detail));
        }
    }
    Ok(chosen)
}

/// Two members here a weaver might introduce, with why, worded to
/// `member` as their own suggestions are.
#[derive(Debug, Clone)]
pub struct Pairing {
    pub member: AccountView,
    pub standing: Standing,
    pub meet: AccountView,
    pub score: f64,
    pub reasons: Vec<String>,
}

/// How many of a member's suggestions are read to find one here who is
/// not paired with them yet.
const CANDIDATES: usize = 10;

/// How many members one request looks at, at most: most members with no
/// practice and no ties have no suggestion at all, and a large network
/// must not make the list cost one suggestion run per member.
const LOOKED_AT: usize = 400;

/// The network's "who should meet whom": members here, isolated first,
/// then peripheral, each with the best person here to meet.
pub async fn who_should_meet(
    ctx: &Context,
    by: &db::models::User,
    limit: usize,
) -> Result<Vec<Pairing>> {
    if !accounts::can_weave(by) {
        return Err(introductions::weavers_only());
    }
    ctx.db.read(move |conn| pairings_in(conn, limit)).await
}

fn pairings_in(conn: &mut DbConnection, limit: usize) -> Result<Vec<Pairing>> {
    let graph = network_map::load(conn)?;
    let members: HashMap<i64, Account> = db::oauth::active_members(conn, false)?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let order: Vec<(i64, Standing)> = by_standing(&graph)
        .into_iter()
        .filter(|(id, _)| members.contains_key(id))
        .take(LOOKED_AT)
        .collect();
    let synonyms = network::synonyms_in(conn)?;
    let chosen = choose(&order, limit, |id| {
        let found = introductions::suggestions_with(conn, &members[&id], &synonyms, CANDIDATES)?;
        Ok::<_, crate::error::Error>(
            found
                .into_iter()
                .filter(|(_, view)| members.contains_key(&view.account.id))
                .map(|(suggestion, view)| (view.account.id, (suggestion, view)))
                .collect(),
        )
    })?;
    let introduced: Vec<Account> = chosen.iter().map(|(id, ..)| members[id].clone()).collect();
    let views = views::account_views(conn, introduced)?;
    Ok(chosen
        .into_iter()
        .zip(views)
        .map(|((_, standing, _, (suggestion, meet)), member)| Pairing {
            member,
            standing,
            meet,
            score: suggestion.score,
            reasons: suggestion.reasons,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Node, TieKind};

    /// Members here named by id, and the follows between them (by index).
    fn graph(ids: &[i64], follows: &[(usize, usize)]) -> Graph {
        let mut graph = Graph::default();
        for id in ids {
            graph.add_node(Node {
                id: id.to_string(),
                acct: format!("m{id}"),
                local: true,
                ..Node::default()
            });
        }
        for &(from, to) in follows {
            graph.add_edge(from, to, TieKind::Follow, 1);
        }
        graph
    }

    #[test]
    fn the_isolated_come_first_then_the_periphery_then_the_core() {
        // 10, 11, 12 form a triangle (the core, k = 2); 13 hangs off it
        // (periphery, k = 1); 14 and 15 have no tie; 16 is elsewhere.
        let mut network = graph(&[10, 11, 12, 13, 15, 14], &[(0, 1), (1, 2), (2, 0), (3, 0)]);
        network.add_node(Node {
            id: "16".into(),
            acct: "far@else.example".into(),
            local: false,
            ..Node::default()
        });
        network.add_edge(6, 3, TieKind::Follow, 1);
        let order = by_standing(&network);
        assert_eq!(
            order,
            vec![
                (14, Standing::Isolated),
                (15, Standing::Isolated),
                (13, Standing::Peripheral),
                (10, Standing::Core),
                (11, Standing::Core),
                (12, Standing::Core),
            ]
        );
    }

    #[test]
    fn the_least_tied_in_of_the_periphery_come_first() {
        // A 4-clique (k = 3) as the core; 8 is in a triangle with 6 and
        // 7 hanging off the clique (k = 2); 9 hangs off 8 (k = 1).
        let network = graph(
            &[1, 2, 3, 4, 6, 7, 8, 9],
            &[
                (0, 1),
                (0, 2),
                (0, 3),
                (1, 2),
                (1, 3),
                (2, 3),
                (4, 0),
                (4, 5),
                (5, 6),
                (6, 4),
                (5, 1),
                (7, 6),
            ],
        );
        let order: Vec<i64> = by_standing(&network)
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        assert_eq!(order[0], 9, "{order:?}");
        assert_eq!(&order[4..], &[1, 2, 3, 4]);
    }

    #[test]
    fn each_member_is_introduced_once_and_no_pair_twice() {
        let order = [
            (1, Standing::Isolated),
            (2, Standing::Peripheral),
            (3, Standing::Peripheral),
            (4, Standing::Core),
        ];
        let candidates = |id: i64| -> std::result::Result<Vec<(i64, &str)>, ()> {
            Ok(match id {
                1 => vec![(2, "1 meets 2"), (3, "1 meets 3")],
                // 2's best is 1, already paired with 2: the next one.
                2 => vec![(1, "2 meets 1"), (4, "2 meets 4")],
                // Nobody for 3.
                3 => vec![(3, "never oneself")],
                _ => vec![(1, "4 meets 1")],
            })
        };
        let chosen = choose(&order, 10, candidates).unwrap();
        let said: Vec<(i64, Standing, i64, &str)> = chosen;
        assert_eq!(
            said,
            vec![
                (1, Standing::Isolated, 2, "1 meets 2"),
                (2, Standing::Peripheral, 4, "2 meets 4"),
                (4, Standing::Core, 1, "4 meets 1"),
            ]
        );
        assert_eq!(choose(&order, 1, candidates).unwrap().len(), 1);
    }
}
