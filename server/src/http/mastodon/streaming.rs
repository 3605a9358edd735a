//! Mastodon's streaming API: a websocket at `/api/v1/streaming` that can
//! carry several streams, and one server-sent-events endpoint per stream.
//! The hub in `domain::streaming` decides what each connection hears; this
//! module only speaks the two wire formats.

use super::entities;
use crate::{
    domain::{
        Account, Context, oauth,
        streaming::{Message, Payload, Stream, Subscription},
    },
    error::{Error, Result},
};
use axum::{
    Router,
    extract::{
        Query, State,
        ws::{self, WebSocket, WebSocketUpgrade, rejection::WebSocketUpgradeRejection},
    },
    http::{HeaderMap, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
    routing::get,
};
use futures::{SinkExt, StreamExt, stream};
use serde::Deserialize;
use std::{convert::Infallible, time::Duration};

pub fn routes() -> Router<Context> {
    Router::new()
        .route("/api/v1/streaming", get(websocket_or_events))
        .route("/api/v1/streaming/", get(websocket_or_events))
        .route("/api/v1/streaming/health", get(health))
        .route("/api/v1/streaming/user", get(events_of("user")))
        .route(
            "/api/v1/streaming/user/notification",
            get(events_of("user:notification")),
        )
        .route("/api/v1/streaming/public", get(events_of("public")))
        .route(
            "/api/v1/streaming/public/local",
            get(events_of("public:local")),
        )
        .route(
            "/api/v1/streaming/public/remote",
            get(events_of("public:remote")),
        )
        .route("/api/v1/streaming/hashtag", get(events_of("hashtag")))
        .route(
            "/api/v1/streaming/hashtag/local",
            get(events_of("hashtag:local")),
        )
}

/// Mastodon's streaming server answers its health check with a bare "OK".
async fn health() -> &'static str {
    "OK"
}

#[derive(Debug, Default, Deserialize)]
pub struct StreamQuery {
    access_token: Option<String>,
    stream: Option<String>,
    tag: Option<String>,
    /// Older apps ask for `/public?local=true` instead of `/public/local`.
    local: Option<String>,
}

/// Keeps an idle connection open through proxies that drop silent ones.
const HEARTBEAT: Duration = Duration::from_secs(15);

/// An SSE handler for one fixed stream.
fn events_of(
    name: &'static str,
) -> impl Fn(
    State<Context>,
    HeaderMap,
    Query<StreamQuery>,
) -> futures::future::BoxFuture<'static, Response>
+ Clone
+ Send
+ 'static {
    move |State(ctx), headers, Query(query)| {
        Box::pin(async move {
            let name = match (name, query.local.as_deref()) {
                ("public", Some("true" | "1")) => "public:local",
                _ => name,
            };
            events(ctx, headers, query, name).await.into_response()
        })
    }
}

/// `/api/v1/streaming` serves a websocket when asked to upgrade, and the
/// `stream` named in the query as server-sent events otherwise.
async fn websocket_or_events(
    State(ctx): State<Context>,
    headers: HeaderMap,
    Query(query): Query<StreamQuery>,
    upgrade: std::result::Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    match upgrade {
        Ok(upgrade) => websocket(ctx, headers, query, upgrade)
            .await
            .into_response(),
        Err(_) => {
            let Some(name) = query.stream.clone() else {
                return Error::BadRequest("Unknown stream type".into()).into_response();
            };
            events(ctx, headers, query, &name).await.into_response()
        }
    }
}

