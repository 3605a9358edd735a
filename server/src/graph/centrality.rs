//! Who holds the network together: betweenness (the people shortest paths
//! run through, i.e. brokers between groups), degree centralisation and the
//! share of ties held by the best-connected few. All work on the undirected
//! tie graph given as neighbour lists, so they know nothing of tie kinds.

use serde::Serialize;

/// Up to this many tied members betweenness is exact; Brandes' algorithm
/// costs one breadth-first search per member, about 1.5 s in release at
/// 5,000 members with 50,000 ties, beyond the health report's budget.
pub const EXACT_BETWEENNESS_LIMIT: usize = 1_500;

/// Searches run from this many members when there are more than
/// [`EXACT_BETWEENNESS_LIMIT`]: Brandes and Pich's pivot estimate, whose
/// error on the people who matter (the large values) is a few percent.
pub const BETWEENNESS_PIVOTS: usize = 300;

/// A broker carries at least this share of the shortest paths between
/// other tied members. One in twenty is far above what anyone carries in
/// a well-woven group (in ten people who all know each other it is zero)
/// and well below a hub's (all of them).
pub const BROKER_SHARE: f64 = 0.05;

/// How many brokers the report names at most.
pub const BROKERS_NAMED: usize = 5;

/// Betweenness for every node, and how it was computed.
#[derive(Clone, Debug, PartialEq)]
pub struct Betweenness {
    /// For each node, the number of pairs of other members whose shortest
    /// paths run through it (a pair with several shortest paths counts the
    /// share that does), estimated when `pivots` is set.
    pub scores: Vec<f64>,
    /// Members with at least one tie: the `n` the shares are read against.
    pub tied: usize,
    /// The number of members searches ran from, when the figure is an
    /// estimate; `None` when it is exact.
    pub pivots: Option<usize>,
}

impl Betweenness {
    /// Pairs of tied members other than the node itself: what a hub that
    /// every path runs through would score.
    fn pairs(&self) -> f64 {
        if self.tied < 3 {
            return 0.0;
        }
        let others = (self.tied - 1) as f64;
        others * (others - 1.0) / 2.0
    }

    /// The node's score as a share of [`Betweenness::pairs`], 0.0 to 1.0.
    pub fn share(&self, node: usize) -> f64 {
        let pairs = self.pairs();
        if pairs == 0.0 {
            0.0
        } else {
            (self.scores[node] / pairs).min(1.0)
        }
    }
}

/// Brandes' algorithm on an unweighted undirected graph: exact up to
/// [`EXACT_BETWEENNESS_LIMIT`] tied members, estimated from
/// [`BETWEENNESS_PIVOTS`] deterministically chosen members above it.
pub fn betweenness(neighbours: &[Vec<usize>]) -> Betweenness {
    betweenness_with(neighbours, EXACT_BETWEENNESS_LIMIT, BETWEENNESS_PIVOTS)
}

pub(super) fn betweenness_with(
    neighbours: &[Vec<usize>],
    exact_limit: usize,
    pivots: usize,
) -> Betweenness {
    let n = neighbours.len();
    let tied: Vec<usize> = (0..n).filter(|&v| !neighbours[v].is_empty()).collect();
    let sampled = tied.len() > exact_limit && pivots < tied.len();
    let sources = if sampled {
        pick_pivots(&tied, pivots)
    } else {
        tied.clone()
    };

    let mut scores = vec![0.0; n];
    let mut search = Search::new(n);
    for &source in &sources {
        search.accumulate(neighbours, source, &mut scores);
    }
    // Each unordered pair is found from both of its ends when every member
    // is a source, hence the half; a sample stands for tied/pivots times
    // as many sources.
    let scale = if sampled {
        tied.len() as f64 / sources.len() as f64 / 2.0
    } else {
        0.5
    };
    for score in &mut scores {
        *score *= scale;
    }
    Betweenness {
        scores,
        tied: tied.len(),
        pivots: sampled.then_some(sources.len()),
    }
}

/// The buffers of one breadth-first search, reused from source to source
/// so a run over thousands of sources allocates once.
struct Search {
    distance: Vec<i64>,
    paths: Vec<f64>,
    dependency: Vec<f64>,
    order: Vec<usize>,
}

impl Search {
    fn new(n: usize) -> Self {
        Search {
            distance: vec![-1; n],
            paths: vec![0.0; n],
            dependency: vec![0.0; n],
            order: Vec::with_capacity(n),
        }
    }

