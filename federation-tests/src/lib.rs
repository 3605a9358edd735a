//! Harness for federation scenarios. It starts real `trellis serve` processes,
//! each on a free loopback port with its own database and log, and talks to
//! them over HTTP as a client or a remote server would. A scenario is an
//! `async fn(Backend)`; [`backend_tests!`] turns it into one test per
//! database, so every scenario runs on SQLite and on PostgreSQL.

pub mod bench;
pub mod bulk;
pub mod clients;
pub mod crate_side;
pub mod interop;
pub mod peer;
pub mod script_peer;
pub mod streams;
pub mod web;

use std::fs::OpenOptions;
use std::future::Future;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use reqwest::{Method, RequestBuilder, StatusCode, Url};
use serde_json::Value;
use tempfile::TempDir;
use tokio::process::{Child, Command};
use tokio::time::{Instant, sleep, timeout};

/// Password of every user [`Instance::create_user`] makes, for tests that log in.
pub const PASSWORD: &str = "correct horse battery staple";

/// A 2×2 PNG.
pub const TINY_PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x02, 0x00, 0x00, 0x00, 0xfd, 0xd4, 0x9a,
    0x73, 0x00, 0x00, 0x00, 0x10, 0x49, 0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x38, 0x11, 0xa0, 0x01,
    0x44, 0x0c, 0x10, 0x0a, 0x00, 0x25, 0x8e, 0x05, 0x01, 0x41, 0x32, 0xde, 0x47, 0x00, 0x00, 0x00,
    0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(100);
const LOG_TAIL_LINES: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backends to test on: SQLite always, PostgreSQL when a server answers
/// at `TRELLIS_TEST_POSTGRES_URL`. Under `CI=true` an unreachable PostgreSQL
/// panics, because a backend that silently goes untested is how
/// backend-specific bugs ship.
pub fn backends() -> Vec<Backend> {
    if postgres_reachable() {
        vec![Backend::Sqlite, Backend::Postgres]
    } else {
        println!(
            "skipping PostgreSQL: none reachable at {} (set TRELLIS_TEST_POSTGRES_URL)",
            postgres_url()
        );
        vec![Backend::Sqlite]
    }
}

/// Defines a module `$name` with the tests `sqlite` and `postgres`, each
/// running `$scenario(backend)`, so test output (`follow::postgres`) names
/// the database that failed. `$scenario` is an `async fn(Backend)` in the
/// calling module.
#[macro_export]
macro_rules! backend_tests {
    ($name:ident, $scenario:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$scenario($crate::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                if $crate::backends().contains(&$crate::Backend::Postgres) {
                    super::$scenario($crate::Backend::Postgres).await;
                }
            }
        }
    };
}

/// Polls `check` until it returns `Some`, for effects that arrive on their
/// own time (deliveries, retries). Panics naming `what` after `timeout`, so
/// a lost activity fails the test instead of hanging it.
pub async fn wait_until<T, F, Fut>(what: &str, timeout: Duration, check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    poll_until(what, timeout, POLL_INTERVAL, check).await
}

/// [`wait_until`], checking every `interval`.
async fn poll_until<T, F, Fut>(what: &str, timeout: Duration, interval: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        sleep(interval).await;
    }
}

/// A user made through the admin CLI, with what tests need to act as them.
#[derive(Clone, Debug)]
pub struct User {
    pub username: String,
    /// Bearer token with the scopes `read write follow`.
    pub token: String,
    /// How other instances address this user: `username@localhost:PORT`.
    pub acct: String,
}

/// An HTTP answer reduced to what tests assert on. A body that is not JSON
/// is kept as a JSON string and an empty one becomes `null`, so an error
/// page still shows up in a failed assertion.
#[derive(Debug)]
pub struct Response {
    pub status: StatusCode,
    pub body: Value,
}

/// One running `trellis serve`. Dropping it kills the server and removes its
/// database; if the test is panicking, the log is printed and kept on disk.
pub struct Instance {
    name: String,
    port: u16,
    dir: TempDir,
    database_url: String,
    /// The `trellis` binary this instance runs.
    bin: PathBuf,
    child: Option<Child>,
    /// Settings that override the test defaults for every command.
    settings: Vec<(String, String)>,
    /// Held only so the database is dropped with the instance.
    _postgres: Option<PostgresDatabase>,
    http: reqwest::Client,
}

