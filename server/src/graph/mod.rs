//! The network graph: figures (density, reciprocity, cores) and exports
//! (JSON, GraphML, GEXF, SVG). Pure functions over an in-memory graph; the
//! domain layer loads the graph from the database.
//!
//! A [`Graph`] holds members as nodes and typed, weighted, directed edges
//! between them. The figures in [`figures`] read it as a *tie graph*: two
//! members are tied when any edge of a tie kind joins them, so a follow and
//! three replies between the same pair make one tie, not four; the kinds
//! and counts behind a tie give its strength. Introductions are drawn but
//! are not ties.

pub mod centrality;
mod export;
mod figures;
mod layout;
mod svg;
#[cfg(test)]
mod test_support;

pub use centrality::{Betweenness, Broker, TopShares};
pub use export::{to_gexf, to_graphml, to_json, write_json};
pub use figures::{
    CorePeriphery, Crossing, Figures, STRONG_TIE, betweenness, core_numbers, core_periphery,
    degree_centralisation, density, median, reciprocity, tie_strengths, ties_across,
    ties_across_communities, ties_across_instances, ties_across_places,
};
pub use svg::{MapOptions, map_positions, to_svg, to_svg_measured, to_svg_placed, to_svg_with};

use serde::Serialize;
use std::collections::HashMap;

/// A member as the network map sees them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Node {
    /// Stable id (the account id as a string); exports use it as the node id.
    pub id: String,
    /// `user` for a local member, `user@host` for a remote one.
    pub acct: String,
    pub display_name: String,
    pub roles: Vec<String>,
    pub place: Option<String>,
    /// Names of the communities of practice the member belongs to.
    pub communities: Vec<String>,
    pub local: bool,
}

impl Node {
    /// The name to show: the display name, or the acct when it is blank.
    pub fn label(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.acct
        } else {
            &self.display_name
        }
    }
}

/// Why two members are connected. Every kind but an introduction is a tie
/// for the figures: an introduction is someone else's suggestion, and the
/// two become tied only when they interact.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TieKind {
    Follow,
    Reply,
    Exchange,
    Introduction,
    /// The favouriter to the author, for public and unlisted posts.
    Favourite,
}

impl TieKind {
    pub const ALL: [TieKind; 5] = [
        TieKind::Follow,
        TieKind::Reply,
        TieKind::Exchange,
        TieKind::Introduction,
        TieKind::Favourite,
    ];

    /// The same word serde writes, for the XML exports.
    pub fn as_str(self) -> &'static str {
        match self {
            TieKind::Follow => "follow",
            TieKind::Reply => "reply",
            TieKind::Exchange => "exchange",
            TieKind::Introduction => "introduction",
            TieKind::Favourite => "favourite",
        }
    }

    /// Whether this kind of contact makes two people tied.
    pub fn is_tie(self) -> bool {
        self != TieKind::Introduction
    }

    /// What one contact of this kind adds to a tie's strength. A favourite
    /// or a follow costs a click; a reply is a conversation; answering in a
    /// learning exchange is the help the network exists for.
    pub fn strength(self) -> u64 {
        match self {
            TieKind::Follow | TieKind::Favourite => 1,
            TieKind::Reply => 2,
            TieKind::Exchange => 3,
            TieKind::Introduction => 0,
        }
    }
}

/// A directed edge between two indexes into [`Graph::nodes`]. The ends are
/// kept as 32-bit indexes: a map at a million statuses holds about a
/// million edges, and 16 bytes an edge instead of 24 is 8 MB less kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    from: u32,
    to: u32,
    pub kind: TieKind,
    pub weight: u32,
}

impl Edge {
    /// # Panics
    /// When an index does not fit 32 bits (four billion people).
    pub fn new(from: usize, to: usize, kind: TieKind, weight: u32) -> Edge {
        let index = |at: usize| u32::try_from(at).expect("a node index fits 32 bits");
        Edge {
            from: index(from),
            to: index(to),
            kind,
            weight,
        }
    }

    pub fn from(&self) -> usize {
        self.from as usize
    }

    pub fn to(&self) -> usize {
        self.to as usize
    }
}

#[derive(Clone, Debug, Default)]
pub struct Graph {
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// Where each (from, to, kind) sits in `edges`, so `add_edge` folds a
    /// repeat in O(1). It covers `edges[..indexed]`; edges a caller pushed
    /// by hand are indexed on the next `add_edge`.
    index: HashMap<(usize, usize, TieKind), usize>,
    indexed: usize,
}

