//! Health figures for a network weaver, computed on the tie graph: an
//! ordered pair (a, b) is a directed tie when an edge of a tie kind (any
//! but an introduction) goes from a to b, and {a, b} is an undirected tie
//! when either direction exists. Each undirected tie has a strength, the
//! sum over its edges of the kind's [`TieKind::strength`] times the count.

use serde::Serialize;

use super::centrality::{self, Betweenness, Broker, TopShares};
use super::{Graph, Node, TieKind};

/// A tie is strong when it goes both ways and its strength reaches this:
/// following each other (2) and one conversation (a reply each way, 4),
/// or an answer in a learning exchange (3) between people who follow each
/// other. Anything less is a weak tie, the kind that carries news between
/// groups but not trust or joint work.
pub const STRONG_TIE: u64 = 5;

/// Two people by their 32-bit node indexes, as [`super::Edge`] keeps them:
/// the pair lists below are sorted copies of every edge, so at a million
/// edges each byte saved on a pair is a MB less to sort.
type Pair = (u32, u32);

/// The pair with the smaller index first.
fn unordered(a: u32, b: u32) -> Pair {
    (a.min(b), a.max(b))
}

/// The tie graph behind every figure, built once so [`Figures::of`] does not
/// walk the edges a dozen times.
struct Ties {
    /// Sorted and unique, so a reverse tie is a binary search away.
    directed: Vec<Pair>,
    /// Sorted and unique, smaller index first.
    undirected: Vec<Pair>,
    /// The strength of each tie in `undirected`, at the same position.
    strength: Vec<u64>,
    /// Undirected neighbours of each node.
    neighbours: Vec<Vec<usize>>,
    /// Introduced pairs, smaller index first, sorted and unique.
    introduced: Vec<Pair>,
}