impl Instance {
    /// Starts a server named `name` (used in its temp dir and in messages)
    /// and returns once `/health` answers 200.
    pub async fn start(name: &str, backend: Backend) -> Instance {
        Instance::start_with(name, backend, &[]).await
    }

    /// Like [`Instance::start`], with extra `TRELLIS_*` settings that
    /// override the test defaults (e.g. dev mode off).
    pub async fn start_with(name: &str, backend: Backend, settings: &[(&str, &str)]) -> Instance {
        Instance::start_binary(name, backend, settings, trellis_bin()).await
    }

    /// Like [`Instance::start_with`], running the `trellis` at `bin` (the
    /// benchmark compares two builds this way).
    pub async fn start_binary(
        name: &str,
        backend: Backend,
        settings: &[(&str, &str)],
        bin: &Path,
    ) -> Instance {
        let dir = tempfile::Builder::new()
            .prefix(&format!("trellis-{name}-"))
            .tempdir()
            .expect("cannot create a temp dir");
        let postgres = (backend == Backend::Postgres).then(PostgresDatabase::create);
        let database_url = match &postgres {
            Some(database) => database.url.clone(),
            None => format!("sqlite://{}", dir.path().join("trellis.db").display()),
        };
        let mut instance = Instance {
            name: name.to_owned(),
            port: free_port(),
            dir,
            database_url,
            bin: bin.to_path_buf(),
            child: None,
            settings: settings
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            _postgres: postgres,
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("cannot build an HTTP client"),
        };
        instance.spawn().await;
        instance
    }

    /// A second `trellis serve` process of the same instance: same
    /// database and domain, its own port and log, as an admin runs several
    /// processes behind one proxy. Only PostgreSQL allows this.
    pub async fn another_process(&self, name: &str) -> Instance {
        let dir = tempfile::Builder::new()
            .prefix(&format!("trellis-{name}-"))
            .tempdir()
            .expect("cannot create a temp dir");
        let mut settings = self.settings.clone();
        settings.push(("TRELLIS_DOMAIN".into(), self.domain()));
        let mut process = Instance {
            name: name.to_owned(),
            port: free_port(),
            dir,
            database_url: self.database_url.clone(),
            bin: self.bin.clone(),
            child: None,
            settings,
            // The first process owns the database and drops it.
            _postgres: None,
            http: self.http.clone(),
        };
        process.spawn().await;
        process
    }

    /// Where the instance keeps its data: an `sqlite://` file or a
    /// `postgres://` database of its own.
    pub fn database_url(&self) -> &str {
        &self.database_url
    }

