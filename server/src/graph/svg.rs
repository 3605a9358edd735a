//! The network map as a picture: a force-directed layout (see
//! [`super::layout`]) so groups that talk among themselves form clusters,
//! seeded by community so communities start apart; people with no tie yet
//! on an outer ring; brokers ringed and named. The same graph always gives
//! the same bytes.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

use super::{Figures, Graph, Node, TieKind, figures::weighted_neighbours, layout, xml_escape};

const MAP_SIZE: f64 = 900.0;
const LEGEND_WIDTH: f64 = 300.0;
const CENTRE: f64 = MAP_SIZE / 2.0;
/// Loners' ring; leaves room for node circles inside the map square.
const OUTER_RING: f64 = 400.0;
/// Tied members fill this disc, inside the loners' ring.
const INNER_DISC: f64 = 360.0;
/// Above this many members names would overlap, so only brokers (and the
/// hub of a hub-and-spoke network) are named; everyone has a hover title.
const LABEL_LIMIT: usize = 30;
/// Legend names wrap onto a second line past this many characters, and
/// only a name longer than two lines is shortened.
const LEGEND_LINE_CHARS: usize = 30;
const LEGEND_LINE_HEIGHT: f64 = 18.0;

/// Colours that stay apart for common colour-vision deficiencies first,
/// then a few more that are still distinct on screen and in print.
const PALETTE: [&str; 10] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#8c6d31", "#7b4ea3",
    "#b8a000", "#2f4f4f",
];
const NO_COMMUNITY: &str = "#9a9a9a";
const BROKER_RING: &str = "#111111";

/// What the picture may reveal.
#[derive(Clone, Copy, Debug)]
pub struct MapOptions {
    /// Ring and name the brokers and the hub. Off for members, who see how
    /// many there are but not who (see the health report).
    pub name_brokers: bool,
}

/// Draws the network with brokers named: for admins and the command line.
pub fn to_svg(graph: &Graph) -> String {
    to_svg_with(graph, MapOptions { name_brokers: true })
}

/// Draws the network; an empty graph gives a picture that says so.
pub fn to_svg_with(graph: &Graph, options: MapOptions) -> String {
    to_svg_measured(graph, &Figures::of(graph), options)
}

/// As [`to_svg_with`], with the graph's figures already computed (they
/// are the costly part of a large map, and the domain caches them).
pub fn to_svg_measured(graph: &Graph, figures: &Figures, options: MapOptions) -> String {
    to_svg_placed(graph, figures, &map_positions(graph), options)
}

/// Where [`to_svg_placed`] puts each node: the force-directed layout,
/// seeded by community. It is most of the cost of a drawing, and depends
/// on the graph alone, so the domain keeps it with a cached graph.
pub fn map_positions(graph: &Graph) -> Vec<(f64, f64)> {
    let colours = CommunityColours::of(&graph.nodes);
    place(graph, &colours)
}

/// As [`to_svg_measured`], with the nodes at `positions` (from
/// [`map_positions`] of the same graph).
pub fn to_svg_placed(
    graph: &Graph,
    figures: &Figures,
    positions: &[(f64, f64)],
    options: MapOptions,
) -> String {
    if graph.nodes.is_empty() {
        return empty_picture();
    }
    let colours = CommunityColours::of(&graph.nodes);
    let pairs = weighted_pairs(graph);
    let marked: Vec<usize> = if options.name_brokers {
        marked_people(figures)
    } else {
        Vec::new()
    };
    let legend = legend_lines(&colours, figures, options);
    let height = MAP_SIZE.max(legend_height(&legend));

    let drawn = strongest(&pairs, MAX_DRAWN_TIES);
    let mut out = open_svg(height);
    write_edges(&mut out, &drawn, positions);
    write_introductions(&mut out, graph, &pairs, positions);
    write_nodes(&mut out, graph, positions, &colours, &marked);
    write_legend(&mut out, &legend);
    let omitted = pairs.len() - drawn.len();
    write_caption(&mut out, graph, figures, options, omitted, height);
    out.push_str("</svg>\n");
    out
}

/// The brokers, and the hub of a hub-and-spoke network (who may carry no
/// paths between others when everyone else also knows each other).
fn marked_people(figures: &Figures) -> Vec<usize> {
    let mut marked: Vec<usize> = figures.brokers.iter().map(|broker| broker.node).collect();
    if figures.hub_and_spoke
        && let Some(hub) = figures.hub
        && !marked.contains(&hub)
    {
        marked.push(hub);
    }
    marked
}

