//! Measures the timelines and the other reads an app makes, on a generated
//! network of a million statuses, on SQLite and on PostgreSQL side by side
//! in one run:
//!
//! ```text
//! cargo run --release -p federation-tests --bin timelines-bench -- [ROUNDS] [--statuses N] [--members N] [--seconds S] [--baseline PATH]
//! ```
//!
//! It builds the release `trellis`, starts one server per database, fills
//! each with the bulk generator ([`federation_tests::bulk`]; 1,000,000
//! statuses and 10,000 members unless told otherwise), then:
//! - requests each endpoint ROUNDS times (200 by default) as one client,
//!   taking the servers in turn so that none gets a quieter machine, for
//!   the median and the 99th percentile;
//! - runs 16 and then 64 clients asking for home timelines for S seconds
//!   (10 by default) on each server in turn, for requests per second.
//!
//! With `--baseline PATH` it also runs the `trellis` binary at PATH on both
//! databases, so a change is measured against what it replaces in the same
//! run. PostgreSQL must be reachable (see `TRELLIS_TEST_POSTGRES_URL` in the
//! README's testing notes).

use federation_tests::{
    Instance,
    bench::{self, Args},
    bulk,
};
use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::{Duration, Instant},
};

const USAGE: &str =
    "timelines-bench [ROUNDS] [--statuses N] [--members N] [--seconds S] [--baseline PATH]";

/// Members whose tokens the bench uses, spread over the member list so that
/// busy and quiet home feeds are both asked for.
const READERS: i64 = 32;

fn main() {
    let args = Args::read(USAGE);
    let bin = federation_tests::build_trellis(true);
    // SAFETY: set before the runtime, and so before any other thread runs.
    unsafe { std::env::set_var("RUST_LOG", "warn") };
    tokio::runtime::Runtime::new()
        .expect("a tokio runtime")
        .block_on(run(args, bin));
}

struct Server {
    name: String,
    instance: Instance,
    /// One token per reader; the first is the single client's.
    tokens: Vec<String>,
}

