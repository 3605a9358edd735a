//! Measures the network-weaving endpoints on a generated network, on
//! SQLite and on PostgreSQL side by side in one run:
//!
//! ```text
//! cargo run --release -p federation-tests --bin weaving-bench -- [MEMBERS] [ROUNDS]
//! ```
//!
//! It builds the release `trellis`, starts one server per database, fills
//! each with `trellis admin demo-network` (same seed, so the same network),
//! then requests each endpoint ROUNDS times, alternating between the two
//! servers so that neither gets a quieter machine, and prints a Markdown
//! table of median and 90th-percentile times. PostgreSQL must be reachable
//! (see `TRELLIS_TEST_POSTGRES_URL` in the README's testing notes).

use federation_tests::{Backend, Instance};
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let members: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(300);
    let rounds: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let bin = federation_tests::build_trellis(true);
    // SAFETY: set before the runtime, and so before any other thread runs.
    unsafe { std::env::set_var("TRELLIS_BIN", &bin) };
    unsafe { std::env::set_var("RUST_LOG", "warn") };
    tokio::runtime::Runtime::new()
        .expect("a tokio runtime")
        .block_on(run(members, rounds));
}

struct Server {
    name: &'static str,
    instance: Instance,
    token: String,
}

/// The requests measured: what a weaver's dashboard and a member's app
/// ask for.
const ENDPOINTS: [(&str, &str); 7] = [
    ("health", "/api/trellis/v1/network/health"),
    ("map (JSON)", "/api/trellis/v1/network/map"),
    ("map (GEXF)", "/api/trellis/v1/network/map?format=gexf"),
    ("map (SVG)", "/api/trellis/v1/network/map.svg"),
    ("suggestions", "/api/trellis/v1/introductions?limit=20"),
    (
        "open exchanges",
        "/api/trellis/v1/exchanges?state=open&limit=20",
    ),
    ("home timeline", "/api/v1/timelines/home?limit=20"),
];

async fn run(members: usize, rounds: usize) {
    let mut servers = Vec::new();
    println!("Generating {members} members on each database…");
    for (name, backend) in [
        ("SQLite", Backend::Sqlite),
        ("PostgreSQL", Backend::Postgres),
    ] {
        // The bench sends every request with one token: no rate limit.
        let limits = [("TRELLIS_RATE_LIMIT_REQUESTS", "0")];
        let instance = Instance::start_with("bench", backend, &limits).await;
        let started = Instant::now();
        let (out, _) = instance
            .cli(&[
                "admin",
                "demo-network",
                "--members",
                &members.to_string(),
                "--seed",
                "1",
            ])
            .await;
        println!(
            "  {name}: {} in {:.1} s",
            out.trim(),
            started.elapsed().as_secs_f64()
        );
        // A member in the middle of the generated list.
        let member = format!("member{:04}", members / 2);
        let token = instance.admin(&["token", &member]).await.trim().to_string();
        servers.push(Server {
            name,
            instance,
            token,
        });
    }
    let http = reqwest::Client::new();
    println!();
    println!("| request | SQLite median | SQLite p90 | PostgreSQL median | PostgreSQL p90 |");
    println!("|---|---:|---:|---:|---:|");
    for (label, path) in ENDPOINTS {
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); servers.len()];
        // One request each first, so that caches are warm on both.
        for _ in 0..=rounds {
            for (i, server) in servers.iter().enumerate() {
                let started = Instant::now();
                let response = http
                    .get(format!("{}{path}", server.instance.base_url()))
                    .bearer_auth(&server.token)
                    .send()
                    .await
                    .expect("request");
                let status = response.status();
                response.bytes().await.expect("body");
                assert!(status.is_success(), "{} {path}: {status}", server.name);
                times[i].push(started.elapsed());
            }
        }
        let cells: Vec<String> = times
            .iter_mut()
            .flat_map(|t| {
                t.remove(0);
                t.sort();
                [percentile(t, 0.5), percentile(t, 0.9)]
            })
            .map(|d| format!("{:.1} ms", d.as_secs_f64() * 1000.0))
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}
