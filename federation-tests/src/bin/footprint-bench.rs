//! Measures what a server costs the machine it runs on: how long it takes
//! to start, and its resident memory idle, after a burst of work, and
//! before and after the network map on a large database, on SQLite and on
//! PostgreSQL side by side in one run:
//!
//! ```text
//! cargo run --release -p federation-tests --bin footprint-bench -- [--burst N] [--statuses N] [--members N] [--baseline PATH]
//! ```
//!
//! - cold start: from starting the process on an empty database to
//!   `/health` answering, best of five;
//! - idle: resident memory (VmRSS) after that start;
//! - burst: 64 clients reading timelines, instance and account documents
//!   while 8 post statuses, N requests in all (5,000 by default); memory
//!   right after, and again after ten idle seconds;
//! - map: on a database of a million statuses and 10,000 members from the
//!   bulk generator (change with `--statuses` and `--members`), the start
//!   time, memory once started (the map is computed at start), and after one
//!   request for the map.

use federation_tests::{
    Instance, User,
    bench::{self, Args},
    bulk,
};
use serde_json::json;
use std::{
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

const USAGE: &str = "footprint-bench [--burst N] [--statuses N] [--members N] [--baseline PATH]";
const STARTS: usize = 5;
const READERS: usize = 64;
const WRITERS: usize = 8;

fn main() {
    let args = Args::read(USAGE);
    let bin = federation_tests::build_trellis(true);
    // SAFETY: set before the runtime, and so before any other thread runs.
    unsafe { std::env::set_var("RUST_LOG", "warn") };
    tokio::runtime::Runtime::new()
        .expect("a tokio runtime")
        .block_on(run(args, bin));
}

/// The fastest of [`STARTS`] starts of a stopped `instance`.
async fn cold_start(instance: &mut Instance) -> Duration {
    let mut best = Duration::MAX;
    for _ in 0..STARTS {
        instance.stop().await;
        let started = Instant::now();
        instance.restart().await;
        best = best.min(started.elapsed());
    }
    best
}

async fn run(args: Args, bin: std::path::PathBuf) {
    let burst: usize = args.option_number("burst", 5_000);
    let spec = bulk::Spec {
        members: args.option_number("members", 10_000),
        statuses: args.option_number("statuses", 1_000_000),
    };
    let builds = bench::builds(bin, args.baseline());

    println!("| server | cold start | idle | after the burst | ten seconds later |");
    println!("|---|---:|---:|---:|---:|");
    for (suffix, bin) in &builds {
        for (database, backend) in bench::DATABASES {
            let mut instance =
                Instance::start_binary("footprint", backend, &bench::SETTINGS, bin).await;
            let user = instance.create_user("member").await;
            let start = cold_start(&mut instance).await;
            let idle = instance.resident_kib();
            run_burst(&instance, &user, burst).await;
            let after = instance.resident_kib();
            tokio::time::sleep(Duration::from_secs(10)).await;
            let later = instance.resident_kib();
            println!(
                "| {database}{suffix} | {} | {} | {} | {} |",
                bench::millis(start),
                bench::mebibytes(idle),
                bench::mebibytes(after),
                bench::mebibytes(later),
            );
        }
    }

    println!();
    println!(
        "With {} statuses and {} members:",
        spec.statuses, spec.members
    );
    println!();
    println!("| server | cold start | started | after a map request | added by the map |");
    println!("|---|---:|---:|---:|---:|");
    for (suffix, bin) in &builds {
        for (database, backend) in bench::DATABASES {
            let name = format!("{database}{suffix}");
            let mut instance =
                bench::start_generated(&name, backend, bin, spec, &bench::SETTINGS).await;
            instance.stop().await;
            let started = Instant::now();
            instance.restart().await;
            let start = started.elapsed();
            let before = instance.resident_kib();
            let token = instance.admin(&["token", "m1"]).await;
            let map = instance
                .get("/api/trellis/v1/network/map", Some(token.trim()))
                .await;
            assert!(map.status.is_success(), "the map: {}", map.status);
            let after = instance.resident_kib();
            println!(
                "| {name} | {} | {} | {} | {} |",
                bench::millis(start),
                bench::mebibytes(before),
                bench::mebibytes(after),
                bench::mebibytes(after.zip(before).map(|(a, b)| a.saturating_sub(b))),
            );
        }
    }
}

/// `total` requests: readers asking for what an app and other servers
/// ask for most, and writers posting.
async fn run_burst(instance: &Instance, user: &User, total: usize) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(READERS + WRITERS)
        .build()
        .expect("an HTTP client");
    let base = instance.base_url();
    let reads = [
        "/api/v1/timelines/public?limit=40".to_string(),
        "/api/v1/timelines/home?limit=40".to_string(),
        "/api/v1/instance".to_string(),
        format!(
            "/.well-known/webfinger?resource=acct:member@{}",
            instance.domain()
        ),
        "/users/member".to_string(),
    ];
    let sent = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for client in 0..READERS + WRITERS {
        let (http, sent, base, token) =
            (http.clone(), sent.clone(), base.clone(), user.token.clone());
        let reads = reads.clone();
        tasks.push(tokio::spawn(async move {
            loop {
                let n = sent.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return;
                }
                let request = if client < WRITERS {
                    http.post(format!("{base}/api/v1/statuses"))
                        .json(&json!({"status": format!("Burst note {n} about #compost")}))
                } else {
                    http.get(format!("{base}{}", reads[n % reads.len()]))
                };
                let response = request.bearer_auth(&token).send().await.expect("a request");
                assert!(response.status().is_success(), "{}", response.status());
                response.bytes().await.expect("a body");
            }
        }));
    }
    for task in tasks {
        task.await.expect("a client");
    }
}
