//! Live updates for apps that keep a streaming connection open.
//!
//! Use cases record what changed in `stream_events`, inside the transaction
//! of the change. Each server process runs one [`run`] loop that reads new
//! events and hands every connected subscriber the ones meant for it,
//! rendered for that viewer. Going through the database rather than a
//! channel in memory means a post made through one process reaches an app
//! connected to another, and an event never describes a change that rolled
//! back.

use super::{
    Context, Visibility,
    notifications::{self, NotificationView},
    views::{self, StatusView},
};
use crate::db::{
    self, DbConnection, blocks,
    ids::next_id,
    models::{Account, Notification, Status, StreamEvent},
    statuses, stream_events,
};
use crate::error::Result;
use diesel::QueryResult;
use std::collections::{BTreeSet, HashMap, HashSet, hash_map::Entry};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::mpsc;

/// A timeline an app can subscribe to, named as in Mastodon's streaming API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Stream {
    /// The home timeline and the member's notifications.
    User,
    /// The member's notifications only.
    UserNotification,
    Public,
    PublicLocal,
    PublicRemote,
    /// Public statuses with a hashtag (lower case, without `#`).
    Hashtag {
        tag: String,
        local_only: bool,
    },
}

impl Stream {
    /// Parses a stream name and, for hashtag streams, its tag.
    pub fn parse(name: &str, tag: Option<&str>) -> Option<Stream> {
        let tag = || {
            tag.map(|t| t.trim_start_matches('#').to_lowercase())
                .filter(|t| !t.is_empty())
        };
        Some(match name {
            "user" => Stream::User,
            "user:notification" => Stream::UserNotification,
            "public" => Stream::Public,
            "public:local" => Stream::PublicLocal,
            "public:remote" => Stream::PublicRemote,
            "hashtag" => Stream::Hashtag {
                tag: tag()?,
                local_only: false,
            },
            "hashtag:local" => Stream::Hashtag {
                tag: tag()?,
                local_only: true,
            },
            _ => return None,
        })
    }

    /// Whether only a signed-in member may follow this stream.
    pub fn needs_member(&self) -> bool {
        matches!(self, Stream::User | Stream::UserNotification)
    }

    /// The `stream` array Mastodon puts in each websocket message.
    pub fn names(&self) -> Vec<String> {
        match self {
            Stream::User => vec!["user".into()],
            Stream::UserNotification => vec!["user:notification".into()],
            Stream::Public => vec!["public".into()],
            Stream::PublicLocal => vec!["public:local".into()],
            Stream::PublicRemote => vec!["public:remote".into()],
            Stream::Hashtag { tag, local_only } => {
                let name = if *local_only {
                    "hashtag:local"
                } else {
                    "hashtag"
                };
                vec![name.into(), tag.clone()]
            }
        }
    }

    /// Whether a public status belongs in this (public or hashtag) stream.
    fn shows_public(&self, status: &Status, tags: &[String]) -> bool {
        match self {
            Stream::Public => true,
            Stream::PublicLocal => status.local,
            Stream::PublicRemote => !status.local,
            Stream::Hashtag { tag, local_only } => {
                (status.local || !local_only) && tags.iter().any(|t| t == tag)
            }
            Stream::User | Stream::UserNotification => false,
        }
    }
}

/// What a subscriber is told.
#[derive(Debug, Clone)]
pub enum Payload {
    /// A new status in the stream.
    Update(Box<StatusView>),
    /// A status in the stream was edited.
    StatusUpdate(Box<StatusView>),
    Notification(Box<NotificationView>),
    /// The status with this id is gone.
    Delete(i64),
}

#[derive(Debug, Clone)]
pub struct Message {
    pub stream: Stream,
    pub payload: Payload,
}

const KIND_UPDATE: &str = "update";
const KIND_EDIT: &str = "status.update";
const KIND_DELETE: &str = "delete";
const KIND_NOTIFICATION: &str = "notification";

fn record(conn: &mut DbConnection, event: StreamEvent) -> QueryResult<()> {
    stream_events::insert(conn, &event)
}

fn event(kind: &str, public: bool) -> StreamEvent {
    StreamEvent {
        id: next_id(),
        kind: kind.to_string(),
        status_id: None,
        notification_id: None,
        account_id: None,
        audience: None,
        public,
        created_at: db::now(),
    }
}

fn is_public(status: &Status) -> bool {
    Visibility::from_stored(&status.visibility) == Visibility::Public
}

