//! Where each member sits on the map: a force-directed layout (Fruchterman
//! and Reingold) in which ties pull people together and everyone pushes
//! everyone else apart, so groups that talk among themselves form visible
//! clusters and brokers sit between them. Members start beside the others
//! of their first community, so communities begin apart and the few
//! iterations a large map gets go into separating clusters rather than
//! untangling a random start. Members with no tie sit on an outer ring.
//!
//! Deterministic: there is no randomness, the same graph gives the same
//! positions. Repulsion goes through a Barnes–Hut quadtree, so a round
//! costs O(n log n + m) rather than O(n²), and the number of rounds is
//! bounded.

use std::f64::consts::TAU;

/// Rounds of the simulation. Fewer for large maps, where each round costs
/// more and the picture is read for its clusters, not its details.
fn rounds(tied: usize) -> usize {
    match tied {
        0..=200 => 300,
        201..=1_000 => 120,
        _ => 40,
    }
}

/// Positions in a square of side `size` centred on (`size`/2, `size`/2).
/// `neighbours` are undirected tie lists with `weights` parallel to them
/// (a heavier tie pulls harder, on a log scale); `groups` gives each
/// member's seeding group (equal numbers start together, `usize::MAX` for
/// none); tied members fill the disc of radius `inner`, the others sit on
/// the ring of radius `outer`.
pub fn positions(
    neighbours: &[Vec<usize>],
    weights: &[Vec<f64>],
    groups: &[usize],
    size: f64,
    inner: f64,
    outer: f64,
) -> Vec<(f64, f64)> {
    let n = neighbours.len();
    let centre = size / 2.0;
    let mut placed = vec![(centre, centre); n];
    let tied: Vec<usize> = (0..n).filter(|&v| !neighbours[v].is_empty()).collect();
    let loners: Vec<usize> = (0..n).filter(|&v| neighbours[v].is_empty()).collect();

    if !tied.is_empty() {
        let simulated = simulate(neighbours, weights, groups, &tied);
        fit(&simulated, &tied, centre, inner, &mut placed);
    }
    // A lone member with nobody else on the map goes in the middle.
    if !(tied.is_empty() && loners.len() == 1) {
        let mut ring = loners;
        ring.sort_by_key(|&v| (groups[v], v));
        for (slot, &v) in ring.iter().enumerate() {
            let angle = TAU * (slot as f64 + 0.5) / ring.len() as f64 - TAU / 4.0;
            placed[v] = (centre + outer * angle.cos(), centre + outer * angle.sin());
        }
    }
    placed
}

/// The first positions: each group on a spot of a circle, sized by its
/// members, and its members in a sunflower spiral around that spot, so no
/// two start on top of each other.
fn seed(groups: &[usize], tied: &[usize], k: f64) -> Vec<(f64, f64)> {
    let mut by_group: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut sorted: Vec<usize> = tied.to_vec();
    sorted.sort_by_key(|&v| (groups[v], v));
    for v in sorted {
        match by_group.last_mut() {
            Some((group, members)) if *group == groups[v] => members.push(v),
            _ => by_group.push((groups[v], vec![v])),
        }
    }
    let spread = k * (tied.len() as f64).sqrt();
    let golden = TAU * (1.0 - 1.0 / 1.618_033_988_749_895);
    let mut start = vec![(0.0, 0.0); groups.len()];
    for (rank, (_, members)) in by_group.iter().enumerate() {
        let (cx, cy) = if by_group.len() == 1 {
            (0.0, 0.0)
        } else {
            let angle = TAU * rank as f64 / by_group.len() as f64;
            (spread * angle.cos(), spread * angle.sin())
        };
        for (i, &v) in members.iter().enumerate() {
            let r = k * 0.5 * (i as f64).sqrt();
            let a = golden * i as f64;
            start[v] = (cx + r * a.cos(), cy + r * a.sin());
        }
    }
    start
}

