//! The network map as a picture: the core at the centre, the periphery
//! around it and unconnected members on the outside, so a weaver sees at a
//! glance who is far from the nucleus. The layout is computed, not
//! simulated, so the same graph always gives the same bytes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::f64::consts::{FRAC_PI_2, TAU};

use super::{Graph, Node, core_numbers, xml_escape};

const MAP_SIZE: f64 = 900.0;
const LEGEND_WIDTH: f64 = 260.0;
const CENTRE: f64 = MAP_SIZE / 2.0;
/// Leaves room for node circles and the caption inside the map square.
const OUTER_RING: f64 = 395.0;
/// Above this many members names would overlap, so only hover titles remain.
const LABEL_LIMIT: usize = 30;
const LEGEND_NAME_CHARS: usize = 28;

/// Colours that stay apart for common colour-vision deficiencies first,
/// then a few more that are still distinct on screen and in print.
const PALETTE: [&str; 10] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c6d31", "#7b4ea3",
    "#b8a000", "#2f4f4f",
];
const NO_COMMUNITY: &str = "#9a9a9a";

/// Draws the network; an empty graph gives a picture that says so.
pub fn to_svg(graph: &Graph) -> String {
    if graph.nodes.is_empty() {
        return empty_picture();
    }
    let cores = core_numbers(graph);
    let colours = CommunityColours::of(&graph.nodes);
    let layout = Layout::of(graph, &cores, &colours);
    let pairs = weighted_pairs(graph);

    let mut out = open_svg();
    write_edges(&mut out, &pairs, &layout.positions);
    write_nodes(&mut out, graph, &layout, &colours);
    write_legend(&mut out, &colours);
    write_caption(&mut out, graph.nodes.len(), pairs.len(), &cores);
    out.push_str("</svg>\n");
    out
}

fn open_svg() -> String {
    let width = MAP_SIZE + LEGEND_WIDTH;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{MAP_SIZE}\" \
         viewBox=\"0 0 {width} {MAP_SIZE}\" role=\"img\" aria-label=\"Network map\" \
         font-family=\"sans-serif\" font-size=\"13\">\n\
         <rect width=\"{width}\" height=\"{MAP_SIZE}\" fill=\"#ffffff\"/>\n"
    )
}

fn empty_picture() -> String {
    let mut out = open_svg();
    out.push_str(&format!(
        "<text x=\"{CENTRE}\" y=\"{CENTRE}\" text-anchor=\"middle\" font-size=\"22\" \
         fill=\"#555555\">No members yet</text>\n</svg>\n"
    ));
    out
}

/// Colours communities by size, largest first, keyed on each member's
/// first community. When there are more communities than colours, the
/// smallest share the last colour under one legend line.
struct CommunityColours<'a> {
    /// First-community names with their member counts, in colour order.
    ranked: Vec<(&'a str, usize)>,
    rank_of: HashMap<&'a str, usize>,
    members_without: usize,
}

impl<'a> CommunityColours<'a> {
    fn of(nodes: &'a [Node]) -> Self {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut members_without = 0;
        for node in nodes {
            match node.communities.first() {
                Some(name) => *counts.entry(name.as_str()).or_default() += 1,
                None => members_without += 1,
            }
        }
        let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
        // Stable sort: equal sizes stay in name order from the BTreeMap.
        ranked.sort_by_key(|&(_, count)| Reverse(count));
        let rank_of = ranked
            .iter()
            .enumerate()
            .map(|(rank, &(name, _))| (name, rank))
            .collect();
        CommunityColours {
            ranked,
            rank_of,
            members_without,
        }
    }

    /// Position in colour order; members without a community sort last.
    fn rank(&self, node: &Node) -> usize {
        node.communities
            .first()
            .and_then(|name| self.rank_of.get(name.as_str()))
            .copied()
            .unwrap_or(usize::MAX)
    }

    fn overflows(&self) -> bool {
        self.ranked.len() > PALETTE.len()
    }