/// Records that `status` is new (after it and its home-feed rows are
/// written).
pub fn status_created(conn: &mut DbConnection, status: &Status) -> QueryResult<()> {
    record(
        conn,
        StreamEvent {
            status_id: Some(status.id),
            ..event(KIND_UPDATE, is_public(status))
        },
    )
}

/// Records that `status` was edited.
pub fn status_edited(conn: &mut DbConnection, status: &Status) -> QueryResult<()> {
    record(
        conn,
        StreamEvent {
            status_id: Some(status.id),
            ..event(KIND_EDIT, is_public(status))
        },
    )
}

/// Records that `status` is being deleted. Call it before the rows go: for
/// a status that was not public, the members told are those whose home
/// feeds held it, and the feed rows vanish with the status.
pub fn status_deleted(conn: &mut DbConnection, status: &Status) -> QueryResult<()> {
    let visibility = Visibility::from_stored(&status.visibility);
    let public = matches!(visibility, Visibility::Public | Visibility::Unlisted);
    let audience = if public {
        None
    } else {
        let mut members = stream_events::all_feeds_holding(conn, status.id)?;
        members.push(status.account_id);
        Some(serde_json::to_string(&members).unwrap_or_default())
    };
    record(
        conn,
        StreamEvent {
            status_id: Some(status.id),
            audience,
            ..event(KIND_DELETE, public)
        },
    )
}

/// Records a new notification for its member.
pub fn notified(conn: &mut DbConnection, notification: &Notification) -> QueryResult<()> {
    record(
        conn,
        StreamEvent {
            notification_id: Some(notification.id),
            account_id: Some(notification.account_id),
            ..event(KIND_NOTIFICATION, false)
        },
    )
}

/// How often each process looks for events written by any process.
const POLL_INTERVAL: Duration = Duration::from_millis(200);
/// PostgreSQL transactions may commit in a different order than they took
/// their ids, so each poll looks this far back and skips what it has seen.
const LOOKBACK: Duration = Duration::from_secs(2);
/// Events are only of use to connections open when they happened.
const KEEP_EVENTS: Duration = Duration::from_secs(300);
const PRUNE_EVERY: Duration = Duration::from_secs(60);
const BATCH: i64 = 500;
/// Messages waiting for one slow connection before it misses some.
const QUEUE: usize = 512;

struct Subscriber {
    viewer: Option<Account>,
    streams: Vec<Stream>,
    /// Events older than the subscription are not for it.
    since: i64,
    sender: mpsc::Sender<Message>,
}

#[derive(Default)]
struct Subscribers {
    next: u64,
    open: HashMap<u64, Subscriber>,
    closed: bool,
}

/// The connections open on this process.
#[derive(Clone, Default)]
pub struct Hub {
    subscribers: Arc<Mutex<Subscribers>>,
}

/// One open connection's place in the hub; leaving it (dropping this)
/// unsubscribes.
pub struct Subscription {
    id: u64,
    hub: Hub,
    pub messages: mpsc::Receiver<Message>,
}

impl Hub {
    fn lock(&self) -> std::sync::MutexGuard<'_, Subscribers> {
        // A panic while holding this lock leaves the map consistent: every
        // mutation is a single insert or remove.
        self.subscribers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Opens a subscription for `viewer` to `streams`.
    pub fn subscribe(&self, viewer: Option<Account>, streams: Vec<Stream>) -> Subscription {
        let (sender, messages) = mpsc::channel(QUEUE);
        let mut subscribers = self.lock();
        subscribers.next += 1;
        let id = subscribers.next;
        if !subscribers.closed {
            subscribers.open.insert(
                id,
                Subscriber {
                    viewer,
                    streams,
                    since: next_id(),
                    sender,
                },
            );
        }
        Subscription {
            id,
            hub: self.clone(),
            messages,
        }
    }

    /// Ends every subscription, so that open connections finish and the
    /// server can shut down.
    pub fn close(&self) {
        let mut subscribers = self.lock();
        subscribers.closed = true;
        subscribers.open.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.lock().open.is_empty()
    }

    fn snapshot(&self) -> Vec<(u64, Option<Account>, Vec<Stream>, i64)> {
        self.lock()
            .open
            .iter()
            .map(|(id, s)| (*id, s.viewer.clone(), s.streams.clone(), s.since))
            .collect()
    }