/// Fruchterman–Reingold on the tied members, in a frame where the ideal
/// distance `k` is 1.
fn simulate(
    neighbours: &[Vec<usize>],
    weights: &[Vec<f64>],
    groups: &[usize],
    tied: &[usize],
) -> Vec<(f64, f64)> {
    let k = 1.0;
    let mut at = seed(groups, tied, k);
    let rounds = rounds(tied.len());
    let side = k * (tied.len() as f64).sqrt() * 2.0;
    let mut push = vec![(0.0f64, 0.0f64); at.len()];
    for round in 0..rounds {
        let temperature = side / 10.0 * (1.0 - round as f64 / rounds as f64) + k * 0.01;
        for &v in tied {
            push[v] = (0.0, 0.0);
        }
        repel(&at, tied, k, &mut push);
        for &v in tied {
            for (&w, &weight) in neighbours[v].iter().zip(&weights[v]) {
                if v < w {
                    let (dx, dy) = (at[v].0 - at[w].0, at[v].1 - at[w].1);
                    let distance = dx.hypot(dy).max(1e-9);
                    let pull = distance * distance / k * weight / distance;
                    push[v].0 -= dx * pull;
                    push[v].1 -= dy * pull;
                    push[w].0 += dx * pull;
                    push[w].1 += dy * pull;
                }
            }
        }
        for &v in tied {
            // A weak pull to the middle keeps separate components from
            // drifting off and shrinking everything else when fitted.
            let gravity = 0.05 * k;
            let (fx, fy) = (push[v].0 - at[v].0 * gravity, push[v].1 - at[v].1 * gravity);
            let length = fx.hypot(fy);
            if length > 0.0 {
                let step = length.min(temperature) / length;
                at[v].0 += fx * step;
                at[v].1 += fy * step;
            }
        }
    }
    at
}

/// Adds k²/d of push from every other tied member, through a Barnes–Hut
/// quadtree: a far-off square of the map pushes as one body at its centre
/// of mass. A fixed-radius grid is cheaper while people are spread out,
/// but a network with a few hubs pulls most people into a small space,
/// where a grid cell ends up holding everyone and a round goes quadratic;
/// the tree stays O(n log n) however crowded the middle gets.
fn repel(at: &[(f64, f64)], tied: &[usize], k: f64, push: &mut [(f64, f64)]) {
    let tree = QuadTree::of(at, tied);
    let mut stack = Vec::new();
    for &v in tied {
        stack.clear();
        stack.push(0);
        while let Some(cell) = stack.pop() {
            let node = &tree.cells[cell];
            if node.mass == 0.0 {
                continue;
            }
            let contains_v = node.contains(at[v]);
            let (mut mass, mut sum_x, mut sum_y) = (node.mass, node.sum.0, node.sum.1);
            if let Some(children) = node.children {
                let (cx, cy) = (sum_x / mass, sum_y / mass);
                let distance = (at[v].0 - cx).hypot(at[v].1 - cy);
                if contains_v || node.size >= THETA * distance {
                    stack.extend(children);
                    continue;
                }
            } else if contains_v {
                // A leaf holding v: push from the others in it, if any.
                mass -= 1.0;
                sum_x -= at[v].0;
                sum_y -= at[v].1;
                if mass < 0.5 {
                    continue;
                }
            }
            let (cx, cy) = (sum_x / mass, sum_y / mass);
            let (mut dx, mut dy) = (at[v].0 - cx, at[v].1 - cy);
            if dx.abs() < 1e-9 && dy.abs() < 1e-9 {
                // On the very spot of others: part by index, the same way
                // every time.
                dx = 1e-3 * (1.0 + (v % 7) as f64);
                dy = 1e-3 * (1.0 + (v % 5) as f64);
            }
            let squared = dx * dx + dy * dy;
            let force = mass * k * k / squared;
            push[v].0 += dx * force;
            push[v].1 += dy * force;
        }
    }
}

/// How far a square must be, relative to its size, to push as one body.
/// 1.2, as ForceAtlas2 uses: a map is read for its clusters, and a coarser
/// far field costs a third of the time of the textbook 0.8.
const THETA: f64 = 1.2;

/// Squares of the map, each split in four while it holds more than one
/// member, down to [`MAX_DEPTH`], where members on (nearly) one spot share
/// a leaf.
struct QuadTree {
    cells: Vec<Quad>,
}

const MAX_DEPTH: u32 = 24;

struct Quad {
    corner: (f64, f64),
    size: f64,
    mass: f64,
    sum: (f64, f64),
    /// The one member in a leaf, until a second arrives and it splits.
    body: Option<usize>,
    children: Option<[usize; 4]>,
    depth: u32,
}

impl Quad {
    fn new(corner: (f64, f64), size: f64, depth: u32) -> Self {
        Quad {
            corner,
            size,
            mass: 0.0,
            sum: (0.0, 0.0),
            body: None,
            children: None,
            depth,
        }
    }

    fn contains(&self, (x, y): (f64, f64)) -> bool {
        x >= self.corner.0
            && x < self.corner.0 + self.size
            && y >= self.corner.1
            && y < self.corner.1 + self.size
    }

    fn quadrant(&self, (x, y): (f64, f64)) -> usize {
        let half = self.size / 2.0;
        usize::from(x >= self.corner.0 + half) + 2 * usize::from(y >= self.corner.1 + half)
    }
}