impl Ties {
    fn of(graph: &Graph) -> Self {
        let mut directed = Vec::with_capacity(graph.edges.len());
        let mut weighed = Vec::with_capacity(graph.edges.len());
        let mut introduced = Vec::new();
        for edge in graph.usable_edges() {
            let pair = unordered(edge.from, edge.to);
            if edge.kind == TieKind::Introduction {
                introduced.push(pair);
            } else {
                directed.push((edge.from, edge.to));
                weighed.push((pair, edge.kind.strength() * u64::from(edge.weight)));
            }
        }
        directed.sort_unstable();
        directed.dedup();
        introduced.sort_unstable();
        introduced.dedup();

        weighed.sort_unstable();
        let mut undirected: Vec<Pair> = Vec::with_capacity(weighed.len());
        let mut strength: Vec<u64> = Vec::with_capacity(weighed.len());
        for (pair, weight) in weighed {
            if undirected.last() == Some(&pair) {
                *strength.last_mut().expect("pushed with its pair") += weight;
            } else {
                undirected.push(pair);
                strength.push(weight);
            }
        }

        let mut neighbours = vec![Vec::new(); graph.nodes.len()];
        for &(a, b) in &undirected {
            let (a, b) = (a as usize, b as usize);
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
        Ties {
            directed,
            undirected,
            strength,
            neighbours,
            introduced,
        }
    }

    fn returned(&self, from: u32, to: u32) -> bool {
        self.directed.binary_search(&(to, from)).is_ok()
    }

    /// How many ties are strong: returned, and at least [`STRONG_TIE`].
    fn strong(&self) -> usize {
        self.undirected
            .iter()
            .zip(&self.strength)
            .filter(|&(&(a, b), &strength)| strength >= STRONG_TIE && self.returned(a, b))
            .count()
    }

    /// Introduced pairs that have no tie yet.
    fn introduced_not_tied(&self) -> usize {
        self.introduced
            .iter()
            .filter(|pair| self.undirected.binary_search(pair).is_err())
            .count()
    }

    fn node_count(&self) -> usize {
        self.neighbours.len()
    }

    fn density(&self) -> f64 {
        let n = self.node_count();
        if n < 2 {
            return 0.0;
        }
        self.directed.len() as f64 / (n * (n - 1)) as f64
    }

    fn reciprocity(&self) -> f64 {
        if self.directed.is_empty() {
            return 0.0;
        }
        let returned = self
            .directed
            .iter()
            .filter(|&&(from, to)| self.returned(from, to))
            .count();
        returned as f64 / self.directed.len() as f64
    }

    /// Batagelj–Zaversnik peeling: take nodes in order of current degree,
    /// and each one taken lowers the degree of its not-yet-taken neighbours.
    /// A bucket sort keeps the order valid in O(n + m) as degrees drop.
    fn core_numbers(&self) -> Vec<u32> {
        let n = self.node_count();
        let mut degree: Vec<usize> = self.neighbours.iter().map(Vec::len).collect();
        let max_degree = degree.iter().copied().max().unwrap_or(0);

        // bucket_start[d] is where nodes of degree d begin in `order`.
        let mut bucket_start = vec![0usize; max_degree + 1];
        for &d in &degree {
            bucket_start[d] += 1;
        }
        let mut next_start = 0;
        for slot in bucket_start.iter_mut() {
            let size = *slot;
            *slot = next_start;
            next_start += size;
        }

        let mut order = vec![0usize; n];
        let mut position = vec![0usize; n];
        let mut fill = bucket_start.clone();
        for node in 0..n {
            position[node] = fill[degree[node]];
            order[position[node]] = node;
            fill[degree[node]] += 1;
        }

        for taken in 0..n {
            let node = order[taken];
            for &neighbour in &self.neighbours[node] {
                if degree[neighbour] > degree[node] {
                    // Swap the neighbour to the front of its bucket, then
                    // shrink the bucket by one: it now sits in the bucket
                    // below, with its degree lowered to match.
                    let old_degree = degree[neighbour];
                    let front = bucket_start[old_degree];
                    let displaced = order[front];
                    if displaced != neighbour {
                        order[position[neighbour]] = displaced;
                        position[displaced] = position[neighbour];
                        order[front] = neighbour;
                        position[neighbour] = front;
                    }
                    bucket_start[old_degree] += 1;
                    degree[neighbour] -= 1;
                }
            }
        }
        degree.into_iter().map(|d| d as u32).collect()
    }

    fn core_periphery(&self, cores: &[u32]) -> CorePeriphery {
        let k = cores.iter().copied().max().unwrap_or(0);
        let mut split = CorePeriphery {
            k,
            ..CorePeriphery::default()
        };
        for (node, &core) in cores.iter().enumerate() {
            if self.neighbours[node].is_empty() {
                split.isolated.push(node);
            } else if core == k {
                split.core.push(node);
            } else {
                split.periphery.push(node);
            }
        }
        split
    }

    fn crossing(&self, nodes: &[Node], same: impl Fn(&Node, &Node) -> Option<bool>) -> Crossing {
        let mut crossing = Crossing::default();
        for &(a, b) in &self.undirected {
            if let Some(same_side) = same(&nodes[a as usize], &nodes[b as usize]) {
                crossing.counted += 1;
                if !same_side {
                    crossing.across += 1;
                }
            }
        }
        crossing
    }
}

/// The undirected tie neighbours of each node with the strength of each
/// tie, in the same order, for the map's layout.
pub(super) fn weighted_neighbours(graph: &Graph) -> (Vec<Vec<usize>>, Vec<Vec<u64>>) {
    let ties = Ties::of(graph);
    // Walked in the order `Ties::of` filled the neighbour lists, so each
    // strength lands beside its neighbour.
    let mut strengths = vec![Vec::new(); ties.neighbours.len()];
    for (&(a, b), &strength) in ties.undirected.iter().zip(&ties.strength) {
        strengths[a as usize].push(strength);
        strengths[b as usize].push(strength);
    }
    (ties.neighbours, strengths)
}

/// Strength of every undirected tie, smaller index first, in pair order.
pub fn tie_strengths(graph: &Graph) -> Vec<((usize, usize), u64)> {
    let ties = Ties::of(graph);
    ties.undirected
        .into_iter()
        .map(|(a, b)| (a as usize, b as usize))
        .zip(ties.strength)
        .collect()
}

/// Betweenness of every member on the undirected tie graph; see
/// [`centrality::betweenness`] for when it is an estimate.
pub fn betweenness(graph: &Graph) -> Betweenness {
    centrality::betweenness(&Ties::of(graph).neighbours)
}

/// Freeman's degree centralisation of the tie graph.
pub fn degree_centralisation(graph: &Graph) -> f64 {
    centrality::degree_centralisation(&Ties::of(graph).neighbours)
}

/// Share of all possible directed ties that exist: ties / (n·(n−1)).
/// 0.0 with fewer than two members, where no tie is possible.
pub fn density(graph: &Graph) -> f64 {
    Ties::of(graph).density()
}

/// Share of directed ties that are returned (a→b with b→a). 0.0 when there
/// are no ties at all.
pub fn reciprocity(graph: &Graph) -> f64 {
    Ties::of(graph).reciprocity()
}

/// The k-core number of each node on the undirected tie graph: the largest
/// k such that the node belongs to a group where everyone has at least k
/// ties inside the group. Isolated members have 0.
pub fn core_numbers(graph: &Graph) -> Vec<u32> {
    Ties::of(graph).core_numbers()
}

/// The network split into its nucleus, its edge and those not yet tied in.
/// Every node index appears in exactly one of the three lists, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct CorePeriphery {
    /// The highest core number in the network (0 when nobody is tied).
    pub k: u32,
    /// Members whose core number is `k`; empty when `k` is 0.
    pub core: Vec<usize>,
    /// Members with at least one tie who are outside the core.
    pub periphery: Vec<usize>,
    /// Members with no tie at all.
    pub isolated: Vec<usize>,
}

