//! Measures sending: a member with F followers on H remote hosts posts, and
//! each post is delivered to every host's shared inbox, on SQLite and on
//! PostgreSQL side by side in one run, with the activitypub_federation
//! crate's signed sender and raw aws-lc signing measured in the same run:
//!
//! ```text
//! cargo run --release -p federation-tests --bin outgoing-bench -- [POSTS] [--followers F] [--hosts H] [--baseline PATH]
//! ```
//!
//! The hosts (1,000 by default) are listeners on loopback in a child
//! process, answering 202 and noting when each delivery arrived. The
//! followers (10,000 by default) are written into each server's database
//! while it is stopped. Then:
//! - fan-out: one post, timed from the request to the first and the last
//!   delivery;
//! - stream: POSTS posts (20 by default) one after another, for deliveries
//!   per second and the server's CPU time per delivery;
//! - the crate's `SendActivityTask::sign_and_send` sends as many deliveries
//!   to the same hosts with the same concurrency as Trellis's default
//!   (8 at once), in this process;
//! - aws-lc signs a request's signing string in a loop: the limit no
//!   sender can pass per CPU-second.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    routing::{get, post},
};
use base64::Engine;
use federation_tests::{
    Instance,
    bench::{self, Args},
    bulk,
    crate_side::{self, AnyActivity, KnownActor},
};
use futures::StreamExt;
use serde_json::{Value, json};
use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime},
};

const USAGE: &str = "outgoing-bench [POSTS] [--followers F] [--hosts H] [--baseline PATH]";
/// Trellis's default number of deliveries in flight; the crate gets the same.
const IN_FLIGHT: usize = 8;

fn main() {
    let args = Args::read(USAGE);
    if let Some(hosts) = args.option("listen") {
        return listen(hosts.parse().expect("a number of hosts"));
    }
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
    token: String,
}

async fn run(args: Args, bin: std::path::PathBuf) {
    let posts: usize = args.number(0, 20);
    let followers: usize = args.option_number("followers", 10_000);
    let hosts: usize = args.option_number("hosts", 1_000);
    assert!(followers >= hosts, "every host needs a follower");
    let listeners = Listeners::start(hosts);
    println!("Setting up {followers} followers on {hosts} hosts on each server…");
    let mut servers = Vec::new();
    for (suffix, bin) in bench::builds(bin, args.baseline()) {
        for (database, backend) in bench::DATABASES {
            let mut instance =
                Instance::start_binary("outgoing", backend, &bench::SETTINGS, &bin).await;
            let user = instance.create_user("poster").await;
            let poster = instance
                .get("/api/v1/accounts/verify_credentials", Some(&user.token))
                .await
                .body["id"]
                .as_str()
                .expect("the poster's id")
                .to_string();
            instance.stop().await;
            add_followers(
                instance.database_url(),
                &poster,
                followers,
                &listeners.ports,
            );
            instance.restart().await;
            servers.push(Server {
                name: format!("{database}{suffix}"),
                instance,
                token: user.token,
            });
        }
    }

    println!();
    println!("One post to {followers} followers on {hosts} hosts:");
    println!();
    println!("| server | post answered | first delivery | last delivery | CPU per delivery |");
    println!("|---|---:|---:|---:|---:|");
    for server in &servers {
        listeners.reset().await;
        let cpu = server.instance.cpu_time();
        let sent = SystemTime::now();
        publish(server, 0).await;
        let answered = sent.elapsed().unwrap_or_default();
        let arrivals = listeners.wait_for(hosts).await;
        let cpu = cpu.zip(server.instance.cpu_time()).map(|(a, b)| b - a);
        println!(
            "| {} | {} | {} | {} | {} |",
            server.name,
            bench::millis(answered),
            bench::millis(arrivals.first_since(sent)),
            bench::millis(arrivals.last_since(sent)),
            per_delivery(cpu, hosts),
        );
    }

    let deliveries = posts * hosts;
    println!();
    println!("{posts} posts one after another, {deliveries} deliveries:");
    println!();
    println!(
        "| sender | deliveries/s | CPU per delivery | deliveries per CPU-second | share of the signing limit |"
    );
    println!("|---|---:|---:|---:|---:|");
    let limit = signing_limit();
    for server in &servers {
        listeners.reset().await;
        let cpu = server.instance.cpu_time();
        let sent = SystemTime::now();
        for n in 1..=posts {
            publish(server, n).await;
        }
        let arrivals = listeners.wait_for(deliveries).await;
        let cpu = cpu.zip(server.instance.cpu_time()).map(|(a, b)| b - a);
        print_sender(
            &server.name,
            deliveries,
            arrivals.last_since(sent),
            cpu,
            limit,
        );
    }
    listeners.reset().await;
    let (took, cpu) = crate_sends(posts, &listeners.ports).await;
    listeners.wait_for(deliveries).await;
    print_sender(
        "activitypub_federation (sign_and_send)",
        deliveries,
        took,
        cpu,
        limit,
    );
    println!(
        "| aws-lc signing alone | – | {:.0} µs | {:.0} | 100% |",
        1e6 / limit,
        limit
    );
}