impl Graph {
    /// Adds a member and returns the index edges use to refer to it.
    pub fn add_node(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    /// Adds a directed edge, folding a repeat of the same (from, to, kind)
    /// into one heavier edge so exports show one line per kind of contact.
    /// Self-loops are dropped: talking to yourself is not a tie.
    pub fn add_edge(&mut self, from: usize, to: usize, kind: TieKind, weight: u32) {
        if from == to {
            return;
        }
        let key = (from, to, kind);
        match self.position_of(key) {
            Some(at) => {
                let edge = &mut self.edges[at];
                edge.weight = edge.weight.saturating_add(weight);
            }
            None => {
                self.index.insert(key, self.edges.len());
                self.edges.push(Edge::new(from, to, kind, weight));
                self.indexed = self.edges.len();
            }
        }
    }

    /// Where the edge with this key sits. `edges` is public, so the index
    /// is checked against it: edges pushed by hand are indexed first (the
    /// first of a repeated key wins, as a linear scan would find it), and
    /// an entry that no longer matches its edge, because edges were removed
    /// or reordered, makes the index rebuild rather than be trusted.
    fn position_of(&mut self, key: (usize, usize, TieKind)) -> Option<usize> {
        if self.indexed > self.edges.len() {
            self.rebuild_index();
        }
        for at in self.indexed..self.edges.len() {
            let edge = self.edges[at];
            self.index
                .entry((edge.from(), edge.to(), edge.kind))
                .or_insert(at);
        }
        self.indexed = self.edges.len();
        let matches = |edges: &[Edge], at: usize| {
            edges
                .get(at)
                .is_some_and(|edge| (edge.from(), edge.to(), edge.kind) == key)
        };
        match self.index.get(&key).copied() {
            Some(at) if matches(&self.edges, at) => Some(at),
            Some(_) => {
                self.rebuild_index();
                self.index.get(&key).copied()
            }
            None => None,
        }
    }

    fn rebuild_index(&mut self) {
        self.index.clear();
        for (at, edge) in self.edges.iter().enumerate() {
            self.index
                .entry((edge.from(), edge.to(), edge.kind))
                .or_insert(at);
        }
        self.indexed = self.edges.len();
    }

    /// The members `keep` accepts and the edges between them, for a map
    /// narrowed to one community, role or place.
    pub fn filtered(&self, keep: impl Fn(&Node) -> bool) -> Graph {
        let mut index = vec![None; self.nodes.len()];
        let mut kept = Graph::default();
        for (i, node) in self.nodes.iter().enumerate() {
            if keep(node) {
                index[i] = Some(kept.add_node(node.clone()));
            }
        }
        for edge in self.usable_edges() {
            if let (Some(from), Some(to)) = (index[edge.from()], index[edge.to()]) {
                kept.edges.push(Edge::new(from, to, edge.kind, edge.weight));
            }
        }
        kept
    }

    /// The edges every figure and export works from: both ends name a node
    /// and they differ. The vectors are public, so a caller may have pushed
    /// an edge that `add_edge` would have refused.
    fn usable_edges(&self) -> impl Iterator<Item = &Edge> {
        let node_count = self.nodes.len();
        self.edges.iter().filter(move |edge| {
            edge.from != edge.to && edge.from() < node_count && edge.to() < node_count
        })
    }
}

/// Escapes text for XML content and attribute values alike. Characters that
/// XML 1.0 forbids outright (most C0 controls) are dropped, because a
/// single one in a display name would make the whole file unreadable.
fn xml_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(character),
            control if control < ' ' => {}
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::test_support::{graph_with_follows, member};
    use super::*;

    #[test]
    fn add_node_returns_consecutive_indexes() {
        let mut graph = Graph::default();
        assert_eq!(graph.add_node(member("a")), 0);
        assert_eq!(graph.add_node(member("b")), 1);
    }

    #[test]
    fn add_edge_merges_repeats_of_the_same_kind() {
        let mut graph = Graph::default();
        let a = graph.add_node(member("a"));
        let b = graph.add_node(member("b"));
        graph.add_edge(a, b, TieKind::Reply, 2);
        graph.add_edge(a, b, TieKind::Reply, 3);
        graph.add_edge(a, b, TieKind::Follow, 1);
        graph.add_edge(b, a, TieKind::Reply, 1);
        assert_eq!(graph.edges.len(), 3);
        assert_eq!(graph.edges[0].weight, 5);
    }

