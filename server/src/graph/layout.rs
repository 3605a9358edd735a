//! Where each member sits on the map: a force-directed layout (Fruchterman
//! and Reingold) in which ties pull people together and everyone pushes
//! everyone else apart, so groups that talk among themselves form visible
//! clusters and brokers sit between them. Members start beside the others
//! of their first community, so communities begin apart and the few
//! iterations a large map gets go into separating clusters rather than
//! untangling a random start. Members with no tie sit on an outer ring.
//!
//! Deterministic: there is no randomness, the same graph gives the same
//! positions. Repulsion is counted only between members in neighbouring
//! cells of a grid (the paper's own speed-up), so a round costs about
//! O(n + m) rather than O(n²), and the number of rounds is bounded.

use std::f64::consts::TAU;

/// Rounds of the simulation. Fewer for large maps, where each round costs
/// more and the picture is read for its clusters, not its details.
fn rounds(tied: usize) -> usize {
    match tied {
        0..=200 => 300,
        201..=1_000 => 150,
        _ => 60,
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
    let cell = 2.0 * k;
    for round in 0..rounds {
        let temperature = side / 10.0 * (1.0 - round as f64 / rounds as f64) + k * 0.01;
        for &v in tied {
            push[v] = (0.0, 0.0);
        }
        repel(&at, tied, cell, k, &mut push);
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

/// Adds k²/d of push between members closer than `cell`, found through a
/// grid of `cell`-sized squares: farther pairs push too little to change
/// the picture, and skipping them is what keeps a round linear.
fn repel(at: &[(f64, f64)], tied: &[usize], cell: f64, k: f64, push: &mut [(f64, f64)]) {
    let key = |(x, y): (f64, f64)| ((x / cell).floor() as i64, (y / cell).floor() as i64);
    let mut grid: std::collections::HashMap<(i64, i64), Vec<usize>> =
        std::collections::HashMap::with_capacity(tied.len());
    for &v in tied {
        grid.entry(key(at[v])).or_default().push(v);
    }
    for &v in tied {
        let (gx, gy) = key(at[v]);
        for nx in gx - 1..=gx + 1 {
            for ny in gy - 1..=gy + 1 {
                let Some(near) = grid.get(&(nx, ny)) else {
                    continue;
                };
                for &w in near {
                    if w == v {
                        continue;
                    }
                    let (mut dx, mut dy) = (at[v].0 - at[w].0, at[v].1 - at[w].1);
                    if dx == 0.0 && dy == 0.0 {
                        // Two on one spot: part them by index, the same
                        // way every time.
                        dx = if v < w { 1e-3 } else { -1e-3 };
                        dy = 0.0;
                    }
                    let squared = dx * dx + dy * dy;
                    if squared < cell * cell {
                        let force = k * k / squared;
                        push[v].0 += dx * force;
                        push[v].1 += dy * force;
                    }
                }
            }
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
        for v in 0..6 {
            assert!(distance(at[v], (450.0, 450.0)) <= 350.0 + 1e-6);
        }
        for v in 6..8 {
            assert!((distance(at[v], (450.0, 450.0)) - 400.0).abs() < 1e-6);
        }
    }

    #[test]
    fn one_member_alone_sits_in_the_middle() {
        let at = positions(&[Vec::new()], &[Vec::new()], &[0], 900.0, 350.0, 400.0);
        assert_eq!(at, vec![(450.0, 450.0)]);
    }
}
