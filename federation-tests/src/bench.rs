//! What the benchmarks share: the builds compared, servers filled by the
//! bulk generator, and the arithmetic of the tables they print.

use crate::{Backend, Instance, bulk};
use std::{
    path::{Path, PathBuf},
    time::{Duration, Instant},
};

/// The builds a bench compares: this one, and `--baseline PATH` if given.
pub fn builds(this: PathBuf, baseline: Option<PathBuf>) -> Vec<(&'static str, PathBuf)> {
    let mut builds = vec![("", this)];
    if let Some(baseline) = baseline {
        builds.push((" (baseline)", baseline));
    }
    builds
}

/// Both databases, with the names the tables show.
pub const DATABASES: [(&str, Backend); 2] = [
    ("SQLite", Backend::Sqlite),
    ("PostgreSQL", Backend::Postgres),
];

/// Settings every bench server runs with: no rate limits (a bench sends
/// many requests from one address with few tokens) and the map measured at
/// start, as a live server does (the test harness turns that off).
pub const SETTINGS: [(&str, &str); 3] = [
    ("TRELLIS_RATE_LIMIT_REQUESTS", "0"),
    ("TRELLIS_RATE_LIMIT_ADDRESS_REQUESTS", "0"),
    ("TRELLIS_WARM_NETWORK_MAP", "true"),
];

/// Starts `bin` on `backend` (which migrates an empty database), stops it,
/// fills the database with the bulk generator and starts it again on the
/// full database, as after a restart.
pub async fn start_generated(
    name: &str,
    backend: Backend,
    bin: &Path,
    spec: bulk::Spec,
    settings: &[(&str, &str)],
) -> Instance {
    let mut instance = Instance::start_binary("bench", backend, settings, bin).await;
    let started = Instant::now();
    instance.stop().await;
    let url = instance.database_url().to_string();
    let base_url = format!("http://{}", instance.domain());
    let written = tokio::task::spawn_blocking(move || bulk::generate(&url, &base_url, spec))
        .await
        .expect("the generator");
    println!(
        "  {name}: {written} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    instance.restart().await;
    instance
}

/// The value below which a share `p` of `sorted` lies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

/// A duration as the tables show it.
pub fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// A resident size in KiB as the tables show it.
pub fn mebibytes(kib: Option<u64>) -> String {
    kib.map_or("?".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0))
}

/// The command line of a bench: numbers in order, and `--name value`
/// options.
pub struct Args {
    /// The arguments that are not options, in order.
    pub numbers: Vec<String>,
    options: Vec<(String, String)>,
}

impl Args {
    /// Reads the process's arguments; `usage` is shown for a bad one.
    pub fn read(usage: &str) -> Args {
        let mut numbers = Vec::new();
        let mut options = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            if let Some(name) = arg.strip_prefix("--") {
                let value = args
                    .next()
                    .unwrap_or_else(|| panic!("--{name} needs a value; usage: {usage}"));
                options.push((name.to_string(), value));
            } else {
                numbers.push(arg);
            }
        }
        Args { numbers, options }
    }

    /// The `index`th number, or `default`.
    pub fn number<T: std::str::FromStr>(&self, index: usize, default: T) -> T {
        self.numbers.get(index).map_or(default, |n| {
            n.parse()
                .unwrap_or_else(|_| panic!("{n:?} is not a number"))
        })
    }

    /// The value of `--name`, if given.
    pub fn option(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `--name` as a number, or `default`.
    pub fn option_number<T: std::str::FromStr>(&self, name: &str, default: T) -> T {
        self.option(name).map_or(default, |n| {
            n.parse()
                .unwrap_or_else(|_| panic!("--{name} {n:?} is not a number"))
        })
    }

    /// `--baseline PATH`: another `trellis` binary to run side by side.
    pub fn baseline(&self) -> Option<PathBuf> {
        self.option("baseline").map(PathBuf::from)
    }
}

/// The CPU time process `pid` has used, user and system, as Linux reports
/// it in `/proc/PID/stat`; None elsewhere or when it is gone.
pub fn cpu_time_of(pid: u32) -> Option<Duration> {
    cpu_time_in(&format!("/proc/{pid}/stat"))
}

/// The CPU time this process has used so far.
pub fn own_cpu_time() -> Option<Duration> {
    cpu_time_in("/proc/self/stat")
}

fn cpu_time_in(path: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(path).ok()?;
    // The command name is in parentheses and may hold spaces: the fields
    // are counted after it, from the state (field 3); utime and stime are
    // fields 14 and 15.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf only reads a constant of the system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (per_second > 0).then(|| Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// Fires `requests` at concurrency `clients` through one HTTP client, each
/// a POST of its body with its headers, and returns each one's status and
/// time, in the order sent, and the time they all took.
pub async fn fire(
    requests: std::sync::Arc<Vec<SignedPost>>,
    clients: usize,
) -> (Vec<(u16, Duration)>, Duration) {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()
        .expect("an HTTP client");
    let next = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (http, next, requests) = (http.clone(), next.clone(), requests.clone());
            tokio::spawn(async move {
                let mut answers = Vec::new();
                loop {
                    let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(post) = requests.get(index) else {
                        return answers;
                    };
                    let sent = Instant::now();
                    let mut request = http
                        .post(&post.url)
                        .header("content-type", "application/activity+json")
                        .body(post.body.clone());
                    for (name, value) in &post.headers {
                        request = request.header(name.as_str(), value.as_str());
                    }
                    let status = match request.send().await {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            let _ = response.bytes().await;
                            status
                        }
                        Err(_) => 0,
                    };
                    answers.push((index, status, sent.elapsed()));
                }
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(requests.len());
    for worker in workers {
        answers.extend(worker.await.expect("a client task"));
    }
    let took = started.elapsed();
    answers.sort_by_key(|(index, _, _)| *index);
    (
        answers
            .into_iter()
            .map(|(_, status, time)| (status, time))
            .collect(),
        took,
    )
}

/// A request made ready in advance: where it goes, its body, and the
/// headers that sign it.
#[derive(Clone)]
pub struct SignedPost {
    pub url: String,
    pub body: bytes::Bytes,
    pub headers: Vec<(String, String)>,
}

/// The running bench program started again as a helper process (its
/// arguments pick which part it plays), so that the helper's CPU time is
/// its own; killed when dropped.
pub struct Helper {
    child: std::process::Child,
}

impl Helper {
    /// Starts the helper and returns it with the first line it printed
    /// (where it listens).
    pub fn start<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (Helper, String) {
        use std::io::BufRead;
        let mut child = std::process::Command::new(std::env::current_exe().expect("this program"))
            .args(args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("starting a helper process");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("its output"))
            .read_line(&mut line)
            .expect("its first line");
        (Helper { child }, line.trim().to_string())
    }

    /// The CPU time the helper has used so far.
    pub fn cpu_time(&self) -> Option<Duration> {
        cpu_time_of(self.child.id())
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