pub fn core_periphery(graph: &Graph) -> CorePeriphery {
    let ties = Ties::of(graph);
    ties.core_periphery(&ties.core_numbers())
}

/// How many undirected ties could be judged for some attribute, and how many
/// of those join members on different sides of it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Crossing {
    pub counted: usize,
    pub across: usize,
}

/// Counts undirected ties by a predicate that says whether the two ends are
/// on the *same* side: `Some(true)` same, `Some(false)` across, `None` when
/// either end lacks the attribute (the tie is then left out of `counted`).
pub fn ties_across(graph: &Graph, same: impl Fn(&Node, &Node) -> Option<bool>) -> Crossing {
    Ties::of(graph).crossing(&graph.nodes, same)
}

/// Ties between members whose places are both known, and how many join
/// different places (compared ignoring case and surrounding spaces).
pub fn ties_across_places(graph: &Graph) -> Crossing {
    ties_across(graph, same_place)
}

/// Ties between members who both belong to a community, and how many join
/// members who share no community.
pub fn ties_across_communities(graph: &Graph) -> Crossing {
    ties_across(graph, share_a_community)
}

/// Every tie is counted; it is across when one end is local and the other
/// remote, i.e. the tie reaches out of this instance.
pub fn ties_across_instances(graph: &Graph) -> Crossing {
    ties_across(graph, same_instance)
}

fn known_place(node: &Node) -> Option<String> {
    let place = node.place.as_deref()?.trim();
    (!place.is_empty()).then(|| place.to_lowercase())
}

fn same_place(a: &Node, b: &Node) -> Option<bool> {
    Some(known_place(a)? == known_place(b)?)
}

fn share_a_community(a: &Node, b: &Node) -> Option<bool> {
    if a.communities.is_empty() || b.communities.is_empty() {
        return None;
    }
    Some(
        a.communities
            .iter()
            .any(|name| b.communities.contains(name)),
    )
}

fn same_instance(a: &Node, b: &Node) -> Option<bool> {
    Some(a.local == b.local)
}

/// The middle value, or the mean of the two middle values for an even count;
/// `None` for no values. Sorts `values` in place.
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable_by(f64::total_cmp);
    let middle = values.len() / 2;
    if values.len() % 2 == 1 {
        Some(values[middle])
    } else {
        Some((values[middle - 1] + values[middle]) / 2.0)
    }
}

