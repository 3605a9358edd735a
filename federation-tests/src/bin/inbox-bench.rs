//! Measures the shared inbox: signed activities from remote actors, fired
//! at each server by concurrent clients, on SQLite and on PostgreSQL side by
//! side in one run, with the activitypub_federation crate's own inbox path
//! (verify only, nothing stored) on the same requests:
//!
//! ```text
//! cargo run --release -p federation-tests --bin inbox-bench -- [ACTIVITIES] [--actors R] [--concurrency C] [--baseline PATH]
//! ```
//!
//! Each server gets a member who follows R remote actors (50 by default)
//! and has posted enough statuses to be liked and boosted. The activities
//! (10,000 by default) come from those actors in turn: a Follow of the
//! member from each, then Creates (60%), replies to the member (15%), Likes
//! (15%) and Announces (10%), each signed in advance; one request in eleven
//! is a repeat of an earlier one, which must change nothing. C clients (32
//! by default) send them. The table gives accepted and stored activities
//! per second (stored counted in the database afterwards), the latency,
//! and the server's CPU time per activity. `--baseline PATH` runs another
//! `trellis` binary on both databases in the same run.

use federation_tests::{
    Backend, Instance,
    bench::{self, Args, SignedPost},
    bulk,
    crate_side::{self, Keys},
    peer::Peer,
};
use serde_json::{Value, json};
use std::{collections::HashMap, sync::Arc, time::Duration};

const USAGE: &str = "inbox-bench [ACTIVITIES] [--actors R] [--concurrency C] [--baseline PATH]";
const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";

fn main() {
    let args = Args::read(USAGE);
    if let Some(keys) = args.option("crate-inbox") {
        return serve_crate_inbox(keys);
    }
    let bin = federation_tests::build_trellis(true);
    // SAFETY: set before the runtime, and so before any other thread runs.
    unsafe { std::env::set_var("RUST_LOG", "warn") };
    tokio::runtime::Runtime::new()
        .expect("a tokio runtime")
        .block_on(run(args, bin));
}

/// What each activity of the stream is, by its place in it.
#[derive(Clone, Copy)]
enum Kind {
    Follow,
    Create,
    Reply(usize),
    Like(usize),
    Announce(usize),
}

/// The stream: who sends what, in order, with the statuses liked, boosted
/// and answered chosen so that no actor likes or boosts one status twice.
struct Plan {
    items: Vec<(usize, Kind)>,
    /// How many statuses the member must have posted.
    statuses: usize,
}

impl Plan {
    fn new(total: usize, actors: usize) -> Plan {
        let mut likes = vec![0usize; actors];
        let mut announces = vec![0usize; actors];
        let mut items = Vec::with_capacity(total);
        for i in 0..total {
            let actor = i % actors;
            let kind = if i < actors {
                Kind::Follow
            } else {
                match i % 20 {
                    0..=11 => Kind::Create,
                    12..=14 => Kind::Reply(i / 20),
                    15..=17 => {
                        likes[actor] += 1;
                        Kind::Like(likes[actor] - 1)
                    }
                    _ => {
                        announces[actor] += 1;
                        Kind::Announce(announces[actor] - 1)
                    }
                }
            };
            items.push((actor, kind));
        }
        let statuses = likes.iter().chain(&announces).copied().max().unwrap_or(0) + 1;
        Plan { items, statuses }
    }

    /// What the database must hold afterwards: remote statuses, favourites,
    /// boosts and follows of the member.
    fn expected(&self) -> [i64; 4] {
        let mut counts = [0i64; 4];
        for (_, kind) in &self.items {
            let slot = match kind {
                Kind::Create | Kind::Reply(_) => 0,
                Kind::Like(_) => 1,
                Kind::Announce(_) => 2,
                Kind::Follow => 3,
            };
            counts[slot] += 1;
        }
        counts
    }
}

const COUNTS: [&str; 4] = [
    "SELECT COUNT(*) FROM statuses WHERE local = FALSE AND reblog_of_id IS NULL",
    "SELECT COUNT(*) FROM favourites",
    "SELECT COUNT(*) FROM statuses WHERE local = FALSE AND reblog_of_id IS NOT NULL",
    "SELECT COUNT(*) FROM follows f JOIN accounts a ON a.id = f.account_id \
     WHERE a.local = FALSE AND f.accepted = TRUE",
];

