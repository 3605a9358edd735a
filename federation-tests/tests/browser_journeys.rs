//! Trellis's own web pages, used the way members use them: in Debian's
//! Chromium, driven by playwright-core from the scripts in
//! `federation-tests/browser/`, against real `trellis serve` processes.
//!
//! This file owns what the browser should not do: starting the instances,
//! making the accounts an operator would make with the command line, and
//! the setup steps a script asks for on its stdout (`setup STEP JSON`, such
//! as a member of another server following someone), which run here
//! through the HTTP API. The scripts print each step, screenshot the pages
//! into `target/browser-screenshots/<backend>/`, and end with
//! "<name> journey: ok".

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use federation_tests::{Backend, Instance, PASSWORD, backend_tests, clients};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// Longer than the journeys' own waits add up to, so a hung browser fails
/// the test instead of stalling it.
const JOURNEY_TIMEOUT: Duration = Duration::from_secs(150);

backend_tests!(members_use_the_web_pages, members_use_the_web_pages);
backend_tests!(pages_work_without_javascript, pages_work_without_javascript);

/// The whole journey with JavaScript on (see `browser/web_journey.mjs`):
/// the town takes sign-ups at once, the county only after an admin approves.
async fn members_use_the_web_pages(backend: Backend) {
    let town = Instance::start_with("town", backend, &[("TRELLIS_REGISTRATIONS", "open")]).await;
    let county =
        Instance::start_with("county", backend, &[("TRELLIS_REGISTRATIONS", "approval")]).await;
    town.create_admin("townhall").await;
    county.create_admin("shirehall").await;
    let bob = county.create_user("bob").await;
    let (_, said) = town
        .cli(&[
            "community",
            "create",
            "growers",
            "--moderator",
            "townhall",
            "--display-name",
            "Town growers",
            "--summary",
            "Allotments, orchards and shared tools",
        ])
        .await;
    assert!(said.contains("created community growers"), "{said}");

    let stdout = run_journey(
        "web_journey.mjs",
        backend,
        &[
            ("TOWN_URL", page_url(&town)),
            ("COUNTY_URL", page_url(&county)),
            ("PASSWORD", PASSWORD.into()),
            ("TOWN_ADMIN", "townhall".into()),
            ("COUNTY_ADMIN", "shirehall".into()),
            ("BOB", bob.username.clone()),
            ("COMMUNITY", "growers".into()),
        ],
        async |step: &str, args: &Value| match step {
            // Bob follows someone on the town, so their posts reach him.
            "follow" => {
                let acct = args["acct"].as_str().expect("follow names an acct");
                let id = county.follow(&bob, acct).await;
                json!({ "id": id })
            }
            other => panic!("the journey asked for an unknown setup step {other:?}"),
        },
    )
    .await;
    assert!(stdout.contains("web journey: ok"), "{stdout}");
}

/// Logging in and posting work as plain HTML forms, with scripts off (see
/// `browser/no_js_journey.mjs`).
async fn pages_work_without_javascript(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let carol = town.create_user("carol").await;
    let stdout = run_journey(
        "no_js_journey.mjs",
        backend,
        &[
            ("TOWN_URL", page_url(&town)),
            ("MEMBER", carol.username.clone()),
            ("PASSWORD", PASSWORD.into()),
        ],
        async |step: &str, _: &Value| -> Value {
            panic!("the no-JS journey asked for a setup step {step:?}")
        },
    )
    .await;
    assert!(stdout.contains("no-js journey: ok"), "{stdout}");
}

/// Where the browser goes: the instance under its own name
/// (`localhost:PORT`, which Chromium resolves to loopback), so that links
/// and cookies the server makes for its domain are the ones the browser
/// follows and sends.
fn page_url(instance: &Instance) -> String {
    format!("http://{}", instance.domain())
}

fn screenshot_dir(backend: Backend) -> PathBuf {
    let backend = format!("{backend:?}").to_lowercase();
    clients::target_dir()
        .join("browser-screenshots")
        .join(backend)
}

/// Runs a journey script with Node (from the client Node project, which has
/// playwright-core) and Chromium, answering its setup requests with `setup`,
/// and returns its stdout. Panics with both of its streams if it fails or
/// outlives [`JOURNEY_TIMEOUT`].
async fn run_journey(
    script: &str,
    backend: Backend,
    env: &[(&str, String)],
    mut setup: impl AsyncFnMut(&str, &Value) -> Value,
) -> String {
    let mut child = Command::new(clients::node())
        .arg(clients::browser_script(script))
        .env("CHROMIUM", clients::chromium())
        .env("SCREENSHOT_DIR", screenshot_dir(backend))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    let mut stdin = child.stdin.take().expect("piped stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });

    let mut stdout = String::new();
    let talk = async {
        while let Some(line) = lines
            .next_line()
            .await
            .expect("reading the journey's stdout")
        {
            stdout.push_str(&line);
            stdout.push('\n');
            if let Some(request) = line.strip_prefix("setup ") {
                let (step, args) = request.split_once(' ').unwrap_or((request, "null"));
                let args: Value = serde_json::from_str(args)
                    .unwrap_or_else(|e| panic!("setup {step}: bad JSON {args:?}: {e}"));
                let answer = setup(step, &args).await;
                // A script that has already failed may be gone; its exit
                // status says so below.
                let _ = stdin.write_all(format!("{answer}\n").as_bytes()).await;
            }
        }
        child.wait().await.expect("waiting for the journey")
    };
    let status = tokio::time::timeout(JOURNEY_TIMEOUT, talk).await;
    let stderr = match status {
        Ok(_) => stderr.await.unwrap_or_default(),
        Err(_) => String::new(),
    };
    match status {
        Ok(status) if status.success() => {
            println!("{stdout}");
            stdout
        }
        Ok(status) => panic!("{script} failed ({status}):\n{stdout}\n{stderr}"),
        Err(_) => panic!("{script} ran longer than {JOURNEY_TIMEOUT:?}:\n{stdout}"),
    }
}
