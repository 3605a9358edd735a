//! Real federation servers run as child processes, with one actor each,
//! driven over their standard input and reporting over their standard
//! output, one JSON object a line: a Fedify server (the npm package
//! `@fedify/fedify`, under the Node 22 the client journeys use; see
//! `clients/fedify_peer.mjs`) and a bovine-herd server (PyPI; see
//! `clients/bovine_peer.py`).

use crate::{clients, wait_until};
use serde_json::Value;
use std::{
    process::Stdio,
    sync::{Arc, Mutex},
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    process::{Child, ChildStdin, Command},
};

const PATIENCE: Duration = Duration::from_secs(30);

pub struct ScriptPeer {
    child: Child,
    stdin: ChildStdin,
    events: Arc<Mutex<Vec<Value>>>,
    /// The actor's id (`http://localhost:PORT/users/fedi` for Fedify).
    pub actor: String,
    /// The actor's handle, `name@localhost:PORT`.
    acct: String,
}

impl Drop for ScriptPeer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

impl ScriptPeer {
    /// A Fedify 2.3.6 server.
    pub async fn fedify() -> ScriptPeer {
        let mut command = Command::new(clients::node());
        command.arg(clients::script("fedify_peer.mjs"));
        ScriptPeer::spawn(command, "Fedify").await
    }

    /// A bovine-herd 0.5.19 server. It reads the JSON-LD contexts it needs
    /// from the copies Fedify's package ships, as it cannot fetch them.
    pub async fn bovine() -> ScriptPeer {
        let contexts = clients::node_package("@fedify/vocab-runtime/src/contexts");
        let mut command = Command::new(clients::bovine_python());
        command
            .arg(clients::script("bovine_peer.py"))
            .env("PEER_CONTEXTS", contexts);
        ScriptPeer::spawn(command, "bovine-herd").await
    }

    async fn spawn(mut command: Command, label: &'static str) -> ScriptPeer {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting the {label} peer: {e}"));
        let stdin = child.stdin.take().expect("the peer's stdin");
        let stdout = child.stdout.take().expect("the peer's stdout");
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink = events.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<Value>(&line) {
                    Ok(event) => sink.lock().unwrap().push(event),
                    Err(_) => eprintln!("{label} peer: {line}"),
                }
            }
        });
        let mut peer = ScriptPeer {
            child,
            stdin,
            events,
            actor: String::new(),
            acct: String::new(),
        };
        let ready = peer
            .wait_for(&format!("the {label} peer to start"), |e| {
                e["event"] == "ready"
            })
            .await;
        peer.actor = ready["actor"].as_str().expect("an actor id").to_string();
        peer.acct = match ready["acct"].as_str() {
            Some(acct) => acct.to_string(),
            None => acct_of(&peer.actor),
        };
        peer
    }

    /// `name@localhost:PORT`.
    pub fn acct(&self) -> String {
        self.acct.clone()
    }

    /// Everything the peer reported so far.
    pub fn events(&self) -> Vec<Value> {
        self.events.lock().unwrap().clone()
    }

    /// Waits for an event `matches` accepts, and returns it.
    pub async fn wait_for(&self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        wait_until(what, PATIENCE, || async {
            self.events().into_iter().find(|e| matches(e))
        })
        .await
    }

    /// Runs a command (`{"cmd": "follow", …}`) and waits until the peer has
    /// carried it out; a failure fails the test with the peer's message.
    /// Answers the peer's `done` event (bovine's carries the ids it gave).
    pub async fn run(&mut self, command: Value) -> Value {
        let before = self.events().len();
        let line = format!("{command}\n");
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("writing to the peer");
        let cmd = command["cmd"].clone();
        let outcome = wait_until(&format!("the peer to run {command}"), PATIENCE, || async {
            self.events()
                .into_iter()
                .skip(before)
                .find(|e| matches!(e["event"].as_str(), Some("done" | "error")) && e["cmd"] == cmd)
        })
        .await;
        assert_eq!(outcome["event"], "done", "{outcome}");
        outcome
    }

    /// The POSTs the peer made, as it reported them.
    pub fn posts(&self) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] == "http" && e["method"] == "POST")
            .collect()
    }
}

/// The handle of an actor whose id ends in its name (Fedify's).
fn acct_of(actor: &str) -> String {
    let url = url::Url::parse(actor).expect("the actor id is a URL");
    let name = url.path().rsplit('/').next().unwrap_or_default();
    format!(
        "{name}@{}:{}",
        url.host_str().unwrap_or_default(),
        url.port().unwrap_or(80)
    )
}
