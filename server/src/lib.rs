//! Trellis: an ActivityPub server for federated peer networks.
//!
//! Layers, each calling only downwards: `http` (axum handlers) → `domain`
//! (use cases) → `db` (persistence); `federation` (inbox, delivery, fetching)
//! → `domain`. `graph` holds pure network figures and exports. `protocol` holds the ActivityStreams wire types that the domain
//! renders and the federation layer parses.

pub mod app;
pub mod cli;
pub mod config;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod error;
pub mod federation;
pub mod graph;
pub mod http;
pub mod media_store;
pub mod memory;
pub mod progress;
pub mod protocol;
