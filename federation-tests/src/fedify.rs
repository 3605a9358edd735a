//! A real Fedify server (the npm package `@fedify/fedify`, under the Node
//! 22 the client journeys use) with one actor, driven over its standard
//! input and reporting over its standard output, one JSON object a line:
//! see `clients/fedify_peer.mjs`.

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

pub struct FedifyPeer {
    child: Child,
    stdin: ChildStdin,
    events: Arc<Mutex<Vec<Value>>>,
    /// The actor's id, `http://localhost:PORT/users/fedi`.
    pub actor: String,
}

impl Drop for FedifyPeer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

impl FedifyPeer {
    pub async fn start() -> FedifyPeer {
        let mut child = Command::new(clients::node())
            .arg(clients::script("fedify_peer.mjs"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("starting the Fedify peer");
        let stdin = child.stdin.take().expect("the peer's stdin");
        let stdout = child.stdout.take().expect("the peer's stdout");
        let events: Arc<Mutex<Vec<Value>>> = Arc::default();
        let sink = events.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stdout).lines();
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str::<Value>(&line) {
                    Ok(event) => sink.lock().unwrap().push(event),
                    Err(_) => eprintln!("fedify peer: {line}"),
                }
            }
        });
        let mut peer = FedifyPeer {
            child,
            stdin,
            events,
            actor: String::new(),
        };
        let ready = peer
            .wait_for("the Fedify peer to start", |e| e["event"] == "ready")
            .await;
        peer.actor = ready["actor"].as_str().expect("an actor id").to_string();
        peer
    }

    /// `fedi@localhost:PORT`.
    pub fn acct(&self) -> String {
        let url = url::Url::parse(&self.actor).expect("the actor id is a URL");
        let name = url
            .path()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        format!(
            "{name}@{}:{}",
            url.host_str().unwrap_or_default(),
            url.port().unwrap_or(80)
        )
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
    pub async fn run(&mut self, command: Value) {
        let before = self.events().len();
        let line = format!("{command}\n");
        self.stdin
            .write_all(line.as_bytes())
            .await
            .expect("writing to the Fedify peer");
        let cmd = command["cmd"].clone();
        let outcome = wait_until(&format!("the peer to run {command}"), PATIENCE, || async {
            self.events()
                .into_iter()
                .skip(before)
                .find(|e| matches!(e["event"].as_str(), Some("done" | "error")) && e["cmd"] == cmd)
        })
        .await;
        assert_eq!(outcome["event"], "done", "{outcome}");
    }

    /// The POSTs the peer made, as it reported them.
    pub fn posts(&self) -> Vec<Value> {
        self.events()
            .into_iter()
            .filter(|e| e["event"] == "http" && e["method"] == "POST")
            .collect()
    }
}
