//! Real Mastodon clients drive two instances end to end.

use std::path::Path;
use std::time::Duration;

use federation_tests::{Backend, Instance, PASSWORD, User, backend_tests, clients, wait_until};
use tempfile::TempDir;
use tokio::process::Command;

/// Longer than any journey's own waits, so a hung client fails the test
/// instead of stalling it.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(120);

backend_tests!(
    mastodon_py_follows_posts_and_replies,
    mastodon_py_follows_posts_and_replies
);
backend_tests!(
    toot_follows_posts_and_replies,
    toot_follows_posts_and_replies
);
backend_tests!(
    masto_js_follows_posts_and_favourites,
    masto_js_follows_posts_and_favourites
);
backend_tests!(
    megalodon_logs_in_on_the_page_and_interacts,
    megalodon_logs_in_on_the_page_and_interacts
);

async fn mastodon_py_follows_posts_and_replies(backend: Backend) {
    let script = clients::script("mastodon_py_journey.py");
    let stdout = run_journey_script(backend, clients::python(), &script).await;
    assert!(stdout.contains("mastodon.py journey: ok"), "{stdout}");
}

async fn masto_js_follows_posts_and_favourites(backend: Backend) {
    let script = clients::script("masto_journey.mjs");
    let stdout = run_journey_script(backend, clients::node(), &script).await;
    assert!(stdout.contains("masto journey: ok"), "{stdout}");
}

async fn megalodon_logs_in_on_the_page_and_interacts(backend: Backend) {
    let script = clients::script("megalodon_journey.mjs");
    let stdout = run_journey_script(backend, clients::node(), &script).await;
    assert!(stdout.contains("megalodon journey: ok"), "{stdout}");
}

/// The toot CLI as its users type it, each with their own config directory.
async fn toot_follows_posts_and_replies(backend: Backend) {
    let (town, alice, county, bob) = town_and_county(backend).await;
    let alice_toot = Toot::log_in(&town, &alice).await;
    let bob_toot = Toot::log_in(&county, &bob).await;

    let followed = bob_toot.run(&["follow", &alice.acct]).await;
    assert!(
        followed.contains(&format!("You are now following {}", alice.acct)),
        "{followed}"
    );
    // A post made before the follow is accepted would never reach Bob.
    bob_toot
        .wait_for(&["following"], &format!("@{}", alice.acct))
        .await;

    let text = "Posted from toot: the seed swap is on Sunday";
    let post_id = alice_toot.post(&[text]).await;
    let home = ["timelines", "home", "--no-pager", "--no-clear"];
    let seen = bob_toot.wait_for(&home, text).await;
    assert!(seen.contains(&format!("@{}", alice.acct)), "{seen}");

    let reply = format!("@{} I'll bring bean seeds", alice.acct);
    bob_toot
        .post(&["--reply-to", shown_id(&seen), &reply])
        .await;
    let thread = ["thread", post_id.as_str()];
    let shown_reply = alice_toot.wait_for(&thread, "I'll bring bean seeds").await;
    assert!(
        shown_reply.contains(&format!("@{}", bob.acct)),
        "{shown_reply}"
    );
    assert!(
        shown_reply.contains(&format!("In reply to {post_id}")),
        "{shown_reply}"
    );
    let status = town
        .get(&format!("/api/v1/statuses/{post_id}"), Some(&alice.token))
        .await;
    assert_eq!(status.body["replies_count"], 1, "{}", status.body);
}

/// One toot user: their own config (and cache) directory, as on their own
/// machine.
struct Toot {
    home: TempDir,
}

impl Toot {
    async fn log_in(instance: &Instance, user: &User) -> Toot {
        let toot = Toot {
            home: tempfile::Builder::new()
                .prefix(&format!("toot-{}-", user.username))
                .tempdir()
                .expect("cannot create a temp dir"),
        };
        let (url, email) = (instance.base_url(), email(user));
        let output = toot
            .run(&["login_cli", "-i", &url, "-e", &email, "-p", PASSWORD])
            .await;
        assert!(output.contains("Successfully logged in"), "{output}");
        toot
    }

    async fn run(&self, args: &[&str]) -> String {
        run_client(
            Command::new(clients::toot())
                .env("XDG_CONFIG_HOME", self.home.path())
                .env("XDG_CACHE_HOME", self.home.path())
                .args(args),
        )
        .await
    }

    /// `toot post ARGS`; returns the new status's id, the end of the URL
    /// toot prints.
    async fn post(&self, args: &[&str]) -> String {
        let output = self.run(&[&["post"], args].concat()).await;
        let url = output
            .trim()
            .strip_prefix("Toot posted: ")
            .unwrap_or_else(|| panic!("`toot post` printed {output:?}"));
        url.rsplit('/').next().unwrap_or_default().to_owned()
    }

    /// Runs `toot ARGS` until it shows `text`, and returns the entry that
    /// shows it: toot prints each status between rules of `─`, and a
    /// listing without rules is one entry.
    async fn wait_for(&self, args: &[&str], text: &str) -> String {
        let what = format!("`toot {}` to show {text:?}", args.join(" "));
        wait_until(&what, Duration::from_secs(30), || async {
            let output = self.run(args).await;
            output
                .split('─')
                .find(|entry| entry.contains(text))
                .map(str::to_owned)
        })
        .await
    }
}

/// The status id toot prints in an entry, on a line like
/// `ID 1234  Visibility: public`.
fn shown_id(entry: &str) -> &str {
    entry
        .lines()
        .find_map(|line| line.strip_prefix("ID "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no status id in {entry}"))
}

/// Runs a journey script that takes `TOWN_URL TOWN_EMAIL COUNTY_URL
/// COUNTY_EMAIL PASSWORD` against two fresh instances, and returns its stdout.
async fn run_journey_script(backend: Backend, interpreter: &Path, script: &Path) -> String {
    let (town, alice, county, bob) = town_and_county(backend).await;
    run_client(
        Command::new(interpreter)
            .arg(script)
            .args([town.base_url(), email(&alice)])
            .args([county.base_url(), email(&bob)])
            .arg(PASSWORD),
    )
    .await
}

/// Alice on town and Bob on county.
async fn town_and_county(backend: Backend) -> (Instance, User, Instance, User) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    (town, alice, county, bob)
}

/// What a user logs in with (see [`Instance::create_user`]).
fn email(user: &User) -> String {
    format!("{}@example.test", user.username)
}

/// Runs a client program to its end and returns its stdout; panics with
/// both of its streams if it fails.
async fn run_client(command: &mut Command) -> String {
    let output = tokio::time::timeout(CLIENT_TIMEOUT, command.kill_on_drop(true).output())
        .await
        .unwrap_or_else(|_| panic!("{command:?} ran longer than {CLIENT_TIMEOUT:?}"))
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "{command:?} failed ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}