    /// Adds each node's dependency from `source` to `scores`. Predecessors
    /// are not stored: a neighbour one step closer to the source is one, so
    /// they are found again on the way back, which saves a list per node.
    fn accumulate(&mut self, neighbours: &[Vec<usize>], source: usize, scores: &mut [f64]) {
        for &v in &self.order {
            self.distance[v] = -1;
            self.paths[v] = 0.0;
            self.dependency[v] = 0.0;
        }
        self.order.clear();
        self.distance[source] = 0;
        self.paths[source] = 1.0;
        self.order.push(source);
        // `order` doubles as the queue: nodes are appended in the order
        // they are reached, which is the order of distance.
        let mut head = 0;
        while head < self.order.len() {
            let v = self.order[head];
            head += 1;
            for &w in &neighbours[v] {
                if self.distance[w] < 0 {
                    self.distance[w] = self.distance[v] + 1;
                    self.order.push(w);
                }
                if self.distance[w] == self.distance[v] + 1 {
                    self.paths[w] += self.paths[v];
                }
            }
        }
        for &w in self.order.iter().rev() {
            let through_w = (1.0 + self.dependency[w]) / self.paths[w];
            for &v in &neighbours[w] {
                if self.distance[v] == self.distance[w] - 1 {
                    self.dependency[v] += self.paths[v] * through_w;
                }
            }
            if w != source {
                scores[w] += self.dependency[w];
            }
        }
    }
}

/// `count` members from `tied`, the same ones every time for the same
/// graph: a partial Fisher–Yates shuffle driven by SplitMix64 with a fixed
/// seed. Random rather than evenly spaced, because member order follows
/// account age and old members sit together in the core.
fn pick_pivots(tied: &[usize], count: usize) -> Vec<usize> {
    let mut pool = tied.to_vec();
    let mut state: u64 = 0x5452_454c_4c49_5321; // "TRELLIS!"
    for i in 0..count.min(pool.len()) {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        let j = i + (z % (pool.len() - i) as u64) as usize;
        pool.swap(i, j);
    }
    pool.truncate(count);
    pool
}

/// Freeman's degree centralisation over tied members: how far the network
/// is from everyone having as many ties as its best-connected member, as a
/// share of how far a star is. 1.0 for a hub with spokes, 0.0 when all
/// have the same number of ties. Isolated members are left out: they have
/// a line of their own, and a wave of new sign-ups should not read as a
/// change in shape.
pub fn degree_centralisation(neighbours: &[Vec<usize>]) -> f64 {
    let degrees: Vec<usize> = neighbours.iter().map(Vec::len).filter(|&d| d > 0).collect();
    let n = degrees.len();
    if n < 3 {
        return 0.0;
    }
    let highest = degrees.iter().copied().max().unwrap_or(0);
    let gap: usize = degrees.iter().map(|&d| highest - d).sum();
    gap as f64 / ((n - 1) * (n - 2)) as f64
}

/// Node indexes by number of ties, most first; equal counts in index order
/// so the ranking is the same every time.
pub fn ranked_by_ties(neighbours: &[Vec<usize>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..neighbours.len())
        .filter(|&v| !neighbours[v].is_empty())
        .collect();
    order.sort_by(|&a, &b| {
        neighbours[b]
            .len()
            .cmp(&neighbours[a].len())
            .then(a.cmp(&b))
    });
    order
}

/// The share of ties with at least one end among the `top` best-connected
/// members (by [`ranked_by_ties`]); 0.0 without ties.
pub fn share_of_ties_through(neighbours: &[Vec<usize>], ranked: &[usize], top: usize) -> f64 {
    let mut chosen = vec![false; neighbours.len()];
    for &v in ranked.iter().take(top) {
        chosen[v] = true;
    }
    let mut ties = 0usize;
    let mut through = 0usize;
    for (a, list) in neighbours.iter().enumerate() {
        for &b in list.iter().filter(|&&b| a < b) {
            ties += 1;
            if chosen[a] || chosen[b] {
                through += 1;
            }
        }
    }
    if ties == 0 {
        0.0
    } else {
        through as f64 / ties as f64
    }
}

/// The share of ties held by the best-connected 1, 3 and 10 members.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct TopShares {
    pub top_1: f64,
    pub top_3: f64,
    pub top_10: f64,
}