/// The network's condition at a glance, as the assessment page shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// Members on the map, local and remote; the size every other figure is
    /// read against.
    pub nodes: usize,
    /// Members with an account here; the people this network can reach
    /// directly when it weaves.
    pub local_members: usize,
    /// Pairs of members who are connected in either direction; the raw
    /// amount of relationship the network has built.
    pub ties: usize,
    /// Share of possible directed ties that exist; low density is normal in
    /// a large network, but a falling one means growth is outpacing weaving.
    pub density: f64,
    /// Share of directed ties that are returned; one-way ties are attention,
    /// returned ones are relationships that carry exchange.
    pub reciprocity: f64,
    /// The highest k-core number: how many ties each member of the nucleus
    /// has inside it, a measure of how tightly the core holds together.
    pub core_k: u32,
    /// Members in the innermost core; the nucleus that keeps the network
    /// going and that weavers should not let carry everything.
    pub core_members: usize,
    /// Tied members outside the core; where new ideas and new people enter,
    /// and who a weaver helps move closer to the nucleus.
    pub periphery_members: usize,
    /// Members with no tie at all; the first people to introduce to someone.
    pub isolated_members: usize,
    /// Ties between members with known places, and how many join different
    /// places; the horizontal links that carry learning between towns.
    pub ties_across_places: Crossing,
    /// Ties between members in communities, and how many join members who
    /// share none; the ties that keep practice communities from becoming silos.
    pub ties_across_communities: Crossing,
    /// Ties between a local member and a remote one; how far this network is
    /// linked into the networks around it.
    pub ties_to_other_instances: usize,
    /// Ties that go both ways with a strength of at least [`STRONG_TIE`]:
    /// relationships that carry trust and joint work.
    pub strong_ties: usize,
    /// The other ties: a follow, a favourite, a reply that was not returned.
    /// Weak ties carry news between groups; a weaver deepens the ones that
    /// matter.
    pub weak_ties: usize,
    /// Introductions whose two people have not interacted yet; not ties,
    /// but the follow-ups a weaver owes.
    pub introductions_not_yet_ties: usize,
    /// Freeman's degree centralisation over tied members, 0.0 (everyone
    /// equally connected) to 1.0 (one hub, everyone else a spoke).
    pub degree_centralisation: f64,
    /// Share of ties that touch the best-connected 1, 3 and 10 members: how
    /// much of the network rests on a few people.
    pub ties_through_top: TopShares,
    /// Ties of the best-connected member.
    pub best_connected_ties: usize,
    /// The network hangs on one person (see
    /// [`centrality::is_hub_and_spoke`]); their contacts should meet each
    /// other.
    pub hub_and_spoke: bool,
    /// People at least [`centrality::BROKER_SHARE`] of the shortest paths
    /// between other members run through: the bridges between groups, and
    /// the places the network breaks if they leave.
    pub broker_count: usize,
    /// When betweenness was estimated, how many members the searches ran
    /// from; `null` when it is exact.
    pub betweenness_pivots: Option<usize>,
    /// The best-connected member, by node index; named by the layer that
    /// knows who may see names.
    #[serde(skip)]
    pub hub: Option<usize>,
    /// The brokers, largest share first, at most
    /// [`centrality::BROKERS_NAMED`]; node indexes, named likewise.
    #[serde(skip)]
    pub brokers: Vec<Broker>,
}

impl Figures {
    pub fn of(graph: &Graph) -> Self {
        let ties = Ties::of(graph);
        let split = ties.core_periphery(&ties.core_numbers());
        let ranked = centrality::ranked_by_ties(&ties.neighbours);
        let through = |top| centrality::share_of_ties_through(&ties.neighbours, &ranked, top);
        let ties_through_top = TopShares {
            top_1: through(1),
            top_3: through(3),
            top_10: through(10),
        };
        let degree_centralisation = centrality::degree_centralisation(&ties.neighbours);
        let betweenness = centrality::betweenness(&ties.neighbours);
        let mut brokers = centrality::brokers(&ties.neighbours, &betweenness);
        let broker_count = brokers.len();
        brokers.truncate(centrality::BROKERS_NAMED);
        let strong_ties = ties.strong();
        Figures {
            strong_ties,
            weak_ties: ties.undirected.len() - strong_ties,
            introductions_not_yet_ties: ties.introduced_not_tied(),
            degree_centralisation,
            hub_and_spoke: centrality::is_hub_and_spoke(
                ranked.len(),
                degree_centralisation,
                &ties_through_top,
            ),
            ties_through_top,
            broker_count,
            betweenness_pivots: betweenness.pivots,
            hub: ranked.first().copied(),
            best_connected_ties: ranked.first().map_or(0, |&v| ties.neighbours[v].len()),
            brokers,
            nodes: graph.nodes.len(),
            local_members: graph.nodes.iter().filter(|node| node.local).count(),
            ties: ties.undirected.len(),
            density: ties.density(),
            reciprocity: ties.reciprocity(),
            core_k: split.k,
            core_members: split.core.len(),
            periphery_members: split.periphery.len(),
            isolated_members: split.isolated.len(),
            ties_across_places: ties.crossing(&graph.nodes, same_place),
            ties_across_communities: ties.crossing(&graph.nodes, share_a_community),
            ties_to_other_instances: ties.crossing(&graph.nodes, same_instance).across,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::TieKind;
    use super::super::test_support::{self, graph_with_follows, member};
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-12,
            "expected {expected}, got {actual}"
        );
    }