    #[test]
    fn a_filtered_map_keeps_only_ties_between_kept_members() {
        let mut graph = Graph::default();
        let a = graph.add_node(member("a"));
        let b = graph.add_node(member("b"));
        let c = graph.add_node(member("c"));
        graph.add_edge(a, b, TieKind::Follow, 1);
        graph.add_edge(b, c, TieKind::Reply, 2);
        graph.add_edge(c, a, TieKind::Reply, 1);
        let kept = graph.filtered(|node| node.acct != "b");
        let names: Vec<&str> = kept.nodes.iter().map(|n| n.acct.as_str()).collect();
        assert_eq!(names, ["a", "c"]);
        assert_eq!(kept.edges.len(), 1);
        let edge = kept.edges[0];
        assert_eq!((edge.from(), edge.to(), edge.weight), (1, 0, 1));
    }

    #[test]
    fn add_edge_merges_into_edges_pushed_by_hand() {
        let mut graph = Graph::default();
        let a = graph.add_node(member("a"));
        let b = graph.add_node(member("b"));
        graph.add_edge(a, b, TieKind::Follow, 1);
        graph.edges.push(Edge::new(b, a, TieKind::Reply, 2));
        graph.add_edge(b, a, TieKind::Reply, 3);
        graph.add_edge(a, b, TieKind::Follow, 1);
        assert_eq!(graph.edges.len(), 2);
        assert_eq!((graph.edges[0].weight, graph.edges[1].weight), (2, 5));
    }

    #[test]
    fn add_edge_stays_right_after_edges_are_removed_or_reordered() {
        let mut graph = graph_with_follows(3, &[(0, 1), (1, 2), (2, 0)]);
        graph.edges.remove(0);
        graph.add_edge(2, 0, TieKind::Follow, 4);
        assert_eq!(graph.edges.len(), 2);
        assert_eq!(graph.edges[1].weight, 5);
        graph.edges.reverse();
        graph.add_edge(1, 2, TieKind::Follow, 1);
        graph.add_edge(0, 1, TieKind::Follow, 1);
        let weights: Vec<(usize, usize, u32)> = graph
            .edges
            .iter()
            .map(|e| (e.from(), e.to(), e.weight))
            .collect();
        assert_eq!(weights, [(2, 0, 5), (1, 2, 2), (0, 1, 1)]);
    }

    #[test]
    fn add_edge_merges_in_constant_time() {
        // 200,000 inserts over 20,000 keys: the old linear scan took
        // minutes here, the index a blink.
        let mut graph = graph_with_follows(2_000, &[]);
        let started = std::time::Instant::now();
        for round in 0..10 {
            for i in 0..20_000 {
                graph.add_edge(
                    i % 2_000,
                    (i / 2_000 + 1 + i) % 2_000,
                    TieKind::Reply,
                    round,
                );
            }
        }
        assert!(graph.edges.len() <= 20_000);
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn add_edge_ignores_self_loops() {
        let mut graph = Graph::default();
        let a = graph.add_node(member("a"));
        graph.add_edge(a, a, TieKind::Follow, 1);
        assert!(graph.edges.is_empty());
    }

    #[test]
    fn usable_edges_skip_edges_pushed_by_hand_that_point_nowhere() {
        let mut graph = Graph::default();
        let a = graph.add_node(member("a"));
        let b = graph.add_node(member("b"));
        graph.add_edge(a, b, TieKind::Follow, 1);
        graph.edges.push(Edge::new(a, 7, TieKind::Follow, 1));
        graph.edges.push(Edge::new(b, b, TieKind::Follow, 1));
        assert_eq!(graph.usable_edges().count(), 1);
    }

    #[test]
    fn label_falls_back_to_acct() {
        let mut node = member("ana@town.example");
        assert_eq!(node.label(), "ana@town.example");
        node.display_name = "Ana".to_string();
        assert_eq!(node.label(), "Ana");
    }

    #[test]
    fn xml_escape_handles_markup_quotes_and_controls() {
        assert_eq!(
            xml_escape("A & <B> \"c\" 'd'\u{0}"),
            "A &amp; &lt;B&gt; &quot;c&quot; &apos;d&apos;"
        );
    }

    #[test]
    fn tie_kind_words_match_serde() {
        for kind in TieKind::ALL {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