/// One server under test, ready for the stream: its remote peer, the
/// member's actor id and the ids of the member's statuses.
struct Server {
    name: String,
    instance: Instance,
    peer: Peer,
    member: String,
    statuses: Vec<String>,
}

impl Server {
    async fn start(
        name: String,
        backend: Backend,
        bin: &std::path::Path,
        plan: &Plan,
        actors: usize,
    ) -> Server {
        let instance = Instance::start_binary("inbox", backend, &bench::SETTINGS, bin).await;
        let peer = Peer::start().await;
        let user = instance.create_user("member").await;
        for actor in 0..actors {
            peer.accept_follow_from(&instance, &user, &format!("a{actor}"))
                .await;
        }
        let mut statuses = Vec::new();
        for n in 0..plan.statuses {
            let status = instance
                .post_status(&user, &json!({"status": format!("Practice note {n}")}))
                .await;
            statuses.push(status["uri"].as_str().expect("a status uri").to_string());
        }
        let member = format!("http://{}/users/member", instance.domain());
        Server {
            name,
            instance,
            peer,
            member,
            statuses,
        }
    }

    fn count(&self) -> [i64; 4] {
        COUNTS.map(|sql| bulk::number(self.instance.database_url(), sql))
    }
}

/// The activity at `index` of the plan, from `peer`'s actors to `server`.
fn activity(peer: &Peer, server: &Server, index: usize, (actor, kind): (usize, Kind)) -> Value {
    let name = format!("a{actor}");
    let actor_id = peer.actor_id(&name);
    let id = peer.url(&format!("/activities/{index}"));
    match kind {
        Kind::Follow => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id, "type": "Follow", "actor": actor_id, "object": server.member,
        }),
        Kind::Create => peer.create_note(
            &name,
            &index.to_string(),
            &format!("Field note {index} on heat pumps and compost"),
        ),
        Kind::Reply(status) => {
            let mut create = peer.create_note(
                &name,
                &index.to_string(),
                &format!("A reply, number {index}"),
            );
            create["object"]["inReplyTo"] = json!(server.statuses[status % server.statuses.len()]);
            create
        }
        Kind::Like(status) => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id, "type": "Like", "actor": actor_id, "object": server.statuses[status],
        }),
        Kind::Announce(status) => json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": id, "type": "Announce", "actor": actor_id, "object": server.statuses[status],
            "to": [PUBLIC], "published": chrono::Utc::now().to_rfc3339(),
        }),
    }
}

/// The requests of the plan for `inbox`, signed by `peer`'s actors, with
/// every tenth followed by a repeat of an earlier request.
async fn signed(peer: &Peer, inbox: &str, bodies: Vec<(usize, Vec<u8>)>) -> Vec<SignedPost> {
    // Signing is the slow part of the set-up: both cores share it.
    let chunks: Vec<Vec<(usize, Vec<u8>)>> = bodies
        .chunks(bodies.len().div_ceil(2).max(1))
        .map(<[_]>::to_vec)
        .collect();
    let mut posts = Vec::with_capacity(bodies.len());
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(actor, body)| SignedPost {
                            url: inbox.to_string(),
                            headers: peer.signature_headers(&format!("a{actor}"), inbox, &body),
                            body: body.into(),
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for handle in handles {
            posts.extend(handle.join().expect("signing"));
        }
    });
    let mut stream = Vec::with_capacity(posts.len() * 11 / 10);
    for (i, post) in posts.iter().enumerate() {
        stream.push(post.clone());
        if i % 10 == 9 {
            stream.push(posts[i / 2].clone());
        }
    }
    stream
}

struct Row {
    name: String,
    answers: Vec<(u16, Duration)>,
    took: Duration,
    stored: Option<i64>,
    cpu: Option<Duration>,
}

impl Row {
    fn print(&self, activities: usize) {
        let accepted = self.answers.iter().filter(|(s, _)| *s == 202).count();
        let refused = self.answers.len() - accepted;
        let mut times: Vec<Duration> = self.answers.iter().map(|(_, t)| *t).collect();
        times.sort();
        let seconds = self.took.as_secs_f64();
        println!(
            "| {} | {:.0} | {} | {} | {} | {} | {} |",
            self.name,
            accepted as f64 / seconds,
            self.stored
                .map_or("–".into(), |s| format!("{:.0}", s as f64 / seconds)),
            bench::millis(bench::percentile(&times, 0.5)),
            bench::millis(bench::percentile(&times, 0.99)),
            self.cpu.map_or("?".into(), |cpu| format!(
                "{:.0} µs",
                cpu.as_secs_f64() * 1e6 / activities as f64
            )),
            refused,
        );
    }
}