/// Seeds the layout by colour rank, so a community starts in one place.
fn place(graph: &Graph, colours: &CommunityColours) -> Vec<(f64, f64)> {
    let (neighbours, strengths) = weighted_neighbours(graph);
    // Heavier ties pull harder, on a log scale so one busy pair does not
    // fold its two people into one dot.
    let weights: Vec<Vec<f64>> = strengths
        .into_iter()
        .map(|list| {
            list.into_iter()
                .map(|strength| 1.0 + (strength.max(1) as f64).ln() / 2.0)
                .collect()
        })
        .collect();
    let groups: Vec<usize> = graph.nodes.iter().map(|node| colours.rank(node)).collect();
    layout::positions(
        &neighbours,
        &weights,
        &groups,
        MAP_SIZE,
        INNER_DISC,
        OUTER_RING,
    )
}

fn open_svg(height: f64) -> String {
    let width = MAP_SIZE + LEGEND_WIDTH;
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"Network map\" \
         font-family=\"sans-serif\" font-size=\"13\">\n\
         <rect width=\"{width}\" height=\"{height}\" fill=\"#ffffff\"/>\n"
    )
}

fn empty_picture() -> String {
    let mut out = open_svg(MAP_SIZE);
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
            .map(|(rank, &(name, count))| (PALETTE[rank], format!("{name} ({count})")))
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

/// Tied pairs with their strength (see [`TieKind::strength`]) summed over
/// both directions and every kind, so a pair that follows, replies and
/// exchanges both ways is one darker line. Introductions are left out:
/// they are drawn apart, and only while the two are not tied.
fn weighted_pairs(graph: &Graph) -> Vec<(usize, usize, u64)> {
    let mut ends: Vec<(usize, usize, u64)> = graph
        .usable_edges()
        .filter(|edge| edge.kind.is_tie())
        .map(|edge| {
            (
                edge.from().min(edge.to()),
                edge.from().max(edge.to()),
                edge.kind.strength() * u64::from(edge.weight),
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

/// Dashed lines for introductions that have not become ties yet: the
/// weaver's open suggestions.
fn write_introductions(
    out: &mut String,
    graph: &Graph,
    pairs: &[(usize, usize, u64)],
    positions: &[(f64, f64)],
) {
    let mut open: Vec<(usize, usize)> = graph
        .usable_edges()
        .filter(|edge| edge.kind == TieKind::Introduction)
        .map(|edge| (edge.from().min(edge.to()), edge.from().max(edge.to())))
        .filter(|&(a, b)| pairs.binary_search_by(|p| (p.0, p.1).cmp(&(a, b))).is_err())
        .collect();
    open.sort_unstable();
    open.dedup();
    if open.is_empty() {
        return;
    }
    out.push_str(
        "<g class=\"introductions\" stroke=\"#b05a00\" stroke-width=\"1.2\" \
         stroke-dasharray=\"4 3\">\n",
    );
    for (a, b) in open {
        let (x1, y1) = positions[a];
        let (x2, y2) = positions[b];
        out.push_str(&format!(
            "<line class=\"introduction\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" \
             y2=\"{y2:.1}\"/>\n"
        ));
    }
    out.push_str("</g>\n");
}

/// Opacity grows with the log of the weight, so one very busy pair does not
/// wash every other line out to nothing.
fn edge_opacity(weight: u64, heaviest: u64) -> f64 {
    let scale = ((1 + weight) as f64).ln() / ((1 + heaviest) as f64).ln();
    0.12 + 0.6 * scale
}

/// Lines a map draws at most. Past this many a picture is a grey blot
/// that takes seconds to write and longer for a browser to paint; the
/// strongest ties carry its shape, and the caption says the rest are left
/// out (the exports keep every tie).
const MAX_DRAWN_TIES: usize = 20_000;

/// The `limit` heaviest of `pairs`, in their original order.
fn strongest(pairs: &[(usize, usize, u64)], limit: usize) -> Vec<(usize, usize, u64)> {
    if pairs.len() <= limit {
        return pairs.to_vec();
    }
    let mut kept = pairs.to_vec();
    // Heaviest first, ties between equal weights broken by the pair, so
    // the same graph always draws the same lines.
    kept.select_nth_unstable_by(limit, |x, y| {
        y.2.cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1)))
    });
    kept.truncate(limit);
    kept.sort_unstable();
    kept
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

/// Circle size: small enough that a crowded map does not turn into one
/// blot, readable when there are few.
fn node_radius(members: usize) -> f64 {
    (INNER_DISC / (members as f64).sqrt() * 0.35).clamp(2.5, 9.0)
}

fn write_nodes(
    out: &mut String,
    graph: &Graph,
    positions: &[(f64, f64)],
    colours: &CommunityColours,
    marked: &[usize],
) {
    let everyone_labelled = graph.nodes.len() <= LABEL_LIMIT;
    let radius = node_radius(graph.nodes.len());
    out.push_str("<g class=\"members\">\n");
    for (index, (node, &(x, y))) in graph.nodes.iter().zip(positions).enumerate() {
        let broker = marked.contains(&index);
        if broker {
            out.push_str(&format!(
                "<circle class=\"broker\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" \
                 fill=\"none\" stroke=\"{BROKER_RING}\" stroke-width=\"2.5\"/>\n",
                radius + 4.0
            ));
        }
        // The group carries the name for the map page's hover script.
        out.push_str(&format!(
            "<g class=\"node\" data-name=\"{}\" tabindex=\"0\">\
             <circle class=\"member\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{radius:.1}\" {}>\
             <title>{}</title></circle></g>\n",
            hover_text(node),
            circle_paint(colours.colour(node), node.local),
            hover_text(node)
        ));
        if everyone_labelled || broker {
            let weight = if broker { " font-weight=\"bold\"" } else { "" };
            out.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" fill=\"#333333\"{weight}>{}</text>\n",
                x + radius + 5.0,
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

/// One line of the legend: a community colour, a kind of circle or line,
/// or a sentence on how to read the positions.
enum LegendLine {
    Heading(&'static str),
    Colour(&'static str, String),
    Circle(bool, &'static str),
    Broker(String),
    Dashed(&'static str),
    Text(String),
}

fn legend_lines(
    colours: &CommunityColours,
    figures: &Figures,
    options: MapOptions,
) -> Vec<LegendLine> {
    let mut lines = vec![LegendLine::Heading("Communities")];
    for (colour, text) in colours.legend() {
        lines.push(LegendLine::Colour(colour, text));
    }
    lines.push(LegendLine::Heading("People"));
    lines.push(LegendLine::Circle(true, "member here"));
    lines.push(LegendLine::Circle(false, "member elsewhere"));
    let brokers = figures.broker_count;
    if options.name_brokers && (brokers > 0 || figures.hub_and_spoke) {
        lines.push(LegendLine::Broker(if figures.hub_and_spoke {
            "broker or hub, named".into()
        } else {
            "broker, named".into()
        }));
    } else if brokers > 0 {
        lines.push(LegendLine::Text(format!(
            "{brokers} broker{} (names in the admins' report)",
            if brokers == 1 { "" } else { "s" }
        )));
    }
    if figures.introductions_not_yet_ties > 0 {
        lines.push(LegendLine::Dashed("introduced, not yet in touch"));
    }
    lines.push(LegendLine::Heading("Reading the map"));
    for sentence in [
        "Lines are ties; darker lines are stronger ties.",
        "People who are tied are drawn close, so clusters are groups that talk mostly among themselves.",
        "Brokers sit between clusters: shortest paths between others run through them.",
        "The outer ring holds people with no tie yet.",
    ] {
        lines.push(LegendLine::Text(sentence.into()));
    }
    lines
}

/// Splits text into lines of at most [`LEGEND_LINE_CHARS`] at spaces
/// (a longer word is cut), so names are wrapped rather than cut short.
fn wrap(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split(' ') {
        let fits = current.chars().count() + 1 + word.chars().count() <= LEGEND_LINE_CHARS;
        if !current.is_empty() && !fits {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
        while current.chars().count() > LEGEND_LINE_CHARS {
            let head: String = current.chars().take(LEGEND_LINE_CHARS).collect();
            current = current.chars().skip(LEGEND_LINE_CHARS).collect();
            lines.push(head);
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

fn line_count(line: &LegendLine) -> usize {
    match line {
        LegendLine::Colour(_, text) | LegendLine::Broker(text) | LegendLine::Text(text) => {
            wrap(text).len()
        }
        LegendLine::Dashed(text) | LegendLine::Circle(_, text) => wrap(text).len(),
        LegendLine::Heading(_) => 1,
    }
}

/// Where the legend ends, so the picture grows to hold a long one instead
/// of cutting it off.
fn legend_height(lines: &[LegendLine]) -> f64 {
    let mut y = 40.0;
    for line in lines {
        y += gap_before(line) + line_count(line) as f64 * LEGEND_LINE_HEIGHT;
    }
    y + 20.0
}

fn gap_before(line: &LegendLine) -> f64 {
    match line {
        LegendLine::Heading(_) => 14.0,
        _ => 4.0,
    }
}

fn write_legend(out: &mut String, lines: &[LegendLine]) {
    let x = MAP_SIZE + 10.0;
    let text_x = x + 20.0;
    out.push_str("<g class=\"legend\">\n");
    let mut y = 40.0;
    for line in lines {
        y += gap_before(line);
        let top = y;
        let write_text = |out: &mut String, text: &str, at: f64| {
            for (row, part) in wrap(text).iter().enumerate() {
                out.push_str(&format!(
                    "<text x=\"{at}\" y=\"{:.0}\">{}</text>\n",
                    top + 13.0 + row as f64 * LEGEND_LINE_HEIGHT,
                    xml_escape(part)
                ));
            }
        };
        match line {
            LegendLine::Heading(text) => out.push_str(&format!(
                "<text x=\"{x}\" y=\"{:.0}\" font-weight=\"bold\">{text}</text>\n",
                top + 13.0
            )),
            LegendLine::Colour(colour, text) => {
                out.push_str(&format!(
                    "<rect class=\"legend-entry\" x=\"{x}\" y=\"{:.0}\" width=\"12\" \
                     height=\"12\" fill=\"{colour}\"/>\n",
                    top + 2.0
                ));
                write_text(out, text, text_x);
            }
            LegendLine::Circle(local, text) => {
                out.push_str(&format!(
                    "<circle cx=\"{:.0}\" cy=\"{:.0}\" r=\"6\" {}/>\n",
                    x + 6.0,
                    top + 8.0,
                    circle_paint("#555555", *local)
                ));
                write_text(out, text, text_x);
            }
            LegendLine::Broker(text) => {
                out.push_str(&format!(
                    "<circle cx=\"{:.0}\" cy=\"{:.0}\" r=\"6\" fill=\"none\" \
                     stroke=\"{BROKER_RING}\" stroke-width=\"2.5\"/>\n",
                    x + 6.0,
                    top + 8.0
                ));
                write_text(out, text, text_x);
            }
            LegendLine::Dashed(text) => {
                out.push_str(&format!(
                    "<line x1=\"{x}\" y1=\"{0:.0}\" x2=\"{1}\" y2=\"{0:.0}\" stroke=\"#b05a00\" \
                     stroke-width=\"1.2\" stroke-dasharray=\"4 3\"/>\n",
                    top + 8.0,
                    x + 14.0
                ));
                write_text(out, text, text_x);
            }
            LegendLine::Text(text) => write_text(out, text, x),
        }
        y += line_count(line) as f64 * LEGEND_LINE_HEIGHT;
    }
    out.push_str("</g>\n");
}

/// One line under the map on its shape. A hub-and-spoke network says so,
/// with the hub's name when names may be shown; otherwise the brokers.
fn write_caption(
    out: &mut String,
    graph: &Graph,
    figures: &Figures,
    options: MapOptions,
    omitted: usize,
    height: f64,
) {
    let shape = if figures.hub_and_spoke {
        let hub = match (options.name_brokers, figures.hub) {
            (true, Some(hub)) => graph.nodes[hub].label().to_string(),
            _ => "one person".to_string(),
        };
        format!(
            "hub-and-spoke: {:.0}% of ties go through {hub}",
            100.0 * figures.ties_through_top.top_1
        )
    } else {
        format!(
            "{} broker{} between clusters",
            figures.broker_count,
            if figures.broker_count == 1 { "" } else { "s" }
        )
    };
    let left_out = if omitted > 0 {
        format!(" · the {MAX_DRAWN_TIES} strongest pairs drawn, {omitted} lighter ones left out")
    } else {
        String::new()
    };
    out.push_str(&format!(
        "<text class=\"caption\" x=\"10\" y=\"{:.0}\" fill=\"#555555\">{} members · {} ties · {}{left_out}</text>\n",
        height - 10.0,
        graph.nodes.len(),
        figures.ties,
        xml_escape(&shape)
    ));
}

#[cfg(test)]
mod tests {
    use super::super::TieKind;
    use super::super::test_support::{
        assert_well_formed, barbell, graph_with_follows, member, star, undirected,
    };
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

    fn centre(circle: &str) -> (f64, f64) {
        let attribute = |name: &str| -> f64 {
            let start = circle.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
            let end = circle[start..].find('"').unwrap() + start;
            circle[start..end].parse().unwrap()
        };
        (attribute("cx"), attribute("cy"))
    }

    fn centre_distance(circle: &str) -> f64 {
        let (x, y) = centre(circle);
        (x - CENTRE).hypot(y - CENTRE)
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
    fn tied_members_fill_the_disc_and_loners_ring_it() {
        let svg = to_svg(&sample());
        for name in ["ana", "ben", "cai", "dee"] {
            assert!(centre_distance(circle_of(&svg, name)) <= INNER_DISC + 0.1);
        }
        let isolated = centre_distance(circle_of(&svg, "eve@far.example"));
        assert!((isolated - OUTER_RING).abs() < 0.1);
    }

    #[test]
    fn a_lone_member_sits_at_the_centre() {
        let svg = to_svg(&graph_with_follows(1, &[]));
        assert!(centre_distance(circle_of(&svg, "m0")) < 0.1);
    }

    #[test]
    fn a_star_is_drawn_with_its_hub_in_the_middle_and_captioned_so() {
        let mut graph = star(9);
        graph.nodes[0].display_name = "Ana".into();
        let svg = to_svg(&graph);
        let hub = centre_distance(circle_of(&svg, "Ana (m0)"));
        for spoke in 1..10 {
            assert!(hub < centre_distance(circle_of(&svg, &format!("m{spoke}"))));
        }
        assert!(
            svg.contains("hub-and-spoke: 100% of ties go through Ana"),
            "{svg}"
        );
        assert!(!svg.contains("at the centre"));
        assert_eq!(svg.matches("class=\"broker\"").count(), 1);
    }

    #[test]
    fn brokers_are_ringed_and_named_only_when_allowed() {
        let mut graph = barbell();
        graph.nodes[3].display_name = "Bridget".into();
        for index in 0..40 {
            // Enough loners that only brokers get a label.
            graph.add_node(member(&format!("z{index}")));
        }
        let named = to_svg(&graph);
        assert_eq!(named.matches("class=\"broker\"").count(), 3);
        assert!(named.contains("font-weight=\"bold\">Bridget</text>"));
        assert!(!named.contains(">z1</text>"));
        let unnamed = to_svg_with(
            &graph,
            MapOptions {
                name_brokers: false,
            },
        );
        assert_eq!(unnamed.matches("class=\"broker\"").count(), 0);
        assert!(!unnamed.contains(">Bridget</text>"));
        // The legend wraps the sentence at the thirtieth character.
        assert!(unnamed.contains(">3 brokers (names in the</text>"));
        assert!(unnamed.contains(">admins&apos; report)</text>"));
        assert!(unnamed.contains("3 brokers between clusters"));
    }

    #[test]
    fn communities_are_drawn_as_separate_clusters() {
        // Two communities of eight who all know each other, one tie across.
        let mut pairs = Vec::new();
        for base in [0, 8] {
            for a in base..base + 8 {
                pairs.extend((a + 1..base + 8).map(|b| (a, b)));
            }
        }
        pairs.push((7, 8));
        let mut graph = undirected(16, &pairs);
        for (index, node) in graph.nodes.iter_mut().enumerate() {
            node.communities = vec![if index < 8 { "energy" } else { "food" }.into()];
        }
        let svg = to_svg(&graph);
        let at: Vec<(f64, f64)> = (0..16)
            .map(|v| centre(circle_of(&svg, &format!("m{v}"))))
            .collect();
        let mean = |range: std::ops::Range<usize>| {
            let (x, y) = range.fold((0.0, 0.0), |(x, y), v| (x + at[v].0, y + at[v].1));
            (x / 8.0, y / 8.0)
        };
        let (energy, food) = (mean(0..8), mean(8..16));
        let apart = (energy.0 - food.0).hypot(energy.1 - food.1);
        let width = (0..8)
            .map(|v| (at[v].0 - energy.0).hypot(at[v].1 - energy.1))
            .fold(0.0, f64::max);
        assert!(apart > 1.5 * width, "{apart} apart, {width} wide");
    }

    #[test]
    fn open_introductions_are_dashed_and_met_ones_are_not_drawn_twice() {
        let mut graph = sample();
        graph.add_edge(3, 4, TieKind::Introduction, 1);
        graph.add_edge(0, 1, TieKind::Introduction, 1);
        let svg = to_svg(&graph);
        assert_eq!(svg.matches("class=\"introduction\"").count(), 1);
        assert!(svg.contains("introduced, not yet in touch"));
        // Four ties, one open introduction, and its legend sample.
        assert_eq!(svg.matches("<line ").count(), 4 + 1 + 1);
    }

    #[test]
    fn the_legend_says_how_to_read_the_map() {
        let svg = to_svg(&sample());
        assert!(svg.contains(">Reading the map</text>"));
        assert!(svg.contains(">The outer ring holds people"));
    }

    #[test]
    fn long_community_names_wrap_and_a_long_legend_grows_the_picture() {
        let mut graph = Graph::default();
        let long = "Community energy cooperatives of the northern valleys";
        graph.add_node(in_community("ana", Some(long), true));
        let svg = to_svg(&graph);
        assert!(
            svg.contains(">Community energy cooperatives</text>"),
            "{svg}"
        );
        assert!(svg.contains(">of the northern valleys (1)</text>"), "{svg}");
        assert!(!svg.contains('…'));

        let mut crowded = Graph::default();
        for index in 0..12 {
            let name = format!(
                "A community with a name long enough to wrap over four lines of the \
                 legend, which once cut such names short {index:02}"
            );
            crowded.add_node(in_community(&format!("m{index}"), Some(&name), true));
        }
        let svg = to_svg(&crowded);
        let height: f64 = svg
            .split("height=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .parse()
            .unwrap();
        assert!(height > MAP_SIZE);
        let lowest = svg
            .match_indices(" y=\"")
            .map(|(at, _)| {
                let rest = &svg[at + 4..];
                rest[..rest.find('"').unwrap()].parse::<f64>().unwrap()
            })
            .fold(0.0, f64::max);
        assert!(lowest < height, "text at {lowest} below {height}");
    }

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_long_words() {
        assert_eq!(wrap("short"), vec!["short"]);
        assert_eq!(
            wrap("Community energy cooperatives of the north"),
            vec!["Community energy cooperatives", "of the north"]
        );
        let word = "x".repeat(35);
        assert_eq!(wrap(&word), vec!["x".repeat(30), "x".repeat(5)]);
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
        // Only brokers are named on a map this size.
        assert_eq!(
            svg.matches("font-size=\"11\"").count(),
            svg.matches("class=\"broker\"").count()
        );
    }

    #[test]
    fn a_crowded_map_draws_its_strongest_ties_and_says_so() {
        // 201 people all tied to each other: 20,100 pairs.
        let graph = super::super::test_support::clique(201);
        let svg = to_svg(&graph);
        let ties = svg
            .split("<g class=\"ties\"")
            .nth(1)
            .and_then(|rest| rest.split("</g>").next())
            .unwrap();
        assert_eq!(ties.matches("<line").count(), MAX_DRAWN_TIES);
        assert!(
            svg.contains("the 20000 strongest pairs drawn, 100 lighter ones left out"),
            "{}",
            svg.lines().last().unwrap_or_default()
        );
    }

    #[test]
    fn only_the_strongest_pairs_are_drawn_past_the_limit() {
        let pairs = vec![(0, 1, 5), (0, 2, 1), (1, 2, 9), (2, 3, 5), (3, 4, 1)];
        assert_eq!(strongest(&pairs, 10), pairs);
        // Heaviest first; of the two weighing 5, the first pair.
        assert_eq!(strongest(&pairs, 2), vec![(0, 1, 5), (1, 2, 9)]);
        assert_eq!(strongest(&pairs, 3), vec![(0, 1, 5), (1, 2, 9), (2, 3, 5)]);
    }

    #[test]
    fn weighted_pairs_merge_directions_and_kinds() {
        let pairs = weighted_pairs(&sample());
        // The follow (1) and five replies (5 × 2) of ana and ben.
        assert_eq!(pairs, vec![(0, 1, 11), (0, 2, 1), (1, 2, 1), (2, 3, 1)]);
    }
}
