//! What an admin meets running the server: the messages of the command
//! line when something is wrong, warnings about settings, progress, a
//! quiet stop with deliveries in flight, and the deployment files.

use federation_tests::{Backend, Instance, backend_tests, peer::Peer, trellis, wait_until};
use reqwest::StatusCode;
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::process::Output;
use std::time::Duration;

backend_tests!(
    stopping_with_deliveries_in_flight_is_quiet,
    stopping_with_deliveries_in_flight_is_quiet
);

/// Runs `command` and returns what it did; a command that hangs fails the
/// test instead of the test hanging.
async fn run(command: &mut tokio::process::Command) -> Output {
    tokio::time::timeout(Duration::from_secs(20), command.output())
        .await
        .expect("trellis answered within 20 seconds")
        .expect("cannot run trellis")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A scratch directory anyone may enter, so a command run as another user
/// can reach what is inside.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::Builder::new()
        .prefix("trellis-ops-")
        .tempdir()
        .unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn migrate_at(url: &str) -> tokio::process::Command {
    let mut command = trellis();
    command.arg("migrate").env("TRELLIS_DATABASE_URL", url);
    command
}

#[tokio::test]
async fn an_unwritable_data_directory_is_named_at_once() {
    let dir = scratch();
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    // Root may write anywhere: run as nobody so the permissions count. The
    // binary is copied beside the data first, since nobody may not be able
    // to reach it where it was built (CI clones into a private directory).
    // SAFETY: geteuid(2) has no preconditions and cannot fail.
    let as_nobody = unsafe { libc::geteuid() } == 0;
    let bin = dir.path().join("trellis");
    std::fs::copy(federation_tests::trellis_bin(), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    for url in [
        format!("sqlite://{}/trellis.db", locked.display()),
        format!("sqlite://{}/below/trellis.db", locked.display()),
    ] {
        let mut command = tokio::process::Command::new(&bin);
        command
            .arg("migrate")
            .env("TRELLIS_DATABASE_URL", &url)
            .stdin(std::process::Stdio::null());
        if as_nobody {
            command.uid(65534).gid(65534);
        }
        let started = std::time::Instant::now();
        let output = run(&mut command).await;
        let message = stderr(&output);
        assert!(!output.status.success(), "{url}: {message}");
        assert!(message.contains("permission denied"), "{url}: {message}");
        assert!(message.contains(&locked.display().to_string()), "{message}");
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "answered only after {:?}",
            started.elapsed()
        );
    }
}

#[tokio::test]
async fn a_file_in_the_data_path_is_named() {
    let dir = scratch();
    let file = dir.path().join("notadir");
    std::fs::write(&file, "").unwrap();
    let url = format!("sqlite://{}/trellis.db", file.display());
    let output = run(&mut migrate_at(&url)).await;
    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(
        message.contains(&format!("{} is a file, not a directory", file.display())),
        "{message}"
    );
}

#[tokio::test]
async fn a_missing_config_file_is_reported_once() {
    let dir = scratch();
    let missing = dir.path().join("missing.toml");
    let output = run(trellis()
        .args(["--config", missing.to_str().unwrap(), "migrate"])
        .env(
            "TRELLIS_DATABASE_URL",
            format!("sqlite://{}/t.db", dir.path().display()),
        ))
    .await;
    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(
        message.contains(&missing.display().to_string()),
        "{message}"
    );
    assert_eq!(
        message.matches("No such file or directory").count(),
        1,
        "{message}"
    );
}

#[tokio::test]
async fn a_port_in_use_is_the_only_error() {
    let dir = scratch();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap();
    let output = run(trellis()
        .arg("serve")
        .env("TRELLIS_BIND", address.to_string())
        .env("TRELLIS_DOMAIN", format!("localhost:{}", address.port()))
        .env(
            "TRELLIS_DATABASE_URL",
            format!("sqlite://{}/t.db", dir.path().display()),
        ))
    .await;
    let message = stderr(&output);
    assert!(!output.status.success());
    assert!(
        message.contains(&format!("cannot listen on {address}")),
        "{message}"
    );
    assert!(!message.contains("delivery queue unavailable"), "{message}");
    assert!(!message.contains("ERROR"), "{message}");
}

#[tokio::test]
async fn unknown_variables_and_a_default_domain_on_another_port_are_warned_about() {
    let dir = scratch();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let output = run(migrate_at(&url)
        .env("TRELLIS_DOMIAN", "network.example")
        .env("TRELLIS_BIND", "127.0.0.1:9099"))
    .await;
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    assert!(
        message.contains("TRELLIS_DOMIAN is not a Trellis setting")
            && message.contains("did you mean TRELLIS_DOMAIN?"),
        "{message}"
    );
    assert!(
        message.contains("the domain is left at its default localhost:8080")
            && message.contains("port 9099"),
        "{message}"
    );
}

#[tokio::test]
async fn demo_network_says_how_far_it_has_come() {
    let dir = scratch();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let output = run(trellis()
        .args(["admin", "demo-network", "--members", "4"])
        .env("TRELLIS_DATABASE_URL", url))
    .await;
    let message = stderr(&output);
    assert!(output.status.success(), "{message}");
    // Standard error is a pipe here: no bars, one line per stage.
    for stage in ["members (4)", "communities (4)", "follows (4)", "posts (4)"] {
        assert!(
            message.contains(&format!("generating {stage}")),
            "{message}"
        );
    }
    assert!(!message.contains('\r'), "nothing drawn: {message:?}");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("generated 4 members"));
}

