//! Clients of the streaming API as apps use it: server-sent events over a
//! plain HTTP response, and Mastodon's websocket protocol.

use futures::{SinkExt, StreamExt};
use serde_json::Value;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, tungstenite};

/// How long a test waits for one event before it fails.
pub const EVENT_TIMEOUT: Duration = Duration::from_secs(20);

/// One event as both transports carry it: its name and its payload, parsed
/// as JSON when it is JSON (statuses, notifications) and kept as a string
/// otherwise (the id in `delete`).
#[derive(Debug, Clone)]
pub struct StreamEvent {
    pub stream: Vec<String>,
    pub event: String,
    pub payload: Value,
}

fn parse_payload(text: &str) -> Value {
    // A bare id must stay a string: parsed, it would lose digits.
    if text.starts_with('{')
        && let Ok(value) = serde_json::from_str(text)
    {
        return value;
    }
    Value::String(text.to_string())
}

/// An open server-sent-events response.
pub struct EventSource {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    buffer: String,
}

impl EventSource {
    /// Opens `url` (a full URL); panics unless the server answers 200 with
    /// `text/event-stream`.
    pub async fn open(url: &str, token: Option<&str>) -> EventSource {
        let mut request = reqwest::Client::new().get(url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("opening the event stream");
        assert_eq!(response.status(), 200, "{url}");
        let kind = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        assert!(kind.starts_with("text/event-stream"), "{url}: {kind}");
        EventSource {
            body: response.bytes_stream().boxed(),
            buffer: String::new(),
        }
    }

    /// The next event (heartbeat comments skipped).
    pub async fn next(&mut self) -> StreamEvent {
        tokio::time::timeout(EVENT_TIMEOUT, self.read_event())
            .await
            .expect("no event arrived in time")
    }

    /// Skips events until one satisfies `wanted`, and returns it.
    pub async fn next_matching(&mut self, wanted: impl Fn(&StreamEvent) -> bool) -> StreamEvent {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            let event = tokio::time::timeout_at(deadline, self.read_event())
                .await
                .expect("the awaited event did not arrive in time");
            if wanted(&event) {
                return event;
            }
        }
    }

    async fn read_event(&mut self) -> StreamEvent {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut data) = (None, Vec::new());
                for line in block.lines() {
                    if let Some(name) = line.strip_prefix("event:") {
                        event = Some(name.trim().to_string());
                    } else if let Some(value) = line.strip_prefix("data:") {
                        data.push(value.strip_prefix(' ').unwrap_or(value).to_string());
                    }
                }
                if let Some(event) = event {
                    return StreamEvent {
                        stream: Vec::new(),
                        event,
                        payload: parse_payload(&data.join("\n")),
                    };
                }
                continue;
            }
            let chunk = self
                .body
                .next()
                .await
                .expect("the server closed the event stream")
                .expect("reading the event stream");
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

/// An open websocket to `/api/v1/streaming`.
pub struct Socket {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

impl Socket {
    /// Connects to `ws_url` (e.g. `ws://host/api/v1/streaming?stream=user`),
    /// offering `token` as the subprotocol as browser apps do.
    pub async fn connect(ws_url: &str, token: Option<&str>) -> Socket {
        use tungstenite::client::IntoClientRequest;
        let mut request = ws_url.into_client_request().expect("a websocket URL");
        if let Some(token) = token {
            request.headers_mut().insert(
                "sec-websocket-protocol",
                token.parse().expect("a token is a header value"),
            );
        }
        let (socket, response) = tokio_tungstenite::connect_async(request)
            .await
            .unwrap_or_else(|e| panic!("connecting to {ws_url}: {e}"));
        if let Some(token) = token {
            assert_eq!(
                response
                    .headers()
                    .get("sec-websocket-protocol")
                    .and_then(|v| v.to_str().ok()),
                Some(token),
                "the server must echo the offered subprotocol"
            );
        }
        Socket { socket }
    }

    pub async fn send(&mut self, command: Value) {
        self.socket
            .send(tungstenite::Message::Text(command.to_string().into()))
            .await
            .expect("sending on the websocket");
    }

    /// The next text frame, parsed; the payload string parsed again.
    pub async fn next_frame(&mut self) -> Value {
        tokio::time::timeout(EVENT_TIMEOUT, async {
            loop {
                match self.socket.next().await {
                    Some(Ok(tungstenite::Message::Text(text))) => {
                        return serde_json::from_str(text.as_str()).expect("a JSON frame");
                    }
                    Some(Ok(_)) => continue,
                    other => panic!("the websocket ended: {other:?}"),
                }
            }
        })
        .await
        .expect("no websocket frame arrived in time")
    }

    /// Skips events until one satisfies `wanted`.
    pub async fn next_matching(&mut self, wanted: impl Fn(&StreamEvent) -> bool) -> StreamEvent {
        let deadline = tokio::time::Instant::now() + EVENT_TIMEOUT;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.next_frame())
                .await
                .expect("the awaited event did not arrive in time");
            let event = StreamEvent {
                stream: frame["stream"]
                    .as_array()
                    .map(|names| {
                        names
                            .iter()
                            .filter_map(|n| n.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                event: frame["event"].as_str().unwrap_or_default().to_string(),
                payload: parse_payload(frame["payload"].as_str().unwrap_or_default()),
            };
            if wanted(&event) {
                return event;
            }
        }
    }
}
