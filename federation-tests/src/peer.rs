//! A scripted remote server for tests that need to be the other side: it
//! serves actors and notes, records what Trellis delivers and fetches, and
//! signs the activities it sends with Trellis's own signing code, so tests
//! can also send what a well-behaved server never would.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};
use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};
use trellis::{crypto, federation::signatures};
use url::Url;

const AS_JSON: &str = "application/activity+json";

#[derive(Default)]
struct Log {
    received: Vec<Value>,
    fetched: Vec<String>,
    /// `keyId` of the Signature header on each GET, or None when unsigned.
    fetch_signers: Vec<Option<String>>,
    /// The signature standard of each POST to an inbox, with the answer.
    deliveries: Vec<(&'static str, u16)>,
}

struct Shared {
    base: String,
    keys: Mutex<HashMap<String, Arc<crypto::KeyPem>>>,
    documents: Mutex<HashMap<String, (String, Value)>>,
    /// Files served at `/files/NAME`: content type and bytes.
    files: Mutex<HashMap<String, (String, Vec<u8>)>>,
    /// Fields merged into an actor's document, by actor name.
    actor_fields: Mutex<HashMap<String, Value>>,
    log: Mutex<Log>,
    /// What the inbox answers; tests change it to play a failing server.
    inbox_status: std::sync::atomic::AtomicU16,
    /// While true, deliveries are held unanswered (a server that hangs).
    holding: tokio::sync::watch::Sender<bool>,
    /// Deliveries that reached the inbox, answered or still held.
    arrivals: std::sync::atomic::AtomicUsize,
    /// While true, RFC 9421 signatures are refused with 401, as a server
    /// that reads only draft-cavage refuses them.
    refuses_rfc9421: std::sync::atomic::AtomicBool,
}

impl Shared {
    fn key(&self, name: &str) -> Arc<crypto::KeyPem> {
        self.keys
            .lock()
            .unwrap()
            .entry(name.to_string())
            .or_insert_with(|| Arc::new(crypto::generate_rsa_key().expect("key generation")))
            .clone()
    }

    fn fetched(&self, path: String) {
        self.log.lock().unwrap().fetched.push(path);
    }

    fn fetched_with(&self, path: String, headers: &axum::http::HeaderMap) {
        let signer = headers
            .get("signature")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split("keyId=\"").nth(1))
            .and_then(|v| v.split('"').next())
            .map(String::from);
        let mut log = self.log.lock().unwrap();
        log.fetched.push(path);
        log.fetch_signers.push(signer);
    }
}

pub struct Peer {
    port: u16,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
    http: reqwest::Client,
}