    fn colour_of_rank(&self, rank: usize) -> &'static str {
        if rank == usize::MAX {
            NO_COMMUNITY
        } else if self.overflows() {
            PALETTE[rank.min(PALETTE.len() - 1)]
        } else {
            PALETTE[rank]
        }
    }

    fn colour(&self, node: &Node) -> &'static str {
        self.colour_of_rank(self.rank(node))
    }

    /// (colour, text) lines for the legend, text not yet escaped.
    fn legend(&self) -> Vec<(&'static str, String)> {
        let own_colours = if self.overflows() {
            PALETTE.len() - 1
        } else {
            self.ranked.len()
        };
        let mut lines: Vec<(&'static str, String)> = self.ranked[..own_colours]
            .iter()
            .enumerate()
            .map(|(rank, &(name, count))| (PALETTE[rank], format!("{} ({count})", shorten(name))))
            .collect();
        let rest = &self.ranked[own_colours..];
        if !rest.is_empty() {
            let members: usize = rest.iter().map(|&(_, count)| count).sum();
            lines.push((
                PALETTE[PALETTE.len() - 1],
                format!("{} other communities ({members})", rest.len()),
            ));
        }
        if self.members_without > 0 {
            lines.push((
                NO_COMMUNITY,
                format!("no community ({})", self.members_without),
            ));
        }
        lines
    }
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= LEGEND_NAME_CHARS {
        return name.to_string();
    }
    let mut short: String = name.chars().take(LEGEND_NAME_CHARS - 1).collect();
    short.push('…');
    short
}

/// Where each member sits: one ring per core number, highest innermost,
/// so isolated members (core 0) land on the outermost ring.
struct Layout {
    positions: Vec<(f64, f64)>,
    node_radius: f64,
}

impl Layout {
    fn of(graph: &Graph, cores: &[u32], colours: &CommunityColours) -> Self {
        let rings = rings_by_core(graph, cores, colours);
        let sizes: Vec<usize> = rings.iter().map(Vec::len).collect();
        let radii = ring_radii(&sizes);
        let mut positions = vec![(CENTRE, CENTRE); graph.nodes.len()];
        for (ring, &radius) in rings.iter().zip(&radii) {
            for (slot, &node) in ring.iter().enumerate() {
                // Clockwise from the top, so a community's arcs on different
                // rings face the same way; the half-slot shift keeps the
                // first member of each ring from lining up in one column.
                let angle = TAU * (slot as f64 + 0.5) / ring.len() as f64 - FRAC_PI_2;
                positions[node] = (CENTRE + radius * angle.cos(), CENTRE + radius * angle.sin());
            }
        }
        Layout {
            positions,
            node_radius: node_radius(&sizes, &radii),
        }
    }
}

/// Node indexes grouped by core number, highest first; within a ring,
/// ordered by community so each community forms one arc, then by acct.
fn rings_by_core(graph: &Graph, cores: &[u32], colours: &CommunityColours) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..graph.nodes.len()).collect();
    order.sort_by(|&a, &b| {
        cores[b]
            .cmp(&cores[a])
            .then_with(|| {
                colours
                    .rank(&graph.nodes[a])
                    .cmp(&colours.rank(&graph.nodes[b]))
            })
            .then_with(|| graph.nodes[a].acct.cmp(&graph.nodes[b].acct))
            .then_with(|| a.cmp(&b))
    });
    let mut rings: Vec<Vec<usize>> = Vec::new();
    let mut previous_core = None;
    for node in order {
        if previous_core != Some(cores[node]) {
            rings.push(Vec::new());
            previous_core = Some(cores[node]);
        }
        rings.last_mut().expect("a ring was just pushed").push(node);
    }
    rings
}

/// Ring radii out to [`OUTER_RING`], halfway between evenly spaced rings
/// and rings whose discs hold area in proportion to the members inside
/// them: the core is usually the most crowded ring, and even spacing alone
/// would squeeze it into the middle while outer rings sit nearly empty.
/// A lone member on the innermost ring goes to the very centre.
fn ring_radii(sizes: &[usize]) -> Vec<f64> {
    let lone_centre = sizes.first() == Some(&1);
    let around = if lone_centre { &sizes[1..] } else { sizes };
    let members: usize = around.iter().sum();
    let mut members_within = 0;
    let spread = around.iter().enumerate().map(|(ring, &size)| {
        members_within += size;
        let even = (ring + 1) as f64 / around.len() as f64;
        let by_area = (members_within as f64 / members as f64).sqrt();
        OUTER_RING * (even + by_area) / 2.0
    });
    let centre = lone_centre.then_some(0.0);
    centre.into_iter().chain(spread).collect()
}