async fn run(args: Args, bin: std::path::PathBuf) {
    let rounds: usize = args.number(0, 200);
    let spec = bulk::Spec {
        members: args.option_number("members", 10_000),
        statuses: args.option_number("statuses", 1_000_000),
    };
    let seconds: u64 = args.option_number("seconds", 10);
    assert!(
        spec.members >= READERS * 2,
        "the bench needs {} members or more",
        READERS * 2
    );
    println!(
        "Generating {} statuses by {} members on each database…",
        spec.statuses, spec.members
    );
    let mut servers = Vec::new();
    for (suffix, bin) in bench::builds(bin, args.baseline()) {
        for (database, backend) in bench::DATABASES {
            let name = format!("{database}{suffix}");
            let instance =
                bench::start_generated(&name, backend, &bin, spec, &bench::SETTINGS).await;
            let mut tokens = Vec::new();
            for reader in 0..READERS {
                let member = format!("m{}", 2 + reader * (spec.members / READERS));
                tokens.push(instance.admin(&["token", &member]).await.trim().to_string());
            }
            servers.push(Server {
                name,
                instance,
                tokens,
            });
        }
    }
    let resident: Vec<Option<u64>> = servers.iter().map(|s| s.instance.resident_kib()).collect();

    println!();
    println!("One client, {rounds} rounds:");
    println!();
    let header: Vec<String> = servers
        .iter()
        .map(|s| format!("{0} median | {0} p99", s.name))
        .collect();
    println!("| request | {} |", header.join(" | "));
    println!("|---|{}", "---:|---:|".repeat(servers.len()));
    let http = reqwest::Client::new();
    for (label, path) in endpoints(spec) {
        let mut times: Vec<Vec<Duration>> = vec![Vec::new(); servers.len()];
        // One request each first, unmeasured, so that caches are warm on all.
        for round in 0..=rounds {
            for (i, server) in servers.iter().enumerate() {
                let took = timed_get(&http, server, &path, &server.tokens[0]).await;
                if round > 0 {
                    times[i].push(took);
                }
            }
        }
        let cells: Vec<String> = times
            .iter_mut()
            .flat_map(|t| {
                t.sort();
                [bench::percentile(t, 0.5), bench::percentile(t, 0.99)]
            })
            .map(bench::millis)
            .collect();
        println!("| {label} | {} |", cells.join(" | "));
    }

    for clients in [16, 64] {
        println!();
        println!("Home timelines, {clients} clients for {seconds} s each:");
        println!();
        println!("| server | requests/s | median | p99 |");
        println!("|---|---:|---:|---:|");
        for server in &servers {
            let started = Instant::now();
            let mut times = under_load(server, clients, Duration::from_secs(seconds)).await;
            // Until the last answer, which came after the clients were told
            // to stop.
            let elapsed = started.elapsed();
            times.sort();
            println!(
                "| {} | {:.0} | {} | {} |",
                server.name,
                times.len() as f64 / elapsed.as_secs_f64(),
                bench::millis(bench::percentile(&times, 0.5)),
                bench::millis(bench::percentile(&times, 0.99)),
            );
        }
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

/// The requests measured, labelled. Ids come from the generator's
/// arithmetic: account `mN` has id N, and a status id is its creation time
/// in milliseconds shifted left 16 bits.
fn endpoints(spec: bulk::Spec) -> Vec<(&'static str, String)> {
    let days_ago = |days: i64| {
        let ms = chrono::Utc::now().timestamp_millis() - days * 86_400_000;
        ms << 16
    };
    let quiet_member = spec.members / 2;
    vec![
        ("home", "/api/v1/timelines/home?limit=20".into()),
        (
            "home, a week back",
            format!("/api/v1/timelines/home?limit=20&max_id={}", days_ago(7)),
        ),
        (
            "home, two months back",
            format!("/api/v1/timelines/home?limit=20&max_id={}", days_ago(60)),
        ),
        ("public", "/api/v1/timelines/public?limit=20".into()),
        (
            "public, local",
            "/api/v1/timelines/public?local=true&limit=20".into(),
        ),
        (
            "public, a month back",
            format!("/api/v1/timelines/public?limit=20&max_id={}", days_ago(30)),
        ),
        (
            "account (the busiest)",
            "/api/v1/accounts/1/statuses?limit=20".into(),
        ),
        (
            "account (a quiet one)",
            format!("/api/v1/accounts/{quiet_member}/statuses?limit=20"),
        ),
        (
            "account, without replies",
            "/api/v1/accounts/1/statuses?limit=20&exclude_replies=true".into(),
        ),
        ("tag", "/api/v1/timelines/tag/compost?limit=20".into()),
        ("notifications", "/api/v1/notifications?limit=20".into()),
        (
            "search, a common phrase",
            "/api/v2/search?type=statuses&q=heat+pumps&limit=20".into(),
        ),
        (
            "search, one status",
            "/api/v2/search?type=statuses&q=number+123457&limit=20".into(),
        ),
        (
            "open exchanges",
            "/api/trellis/v1/exchanges?state=open&limit=20".into(),
        ),
        (
            "suggestions",
            "/api/trellis/v1/introductions?limit=20".into(),
        ),
        ("health", "/api/trellis/v1/network/health".into()),
        ("map (JSON)", "/api/trellis/v1/network/map".into()),
    ]
}

async fn timed_get(http: &reqwest::Client, server: &Server, path: &str, token: &str) -> Duration {
    let started = Instant::now();
    let response = http
        .get(format!("{}{path}", server.instance.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = response.status();
    response.bytes().await.expect("body");
    assert!(status.is_success(), "{} {path}: {status}", server.name);
    started.elapsed()
}

/// `clients` tasks asking for home timelines (each with a reader's token
/// in turn) until `duration` is over: how long each answer took.
async fn under_load(server: &Server, clients: usize, duration: Duration) -> Vec<Duration> {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("an HTTP client");
    let over = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for client in 0..clients {
        let (http, over) = (http.clone(), over.clone());
        let url = format!(
            "{}/api/v1/timelines/home?limit=20",
            server.instance.base_url()
        );
        let tokens = server.tokens.clone();
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            let mut next = client;
            while !over.load(Ordering::Relaxed) {
                let started = Instant::now();
                let response = http
                    .get(&url)
                    .bearer_auth(&tokens[next % tokens.len()])
                    .send()
                    .await
                    .expect("request");
                assert!(
                    response.status().is_success(),
                    "{url}: {}",
                    response.status()
                );
                response.bytes().await.expect("body");
                times.push(started.elapsed());
                next += clients;
            }
            times
        }));
    }
    tokio::time::sleep(duration).await;
    over.store(true, Ordering::Relaxed);
    let mut times = Vec::new();
    for task in tasks {
        times.extend(task.await.expect("a client"));
    }
    times
}