fn per_delivery(cpu: Option<Duration>, deliveries: usize) -> String {
    cpu.map_or("?".into(), |cpu| {
        format!("{:.0} µs", cpu.as_secs_f64() * 1e6 / deliveries as f64)
    })
}

fn print_sender(name: &str, deliveries: usize, took: Duration, cpu: Option<Duration>, limit: f64) {
    let per_cpu_second = cpu.map(|cpu| deliveries as f64 / cpu.as_secs_f64());
    println!(
        "| {name} | {:.0} | {} | {} | {} |",
        deliveries as f64 / took.as_secs_f64(),
        per_delivery(cpu, deliveries),
        per_cpu_second.map_or("?".into(), |d| format!("{d:.0}")),
        per_cpu_second.map_or("?".into(), |d| format!("{:.0}%", 100.0 * d / limit)),
    );
}

async fn publish(server: &Server, n: usize) {
    let answer = server
        .instance
        .post_json(
            "/api/v1/statuses",
            Some(&server.token),
            &json!({"status": format!("Notes from the repair café, week {n}")}),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
}

/// Writes `count` remote accounts spread over the listeners' hosts, each
/// following `poster`, as a server that had received their follows would
/// hold them.
fn add_followers(url: &str, poster: &str, count: usize, ports: &[u16]) {
    const CHUNK: usize = 500;
    const CREATED: &str = "'2026-01-01 00:00:00'";
    for start in (0..count).step_by(CHUNK) {
        let rows: Vec<usize> = (start..count.min(start + CHUNK)).collect();
        let accounts: Vec<String> = rows
            .iter()
            .map(|&n| {
                let host = format!("localhost:{}", ports[n % ports.len()]);
                let actor = format!("http://{host}/users/f{n}");
                format!(
                    "({id}, 'f{n}', '{host}', FALSE, 'Person', 'Follower {n}', '', '{actor}', \
                     '{actor}', '{actor}/inbox', 'http://{host}/inbox', '{actor}/outbox', \
                     '{actor}/followers', '{actor}/following', '{actor}#main-key', 'bench', \
                     {CREATED}, {CREATED})",
                    id = 10_000_000 + n,
                )
            })
            .collect();
        bulk::execute(
            url,
            &format!(
                "INSERT INTO accounts (id, username, domain, local, actor_type, display_name, \
                 note, ap_id, url, inbox_url, shared_inbox_url, outbox_url, followers_url, \
                 following_url, public_key_id, public_key_pem, created_at, updated_at) VALUES {}",
                accounts.join(", ")
            ),
        );
        let follows: Vec<String> = rows
            .iter()
            .map(|&n| {
                let host = format!("localhost:{}", ports[n % ports.len()]);
                format!(
                    "({id}, {account}, {poster}, 'http://{host}/follows/{n}', TRUE, {CREATED}, \
                     FALSE, TRUE)",
                    id = 10_000_000 + n,
                    account = 10_000_000 + n,
                )
            })
            .collect();
        bulk::execute(
            url,
            &format!(
                "INSERT INTO follows (id, account_id, target_account_id, ap_id, accepted, \
                 created_at, notify, show_reblogs) VALUES {}",
                follows.join(", ")
            ),
        );
    }
}

/// What the crate does for the same deliveries: `posts` activities, each
/// prepared for every host's inbox and sent, 8 at a time. Returns the time
/// it took and this process's CPU time meanwhile.
async fn crate_sends(posts: usize, ports: &[u16]) -> (Duration, Option<Duration>) {
    let key = trellis::crypto::generate_rsa_key().expect("a key");
    let actor_id = url::Url::parse("http://crate.invalid/users/poster").expect("a url");
    let actor = KnownActor::signing(actor_id.clone(), key.public_pem, key.private_pem);
    let config = crate_side::config("crate.invalid", Default::default()).await;
    let inboxes: Vec<url::Url> = ports
        .iter()
        .map(|port| url::Url::parse(&format!("http://localhost:{port}/inbox")).expect("a url"))
        .collect();
    let mut tasks = Vec::new();
    for n in 0..posts {
        let activity = AnyActivity::of(json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor_id}/activities/{n}"),
            "type": "Create",
            "actor": actor_id,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": format!("{actor_id}/notes/{n}"),
                "type": "Note",
                "attributedTo": actor_id,
                "content": format!("Notes from the repair café, week {n}"),
            },
        }));
        tasks.extend(crate_side::send_tasks(&config, &activity, &actor, inboxes.clone()).await);
    }
    let data = config.to_request_data();
    let cpu = bench::own_cpu_time();
    let started = Instant::now();
    futures::stream::iter(tasks)
        .for_each_concurrent(IN_FLIGHT, |task| {
            let data = &data;
            async move {
                task.sign_and_send(data).await.expect("the crate delivers");
            }
        })
        .await;
    let took = started.elapsed();
    (took, cpu.zip(bench::own_cpu_time()).map(|(a, b)| b - a))
}