/// One size for every circle, small enough that neighbours on the most
/// crowded ring do not overlap, and readable when there are few.
fn node_radius(sizes: &[usize], radii: &[f64]) -> f64 {
    sizes
        .iter()
        .zip(radii)
        .filter(|&(_, &radius)| radius > 0.0)
        .map(|(&size, &radius)| TAU * radius / size as f64 * 0.4)
        .fold(9.0, f64::min)
        .max(2.0)
}

/// Undirected pairs with the weights of all their edges summed, so a pair
/// that follows, replies and exchanges both ways is one darker line.
fn weighted_pairs(graph: &Graph) -> Vec<(usize, usize, u64)> {
    let mut ends: Vec<(usize, usize, u64)> = graph
        .usable_edges()
        .map(|edge| {
            (
                edge.from.min(edge.to),
                edge.from.max(edge.to),
                u64::from(edge.weight),
            )
        })
        .collect();
    ends.sort_unstable();
    let mut pairs: Vec<(usize, usize, u64)> = Vec::with_capacity(ends.len());
    for (a, b, weight) in ends {
        match pairs.last_mut() {
            Some(last) if last.0 == a && last.1 == b => last.2 += weight,
            _ => pairs.push((a, b, weight)),
        }
    }
    pairs
}

/// Opacity grows with the log of the weight, so one very busy pair does not
/// wash every other line out to nothing.
fn edge_opacity(weight: u64, heaviest: u64) -> f64 {
    let scale = ((1 + weight) as f64).ln() / ((1 + heaviest) as f64).ln();
    0.12 + 0.6 * scale
}

fn write_edges(out: &mut String, pairs: &[(usize, usize, u64)], positions: &[(f64, f64)]) {
    let heaviest = pairs.iter().map(|pair| pair.2).max().unwrap_or(1).max(1);
    out.push_str("<g class=\"ties\" stroke=\"#4a4a4a\" stroke-width=\"0.8\">\n");
    for &(a, b, weight) in pairs {
        let (x1, y1) = positions[a];
        let (x2, y2) = positions[b];
        out.push_str(&format!(
            "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" \
             stroke-opacity=\"{:.2}\"/>\n",
            edge_opacity(weight, heaviest)
        ));
    }
    out.push_str("</g>\n");
}

/// Local members are filled; remote members are outlined in their colour,
/// so the instance's own people stand out from those it links to.
fn circle_paint(colour: &str, local: bool) -> String {
    if local {
        format!("fill=\"{colour}\" stroke=\"#ffffff\" stroke-width=\"0.8\"")
    } else {
        format!("fill=\"#ffffff\" stroke=\"{colour}\" stroke-width=\"2\"")
    }
}

fn write_nodes(out: &mut String, graph: &Graph, layout: &Layout, colours: &CommunityColours) {
    let labelled = graph.nodes.len() <= LABEL_LIMIT;
    let radius = layout.node_radius;
    out.push_str("<g class=\"members\">\n");
    for (node, &(x, y)) in graph.nodes.iter().zip(&layout.positions) {
        // The group carries the name for the map page's hover script.
        out.push_str(&format!(
            "<g class=\"node\" data-name=\"{}\" tabindex=\"0\">\
             <circle class=\"member\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius:.1}\" {}>\
             <title>{}</title></circle></g>\n",
            hover_text(node),
            circle_paint(colours.colour(node), node.local),
            hover_text(node)
        ));
        if labelled {
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#333333\">{}</text>\n",
                x + radius + 3.0,
                y + 4.0,
                xml_escape(node.label())
            ));
        }
    }
    out.push_str("</g>\n");
}

/// The acct always, since it is how members find each other across
/// instances; the display name too when there is one.
fn hover_text(node: &Node) -> String {
    if node.display_name.trim().is_empty() {
        xml_escape(&node.acct)
    } else {
        xml_escape(&format!("{} ({})", node.display_name, node.acct))
    }
}