async fn stopping_with_deliveries_in_flight_is_quiet(backend: Backend) {
    let mut town = Instance::start("town", backend).await;
    let bob = town.create_user("bob").await;
    let peer = Peer::start().await;
    let actor = peer.actor_id("mallory");
    let follow = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{actor}/follows/1"),
        "type": "Follow",
        "actor": actor,
        "object": format!("http://{}/users/bob", town.domain()),
    });
    let (status, body) = peer
        .post_signed("mallory", &format!("{}/inbox", town.base_url()), &follow)
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    wait_until(
        "the Accept reaches the peer",
        Duration::from_secs(20),
        || async {
            peer.received()
                .iter()
                .any(|a| a["type"] == "Accept")
                .then_some(())
        },
    )
    .await;

    peer.hold_deliveries();
    let mut uris = Vec::new();
    for n in 0..4 {
        let status = town
            .post_status(&bob, &json!({"status": format!("post {n}")}))
            .await;
        uris.push(status["uri"].as_str().unwrap().to_string());
    }
    let arrived = peer.arrivals();
    wait_until("deliveries in flight", Duration::from_secs(20), || async {
        (peer.arrivals() > arrived).then_some(())
    })
    .await;

    let exit = town.stop().await;
    assert!(
        exit.is_some_and(|status| status.success()),
        "stopped with {exit:?}"
    );
    let logs = town.logs();
    assert!(!logs.contains("could not record"), "{logs}");
    assert!(!logs.contains("ERROR"), "{logs}");
    assert!(
        logs.contains("handed unfinished deliveries back to the queue"),
        "{logs}"
    );

    // What was in flight is due again at once for the next run, on
    // PostgreSQL too, where leases would otherwise take a minute to lapse.
    peer.answer_held_deliveries();
    town.restart().await;
    wait_until("every post delivered", Duration::from_secs(30), || async {
        let received = peer.received();
        uris.iter()
            .all(|uri| {
                received
                    .iter()
                    .any(|a| a["type"] == "Create" && a["object"]["id"] == uri.as_str())
            })
            .then_some(())
    })
    .await;
}

