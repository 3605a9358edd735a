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
