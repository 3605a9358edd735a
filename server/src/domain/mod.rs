//! Use cases and the rules they enforce. The domain writes each change and
//! its side effects (home-feed rows, outgoing deliveries) in one transaction;
//! workers outside the domain carry out the side effects later.

pub mod accounts;
pub mod admin;
pub mod blocks;
pub mod communities;
pub mod demo;
pub mod exchanges;
pub mod follows;
pub mod inbound;
pub mod interactions;
pub mod introductions;
pub mod keys;
pub mod kinds;
pub mod links;
pub mod media;
pub mod media_cache;
pub mod moderation;
pub mod network;
pub mod network_map;
pub mod network_reports;
pub mod notifications;
pub mod oauth;
pub mod outbox;
pub mod polls;
pub mod practice;
pub mod registrations;
pub mod remote_objects;
pub mod render;
pub mod reports;
pub mod search;
pub mod sessions;
pub mod statuses;
pub mod stories;
pub mod streaming;
pub mod tags;
pub mod terms;
pub mod text;
pub mod timelines;
pub mod urls;
pub mod views;
pub mod weavers;

pub use crate::db::{
    Backend,
    models::{Account, Marker, OAuthApp, Status, User},
    statuses::{Mark, Origin, Page},
};
use crate::{config::Config, db::Database};
use std::sync::Arc;
use tokio::sync::Notify;

/// What every use case needs: the database, the settings, the URL scheme of
/// this instance, the open streaming connections, and a bell that wakes the
/// delivery workers.
#[derive(Clone)]
pub struct Context {
    pub db: Database,
    pub config: Arc<Config>,
    pub urls: urls::Urls,
    /// The streaming connections open on this process.
    pub streams: streaming::Hub,
    /// The network map and its figures, reused for a short while.
    pub map_cache: network_map::MapCache,
    /// Where uploaded media files are kept.
    pub media: Arc<dyn crate::media_store::MediaStore>,
    deliveries_waiting: Arc<Notify>,
}

impl Context {
    pub fn new(db: Database, config: Config) -> Context {
        let urls = urls::Urls::new(config.base_url());
        let media = Arc::new(crate::media_store::FileStore::new(config.media_dir.clone()));
        Context {
            media,
            db,
            config: Arc::new(config),
            urls,
            streams: streaming::Hub::default(),
            map_cache: network_map::MapCache::default(),
            deliveries_waiting: Arc::new(Notify::new()),
        }
    }

    /// Wakes a delivery worker after a transaction that queued deliveries.
    pub fn deliveries_queued(&self) {
        self.deliveries_waiting.notify_one();
    }

    pub async fn wait_for_deliveries(&self, at_most: std::time::Duration) {
        let _ = tokio::time::timeout(at_most, self.deliveries_waiting.notified()).await;
    }
}

/// Visibility of a status, as Mastodon names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    Public,
    Unlisted,
    Private,
    Direct,
}

impl Visibility {
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Public => "public",
            Visibility::Unlisted => "unlisted",
            Visibility::Private => "private",
            Visibility::Direct => "direct",
        }
    }

    pub fn parse(value: &str) -> Option<Visibility> {
        match value {
            "public" => Some(Visibility::Public),
            "unlisted" => Some(Visibility::Unlisted),
            "private" => Some(Visibility::Private),
            "direct" => Some(Visibility::Direct),
            _ => None,
        }
    }

    /// Stored strings are written by this module only; an unknown one would
    /// be a bug, and the safest reading of a bug is the narrowest audience.
    pub fn from_stored(value: &str) -> Visibility {
        Visibility::parse(value).unwrap_or(Visibility::Direct)
    }
}