async fn run(args: Args, bin: std::path::PathBuf) {
    let total: usize = args.number(0, 10_000);
    let actors: usize = args.option_number("actors", 50);
    let clients: usize = args.option_number("concurrency", 32);
    assert!(total > actors, "ACTIVITIES must exceed the actors");
    let plan = Plan::new(total, actors);
    println!(
        "Setting up: {actors} actors followed, {} statuses to like, on each server…",
        plan.statuses
    );
    let mut servers = Vec::new();
    for (suffix, bin) in bench::builds(bin, args.baseline()) {
        for (database, backend) in bench::DATABASES {
            servers.push(
                Server::start(format!("{database}{suffix}"), backend, &bin, &plan, actors).await,
            );
        }
    }
    let expected = plan.expected();
    let mut rows = Vec::new();
    for server in &servers {
        let bodies = plan
            .items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                (
                    item.0,
                    serde_json::to_vec(&activity(&server.peer, server, i, *item)).expect("json"),
                )
            })
            .collect();
        let inbox = format!("{}/inbox", server.instance.base_url());
        let stream = Arc::new(signed(&server.peer, &inbox, bodies).await);
        let before = server.count();
        println!("  {}: sending {} requests…", server.name, stream.len());
        let cpu = server.instance.cpu_time();
        let (answers, took) = bench::fire(stream.clone(), clients).await;
        let cpu = cpu.zip(server.instance.cpu_time()).map(|(a, b)| b - a);
        let after = server.count();
        let stored: Vec<i64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
        if stored != expected {
            println!(
                "  {}: stored {stored:?} (statuses, favourites, boosts, follows), expected {expected:?}",
                server.name
            );
        }
        rows.push(Row {
            name: server.name.clone(),
            answers,
            took,
            stored: Some(stored.iter().sum()),
            cpu,
        });
    }

    // The crate's inbox, in a process of its own so that its CPU time is
    // its own, on the first server's activities signed for it.
    let first = &servers[0];
    let keys: HashMap<String, String> = (0..actors)
        .map(|a| {
            let name = format!("a{a}");
            (first.peer.actor_id(&name), first.peer.public_key_pem(&name))
        })
        .collect();
    let receiver = CrateInbox::start(&keys);
    let bodies = plan
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            (
                item.0,
                serde_json::to_vec(&activity(&first.peer, first, i, *item)).expect("json"),
            )
        })
        .collect();
    let stream = Arc::new(signed(&first.peer, &receiver.inbox, bodies).await);
    let cpu = receiver.helper.cpu_time();
    let (answers, took) = bench::fire(stream.clone(), clients).await;
    let cpu = cpu.zip(receiver.helper.cpu_time()).map(|(a, b)| b - a);
    rows.push(Row {
        name: "activitypub_federation, verify only".into(),
        answers,
        took,
        stored: None,
        cpu,
    });

    println!();
    println!(
        "{total} activities and {} repeats, {clients} clients:",
        total / 10
    );
    println!();
    println!("| server | accepted/s | stored/s | median | p99 | CPU per activity | refused |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        row.print(total + total / 10);
    }
}

/// The crate's inbox running in a child process.
struct CrateInbox {
    helper: bench::Helper,
    inbox: String,
    _keys: tempfile::NamedTempFile,
}

impl CrateInbox {
    fn start(keys: &HashMap<String, String>) -> CrateInbox {
        let file = tempfile::NamedTempFile::new().expect("a temp file");
        std::fs::write(file.path(), serde_json::to_vec(keys).expect("json")).expect("writing keys");
        let (helper, port) = bench::Helper::start(&[
            std::ffi::OsStr::new("--crate-inbox"),
            file.path().as_os_str(),
        ]);
        CrateInbox {
            helper,
            inbox: format!("http://localhost:{port}/inbox"),
            _keys: file,
        }
    }
}

/// The child's side: serves the crate's inbox and prints its port.
fn serve_crate_inbox(keys: &str) {
    let keys: HashMap<String, String> =
        serde_json::from_slice(&std::fs::read(keys).expect("the keys file")).expect("keys");
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        println!("{}", listener.local_addr().expect("its address").port());
        crate_side::serve_inbox(listener, Keys(Arc::new(keys))).await;
    });
}