impl Drop for Peer {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn activity_json(value: Value) -> Response {
    ([(header::CONTENT_TYPE, AS_JSON)], Json(value)).into_response()
}

async fn actor(
    State(shared): State<Arc<Shared>>,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
) -> Response {
    shared.fetched_with(format!("/users/{name}"), &headers);
    let id = format!("{}/users/{name}", shared.base);
    let mut document = json!({
        "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
        "id": id,
        "type": "Person",
        "preferredUsername": name,
        "name": format!("{name} (test peer)"),
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "endpoints": {"sharedInbox": format!("{}/inbox", shared.base)},
        "publicKey": {"id": format!("{id}#main-key"), "owner": id, "publicKeyPem": shared.key(&name).public_pem},
    });
    if let Some(Value::Object(fields)) = shared.actor_fields.lock().unwrap().get(&name) {
        document
            .as_object_mut()
            .expect("an actor is an object")
            .extend(fields.clone());
    }
    activity_json(document)
}

async fn webfinger(
    State(shared): State<Arc<Shared>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let resource = params.get("resource").cloned().unwrap_or_default();
    shared.fetched(format!("/.well-known/webfinger?resource={resource}"));
    let Some(name) = resource
        .strip_prefix("acct:")
        .and_then(|r| r.split('@').next())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    Json(json!({
        "subject": resource,
        "links": [{"rel": "self", "type": AS_JSON, "href": format!("{}/users/{name}", shared.base)}],
    }))
    .into_response()
}

/// `/chain/N` is a note replying to `/chain/N+1`, forever: a trap for a
/// server that fetches reply parents without a limit.
async fn chain(State(shared): State<Arc<Shared>>, Path(n): Path<u64>) -> Response {
    shared.fetched(format!("/chain/{n}"));
    let base = &shared.base;
    activity_json(json!({
        "id": format!("{base}/chain/{n}"),
        "type": "Note",
        "attributedTo": format!("{base}/users/mallory"),
        "content": format!("link {n}"),
        "inReplyTo": format!("{base}/chain/{}", n + 1),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
    }))
}

async fn document(State(shared): State<Arc<Shared>>, Path(path): Path<String>) -> Response {
    let path = format!("/docs/{path}");
    shared.fetched(path.clone());
    match shared.documents.lock().unwrap().get(&path) {
        Some((content_type, body)) => (
            [(header::CONTENT_TYPE, content_type.clone())],
            Json(body.clone()),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn file(State(shared): State<Arc<Shared>>, Path(name): Path<String>) -> Response {
    shared.fetched(format!("/files/{name}"));
    match shared.files.lock().unwrap().get(&name) {
        Some((content_type, bytes)) => (
            [(header::CONTENT_TYPE, content_type.clone())],
            bytes.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn inbox(
    State(shared): State<Arc<Shared>>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> StatusCode {
    let standard = if headers.contains_key("signature-input") {
        "rfc9421"
    } else if headers.contains_key("signature") {
        "draft-cavage"
    } else {
        "none"
    };
    let answer = answer_delivery(&shared, standard, &body).await;
    shared
        .log
        .lock()
        .unwrap()
        .deliveries
        .push((standard, answer.as_u16()));
    answer
}

async fn answer_delivery(shared: &Shared, standard: &str, body: &[u8]) -> StatusCode {
    shared
        .arrivals
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let _ = shared.holding.subscribe().wait_for(|held| !*held).await;
    if standard == "rfc9421"
        && shared
            .refuses_rfc9421
            .load(std::sync::atomic::Ordering::SeqCst)
    {
        return StatusCode::UNAUTHORIZED;
    }
    let answer = StatusCode::from_u16(
        shared
            .inbox_status
            .load(std::sync::atomic::Ordering::SeqCst),
    )
    .unwrap_or(StatusCode::ACCEPTED);
    if !answer.is_success() {
        return answer;
    }
    match serde_json::from_slice(body) {
        Ok(activity) => {
            shared.log.lock().unwrap().received.push(activity);
            StatusCode::ACCEPTED
        }
        Err(_) => StatusCode::BAD_REQUEST,
    }
}

impl Peer {
    pub async fn start() -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a peer port");
        let port = listener.local_addr().expect("local address").port();
        let shared = Arc::new(Shared {
            base: format!("http://localhost:{port}"),
            keys: Mutex::default(),
            documents: Mutex::default(),
            files: Mutex::default(),
            actor_fields: Mutex::default(),
            log: Mutex::default(),
            inbox_status: std::sync::atomic::AtomicU16::new(StatusCode::ACCEPTED.as_u16()),
            holding: tokio::sync::watch::Sender::new(false),
            arrivals: std::sync::atomic::AtomicUsize::new(0),
            refuses_rfc9421: std::sync::atomic::AtomicBool::new(false),
        });
        let router = Router::new()
            .route("/users/{name}", get(actor))
            .route("/users/{name}/inbox", post(inbox))
            .route("/inbox", post(inbox))
            .route("/.well-known/webfinger", get(webfinger))
            .route("/chain/{n}", get(chain))
            .route("/docs/{*path}", get(document))
            .route("/files/{name}", get(file))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.expect("peer server");
        });
        Peer {
            port,
            shared,
            server,
            http: reqwest::Client::new(),
        }
    }

    /// `localhost:PORT`.
    pub fn domain(&self) -> String {
        format!("localhost:{}", self.port)
    }

    /// `http://localhost:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.shared.base)
    }

    pub fn actor_id(&self, name: &str) -> String {
        self.url(&format!("/users/{name}"))
    }

    pub fn acct(&self, name: &str) -> String {
        format!("{name}@{}", self.domain())
    }

    /// Serves `body` at `/docs/NAME` with the given content type; returns its URL.
    pub fn serve(&self, name: &str, content_type: &str, body: Value) -> String {
        let path = format!("/docs/{name}");
        self.shared
            .documents
            .lock()
            .unwrap()
            .insert(path.clone(), (content_type.to_string(), body));
        self.url(&path)
    }

    /// Serves `bytes` at `/files/NAME` with the given content type (an
    /// image, or something posing as one); returns its URL.
    pub fn serve_file(&self, name: &str, content_type: &str, bytes: Vec<u8>) -> String {
        self.shared
            .files
            .lock()
            .unwrap()
            .insert(name.to_string(), (content_type.to_string(), bytes));
        self.url(&format!("/files/{name}"))
    }

    /// Merges `fields` (a JSON object) into the document of actor `name`
    /// from now on, to serve what a well-behaved server would not.
    pub fn set_actor_fields(&self, name: &str, fields: Value) {
        self.shared
            .actor_fields
            .lock()
            .unwrap()
            .insert(name.to_string(), fields);
    }

    /// Activities Trellis delivered to this peer so far.
    pub fn received(&self) -> Vec<Value> {
        self.shared.log.lock().unwrap().received.clone()
    }

    /// Makes the inbox answer `status` from now on (a 2xx accepts).
    pub fn answer_deliveries_with(&self, status: StatusCode) {
        self.shared
            .inbox_status
            .store(status.as_u16(), std::sync::atomic::Ordering::SeqCst);
    }

    /// Holds every delivery unanswered until [`Peer::answer_held_deliveries`],
    /// as a server that hangs would.
    pub fn hold_deliveries(&self) {
        self.shared.holding.send_replace(true);
    }

    /// Answers the held deliveries and stops holding new ones.
    pub fn answer_held_deliveries(&self) {
        self.shared.holding.send_replace(false);
    }

    /// Refuses RFC 9421 signatures with 401 from now on.
    pub fn refuse_rfc9421(&self) {
        self.shared
            .refuses_rfc9421
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }

    /// The signature standard (`rfc9421`, `draft-cavage` or `none`) of each
    /// delivery answered so far, with the status it was answered.
    pub fn delivery_signatures(&self) -> Vec<(&'static str, u16)> {
        self.shared.log.lock().unwrap().deliveries.clone()
    }

    /// How many deliveries reached the inbox, answered or held.
    pub fn arrivals(&self) -> usize {
        self.shared
            .arrivals
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The `keyId`s that signed the actor fetches so far (None: unsigned).
    pub fn actor_fetch_signers(&self) -> Vec<Option<String>> {
        self.shared.log.lock().unwrap().fetch_signers.clone()
    }

    /// How many GETs Trellis made to paths starting with `prefix`.
    pub fn fetches(&self, prefix: &str) -> usize {
        self.shared
            .log
            .lock()
            .unwrap()
            .fetched
            .iter()
            .filter(|p| p.starts_with(prefix))
            .count()
    }

    /// The public key (PEM) of actor `name`, made on first use.
    pub fn public_key_pem(&self, name: &str) -> String {
        self.shared.key(name).public_pem.clone()
    }

    /// Headers that sign a POST of `body` to `url` as actor `name`.
    pub fn signature_headers(&self, name: &str, url: &str, body: &[u8]) -> Vec<(String, String)> {
        let key = self.shared.key(name);
        let url = Url::parse(url).expect("inbox url");
        let key_id = format!("{}#main-key", self.actor_id(name));
        signatures::sign_request(
            &reqwest::Method::POST,
            &url,
            Some(body),
            &key_id,
            &key.private_pem,
        )
        .expect("signing")
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    /// POSTs `activity` to `url` as actor `name`, signed with RFC 9421.
    pub async fn post_signed_rfc9421(
        &self,
        name: &str,
        url: &str,
        activity: &Value,
    ) -> (StatusCode, String) {
        let body = serde_json::to_vec(activity).expect("json");
        let key = self.shared.key(name);
        let key_id = format!("{}#main-key", self.actor_id(name));
        let headers: Vec<(String, String)> = trellis::federation::rfc9421::sign_request(
            &reqwest::Method::POST,
            &Url::parse(url).expect("inbox url"),
            Some(&body),
            &key_id,
            trellis::federation::rfc9421::SigningKey::Rsa(&key.private_pem),
        )
        .expect("signing")
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        self.post_raw(url, body, &headers).await
    }

    /// POSTs `body` with exactly `headers` (plus the content type) and
    /// returns the status and the body text.
    pub async fn post_raw(
        &self,
        url: &str,
        body: Vec<u8>,
        headers: &[(String, String)],
    ) -> (StatusCode, String) {
        let mut request = self
            .http
            .post(url)
            .header(header::CONTENT_TYPE, AS_JSON)
            .body(body);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await.expect("POST to trellis");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    /// POSTs `activity` signed as actor `name`.
    pub async fn post_signed(
        &self,
        name: &str,
        url: &str,
        activity: &Value,
    ) -> (StatusCode, String) {
        let body = serde_json::to_vec(activity).expect("json");
        let headers = self.signature_headers(name, url, &body);
        self.post_raw(url, body, &headers).await
    }
}

impl Peer {
    /// Makes `user` on `instance` follow this peer's actor `name`, answering
    /// the Follow with an Accept; returns the actor's account id there.
    pub async fn accept_follow_from(
        &self,
        instance: &crate::Instance,
        user: &crate::User,
        name: &str,
    ) -> String {
        let id = instance.resolve_account(user, &self.acct(name)).await;
        let answer = instance
            .post_json(
                &format!("/api/v1/accounts/{id}/follow"),
                Some(&user.token),
                &Value::Null,
            )
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        let actor = self.actor_id(name);
        let follow = crate::wait_until(
            "the Follow reaches the peer",
            std::time::Duration::from_secs(20),
            || async {
                self.received()
                    .into_iter()
                    .find(|a| a["type"] == "Follow" && a["object"] == actor.as_str())
            },
        )
        .await;
        let accept = json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{actor}/accepts/{}", rand::random::<u32>()),
            "type": "Accept",
            "actor": actor,
            "object": follow,
        });
        let (status, body) = self
            .post_signed(name, &format!("{}/inbox", instance.base_url()), &accept)
            .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
        let path = format!("/api/v1/accounts/relationships?id[]={id}");
        let answer = instance.get(&path, Some(&user.token)).await;
        assert_eq!(answer.body[0]["following"], true, "{}", answer.body);
        id
    }

    /// A public Create of a note by `name`, with ids under `/notes/KEY`.
    pub fn create_note(&self, name: &str, key: &str, content: &str) -> Value {
        let actor = self.actor_id(name);
        let note = self.url(&format!("/notes/{key}"));
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{note}/activity"),
            "type": "Create",
            "actor": actor,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "object": {
                "id": note,
                "type": "Note",
                "attributedTo": actor,
                "content": content,
                "to": ["https://www.w3.org/ns/activitystreams#Public"],
                "published": chrono::Utc::now().to_rfc3339(),
            },
        })
    }
}