fn write_legend(out: &mut String, colours: &CommunityColours) {
    let x = MAP_SIZE + 10.0;
    out.push_str(&format!(
        "<g class=\"legend\">\n<text x=\"{x}\" y=\"40\" font-weight=\"bold\">Communities</text>\n"
    ));
    let mut y = 64.0;
    for (colour, text) in colours.legend() {
        out.push_str(&format!(
            "<rect class=\"legend-entry\" x=\"{x}\" y=\"{:.0}\" width=\"12\" height=\"12\" \
             fill=\"{colour}\"/><text x=\"{}\" y=\"{y:.0}\">{}</text>\n",
            y - 11.0,
            x + 20.0,
            xml_escape(&text)
        ));
        y += 22.0;
    }
    y += 16.0;
    let keys = [(true, "member here"), (false, "member elsewhere")];
    for (local, text) in keys {
        out.push_str(&format!(
            "<circle cx=\"{:.0}\" cy=\"{:.0}\" r=\"6\" {}/><text x=\"{}\" y=\"{y:.0}\">{text}</text>\n",
            x + 6.0,
            y - 5.0,
            circle_paint("#555555", local),
            x + 20.0
        ));
        y += 22.0;
    }
    out.push_str("</g>\n");
}

fn write_caption(out: &mut String, members: usize, ties: usize, cores: &[u32]) {
    let k = cores.iter().copied().max().unwrap_or(0);
    let core_size = if k == 0 {
        0
    } else {
        cores.iter().filter(|&&core| core == k).count()
    };
    out.push_str(&format!(
        "<text x=\"10\" y=\"{:.0}\" fill=\"#555555\">{members} members · {ties} ties · \
         core of {core_size} with {k}+ ties each, at the centre</text>\n",
        MAP_SIZE - 10.0
    ));
}

#[cfg(test)]
mod tests {
    use super::super::TieKind;
    use super::super::test_support::{assert_well_formed, graph_with_follows, member};
    use super::*;

    fn in_community(name: &str, community: Option<&str>, local: bool) -> Node {
        Node {
            communities: community.into_iter().map(str::to_string).collect(),
            local,
            ..member(name)
        }
    }

    /// Triangle 0-1-2 in "energy", 3 hangs off 2 in "food", 4 is remote and
    /// alone with no community.
    fn sample() -> Graph {
        let mut graph = Graph::default();
        for (name, community, local) in [
            ("ana", Some("energy"), true),
            ("ben", Some("energy"), true),
            ("cai", Some("energy"), true),
            ("dee", Some("food"), true),
            ("eve@far.example", None, false),
        ] {
            graph.add_node(in_community(name, community, local));
        }
        for (from, to) in [(0, 1), (1, 2), (2, 0), (2, 3)] {
            graph.add_edge(from, to, TieKind::Follow, 1);
        }
        graph.add_edge(0, 1, TieKind::Reply, 5);
        graph
    }