impl QuadTree {
    fn of(at: &[(f64, f64)], tied: &[usize]) -> Self {
        let (mut low, mut high) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for &v in tied {
            low = (low.0.min(at[v].0), low.1.min(at[v].1));
            high = (high.0.max(at[v].0), high.1.max(at[v].1));
        }
        // A little wider than the spread, so the far edge is inside.
        let size = (high.0 - low.0).max(high.1 - low.1).max(1e-6) * 1.001 + 1e-6;
        let mut tree = QuadTree {
            cells: Vec::with_capacity(tied.len() * 2),
        };
        tree.cells.push(Quad::new(low, size, 0));
        for &v in tied {
            tree.insert(v, at);
        }
        tree
    }

    fn insert(&mut self, v: usize, at: &[(f64, f64)]) {
        let point = at[v];
        let mut cell = 0;
        loop {
            let quad = &mut self.cells[cell];
            let was_empty = quad.mass == 0.0;
            quad.mass += 1.0;
            quad.sum.0 += point.0;
            quad.sum.1 += point.1;
            if let Some(children) = quad.children {
                cell = children[quad.quadrant(point)];
                continue;
            }
            if was_empty {
                quad.body = Some(v);
                return;
            }
            if quad.depth >= MAX_DEPTH {
                // Same spot as those already here: they share the leaf.
                quad.body = None;
                return;
            }
            let resident = quad.body.take();
            let (corner, half, depth) = (quad.corner, quad.size / 2.0, quad.depth + 1);
            let first = self.cells.len();
            for quadrant in 0..4 {
                let offset = (
                    corner.0 + half * (quadrant % 2) as f64,
                    corner.1 + half * (quadrant / 2) as f64,
                );
                self.cells.push(Quad::new(offset, half, depth));
            }
            self.cells[cell].children = Some([first, first + 1, first + 2, first + 3]);
            if let Some(resident) = resident {
                // Move the resident down; its weight is already counted
                // here, so only the child's totals change.
                let child = first + self.cells[cell].quadrant(at[resident]);
                let quad = &mut self.cells[child];
                quad.mass = 1.0;
                quad.sum = at[resident];
                quad.body = Some(resident);
            }
            cell = first + self.cells[cell].quadrant(point);
        }
    }
}

