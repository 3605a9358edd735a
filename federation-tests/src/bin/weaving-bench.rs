//! Measures the network-weaving endpoints on a generated network, on
//! SQLite and on PostgreSQL side by side in one run:
//!
//! ```text
//! cargo run --release -p federation-tests --bin weaving-bench -- [MEMBERS] [ROUNDS] [--statuses N] [--baseline PATH]
//! ```
//!
//! It builds the release `trellis`, starts one server per database, fills
//! each with `trellis admin demo-network` (same seed, so the same network),
//! or with `--statuses N` with the bulk generator ([`federation_tests::bulk`]),
//! then requests each endpoint ROUNDS times, taking the servers in turn so
//! that none gets a quieter machine, and prints a Markdown table of median
//! and 90th-percentile times. With `--baseline PATH` it also runs the
//! `trellis` binary at PATH (another build, say the last release) on both
//! databases, so a change is measured against what it replaces in the same
//! run. PostgreSQL must be reachable (see `TRELLIS_TEST_POSTGRES_URL` in the
//! README's testing notes).

use diesel::{Connection, PgConnection, RunQueryDsl};
use federation_tests::{Backend, Instance, bulk};
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

struct Options {
    members: usize,
    rounds: usize,
    /// Fill with the bulk generator, this many statuses, instead of
    /// `demo-network`.
    statuses: Option<i64>,
    baseline: Option<PathBuf>,
}

fn options() -> Options {
    let mut numbers = Vec::new();
    let mut baseline = None;
    let mut statuses = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == "--statuses" {
            let n = args.next().and_then(|n| n.parse().ok());
            statuses = Some(n.expect("--statuses needs a number"));
        } else if arg == "--baseline" {
            let path = args
                .next()
                .expect("--baseline needs the path of a trellis binary");
            baseline = Some(PathBuf::from(path));
        } else {
            numbers.push(arg.parse::<usize>().unwrap_or_else(|_| {
                panic!("{arg:?}: expected MEMBERS ROUNDS [--statuses N] [--baseline PATH]")
            }));
        }
    }
    let members = numbers.first().copied().unwrap_or(300);
    assert!(
        members >= 20,
        "the bench needs a network of 20 members or more"
    );
    Options {
        members,
        rounds: numbers.get(1).copied().unwrap_or(20),
        statuses,
        baseline,
    }
}

fn main() {
    let options = options();
    let bin = federation_tests::build_trellis(true);
    // SAFETY: set before the runtime, and so before any other thread runs.
    unsafe { std::env::set_var("RUST_LOG", "warn") };
    tokio::runtime::Runtime::new()
        .expect("a tokio runtime")
        .block_on(run(options, bin));
}

struct Server {
    name: String,
    instance: Instance,
    token: String,
}

/// The requests measured: what a weaver's dashboard and a member's app
/// ask for.
const ENDPOINTS: [(&str, &str); 9] = [
    ("health", "/api/trellis/v1/network/health"),
    ("network tree", "/api/trellis/v1/network/tree"),
    ("map (JSON)", "/api/trellis/v1/network/map"),
    ("map (GEXF)", "/api/trellis/v1/network/map?format=gexf"),
    ("map (SVG)", "/api/trellis/v1/network/map.svg"),
    ("suggestions", "/api/trellis/v1/introductions?limit=20"),
    (
        "open exchanges",
        "/api/trellis/v1/exchanges?state=open&limit=20",
    ),
    ("home timeline", "/api/v1/timelines/home?limit=20"),
    ("notifications", "/api/v1/notifications?limit=20"),
];

