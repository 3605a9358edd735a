//! Real Mastodon clients drive two instances end to end.

use federation_tests::{Backend, Instance, PASSWORD, backend_tests, clients};

backend_tests!(
    mastodon_py_follows_posts_and_replies,
    mastodon_py_follows_posts_and_replies
);

async fn mastodon_py_follows_posts_and_replies(backend: Backend) {
    let town = Instance::start("town", backend).await;
    let county = Instance::start("county", backend).await;
    let alice = town.create_user("alice").await;
    let bob = county.create_user("bob").await;
    let python = clients::python();
    let output = tokio::process::Command::new(python)
        .arg(clients::script("mastodon_py_journey.py"))
        .arg(town.base_url())
        .arg(format!("{}@example.test", alice.username))
        .arg(county.base_url())
        .arg(format!("{}@example.test", bob.username))
        .arg(PASSWORD)
        .output()
        .await
        .expect("running the Mastodon.py journey");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "journey failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("mastodon.py journey: ok"), "{stdout}");
}