/// Scales and centres the simulated positions into the disc of radius
/// `inner` around `centre`, keeping proportions.
fn fit(
    simulated: &[(f64, f64)],
    tied: &[usize],
    centre: f64,
    inner: f64,
    placed: &mut [(f64, f64)],
) {
    let count = tied.len() as f64;
    let mean_x = tied.iter().map(|&v| simulated[v].0).sum::<f64>() / count;
    let mean_y = tied.iter().map(|&v| simulated[v].1).sum::<f64>() / count;
    let reach = tied
        .iter()
        .map(|&v| (simulated[v].0 - mean_x).hypot(simulated[v].1 - mean_y))
        .fold(0.0, f64::max);
    let scale = if reach > 0.0 { inner / reach } else { 0.0 };
    for &v in tied {
        placed[v] = (
            centre + (simulated[v].0 - mean_x) * scale,
            centre + (simulated[v].1 - mean_y) * scale,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{neighbours_of, star, undirected};
    use super::*;

    fn unweighted(neighbours: &[Vec<usize>]) -> Vec<Vec<f64>> {
        neighbours
            .iter()
            .map(|list| vec![1.0; list.len()])
            .collect()
    }

    fn distance(a: (f64, f64), b: (f64, f64)) -> f64 {
        (a.0 - b.0).hypot(a.1 - b.1)
    }

    /// Two groups of eight who all know each other, one tie between them.
    fn two_clusters() -> (Vec<Vec<usize>>, Vec<usize>) {
        let mut pairs = Vec::new();
        for base in [0, 8] {
            for a in base..base + 8 {
                pairs.extend((a + 1..base + 8).map(|b| (a, b)));
            }
        }
        pairs.push((7, 8));
        let groups = (0..16).map(|v| v / 8).collect();
        (neighbours_of(&undirected(16, &pairs)), groups)
    }

    fn centroid(at: &[(f64, f64)], members: std::ops::Range<usize>) -> (f64, f64) {
        let count = members.len() as f64;
        let (x, y) = members.fold((0.0, 0.0), |(x, y), v| (x + at[v].0, y + at[v].1));
        (x / count, y / count)
    }

    #[test]
    fn clusters_sit_apart() {
        let (neighbours, groups) = two_clusters();
        let at = positions(
            &neighbours,
            &unweighted(&neighbours),
            &groups,
            900.0,
            350.0,
            400.0,
        );
        let (left, right) = (centroid(&at, 0..8), centroid(&at, 8..16));
        let apart = distance(left, right);
        let spread = (0..8).map(|v| distance(at[v], left)).fold(0.0, f64::max);
        assert!(
            apart > 1.5 * spread,
            "clusters {apart} apart, each {spread} wide"
        );
    }

    #[test]
    fn clusters_separate_even_when_seeded_together() {
        let (neighbours, _) = two_clusters();
        let one_group = vec![0; 16];
        let at = positions(
            &neighbours,
            &unweighted(&neighbours),
            &one_group,
            900.0,
            350.0,
            400.0,
        );
        let apart = distance(centroid(&at, 0..8), centroid(&at, 8..16));
        assert!(apart > 150.0, "clusters only {apart} apart");
    }

    #[test]
    fn a_hub_sits_in_the_middle_of_its_spokes() {
        let neighbours = neighbours_of(&star(9));
        let at = positions(
            &neighbours,
            &unweighted(&neighbours),
            &[0; 10],
            900.0,
            350.0,
            400.0,
        );
        let hub = distance(at[0], (450.0, 450.0));
        let nearest_spoke = (1..10)
            .map(|v| distance(at[v], (450.0, 450.0)))
            .fold(f64::MAX, f64::min);
        assert!(
            hub < nearest_spoke,
            "hub {hub} from the centre, a spoke {nearest_spoke}"
        );
    }

    #[test]
    fn the_same_graph_lands_in_the_same_places() {
        let (neighbours, groups) = two_clusters();
        let weights = unweighted(&neighbours);
        assert_eq!(
            positions(&neighbours, &weights, &groups, 900.0, 350.0, 400.0),
            positions(&neighbours, &weights, &groups, 900.0, 350.0, 400.0)
        );
    }

    #[test]
    fn loners_ring_the_map_and_everyone_stays_inside() {
        let mut neighbours = neighbours_of(&star(5));
        neighbours.push(Vec::new());
        neighbours.push(Vec::new());
        let groups = vec![0; 8];
        let at = positions(
            &neighbours,
            &unweighted(&neighbours),
            &groups,
            900.0,
            350.0,
            400.0,
        );
        for &point in &at[..6] {
            assert!(distance(point, (450.0, 450.0)) <= 350.0 + 1e-6);
        }
        for &point in &at[6..] {
            assert!((distance(point, (450.0, 450.0)) - 400.0).abs() < 1e-6);
        }
    }

    #[test]
    fn the_quadtree_counts_everyone_once_even_on_one_spot() {
        let at = vec![(0.0, 0.0), (1.0, 1.0), (1.0, 1.0), (5.0, 2.0), (1.0, 1.0)];
        let tied: Vec<usize> = (0..5).collect();
        let tree = QuadTree::of(&at, &tied);
        assert_eq!(tree.cells[0].mass, 5.0);
        assert_eq!(tree.cells[0].sum, (8.0, 5.0));
        let leaves: f64 = tree
            .cells
            .iter()
            .filter(|cell| cell.children.is_none())
            .map(|cell| cell.mass)
            .sum();
        assert_eq!(leaves, 5.0);
    }

    #[test]
    fn repulsion_through_the_tree_matches_the_exact_sum_nearby() {
        // Far squares push as one body, close enough to the exact sum.
        let at = vec![(0.0, 0.0), (1.0, 0.0), (0.0, 2.0), (3.0, 3.0)];
        let tied: Vec<usize> = (0..4).collect();
        let mut push = vec![(0.0, 0.0); 4];
        repel(&at, &tied, 1.0, &mut push);
        let exact = |v: usize| {
            (0..4).filter(|&w| w != v).fold((0.0, 0.0), |(x, y), w| {
                let (dx, dy) = (at[v].0 - at[w].0, at[v].1 - at[w].1);
                let squared = dx * dx + dy * dy;
                (x + dx / squared, y + dy / squared)
            })
        };
        for v in 0..4 {
            let (x, y) = exact(v);
            let error = (push[v].0 - x).hypot(push[v].1 - y) / x.hypot(y);
            assert!(error < 0.1, "member {v}: {push:?} against ({x}, {y})");
        }
    }

    #[test]
    fn five_thousand_members_are_laid_out_in_budget() {
        let graph = super::super::test_support::generated(5_000, 10);
        let neighbours = neighbours_of(&graph);
        let groups: Vec<usize> = (0..5_000).map(|v| v / 50).collect();
        let started = std::time::Instant::now();
        let at = positions(
            &neighbours,
            &unweighted(&neighbours),
            &groups,
            900.0,
            360.0,
            400.0,
        );
        let elapsed = started.elapsed();
        println!("layout of 5,000 members: {elapsed:?}");
        assert!(at.iter().all(|&(x, y)| x.is_finite() && y.is_finite()));
        // Generous for a debug build on a shared machine; release is ~10×.
        assert!(elapsed < std::time::Duration::from_secs(30));
    }

    #[test]
    fn one_member_alone_sits_in_the_middle() {
        let at = positions(&[Vec::new()], &[Vec::new()], &[0], 900.0, 350.0, 400.0);
        assert_eq!(at, vec![(450.0, 450.0)]);
    }
}
