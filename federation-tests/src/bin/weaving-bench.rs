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
use federation_tests::{
    Backend, Instance,
    bench::{self, Args},
    bulk,
};
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

const USAGE: &str = "weaving-bench [MEMBERS] [ROUNDS] [--statuses N] [--baseline PATH]";

fn main() {
    let args = Args::read(USAGE);
    let members: usize = args.number(0, 300);
    assert!(
        members >= 20,
        "the bench needs a network of 20 members or more"
    );
    let bin = federation_tests::build_trellis(true);
    // SAFETY: set before the runtime, and so before any other thread runs.
    unsafe { std::env::set_var("RUST_LOG", "warn") };
    tokio::runtime::Runtime::new()
        .expect("a tokio runtime")
        .block_on(run(args, members, bin));
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

async fn run(args: Args, members: usize, bin: PathBuf) {
    let rounds: usize = args.number(1, 20);
    let statuses: Option<i64> = args.option("statuses").map(|n| {
        n.parse()
            .unwrap_or_else(|_| panic!("--statuses {n:?} is not a number"))
    });
    let mut servers = Vec::new();
    println!("Generating {members} members on each database…");
    for (suffix, bin) in bench::builds(bin, args.baseline()) {
        for (database, backend) in bench::DATABASES {
            let name = format!("{database}{suffix}");
            servers.push(start(&name, backend, &bin, members, statuses).await);
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
        for _ in 0..=rounds {
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
                    Some(bench::percentile(t, 0.5)),
                    Some(bench::percentile(t, 0.9)),
                ]
            })
            .map(|d| d.map_or("n/a".into(), bench::millis))
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }
    println!();
    println!("Resident memory of each server (VmRSS), after it started and after the rounds:");
    for (server, before) in servers.iter().zip(resident) {
        println!(
            "- {}: {} → {}",
            server.name,
            bench::mebibytes(before),
            bench::mebibytes(server.instance.resident_kib())
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
    if let Some(statuses) = statuses {
        let spec = bulk::Spec {
            members: members as i64,
            statuses,
        };
        let instance = bench::start_generated(name, backend, bin, spec, &bench::SETTINGS).await;
        let token = instance.admin(&["token", "m10"]).await.trim().to_string();
        return Server {
            name: name.to_string(),
            instance,
            token,
        };
    }
    let instance = Instance::start_binary("bench", backend, &bench::SETTINGS, bin).await;
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