    /// 0, 1, 2 all following each other.
    fn mutual_triangle() -> Graph {
        graph_with_follows(3, &[(0, 1), (1, 0), (1, 2), (2, 1), (0, 2), (2, 0)])
    }

    /// Hub 0 followed by 1, 2, 3; it follows back only 1.
    fn star() -> Graph {
        graph_with_follows(4, &[(1, 0), (2, 0), (3, 0), (0, 1)])
    }

    /// 0 → 1 → 2 → 3.
    fn path() -> Graph {
        graph_with_follows(4, &[(0, 1), (1, 2), (2, 3)])
    }

    /// 0 ↔ 1 and 2 → 3, no link between the pairs.
    fn two_pairs() -> Graph {
        graph_with_follows(4, &[(0, 1), (1, 0), (2, 3)])
    }

    #[test]
    fn density_of_small_graphs() {
        close(density(&mutual_triangle()), 1.0);
        close(density(&star()), 4.0 / 12.0);
        close(density(&path()), 3.0 / 12.0);
        close(density(&two_pairs()), 3.0 / 12.0);
    }

    #[test]
    fn density_needs_two_members() {
        close(density(&Graph::default()), 0.0);
        close(density(&graph_with_follows(1, &[])), 0.0);
    }

    #[test]
    fn density_counts_a_pair_once_whatever_the_kinds() {
        let mut graph = graph_with_follows(2, &[(0, 1)]);
        graph.add_edge(0, 1, TieKind::Reply, 4);
        graph.add_edge(0, 1, TieKind::Exchange, 1);
        close(density(&graph), 0.5);
    }

    #[test]
    fn reciprocity_of_mutual_and_one_way_pairs() {
        close(reciprocity(&graph_with_follows(2, &[(0, 1), (1, 0)])), 1.0);
        close(reciprocity(&graph_with_follows(2, &[(0, 1)])), 0.0);
        close(reciprocity(&two_pairs()), 2.0 / 3.0);
        close(reciprocity(&star()), 2.0 / 4.0);
        close(reciprocity(&mutual_triangle()), 1.0);
    }

    #[test]
    fn reciprocity_counts_a_reply_back_as_returning_a_follow() {
        let mut graph = graph_with_follows(2, &[(0, 1)]);
        graph.add_edge(1, 0, TieKind::Reply, 1);
        close(reciprocity(&graph), 1.0);
    }

    #[test]
    fn reciprocity_without_ties_is_zero() {
        close(reciprocity(&Graph::default()), 0.0);
        close(reciprocity(&graph_with_follows(3, &[])), 0.0);
    }

    #[test]
    fn core_numbers_of_small_graphs() {
        assert_eq!(core_numbers(&mutual_triangle()), vec![2, 2, 2]);
        assert_eq!(core_numbers(&star()), vec![1, 1, 1, 1]);
        assert_eq!(core_numbers(&path()), vec![1, 1, 1, 1]);
        assert_eq!(core_numbers(&two_pairs()), vec![1, 1, 1, 1]);
        assert_eq!(core_numbers(&Graph::default()), Vec::<u32>::new());
        assert_eq!(core_numbers(&graph_with_follows(1, &[])), vec![0]);
    }