/// A hub-and-spoke network hangs on one person: at least
/// [`HUB_MIN_MEMBERS`] tied members, degree centralisation at least
/// [`HUB_CENTRALISATION`], and at least [`HUB_SHARE`] of all ties touch the
/// best-connected member. Nine people tied only to Ana score 1.0 and 100%;
/// ten people who all know each other score 0.0 and 20%.
pub const HUB_CENTRALISATION: f64 = 0.5;
pub const HUB_SHARE: f64 = 0.5;
pub const HUB_MIN_MEMBERS: usize = 4;

pub fn is_hub_and_spoke(tied: usize, centralisation: f64, shares: &TopShares) -> bool {
    tied >= HUB_MIN_MEMBERS && centralisation >= HUB_CENTRALISATION && shares.top_1 >= HUB_SHARE
}

/// A member shortest paths run through.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Broker {
    /// Index into [`super::Graph::nodes`].
    pub node: usize,
    /// Pairs of other members whose shortest paths run through them.
    pub betweenness: f64,
    /// That as a share of all pairs of other tied members.
    pub share: f64,
    pub ties: usize,
}

/// Everyone whose share is at least [`BROKER_SHARE`], largest first (equal
/// values in index order).
pub fn brokers(neighbours: &[Vec<usize>], betweenness: &Betweenness) -> Vec<Broker> {
    let mut found: Vec<Broker> = (0..neighbours.len())
        .filter(|&v| betweenness.share(v) >= BROKER_SHARE)
        .map(|v| Broker {
            node: v,
            betweenness: betweenness.scores[v],
            share: betweenness.share(v),
            ties: neighbours[v].len(),
        })
        .collect();
    found.sort_by(|a, b| {
        b.betweenness
            .total_cmp(&a.betweenness)
            .then(a.node.cmp(&b.node))
    });
    found
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{barbell, clique, cycle, neighbours_of, path, star};
    use super::*;

    fn close(actual: f64, expected: f64) {
        assert!(
            (actual - expected).abs() < 1e-9,
            "expected {expected}, got {actual}"
        );
    }

    fn exact(graph: &super::super::Graph) -> Betweenness {
        betweenness(&neighbours_of(graph))
    }

    #[test]
    fn betweenness_of_a_path_counts_the_pairs_each_inner_member_joins() {
        // 0-1-2-3: 1 sits between (0,2) and (0,3); 2 between (1,3), (0,3).
        let b = exact(&path(4));
        assert_eq!(b.scores, vec![0.0, 2.0, 2.0, 0.0]);
        assert_eq!(b.tied, 4);
        assert_eq!(b.pivots, None);
        close(b.share(1), 2.0 / 3.0);
    }

    #[test]
    fn betweenness_of_a_star_puts_every_pair_through_the_hub() {
        let b = exact(&star(9));
        close(b.scores[0], 36.0);
        close(b.share(0), 1.0);
        assert!(b.scores[1..].iter().all(|&s| s == 0.0));
    }

    #[test]
    fn betweenness_splits_a_pair_between_equal_shortest_paths() {
        // Square 0-1-2-3-0: (0,2) goes through 1 or 3, (1,3) through 0 or 2.
        let b = exact(&cycle(4));
        assert_eq!(b.scores, vec![0.5; 4]);
    }

    #[test]
    fn betweenness_of_a_barbell_peaks_at_the_bridge() {
        // Triangles 0-1-2 and 4-5-6, joined through 2-3-4.
        let b = exact(&barbell());
        assert_eq!(b.scores, vec![0.0, 0.0, 8.0, 9.0, 8.0, 0.0, 0.0]);
        close(b.share(3), 9.0 / 15.0);
    }

    #[test]
    fn betweenness_in_a_clique_is_zero() {
        assert!(exact(&clique(6)).scores.iter().all(|&s| s == 0.0));
    }

    #[test]
    fn betweenness_ignores_isolated_members() {
        let mut graph = path(3);
        graph.add_node(super::super::test_support::member("loner"));
        let b = exact(&graph);
        assert_eq!(b.scores, vec![0.0, 1.0, 0.0, 0.0]);
        assert_eq!(b.tied, 3);
        close(b.share(1), 1.0);
    }

    #[test]
    fn sampled_betweenness_is_deterministic_and_close_to_exact() {
        let graph = star(400);
        let neighbours = neighbours_of(&graph);
        let estimate = betweenness_with(&neighbours, 100, 50);
        assert_eq!(estimate.pivots, Some(50));
        assert_eq!(estimate, betweenness_with(&neighbours, 100, 50));
        let truth = betweenness(&neighbours);
        assert_eq!(truth.pivots, None);
        let error = (estimate.scores[0] - truth.scores[0]).abs() / truth.scores[0];
        assert!(error < 0.05, "estimate off by {error}");
        assert!(estimate.share(0) > 0.9);
    }

    #[test]
    fn sampling_from_every_member_is_exact() {
        let neighbours = neighbours_of(&barbell());
        let all = betweenness_with(&neighbours, 0, 7);
        assert_eq!(all.pivots, None);
        assert_eq!(all.scores, betweenness(&neighbours).scores);
    }

    #[test]
    fn pivots_are_distinct_members() {
        let tied: Vec<usize> = (0..100).collect();
        let mut picked = pick_pivots(&tied, 30);
        assert_eq!(picked, pick_pivots(&tied, 30));
        picked.sort_unstable();
        picked.dedup();
        assert_eq!(picked.len(), 30);
        assert_ne!(pick_pivots(&tied, 30), (0..30).collect::<Vec<_>>());
    }

    #[test]
    fn centralisation_of_star_clique_and_path() {
        close(degree_centralisation(&neighbours_of(&star(9))), 1.0);
        close(degree_centralisation(&neighbours_of(&clique(10))), 0.0);
        // Degrees 1, 2, 2, 1: (1 + 0 + 0 + 1) / (3 · 2).
        close(degree_centralisation(&neighbours_of(&path(4))), 1.0 / 3.0);
        // Barbell degrees 2, 2, 3, 2, 3, 2, 2: 5 / (6 · 5).
        close(
            degree_centralisation(&neighbours_of(&barbell())),
            5.0 / 30.0,
        );
        close(degree_centralisation(&neighbours_of(&path(2))), 0.0);
    }

    #[test]
    fn centralisation_leaves_isolated_members_out() {
        let mut graph = star(9);
        graph.add_node(super::super::test_support::member("loner"));
        close(degree_centralisation(&neighbours_of(&graph)), 1.0);
    }

    #[test]
    fn share_of_ties_through_the_best_connected() {
        let star = neighbours_of(&star(9));
        close(share_of_ties_through(&star, &ranked_by_ties(&star), 1), 1.0);
        let clique = neighbours_of(&clique(5));
        let ranked = ranked_by_ties(&clique);
        assert_eq!(ranked, vec![0, 1, 2, 3, 4]);
        close(share_of_ties_through(&clique, &ranked, 1), 4.0 / 10.0);
        close(share_of_ties_through(&clique, &ranked, 3), 9.0 / 10.0);
        close(share_of_ties_through(&clique, &ranked, 10), 1.0);
        close(share_of_ties_through(&[vec![], vec![]], &[], 3), 0.0);
    }

    #[test]
    fn ranking_puts_the_hub_first_and_leaves_loners_out() {
        let mut graph = barbell();
        graph.add_node(super::super::test_support::member("loner"));
        assert_eq!(
            ranked_by_ties(&neighbours_of(&graph)),
            vec![2, 4, 0, 1, 3, 5, 6]
        );
    }

    #[test]
    fn a_star_is_hub_and_spoke_and_a_clique_is_not() {
        let flag = |graph: &super::super::Graph| {
            let n = neighbours_of(graph);
            let ranked = ranked_by_ties(&n);
            let shares = TopShares {
                top_1: share_of_ties_through(&n, &ranked, 1),
                top_3: 0.0,
                top_10: 0.0,
            };
            is_hub_and_spoke(ranked.len(), degree_centralisation(&n), &shares)
        };
        assert!(flag(&star(9)));
        assert!(!flag(&clique(10)));
        assert!(!flag(&barbell()));
        // Three people in a line are a star too small to call one.
        assert!(!flag(&path(3)));
    }

    #[test]
    fn brokers_are_above_the_share_and_ranked() {
        let neighbours = neighbours_of(&barbell());
        let found = brokers(&neighbours, &betweenness(&neighbours));
        let nodes: Vec<usize> = found.iter().map(|b| b.node).collect();
        assert_eq!(nodes, vec![3, 2, 4]);
        assert_eq!(found[0].ties, 2);
        close(found[0].share, 0.6);
        let clique = neighbours_of(&clique(10));
        assert!(brokers(&clique, &betweenness(&clique)).is_empty());
    }
}