/// The token from the `Authorization` header, the `access_token` query
/// parameter, or (for websockets, where browsers cannot set headers) the
/// `Sec-WebSocket-Protocol` header, as Mastodon accepts.
fn token_of<'a>(headers: &'a HeaderMap, query: &'a StreamQuery) -> Option<&'a str> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        });
    bearer
        .or(query.access_token.as_deref())
        .or_else(|| {
            headers
                .get(header::SEC_WEBSOCKET_PROTOCOL)
                .and_then(|h| h.to_str().ok())
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
}

/// Who is connecting: None for an anonymous reader of public streams.
async fn viewer_of(ctx: &Context, token: Option<&str>) -> Result<Option<Account>> {
    let Some(token) = token else {
        return Ok(None);
    };
    let grant = oauth::grant_for_token(ctx, token).await?;
    if !grant.scopes.allows("read:statuses") && !grant.scopes.allows("read:notifications") {
        return Err(Error::Forbidden(
            "This action is outside the authorized scopes".into(),
        ));
    }
    Ok(grant.user.map(|(_, account)| account))
}

/// A stream `viewer` may open, or the error Mastodon gives.
fn stream_for(viewer: Option<&Account>, name: &str, tag: Option<&str>) -> Result<Stream> {
    let stream = Stream::parse(name, tag).ok_or_else(|| {
        if name.starts_with("hashtag") {
            Error::BadRequest("No tag for stream provided".into())
        } else {
            Error::BadRequest("Unknown stream type".into())
        }
    })?;
    if stream.needs_member() && viewer.is_none() {
        return Err(Error::Unauthorized("Missing access token".into()));
    }
    Ok(stream)
}

async fn events(
    ctx: Context,
    headers: HeaderMap,
    query: StreamQuery,
    name: &str,
) -> Result<Sse<impl futures::Stream<Item = std::result::Result<Event, Infallible>> + use<>>> {
    let viewer = viewer_of(&ctx, token_of(&headers, &query)).await?;
    let stream = stream_for(viewer.as_ref(), name, query.tag.as_deref())?;
    let subscription = ctx.streams.subscribe(viewer, vec![stream]);
    let events = stream::unfold((subscription, ctx), |(mut subscription, ctx)| async move {
        let message = subscription.messages.recv().await?;
        let (event, payload) = wire(&ctx, &message);
        let event = Event::default().event(event).data(payload);
        Some((Ok(event), (subscription, ctx)))
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(HEARTBEAT).text("thump")))
}

/// The event name and the payload text of a message, as both transports
/// carry them.
fn wire(ctx: &Context, message: &Message) -> (&'static str, String) {
    let json = |value: serde_json::Result<String>| value.unwrap_or_default();
    match &message.payload {
        Payload::Update(view) => (
            "update",
            json(serde_json::to_string(&entities::status(&ctx.urls, view))),
        ),
        Payload::StatusUpdate(view) => (
            "status.update",
            json(serde_json::to_string(&entities::status(&ctx.urls, view))),
        ),
        Payload::Notification(view) => (
            "notification",
            json(serde_json::to_string(&entities::notification(
                &ctx.urls, view,
            ))),
        ),
        Payload::Delete(id) => ("delete", id.to_string()),
    }
}

async fn websocket(
    ctx: Context,
    headers: HeaderMap,
    query: StreamQuery,
    upgrade: WebSocketUpgrade,
) -> Result<Response> {
    let viewer = viewer_of(&ctx, token_of(&headers, &query)).await?;
    let mut streams = Vec::new();
    if let Some(name) = query.stream.as_deref() {
        streams.push(stream_for(viewer.as_ref(), name, query.tag.as_deref())?);
    }
    // A client that sent its token as the subprotocol expects it echoed,
    // or it drops the connection.
    let offered: Vec<String> = upgrade
        .requested_protocols()
        .filter_map(|p| p.to_str().ok().map(str::to_owned))
        .collect();
    let subscription = ctx.streams.subscribe(viewer, streams);
    Ok(upgrade
        .protocols(offered)
        .on_upgrade(move |socket| serve_websocket(ctx, socket, subscription)))
}

#[derive(Deserialize)]
struct Command {
    #[serde(rename = "type")]
    kind: String,
    stream: String,
    tag: Option<String>,
}

async fn serve_websocket(ctx: Context, socket: WebSocket, mut subscription: Subscription) {
    let (mut sink, mut incoming) = socket.split();
    let mut heartbeat = tokio::time::interval(HEARTBEAT);
    loop {
        tokio::select! {
            message = subscription.messages.recv() => {
                let Some(message) = message else { break };
                let (event, payload) = wire(&ctx, &message);
                let text = serde_json::json!({
                    "stream": message.stream.names(),
                    "event": event,
                    "payload": payload,
                })
                .to_string();
                if sink.send(ws::Message::Text(text.into())).await.is_err() {
                    break;
                }
            }
            received = incoming.next() => {
                match received {
                    Some(Ok(ws::Message::Text(text))) => {
                        if let Some(reply) = obey(&subscription, text.as_str())
                            && sink.send(ws::Message::Text(reply.into())).await.is_err()
                        {
                            break;
                        }
                    }
                    Some(Ok(ws::Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                }
            }
            _ = heartbeat.tick() => {
                if sink.send(ws::Message::Ping(Vec::new().into())).await.is_err() {
                    break;
                }
            }
        }
    }
}

/// Applies a `subscribe`/`unsubscribe` command; returns the error message
/// to send back when the command is not understood.
fn obey(subscription: &Subscription, text: &str) -> Option<String> {
    let error = |message: &str| Some(serde_json::json!({ "error": message }).to_string());
    let Ok(command) = serde_json::from_str::<Command>(text) else {
        return error("Unknown command");
    };
    let viewer = subscription.viewer();
    let stream = match stream_for(viewer.as_ref(), &command.stream, command.tag.as_deref()) {
        Ok(stream) => stream,
        Err(e) => return error(&e.to_string()),
    };
    match command.kind.as_str() {
        "subscribe" => subscription.add(stream),
        "unsubscribe" => subscription.remove(&stream),
        _ => return error("Unknown command"),
    }
    None
}

/// The instance's streaming base URL: the same host, over
/// `wss` when the site is `https`.
pub fn streaming_base(ctx: &Context) -> String {
    let base = ctx.urls.base();
    let scheme = if base.scheme() == "https" {
        "wss"
    } else {
        "ws"
    };
    let host = ctx.urls.domain();
    format!("{scheme}://{host}")
}
