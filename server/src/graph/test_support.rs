//! Small graphs shared by the tests of every part of the module.

use super::{Graph, Node, TieKind};

/// A local member whose id and acct are both `name`.
pub fn member(name: &str) -> Node {
    Node {
        id: name.to_string(),
        acct: name.to_string(),
        local: true,
        ..Node::default()
    }
}

/// `count` members named `m0`, `m1`, … with the given follows between them.
pub fn graph_with_follows(count: usize, follows: &[(usize, usize)]) -> Graph {
    let mut graph = Graph::default();
    for index in 0..count {
        graph.add_node(member(&format!("m{index}")));
    }
    for &(from, to) in follows {
        graph.add_edge(from, to, TieKind::Follow, 1);
    }
    graph
}

/// Mutual follows between every listed pair: the undirected shapes the
/// centrality figures are checked on.
pub fn undirected(count: usize, pairs: &[(usize, usize)]) -> Graph {
    let both_ways: Vec<(usize, usize)> =
        pairs.iter().flat_map(|&(a, b)| [(a, b), (b, a)]).collect();
    graph_with_follows(count, &both_ways)
}

/// 0 - 1 - … - (count − 1).
pub fn path(count: usize) -> Graph {
    let pairs: Vec<(usize, usize)> = (1..count).map(|i| (i - 1, i)).collect();
    undirected(count, &pairs)
}

/// A path closed into a ring.
pub fn cycle(count: usize) -> Graph {
    let pairs: Vec<(usize, usize)> = (0..count).map(|i| (i, (i + 1) % count)).collect();
    undirected(count, &pairs)
}

/// Member 0 tied to each of `spokes` others, who have no other tie: the
/// hub-and-spoke network a weaver needs told apart from a woven one.
pub fn star(spokes: usize) -> Graph {
    let pairs: Vec<(usize, usize)> = (1..=spokes).map(|i| (0, i)).collect();
    undirected(spokes + 1, &pairs)
}

/// Everyone tied to everyone: a fully woven group.
pub fn clique(count: usize) -> Graph {
    let pairs: Vec<(usize, usize)> = (0..count)
        .flat_map(|a| (a + 1..count).map(move |b| (a, b)))
        .collect();
    undirected(count, &pairs)
}

/// Triangles 0-1-2 and 4-5-6 joined only through 2 - 3 - 4: member 3 is
/// the bridge, 2 and 4 the gates.
pub fn barbell() -> Graph {
    undirected(
        7,
        &[
            (0, 1),
            (1, 2),
            (0, 2),
            (2, 3),
            (3, 4),
            (4, 5),
            (5, 6),
            (4, 6),
        ],
    )
}

/// The undirected tie neighbours the figures work from.
pub fn neighbours_of(graph: &Graph) -> Vec<Vec<usize>> {
    super::figures::weighted_neighbours(graph).0
}

/// A generated network the size the issue sets as the budget's yardstick:
/// `members` people in communities of about fifty, most ties inside the
/// community and some across, a few people who bridge many communities.
/// Deterministic, so timings compare across runs.
pub fn generated(members: usize, ties_each: usize) -> Graph {
    let mut graph = Graph::default();
    for index in 0..members {
        let mut node = member(&format!("m{index}"));
        node.communities = vec![format!("c{:03}", index / 50)];
        graph.add_node(node);
    }
    let mut state: u64 = 7;
    let mut next = |bound: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound as u64) as usize
    };
    for from in 0..members {
        for _ in 0..ties_each {
            let to = if next(10) < 8 {
                (from / 50) * 50 + next(50)
            } else if from % 97 == 0 {
                next(members)
            } else {
                next(members) / 97 * 97
            };
            if to < members {
                graph.add_edge(from, to, TieKind::Follow, 1);
                if next(3) == 0 {
                    graph.add_edge(to, from, TieKind::Reply, 1 + next(4) as u32);
                }
            }
        }
    }
    graph
}

/// Tag balance and attribute quoting, enough to catch broken markup
/// without an XML parser among the dependencies.
pub fn assert_well_formed(xml: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find('<') {
        let end = rest[start..].find('>').expect("unclosed tag") + start;
        let tag = &rest[start + 1..end];
        assert!(!tag.contains('<'), "'<' inside tag {tag}");
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in {tag}"
        );
        let declaration = tag.starts_with('?') || tag.starts_with('!');
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(open.pop().as_deref(), Some(name), "mismatched </{name}>");
        } else if !declaration && !tag.ends_with('/') {
            let name = tag.split_whitespace().next().unwrap_or_default();
            open.push(name.to_string());
        }
        let text_after = &rest[end + 1..];
        let next_tag = text_after.find('<').unwrap_or(text_after.len());
        assert!(!text_after[..next_tag].contains('>'), "stray '>' in text");
        rest = text_after;
    }
    assert!(open.is_empty(), "unclosed elements {open:?}");
}

#[test]
fn well_formedness_check_catches_broken_markup() {
    let broken = std::panic::catch_unwind(|| assert_well_formed("<a><b></a></b>"));
    assert!(broken.is_err());
}