    fn circle_of<'a>(svg: &'a str, title: &str) -> &'a str {
        let end = svg.find(&format!("<title>{title}</title>")).unwrap();
        let start = svg[..end].rfind("<circle").unwrap();
        &svg[start..end]
    }

    fn centre_distance(circle: &str) -> f64 {
        let attribute = |name: &str| -> f64 {
            let start = circle.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = circle[start..].find('"').unwrap() + start;
            circle[start..end].parse().unwrap()
        };
        (attribute("cx") - CENTRE).hypot(attribute("cy") - CENTRE)
    }

    #[test]
    fn same_graph_gives_same_bytes() {
        assert_eq!(to_svg(&sample()), to_svg(&sample()));
    }

    #[test]
    fn pictures_are_well_formed() {
        assert_well_formed(&to_svg(&sample()));
        assert_well_formed(&to_svg(&Graph::default()));
    }

    #[test]
    fn one_circle_per_member_with_a_hover_title() {
        let svg = to_svg(&sample());
        assert_eq!(svg.matches("class=\"member\"").count(), 5);
        assert_eq!(svg.matches("<title>").count(), 5);
        assert!(svg.contains("<title>eve@far.example</title>"));
    }

    #[test]
    fn one_line_per_tied_pair() {
        let svg = to_svg(&sample());
        assert_eq!(svg.matches("<line ").count(), 4);
        assert!(svg.contains("stroke-opacity=\"0.72\""));
    }

    #[test]
    fn core_sits_inside_periphery_inside_isolated() {
        let svg = to_svg(&sample());
        let core = centre_distance(circle_of(&svg, "ana"));
        let periphery = centre_distance(circle_of(&svg, "dee"));
        let isolated = centre_distance(circle_of(&svg, "eve@far.example"));
        assert!(core < periphery && periphery < isolated);
        assert!((isolated - OUTER_RING).abs() < 0.1);
    }

    #[test]
    fn a_lone_core_member_sits_at_the_centre() {
        let svg = to_svg(&graph_with_follows(1, &[]));
        assert!(centre_distance(circle_of(&svg, "m0")) < 0.1);
    }

    #[test]
    fn remote_members_are_outlined_and_local_filled() {
        let svg = to_svg(&sample());
        assert!(circle_of(&svg, "eve@far.example").contains("fill=\"#ffffff\""));
        assert!(circle_of(&svg, "ana").contains(&format!("fill=\"{}\"", PALETTE[0])));
        assert!(circle_of(&svg, "dee").contains(&format!("fill=\"{}\"", PALETTE[1])));
    }

    #[test]
    fn legend_lists_each_community_and_members_without_one() {
        let svg = to_svg(&sample());
        assert_eq!(svg.matches("class=\"legend-entry\"").count(), 3);
        assert!(svg.contains(">energy (3)</text>"));
        assert!(svg.contains(">food (1)</text>"));
        assert!(svg.contains(">no community (1)</text>"));
    }

    #[test]
    fn many_communities_share_the_last_colour() {
        let mut graph = Graph::default();
        for index in 0..12 {
            let name = format!("m{index:02}");
            let community = format!("c{index:02}");
            graph.add_node(in_community(&name, Some(&community), true));
        }
        let svg = to_svg(&graph);
        assert_eq!(svg.matches("class=\"legend-entry\"").count(), PALETTE.len());
        assert!(svg.contains(">3 other communities (3)</text>"));
        assert!(circle_of(&svg, "m11").contains(PALETTE[PALETTE.len() - 1]));
    }

    #[test]
    fn text_is_escaped() {
        let mut graph = Graph::default();
        graph.add_node(Node {
            display_name: "A & <B>".to_string(),
            communities: vec!["\"Food\" & 'Farms'".to_string()],
            ..member("ana")
        });
        let svg = to_svg(&graph);
        assert!(svg.contains("<title>A &amp; &lt;B&gt; (ana)</title>"));
        assert!(svg.contains("&quot;Food&quot; &amp; &apos;Farms&apos; (1)"));
        assert!(!svg.contains("A & <B>"));
    }

    #[test]
    fn empty_graph_says_so() {
        let svg = to_svg(&Graph::default());
        assert!(svg.starts_with("<svg "));
        assert!(svg.contains("No members yet"));
        assert!(!svg.contains("<circle"));
        assert!(svg.ends_with("</svg>\n"));
    }

    #[test]
    fn hundreds_of_members_stay_apart_and_unlabelled() {
        let follows: Vec<(usize, usize)> =
            (0..3000).map(|i| (i % 400, (i * 7 + 1) % 400)).collect();
        let graph = graph_with_follows(400, &follows);
        let svg = to_svg(&graph);
        assert_eq!(svg.matches("class=\"member\"").count(), 400);
        assert!(!svg.contains("font-size=\"11\""));
    }

    #[test]
    fn ring_radii_grow_outwards_to_the_outer_ring() {
        let radii = ring_radii(&[30, 5, 5, 1]);
        assert!(radii.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(radii[3], OUTER_RING);
        // Even spacing would put the crowded core at a quarter of the way out.
        assert!(radii[0] > OUTER_RING / 2.0);
        assert_eq!(ring_radii(&[1, 4]), vec![0.0, OUTER_RING]);
        assert_eq!(ring_radii(&[1]), vec![0.0]);
        assert_eq!(ring_radii(&[4]), vec![OUTER_RING]);
    }

    #[test]
    fn weighted_pairs_merge_directions_and_kinds() {
        let pairs = weighted_pairs(&sample());
        assert_eq!(pairs, vec![(0, 1, 6), (0, 2, 1), (1, 2, 1), (2, 3, 1)]);
    }
}