    #[test]
    fn core_numbers_of_a_triangle_with_a_tail_and_a_loner() {
        // Triangle 0-1-2, tail 2-3-4, and 5 alone.
        let graph = graph_with_follows(6, &[(0, 1), (1, 2), (2, 0), (2, 3), (3, 4)]);
        assert_eq!(core_numbers(&graph), vec![2, 2, 2, 1, 1, 0]);
    }

    #[test]
    fn core_numbers_of_a_four_clique_with_a_pendant_triangle() {
        // Clique 0-1-2-3 (core 3); triangle 3-4-5 hangs off it (core 2).
        let graph = graph_with_follows(
            6,
            &[
                (0, 1),
                (0, 2),
                (0, 3),
                (1, 2),
                (1, 3),
                (2, 3),
                (3, 4),
                (4, 5),
                (5, 3),
            ],
        );
        assert_eq!(core_numbers(&graph), vec![3, 3, 3, 3, 2, 2]);
    }

    #[test]
    fn core_periphery_of_a_triangle_with_a_tail_and_a_loner() {
        let graph = graph_with_follows(6, &[(0, 1), (1, 2), (2, 0), (2, 3), (3, 4)]);
        assert_eq!(
            core_periphery(&graph),
            CorePeriphery {
                k: 2,
                core: vec![0, 1, 2],
                periphery: vec![3, 4],
                isolated: vec![5],
            }
        );
    }

    #[test]
    fn core_periphery_of_a_star_puts_everyone_in_the_core() {
        let split = core_periphery(&star());
        assert_eq!(split.k, 1);
        assert_eq!(split.core, vec![0, 1, 2, 3]);
        assert!(split.periphery.is_empty() && split.isolated.is_empty());
    }

    #[test]
    fn core_periphery_without_ties_has_an_empty_core() {
        assert_eq!(core_periphery(&Graph::default()), CorePeriphery::default());
        assert_eq!(
            core_periphery(&graph_with_follows(2, &[])),
            CorePeriphery {
                k: 0,
                core: vec![],
                periphery: vec![],
                isolated: vec![0, 1],
            }
        );
    }

    fn placed(name: &str, place: Option<&str>) -> Node {
        Node {
            place: place.map(str::to_string),
            ..member(name)
        }
    }

    #[test]
    fn ties_across_places_skips_unknown_places_and_ignores_case() {
        let mut graph = Graph::default();
        let ana = graph.add_node(placed("ana", Some("Bristol")));
        let ben = graph.add_node(placed("ben", Some(" bristol ")));
        let cai = graph.add_node(placed("cai", Some("Leeds")));
        let dee = graph.add_node(placed("dee", None));
        let eve = graph.add_node(placed("eve", Some("  ")));
        graph.add_edge(ana, ben, TieKind::Follow, 1);
        graph.add_edge(ben, ana, TieKind::Follow, 1);
        graph.add_edge(ana, cai, TieKind::Reply, 1);
        graph.add_edge(cai, dee, TieKind::Follow, 1);
        graph.add_edge(eve, ana, TieKind::Follow, 1);
        assert_eq!(
            ties_across_places(&graph),
            Crossing {
                counted: 2,
                across: 1
            }
        );
    }

    fn in_communities(name: &str, communities: &[&str]) -> Node {
        Node {
            communities: communities.iter().map(|c| c.to_string()).collect(),
            ..member(name)
        }
    }

    #[test]
    fn ties_across_communities_needs_disjoint_sets_to_cross() {
        let mut graph = Graph::default();
        let ana = graph.add_node(in_communities("ana", &["energy", "food"]));
        let ben = graph.add_node(in_communities("ben", &["food"]));
        let cai = graph.add_node(in_communities("cai", &["housing"]));
        let dee = graph.add_node(in_communities("dee", &[]));
        graph.add_edge(ana, ben, TieKind::Follow, 1);
        graph.add_edge(ben, cai, TieKind::Follow, 1);
        graph.add_edge(ana, cai, TieKind::Follow, 1);
        graph.add_edge(cai, dee, TieKind::Follow, 1);
        assert_eq!(
            ties_across_communities(&graph),
            Crossing {
                counted: 3,
                across: 2
            }
        );
    }