/// RSA-SHA256 signatures per CPU-second that aws-lc makes on this machine,
/// on a signing string the size of a delivery's.
fn signing_limit() -> f64 {
    let key = trellis::crypto::generate_rsa_key().expect("a key");
    let der: String = key
        .private_pem
        .lines()
        .filter(|line| !line.starts_with("-----"))
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(der)
        .expect("base64");
    let pair = aws_lc_rs::rsa::KeyPair::from_pkcs8(&der).expect("a PKCS#8 key");
    let rng = aws_lc_rs::rand::SystemRandom::new();
    let message = "(request-target): post /inbox\nhost: localhost:40000\n\
                   date: Mon, 07 Dec 2026 09:30:00 GMT\n\
                   digest: SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
    let mut signature = vec![0; pair.public_modulus_len()];
    let cpu = bench::own_cpu_time().expect("this process's CPU time");
    let mut signed = 0u64;
    loop {
        pair.sign(
            &aws_lc_rs::signature::RSA_PKCS1_SHA256,
            &rng,
            message.as_bytes(),
            &mut signature,
        )
        .expect("signing");
        signed += 1;
        if signed.is_multiple_of(200) {
            let used = bench::own_cpu_time().expect("CPU time") - cpu;
            if used >= Duration::from_secs(2) {
                return signed as f64 / used.as_secs_f64();
            }
        }
    }
}

/// The remote hosts: listeners in a child process.
struct Listeners {
    _helper: bench::Helper,
    ports: Vec<u16>,
    http: reqwest::Client,
}