    /// `http://127.0.0.1:PORT`: where tests connect.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// `localhost:PORT`: the instance's own name for itself, in ids and accts.
    pub fn domain(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// Everything the server has logged, across restarts.
    pub fn logs(&self) -> String {
        String::from_utf8_lossy(&std::fs::read(self.log_path()).unwrap_or_default()).into_owned()
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub async fn kill(&mut self) {
        let mut child = self.take_child();
        child.kill().await.expect("cannot kill trellis");
    }

    /// Stops the server with SIGTERM, as an operator would, and kills it if
    /// it has not exited after ten seconds. Returns how it exited: None if
    /// it had to be killed.
    pub async fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.take_child();
        let pid = child.id().expect("a running child has a pid");
        // SAFETY: kill(2) only sends a signal, and `pid` is our own child,
        // not yet reaped, so it cannot name another process.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
        match timeout(STOP_TIMEOUT, child.wait()).await {
            Ok(status) => Some(status.expect("cannot wait for trellis")),
            Err(_) => {
                child.kill().await.expect("cannot kill trellis");
                None
            }
        }
    }

    /// Starts the server again on the same port, database and log, stopping
    /// it first if it is still running.
    pub async fn restart(&mut self) {
        if self.child.is_some() {
            self.stop().await;
        }
        self.spawn().await;
    }

    /// Runs `trellis admin ARGS` against this instance's database and
    /// returns its stdout; panics with its stderr if it fails.
    pub async fn admin(&self, args: &[&str]) -> String {
        let (stdout, _) = self.cli(&[&["admin"], args].concat()).await;
        stdout
    }

    /// Runs `trellis ARGS` with this instance's settings; panics with its
    /// stderr if it fails, else returns (stdout, stderr).
    pub async fn cli(&self, args: &[&str]) -> (String, String) {
        let output = self
            .command()
            .args(args)
            .output()
            .await
            .expect("cannot run trellis");
        assert!(
            output.status.success(),
            "`trellis {}` on {} failed ({}):\n{}",
            args.join(" "),
            self.name,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        (
            String::from_utf8(output.stdout).expect("trellis printed non-UTF-8"),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Runs `trellis ARGS` with this instance's settings and returns what it
    /// did, success or not.
    pub async fn command_output(&self, args: &[&str]) -> std::process::Output {
        self.command()
            .args(args)
            .output()
            .await
            .expect("cannot run trellis")
    }

    /// Creates `username` (email `USERNAME@example.test`, password
    /// [`PASSWORD`]) and a token for it.
    pub async fn create_user(&self, username: &str) -> User {
        self.create_login(username, false).await
    }

    async fn create_login(&self, username: &str, admin: bool) -> User {
        let email = format!("{username}@example.test");
        let mut args = vec![
            "create-user",
            username,
            "--email",
            &email,
            "--password",
            PASSWORD,
        ];
        if admin {
            args.push("--admin");
        }
        self.admin(&args).await;
        let token = self
            .admin(&["token", username, "--scopes", "read write follow"])
            .await;
        User {
            username: username.to_owned(),
            token: token.trim().to_owned(),
            acct: format!("{username}@{}", self.domain()),
        }
    }

    /// Like [`Instance::create_user`], with admin rights.
    pub async fn create_admin(&self, username: &str) -> User {
        self.create_login(username, true).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        send(self.request(Method::GET, path, token)).await
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        send(self.request(Method::POST, path, token).json(body)).await
    }

    pub async fn post_form(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> Response {
        send(self.request(Method::POST, path, token).form(form)).await
    }

    pub async fn patch_form(
        &self,
        path: &str,
        token: Option<&str>,
        form: &[(&str, &str)],
    ) -> Response {
        send(self.request(Method::PATCH, path, token).form(form)).await
    }

    pub async fn patch_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        send(self.request(Method::PATCH, path, token).json(body)).await
    }

    /// Sends a multipart form (an upload) with `method`.
    pub async fn send_multipart(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        form: reqwest::multipart::Form,
    ) -> Response {
        send(self.request(method, path, token).multipart(form)).await
    }

    pub async fn put_json(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        send(self.request(Method::PUT, path, token).json(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Response {
        send(self.request(Method::DELETE, path, token)).await
    }

    fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let request = self
            .http
            .request(method, format!("{}{path}", self.base_url()));
        match token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// `trellis` with this instance's settings; every subcommand takes the same.
    fn command(&self) -> Command {
        let log_filter = std::env::var("RUST_LOG").unwrap_or_else(|_| "info,trellis=debug".into());
        let mut command = Command::new(&self.bin);
        command
            .env("TRELLIS_DOMAIN", self.domain())
            .env("TRELLIS_BIND", format!("127.0.0.1:{}", self.port))
            .env("TRELLIS_DATABASE_URL", &self.database_url)
            .env("TRELLIS_MEDIA_DIR", self.dir.path().join("media"))
            .env("TRELLIS_FEDERATION_DEV_MODE", "true")
            .env("TRELLIS_DELIVERY_RETRY_BASE_SECONDS", "1")
            // What a test writes right after the start shows on the map at
            // once, rather than the measurement taken as the server started.
            .env("TRELLIS_WARM_NETWORK_MAP", "false")
            .env("RUST_LOG", log_filter)
            .envs(self.settings.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null());
        command
    }

    async fn spawn(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("cannot open the log file");
        let child = self
            .command()
            .arg("serve")
            .stdout(log.try_clone().expect("cannot clone the log file handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.bin.display()));
        let health = format!("{}/health", self.base_url());
        let what = format!("{} to answer /health", self.name);
        let http = &self.http;
        let child = self.child.insert(child);
        tokio::select! {
            status = child.wait() => {
                let status = status.expect("cannot wait for trellis");
                panic!("{} exited during startup ({status}); its log is printed below", self.name)
            }
            // Often, so that the footprint bench can time a cold start.
            () = poll_until(&what, STARTUP_TIMEOUT, Duration::from_millis(5), || async {
                let response = http.get(&health).timeout(Duration::from_secs(1)).send().await;
                response.is_ok_and(|r| r.status() == StatusCode::OK).then_some(())
            }) => {}
        }
    }

    /// The resident memory of the running server, in KiB, as Linux
    /// reports it (`VmRSS`); None elsewhere or when it is not running.
    pub fn resident_kib(&self) -> Option<u64> {
        let pid = self.child.as_ref()?.id()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
    }

    /// The CPU time the running server has used so far, user and system.
    pub fn cpu_time(&self) -> Option<Duration> {
        bench::cpu_time_of(self.child.as_ref()?.id()?)
    }

    fn take_child(&mut self) -> Child {
        self.child
            .take()
            .unwrap_or_else(|| panic!("{} is not running", self.name))
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("trellis.log")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.start_kill();
        }
        if std::thread::panicking() {
            self.dir.disable_cleanup(true);
            let logs = self.logs();
            let lines: Vec<&str> = logs.lines().collect();
            let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
            println!(
                "--- log of {} kept at {}; last {} lines:\n{}",
                self.name,
                self.log_path().display(),
                tail.len(),
                tail.join("\n")
            );
        }
    }
}

async fn send(request: RequestBuilder) -> Response {
    let response = request.send().await.expect("HTTP request failed");
    let status = response.status();
    let text = response
        .text()
        .await
        .expect("cannot read the response body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Response { status, body }
}

/// Asks the kernel for a free port. The listener is closed so the server can
/// bind it; another process could take the port in between, a small race
/// taken over fixed ports that collide between parallel tests.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("cannot find a free port")
        .port()
}

/// `trellis` with none of an instance's settings and its input closed,
/// for tests of the command line itself.
pub fn trellis() -> Command {
    let mut command = Command::new(trellis_bin());
    command.stdin(Stdio::null());
    command
}

/// The `trellis` binary: `TRELLIS_BIN` if set, else built once per test
/// process, so scenarios never run against a stale server. Cargo makes the
/// build a quick no-op when nothing changed.
pub fn trellis_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(bin) = std::env::var_os("TRELLIS_BIN") {
            return bin.into();
        }
        build_trellis(false)
    })
}

/// Builds the `trellis` binary (the release build when `release`) and
/// returns its path.
pub fn build_trellis(release: bool) -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("federation-tests lives in the workspace");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut args = vec!["build", "--quiet", "-p", "trellis", "--bin", "trellis"];
    if release {
        args.push("--release");
    }
    let status = std::process::Command::new(cargo)
        .args(&args)
        .current_dir(workspace)
        .status()
        .expect("cannot run cargo");
    assert!(status.success(), "`cargo build -p trellis` failed");
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| workspace.join("target"), |dir| workspace.join(dir));
    target
        .join(if release { "release" } else { "debug" })
        .join("trellis")
}

fn postgres_url() -> String {
    std::env::var("TRELLIS_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into())
}

fn postgres_reachable() -> bool {
    static REACHABLE: OnceLock<bool> = OnceLock::new();
    *REACHABLE.get_or_init(|| match PgConnection::establish(&postgres_url()) {
        Ok(_) => true,
        Err(e) if std::env::var("CI").as_deref() == Ok("true") => panic!(
            "CI=true but PostgreSQL at {} is unreachable: {e}",
            postgres_url()
        ),
        Err(_) => false,
    })
}

/// A fresh database per instance, so parallel tests never see each other's
/// rows; dropped, with any connections left, when the instance goes.
struct PostgresDatabase {
    name: String,
    url: String,
}

impl PostgresDatabase {
    fn create() -> PostgresDatabase {
        let name = format!("trellis_test_{:016x}", rand::random::<u64>());
        execute_on_postgres(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
        let mut url = Url::parse(&postgres_url()).expect("TRELLIS_TEST_POSTGRES_URL is not a URL");
        url.set_path(&name);
        PostgresDatabase {
            name,
            url: url.into(),
        }
    }
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        // Printed, not panicked: this may run while a failing test unwinds.
        let drop = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        if let Err(e) = execute_on_postgres(&drop) {
            println!("cannot drop test database {}: {e}", self.name);
        }
    }
}

fn execute_on_postgres(sql: &str) -> Result<(), Box<dyn std::error::Error>> {
    let mut connection = PgConnection::establish(&postgres_url())?;
    diesel::sql_query(sql).execute(&mut connection)?;
    Ok(())
}

/// Mastodon-API steps that scenarios repeat, written once.
impl Instance {
    /// Looks `acct` up as `user` would, fetching it from its server if needed,
    /// and returns the local account id.
    pub async fn resolve_account(&self, user: &User, acct: &str) -> String {
        let path = format!("/api/v2/search?q={acct}&resolve=true&type=accounts");
        let response = self.get(&path, Some(&user.token)).await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "search {acct}: {}",
            response.body
        );
        let found = &response.body["accounts"][0];
        assert_eq!(found["acct"], acct, "search {acct}: {}", response.body);
        found["id"].as_str().expect("account id").to_string()
    }

    /// Follows `acct` and waits until the follow is accepted.
    pub async fn follow(&self, user: &User, acct: &str) -> String {
        let id = self.resolve_account(user, acct).await;
        let response = self
            .post_json(
                &format!("/api/v1/accounts/{id}/follow"),
                Some(&user.token),
                &Value::Null,
            )
            .await;
        assert_eq!(
            response.status,
            StatusCode::OK,
            "follow {acct}: {}",
            response.body
        );
        let path = format!("/api/v1/accounts/relationships?id[]={id}");
        wait_until(
            &format!("{} follows {acct}", user.username),
            Duration::from_secs(20),
            || async {
                let response = self.get(&path, Some(&user.token)).await;
                (response.body[0]["following"] == true).then_some(())
            },
        )
        .await;
        id
    }

    /// Posts a status and returns it as the API answered.
    pub async fn post_status(&self, user: &User, body: &Value) -> Value {
        let response = self
            .post_json("/api/v1/statuses", Some(&user.token), body)
            .await;
        assert_eq!(response.status, StatusCode::OK, "post: {}", response.body);
        response.body
    }

    /// Posts a status and returns the answer whatever its status code.
    pub async fn post_status_raw(&self, token: &str, body: &Value) -> Response {
        self.post_json("/api/v1/statuses", Some(token), body).await
    }

    pub async fn home_timeline(&self, user: &User) -> Vec<Value> {
        let response = self
            .get("/api/v1/timelines/home?limit=40", Some(&user.token))
            .await;
        assert_eq!(response.status, StatusCode::OK, "home: {}", response.body);
        response.body.as_array().cloned().unwrap_or_default()
    }

    /// Waits until `user`'s home timeline holds a status with ActivityPub id
    /// `uri`, and returns it.
    pub async fn wait_for_home_status(&self, user: &User, uri: &str) -> Value {
        wait_until(
            &format!("{uri} in {}'s home timeline", user.username),
            Duration::from_secs(30),
            || async {
                self.home_timeline(user)
                    .await
                    .into_iter()
                    .find(|s| s["uri"] == uri)
            },
        )
        .await
    }
}

/// One host's line of `trellis admin queue`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct QueueLine {
    pub pending: u64,
    pub retrying: u64,
    pub failed: u64,
}

impl Instance {
    /// This instance's delivery queue towards `host`, as `trellis admin
    /// queue` reports it (all zero when the host has no line).
    pub async fn queue_towards(&self, host: &str) -> QueueLine {
        let report = self.admin(&["queue"]).await;
        report
            .lines()
            .find_map(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                (fields.first() == Some(&host)).then(|| QueueLine {
                    pending: fields[1].parse().expect("pending count"),
                    retrying: fields[2].parse().expect("retrying count"),
                    failed: fields[3].parse().expect("failed count"),
                })
            })
            .unwrap_or_default()
    }
}