async fn run(options: Options, bin: PathBuf) {
    let mut builds = vec![("", bin)];
    if let Some(baseline) = options.baseline {
        builds.push((" (baseline)", baseline));
    }
    let members = options.members;
    let mut servers = Vec::new();
    println!("Generating {members} members on each database…");
    for (suffix, bin) in &builds {
        for (database, backend) in [
            ("SQLite", Backend::Sqlite),
            ("PostgreSQL", Backend::Postgres),
        ] {
            let name = format!("{database}{suffix}");
            servers.push(start(&name, backend, bin, members, options.statuses).await);
        }
    }
    let http = reqwest::Client::new();
    let resident: Vec<Option<u64>> = servers.iter().map(|s| s.instance.resident_kib()).collect();
    println!();
    let header: Vec<String> = servers
        .iter()
        .map(|s| format!("{0} first | {0} median | {0} p90", s.name))
        .collect();
    println!("| request | {} |", header.join(" | "));
    println!("|---|{}", "---:|---:|---:|".repeat(servers.len()));
    for (label, path) in ENDPOINTS {
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); servers.len()];
        // An endpoint a baseline build does not have yet answers 404.
        let mut missing = vec![false; servers.len()];
        // One request each first, so that caches are warm on all; it is
        // shown on its own, as what the first visitor after a start waits.
        for _ in 0..=options.rounds {
            for (i, server) in servers.iter().enumerate() {
                if missing[i] {
                    continue;
                }
                let started = Instant::now();
                let response = http
                    .get(format!("{}{path}", server.instance.base_url()))
                    .bearer_auth(&server.token)
                    .send()
                    .await
                    .expect("request");
                let status = response.status();
                response.bytes().await.expect("body");
                if status == reqwest::StatusCode::NOT_FOUND && times[i].is_empty() {
                    missing[i] = true;
                    continue;
                }
                assert!(status.is_success(), "{} {path}: {status}", server.name);
                times[i].push(started.elapsed());
            }
        }
        let cells: Vec<String> = times
            .iter_mut()
            .flat_map(|t| {
                if t.is_empty() {
                    return [None; 3];
                }
                let first = t.remove(0);
                t.sort();
                [
                    Some(first),
                    Some(percentile(t, 0.5)),
                    Some(percentile(t, 0.9)),
                ]
            })
            .map(|d| {
                d.map_or("n/a".into(), |d| {
                    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
                })
            })
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
    println!();
    println!("Resident memory of each server (VmRSS), after it started and after the rounds:");
    for (server, before) in servers.iter().zip(resident) {
        let mib =
            |kib: Option<u64>| kib.map_or("?".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0));
        println!(
            "- {}: {} → {}",
            server.name,
            mib(before),
            mib(server.instance.resident_kib())
        );
    }
}

/// Starts a server running `bin` on `backend`, fills it with the generated
/// network and takes a token for a member in the middle of it.
async fn start(
    name: &str,
    backend: Backend,
    bin: &std::path::Path,
    members: usize,
    statuses: Option<i64>,
) -> Server {
    // The bench sends every request with one token: no rate limit.
    let limits = [
        ("TRELLIS_RATE_LIMIT_REQUESTS", "0"),
        // As a live server runs (the harness turns it off for tests).
        ("TRELLIS_WARM_NETWORK_MAP", "true"),
    ];
    let mut instance = Instance::start_binary("bench", backend, &limits, bin).await;
    let started = Instant::now();
    if let Some(statuses) = statuses {
        // The server has migrated its database; it is stopped while the
        // generator writes, and started again on the full database, as
        // after a restart.
        instance.stop().await;
        let url = instance.database_url().to_string();
        let base_url = format!("http://{}", instance.domain());
        let spec = bulk::Spec {
            members: members as i64,
            statuses,
        };
        let written = tokio::task::spawn_blocking(move || bulk::generate(&url, &base_url, spec))
            .await
            .expect("the generator");
        println!(
            "  {name}: {written} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        instance.restart().await;
        let token = instance.admin(&["token", "m10"]).await.trim().to_string();
        return Server {
            name: name.to_string(),
            instance,
            token,
        };
    }
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
    if backend == Backend::Postgres {
        // A live server's autovacuum gathers planner statistics in time;
        // right after a bulk load it has not yet, so gather them now.
        let mut conn =
            PgConnection::establish(instance.database_url()).expect("the bench database");
        diesel::sql_query("ANALYZE")
            .execute(&mut conn)
            .expect("ANALYZE");
    }
    // An early member: the generator's early members gather followers, so
    // this one has notifications and a full home page to show (one from the
    // middle of the list follows a few people and has no followers).
    let member = "member0010";
    let token = instance.admin(&["token", member]).await.trim().to_string();
    Server {
        name: name.to_string(),
        instance,
        token,
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}