/// What the listeners saw: deliveries, and the first and last arrival in
/// microseconds since the epoch.
#[derive(serde::Deserialize)]
struct Arrivals {
    count: u64,
    first: u64,
    last: u64,
}

fn since(sent: SystemTime, micros: u64) -> Duration {
    let at = SystemTime::UNIX_EPOCH + Duration::from_micros(micros);
    at.duration_since(sent).unwrap_or_default()
}

impl Arrivals {
    fn first_since(&self, sent: SystemTime) -> Duration {
        since(sent, self.first)
    }

    fn last_since(&self, sent: SystemTime) -> Duration {
        since(sent, self.last)
    }
}

impl Listeners {
    fn start(hosts: usize) -> Listeners {
        let (helper, ports) = bench::Helper::start(&["--listen", &hosts.to_string()]);
        Listeners {
            _helper: helper,
            ports: ports
                .split_whitespace()
                .map(|p| p.parse().expect("a port"))
                .collect(),
            http: reqwest::Client::new(),
        }
    }

    fn control(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.ports[0])
    }

    async fn reset(&self) {
        self.http
            .post(self.control("/reset"))
            .send()
            .await
            .expect("resetting the listeners");
    }

    async fn arrivals(&self) -> Arrivals {
        self.http
            .get(self.control("/arrivals"))
            .send()
            .await
            .expect("asking the listeners")
            .json()
            .await
            .expect("their count")
    }

    /// Waits until `count` deliveries have arrived (and fails if more did).
    async fn wait_for(&self, count: usize) -> Arrivals {
        let arrivals = federation_tests::wait_until(
            &format!("{count} deliveries"),
            Duration::from_secs(600),
            || async {
                let arrivals = self.arrivals().await;
                (arrivals.count >= count as u64).then_some(arrivals)
            },
        )
        .await;
        assert_eq!(arrivals.count, count as u64, "more deliveries than sent");
        arrivals
    }
}

#[derive(Default)]
struct Seen {
    count: AtomicU64,
    first: AtomicU64,
    last: AtomicU64,
}

fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros() as u64
}

async fn arrive(State(seen): State<Arc<Seen>>) -> StatusCode {
    let now = now_micros();
    let _ = seen
        .first
        .compare_exchange(0, now, Ordering::SeqCst, Ordering::SeqCst);
    seen.last.fetch_max(now, Ordering::SeqCst);
    seen.count.fetch_add(1, Ordering::SeqCst);
    StatusCode::ACCEPTED
}

async fn arrivals(State(seen): State<Arc<Seen>>) -> Json<Value> {
    Json(json!({
        "count": seen.count.load(Ordering::SeqCst),
        "first": seen.first.load(Ordering::SeqCst),
        "last": seen.last.load(Ordering::SeqCst),
    }))
}

async fn reset(State(seen): State<Arc<Seen>>) -> StatusCode {
    seen.count.store(0, Ordering::SeqCst);
    seen.first.store(0, Ordering::SeqCst);
    seen.last.store(0, Ordering::SeqCst);
    StatusCode::NO_CONTENT
}

/// The child's side: `hosts` listeners on loopback, their ports printed on
/// one line.
fn listen(hosts: usize) {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let router = Router::new()
            .route("/inbox", post(arrive))
            .route("/arrivals", get(arrivals))
            .route("/reset", post(reset))
            .with_state(Arc::new(Seen::default()));
        let mut ports = Vec::new();
        let mut servers = Vec::new();
        for _ in 0..hosts {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a port");
            ports.push(
                listener
                    .local_addr()
                    .expect("its address")
                    .port()
                    .to_string(),
            );
            let router = router.clone();
            servers.push(tokio::spawn(
                async move { axum::serve(listener, router).await },
            ));
        }
        println!("{}", ports.join(" "));
        for server in servers {
            let _ = server.await;
        }
    });
}