    fn send(&self, id: u64, message: Message) {
        let subscribers = self.lock();
        if let Some(subscriber) = subscribers.open.get(&id)
            && subscriber.sender.try_send(message).is_err()
        {
            tracing::debug!(subscription = id, "a streaming connection fell behind");
        }
    }
}

impl Subscription {
    /// Adds a stream to this subscription (websocket `subscribe`).
    pub fn add(&self, stream: Stream) {
        if let Some(subscriber) = self.hub.lock().open.get_mut(&self.id)
            && !subscriber.streams.contains(&stream)
        {
            subscriber.streams.push(stream);
        }
    }

    /// Removes a stream (websocket `unsubscribe`).
    pub fn remove(&self, stream: &Stream) {
        if let Some(subscriber) = self.hub.lock().open.get_mut(&self.id) {
            subscriber.streams.retain(|s| s != stream);
        }
    }

    pub fn viewer(&self) -> Option<Account> {
        self.hub
            .lock()
            .open
            .get(&self.id)
            .and_then(|s| s.viewer.clone())
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.hub.lock().open.remove(&self.id);
    }
}

/// Reads new events and hands them out until the process ends; also prunes
/// old events.
pub async fn run(ctx: Context) {
    let mut seen = BTreeSet::new();
    let mut interval = tokio::time::interval(POLL_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_prune = tokio::time::Instant::now();
    loop {
        interval.tick().await;
        if last_prune.elapsed() >= PRUNE_EVERY {
            last_prune = tokio::time::Instant::now();
            if let Err(error) = prune(&ctx).await {
                tracing::warn!(%error, "pruning stream events failed");
            }
        }
        if ctx.streams.is_empty() {
            seen.clear();
            continue;
        }
        if let Err(error) = hand_out(&ctx, &mut seen).await {
            tracing::warn!(%error, "reading stream events failed");
        }
    }
}

async fn prune(ctx: &Context) -> Result<()> {
    let before = db::now() - chrono::Duration::from_std(KEEP_EVENTS).unwrap_or_default();
    ctx.db
        .write(move |conn| Ok(stream_events::prune(conn, before)?))
        .await
        .map(drop)
}

/// The smallest id that `next_id` could have given `ago` before now.
fn id_floor(ago: Duration) -> i64 {
    let millis = chrono::Utc::now().timestamp_millis() - ago.as_millis() as i64;
    millis << 16
}

/// One poll: every event of the last [`LOOKBACK`] not handed out yet.
async fn hand_out(ctx: &Context, seen: &mut BTreeSet<i64>) -> Result<()> {
    let floor = id_floor(LOOKBACK);
    *seen = seen.split_off(&floor);
    let mut after = floor;
    loop {
        let subscribers = ctx.streams.snapshot();
        let known: Vec<i64> = seen.range(after..).copied().collect();
        let (messages, last, full) = ctx
            .db
            .read(move |conn| {
                let events = stream_events::after(conn, after, BATCH)?;
                let full = events.len() as i64 == BATCH;
                let last = events.last().map(|e| e.id);
                let mut messages = Vec::new();
                let mut handled = Vec::new();
                // Who hides whom changes rarely: read each viewer's list
                // once per batch (at most a poll's worth of events), not
                // once per event and subscription.
                let mut hidden = HiddenLists::default();
                for event in events {
                    if known.binary_search(&event.id).is_ok() {
                        continue;
                    }
                    handled.push(event.id);
                    messages.extend(route(conn, &event, &subscribers, &mut hidden)?);
                }
                Ok::<_, crate::error::Error>(((messages, handled), last, full))
            })
            .await?;
        let (messages, handled) = messages;
        seen.extend(handled);
        for (id, message) in messages {
            ctx.streams.send(id, message);
        }
        match last {
            Some(last) if full => after = last,
            _ => return Ok(()),
        }
    }
}

type Snapshot = [(u64, Option<Account>, Vec<Stream>, i64)];

/// The messages one event makes, each addressed to a subscription.
fn route(
    conn: &mut DbConnection,
    event: &StreamEvent,
    subscribers: &Snapshot,
    hidden: &mut HiddenLists,
) -> Result<Vec<(u64, Message)>> {
    let listening = subscribers
        .iter()
        .filter(|(_, _, _, since)| *since < event.id);
    let mut out = Vec::new();
    match event.kind.as_str() {
        KIND_NOTIFICATION => {
            let (Some(member), Some(id)) = (event.account_id, event.notification_id) else {
                return Ok(out);
            };
            for (sub, viewer, streams, _) in listening {
                let Some(viewer) = viewer.as_ref().filter(|v| v.id == member) else {
                    continue;
                };
                let Some(view) = notifications::view_of(conn, viewer, id)? else {
                    continue;
                };
                for stream in streams.iter().filter(|s| s.needs_member()) {
                    out.push((
                        *sub,
                        Message {
                            stream: stream.clone(),
                            payload: Payload::Notification(Box::new(view.clone())),
                        },
                    ));
                }
            }
        }
        KIND_UPDATE | KIND_EDIT => {
            let Some(status_id) = event.status_id else {
                return Ok(out);
            };
            let Some(status) = statuses::by_id(conn, status_id)? else {
                return Ok(out);
            };
            let tags = statuses::tags_of(conn, status.id)?;
            let members: Vec<i64> = listening
                .clone()
                .filter_map(|(_, viewer, _, _)| viewer.as_ref().map(|v| v.id))
                .collect();
            let holders = stream_events::feeds_holding(conn, status.id, &members)?;
            let edited = event.kind == KIND_EDIT;
            // Whose post this shows: its author, and on a boost the
            // original's author too, whom a viewer may have hidden.
            let mut authors = vec![status.account_id];
            if let Some(original) = status.reblog_of_id
                && let Some(original) = statuses::by_id(conn, original)?
            {
                authors.push(original.account_id);
            }
            // One view per viewer, however many of their connections (or
            // anonymous readers) listen.
            let mut views_for: HashMap<Option<i64>, Option<views::StatusView>> = HashMap::new();
            for (sub, viewer, streams, _) in listening {
                let viewer_id = viewer.as_ref().map(|v| v.id);
                let wanted: Vec<&Stream> = streams
                    .iter()
                    .filter(|stream| match stream {
                        Stream::User => viewer_id.is_some_and(|id| holders.contains(&id)),
                        Stream::UserNotification => false,
                        _ => {
                            event.public
                                && status.reblog_of_id.is_none()
                                && stream.shows_public(&status, &tags)
                        }
                    })
                    .collect();
                if wanted.is_empty() || hidden.hides(conn, viewer_id, &authors)? {
                    continue;
                }
                let view = match views_for.get(&viewer_id) {
                    Some(view) => view.clone(),
                    None => {
                        let view = views::load(conn, viewer_id, &[status.id])?.pop();
                        views_for.insert(viewer_id, view.clone());
                        view
                    }
                };
                let Some(view) = view else {
                    continue;
                };
                for stream in wanted {
                    let payload = if edited {
                        Payload::StatusUpdate(Box::new(view.clone()))
                    } else {
                        Payload::Update(Box::new(view.clone()))
                    };
                    out.push((
                        *sub,
                        Message {
                            stream: stream.clone(),
                            payload,
                        },
                    ));
                }
            }
        }
        KIND_DELETE => {
            let Some(status_id) = event.status_id else {
                return Ok(out);
            };
            let audience: Option<Vec<i64>> = event
                .audience
                .as_deref()
                .and_then(|a| serde_json::from_str(a).ok());
            for (sub, viewer, streams, _) in listening {
                let viewer_id = viewer.as_ref().map(|v| v.id);
                for stream in streams {
                    let told = match (&audience, stream) {
                        (_, Stream::UserNotification) => false,
                        (None, _) => event.public,
                        (Some(members), Stream::User) => {
                            viewer_id.is_some_and(|id| members.contains(&id))
                        }
                        (Some(_), _) => false,
                    };
                    if told {
                        out.push((
                            *sub,
                            Message {
                                stream: stream.clone(),
                                payload: Payload::Delete(status_id),
                            },
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    Ok(out)
}

/// The accounts each viewer blocked, muted or was blocked by, read once
/// per batch of events.
#[derive(Default)]
struct HiddenLists(HashMap<i64, HashSet<i64>>);

impl HiddenLists {
    /// Whether the viewer blocked, muted or was blocked by any of
    /// `authors`, as the timelines filter.
    fn hides(
        &mut self,
        conn: &mut DbConnection,
        viewer: Option<i64>,
        authors: &[i64],
    ) -> Result<bool> {
        let Some(viewer) = viewer else {
            return Ok(false);
        };
        let hidden = match self.0.entry(viewer) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(new) => {
                new.insert(blocks::hidden_from(conn, viewer)?.into_iter().collect())
            }
        };
        Ok(authors.iter().any(|author| hidden.contains(author)))
    }
}