    #[test]
    fn ties_across_instances_counts_every_tie() {
        let mut graph = graph_with_follows(3, &[(0, 1), (1, 2), (2, 1)]);
        graph.nodes[2].local = false;
        assert_eq!(
            ties_across_instances(&graph),
            Crossing {
                counted: 2,
                across: 1
            }
        );
    }

    #[test]
    fn ties_across_with_a_custom_predicate() {
        let graph = path();
        let by_parity = |a: &Node, b: &Node| Some(a.id.len() % 2 == b.id.len() % 2);
        assert_eq!(
            ties_across(&graph, by_parity),
            Crossing {
                counted: 3,
                across: 0
            }
        );
        assert_eq!(ties_across(&graph, |_, _| None), Crossing::default());
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [4.0]), Some(4.0));
        assert_eq!(median(&mut [9.0, 1.0, 5.0]), Some(5.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn figures_of_a_triangle_with_a_tail_and_a_loner() {
        let mut graph = graph_with_follows(6, &[(0, 1), (1, 0), (1, 2), (2, 0), (2, 3), (3, 4)]);
        graph.nodes[4].local = false;
        graph.nodes[5].local = false;
        let figures = Figures::of(&graph);
        assert_eq!(figures.nodes, 6);
        assert_eq!(figures.local_members, 4);
        assert_eq!(figures.ties, 5);
        close(figures.density, 6.0 / 30.0);
        close(figures.reciprocity, 2.0 / 6.0);
        assert_eq!(figures.core_k, 2);
        assert_eq!(figures.core_members, 3);
        assert_eq!(figures.periphery_members, 2);
        assert_eq!(figures.isolated_members, 1);
        assert_eq!(figures.ties_across_places, Crossing::default());
        assert_eq!(figures.ties_across_communities, Crossing::default());
        assert_eq!(figures.ties_to_other_instances, 1);
    }

    #[test]
    fn figures_of_an_empty_network() {
        let figures = Figures::of(&Graph::default());
        assert_eq!(figures.nodes, 0);
        assert_eq!(figures.ties, 0);
        close(figures.density, 0.0);
        close(figures.reciprocity, 0.0);
        assert_eq!(figures.core_k, 0);
    }

    #[test]
    fn an_introduction_alone_is_not_a_tie() {
        let mut graph = graph_with_follows(3, &[(0, 1)]);
        graph.add_edge(1, 2, TieKind::Introduction, 1);
        graph.add_edge(2, 1, TieKind::Introduction, 1);
        graph.add_edge(0, 1, TieKind::Introduction, 1);
        close(density(&graph), 1.0 / 6.0);
        close(reciprocity(&graph), 0.0);
        assert_eq!(core_numbers(&graph), vec![1, 1, 0]);
        let figures = Figures::of(&graph);
        assert_eq!(figures.ties, 1);
        assert_eq!(figures.isolated_members, 1);
        // 1 and 2 were introduced and have not met; 0 and 1 had a tie.
        assert_eq!(figures.introductions_not_yet_ties, 1);
    }

    #[test]
    fn a_favourite_is_a_tie() {
        let mut graph = graph_with_follows(2, &[]);
        graph.add_edge(0, 1, TieKind::Favourite, 3);
        assert_eq!(Figures::of(&graph).ties, 1);
        assert_eq!(tie_strengths(&graph), vec![((0, 1), 3)]);
    }

    #[test]
    fn tie_strength_weighs_kinds_and_counts_both_ways() {
        let mut graph = graph_with_follows(4, &[(0, 1), (1, 0), (2, 3)]);
        graph.add_edge(1, 0, TieKind::Reply, 2);
        graph.add_edge(0, 1, TieKind::Exchange, 1);
        graph.add_edge(0, 1, TieKind::Favourite, 4);
        graph.add_edge(2, 3, TieKind::Introduction, 1);
        // Follows 1 + 1, two replies 2 × 2, an exchange 3, favourites 4 × 1;
        // the introduction adds nothing.
        assert_eq!(tie_strengths(&graph), vec![((0, 1), 13), ((2, 3), 1)]);
    }

    #[test]
    fn strong_ties_go_both_ways_and_reach_the_threshold() {
        let mut graph = graph_with_follows(6, &[(0, 1), (1, 0), (2, 3), (3, 2), (4, 5)]);
        // Mutual follows and a reply each way: 6, strong.
        graph.add_edge(0, 1, TieKind::Reply, 1);
        graph.add_edge(1, 0, TieKind::Reply, 1);
        // Mutual follows and a favourite: 3, weak.
        graph.add_edge(2, 3, TieKind::Favourite, 1);
        // One way only, however much: weak.
        graph.add_edge(4, 5, TieKind::Reply, 20);
        let figures = Figures::of(&graph);
        assert_eq!((figures.strong_ties, figures.weak_ties), (1, 2));
        // Just under: mutual follows and one reply is 4.
        let mut under = graph_with_follows(2, &[(0, 1), (1, 0)]);
        under.add_edge(0, 1, TieKind::Reply, 1);
        assert_eq!(Figures::of(&under).strong_ties, 0);
        under.add_edge(0, 1, TieKind::Favourite, 1);
        assert_eq!(Figures::of(&under).strong_ties, 1);
    }

    #[test]
    fn a_hub_and_spoke_network_is_told_apart_from_a_woven_one() {
        // Both read "1-core … periphery 0" on the old figures.
        let hub = Figures::of(&test_support::star(9));
        assert_eq!((hub.core_k, hub.periphery_members), (1, 0));
        assert!(hub.hub_and_spoke);
        assert_eq!(hub.hub, Some(0));
        close(hub.degree_centralisation, 1.0);
        close(hub.ties_through_top.top_1, 1.0);
        assert_eq!(hub.broker_count, 1);
        assert_eq!(hub.brokers[0].node, 0);
        close(hub.brokers[0].share, 1.0);

        let woven = Figures::of(&test_support::clique(10));
        assert!(!woven.hub_and_spoke);
        close(woven.degree_centralisation, 0.0);
        close(woven.ties_through_top.top_1, 0.2);
        assert_eq!(woven.broker_count, 0);
        assert!(woven.brokers.is_empty());
    }

    #[test]
    fn brokers_are_named_at_most_five_and_counted_in_full() {
        // Seven stars of three spokes, their hubs in a ring: every hub
        // bridges, and the count says seven while five are named.
        let mut pairs = Vec::new();
        for star in 0..7 {
            let hub = star * 4;
            pairs.extend((1..4).map(|spoke| (hub, hub + spoke)));
            pairs.push((hub, (hub + 4) % 28));
        }
        let figures = Figures::of(&test_support::undirected(28, &pairs));
        assert_eq!(figures.broker_count, 7);
        assert_eq!(figures.brokers.len(), centrality::BROKERS_NAMED);
        assert!(figures.brokers.iter().all(|b| b.node % 4 == 0));
        assert_eq!(figures.betweenness_pivots, None);
    }

    #[test]
    fn figures_of_five_thousand_members_in_budget() {
        let graph = test_support::generated(5_000, 10);
        let started = std::time::Instant::now();
        let figures = Figures::of(&graph);
        let elapsed = started.elapsed();
        println!(
            "figures of {} members, {} ties: {elapsed:?} (pivots {:?}, brokers {})",
            figures.nodes, figures.ties, figures.betweenness_pivots, figures.broker_count
        );
        assert_eq!(
            figures.betweenness_pivots,
            Some(centrality::BETWEENNESS_PIVOTS)
        );
        assert!(figures.ties > 30_000);
        // Generous for a debug build on a shared machine; release is ~10×.
        assert!(elapsed < std::time::Duration::from_secs(20));
    }

    #[test]
    fn figures_serialize_with_snake_case_names() {
        let json = serde_json::to_value(Figures::of(&star())).unwrap();
        assert_eq!(json["core_k"], 1);
        assert_eq!(json["ties_across_places"]["counted"], 0);
        assert_eq!(json["ties_to_other_instances"], 0);
        assert_eq!(json["isolated_members"], 0);
        assert_eq!(json["hub_and_spoke"], true);
        assert_eq!(json["ties_through_top"]["top_3"], 1.0);
        assert_eq!(json["broker_count"], 1);
        assert!(json["betweenness_pivots"].is_null());
        assert!(json.get("brokers").is_none() && json.get("hub").is_none());
    }
}