/// The value a compose file gives `name`, with `${VAR:-default}` read as
/// its default, for every service that sets it.
fn compose_values(text: &str, name: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim().strip_prefix(&format!("{name}:")))
        .map(|value| {
            let value = value.trim().trim_matches('"');
            match value
                .strip_prefix("${")
                .and_then(|rest| rest.strip_suffix('}'))
                .and_then(|inner| inner.split_once(":-"))
            {
                Some((_, default)) => default.to_string(),
                None => value.to_string(),
            }
        })
        .collect()
}

fn deploy_file(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../deploy")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The proxies the settings trust when `TRELLIS_TRUSTED_PROXIES` is `value`.
fn trusted(value: &str) -> trellis::config::Config {
    let mut config = trellis::config::Config::default();
    config
        .apply_env(|name| (name == "TRELLIS_TRUSTED_PROXIES").then(|| value.to_string()))
        .unwrap_or_else(|e| panic!("{value:?}: {e}"));
    config
}

#[test]
fn compose_files_trust_the_proxy_in_front_of_trellis() {
    for file in ["compose.yaml", "compose.postgres.yaml"] {
        let text = deploy_file(file);
        let subnets = compose_values(&text, "- subnet");
        assert_eq!(subnets.len(), 1, "{file} pins one subnet: {subnets:?}");
        let subnet = &subnets[0];
        let proxies = compose_values(&text, "TRELLIS_TRUSTED_PROXIES");
        assert!(!proxies.is_empty(), "{file} sets TRELLIS_TRUSTED_PROXIES");
        for value in proxies {
            let config = trusted(&value);
            // The subnet's gateway (where a published port's traffic comes
            // from) and any container on it, Caddy included.
            let (network, _) = subnet.split_once('/').expect("a CIDR range");
            let mut octets: Vec<u8> = network.split('.').map(|o| o.parse().unwrap()).collect();
            octets[3] = 1;
            let gateway = std::net::IpAddr::from([octets[0], octets[1], octets[2], octets[3]]);
            octets[3] = 23;
            let container = std::net::IpAddr::from([octets[0], octets[1], octets[2], octets[3]]);
            for address in [gateway, container] {
                assert!(
                    config.trusted_proxies.iter().any(|r| r.contains(address)),
                    "{file}: {value} does not trust {address} on {subnet}"
                );
            }
            assert!(
                !config
                    .trusted_proxies
                    .iter()
                    .any(|r| r.contains("203.0.113.9".parse().unwrap())),
                "{file}: {value} trusts the whole internet"
            );
        }
    }
}

#[test]
fn the_caddyfile_forwards_what_trellis_reads() {
    let text = deploy_file("Caddyfile");
    // Its default upstream is where Trellis listens by default, on the
    // loopback addresses Trellis trusts by default.
    let upstream = text
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("reverse_proxy {$TRELLIS_UPSTREAMS:")
        })
        .and_then(|rest| rest.split('}').next())
        .expect("a reverse_proxy to {$TRELLIS_UPSTREAMS:...}");
    let defaults = trellis::config::Config::default();
    assert_eq!(upstream, defaults.bind.to_string());
    assert!(
        defaults
            .trusted_proxies
            .iter()
            .any(|r| r.contains(defaults.bind.ip()))
    );
    // Caddy's own X-Forwarded-For is what the rate limits read; a rule
    // that rewrote it or the Host header would break them or signatures.
    let rules: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.starts_with('#'))
        .collect();
    assert!(!rules.iter().any(|l| l.contains("header_up")), "{text}");
    // The upstreams compose.postgres.yaml names listen where the image binds.
    let compose = deploy_file("compose.postgres.yaml");
    let image = deploy_file("Containerfile");
    let port = image
        .split("TRELLIS_BIND=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|bind| bind.rsplit(':').next())
        .expect("the image sets TRELLIS_BIND");
    for upstream in compose_values(&compose, "TRELLIS_UPSTREAMS")
        .iter()
        .flat_map(|v| v.split_whitespace().map(String::from).collect::<Vec<_>>())
    {
        assert!(upstream.ends_with(&format!(":{port}")), "{upstream}");
    }
}
