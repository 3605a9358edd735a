//! Works off the delivery queue: claims due rows, signs each request at send
//! time with the sending actor's key, and records the answer. A 2xx removes
//! the row; 408, 429, 5xx and network errors schedule a retry with
//! exponential backoff and jitter; any other 4xx, or running out of retries,
//! marks it failed. Leases make a crashed worker's rows claimable again.
//! Requests are signed with draft-cavage, or with RFC 9421 to servers seen
//! to sign that way themselves (falling back at once, and for good, when
//! one refuses it).

use super::{guard, signatures};
use crate::{
    db::{
        self, accounts, deliveries,
        models::{Delivery, OutgoingActivity},
        signature_standards,
    },
    domain::Context,
    error::Error,
};
use futures::StreamExt;
use std::time::Duration;
use url::Url;

/// How long a claimed delivery stays reserved for the worker that claimed it.
const LEASE: Duration = Duration::from_secs(60);
/// Idle workers look for due retries this often even without a wake-up.
const IDLE_POLL: Duration = Duration::from_secs(1);
/// No single wait between attempts is longer than this.
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(6 * 60 * 60);

/// The wait before retry number `retry` (1-based), before jitter: the base
/// doubled each time, capped at six hours. With the default 30 s base and 18
/// retries the waits add up to about 2.4 days, close to Mastodon's horizon.
pub fn retry_delay(base: Duration, retry: u32) -> Duration {
    let factor = 2u32.saturating_pow(retry.saturating_sub(1));
    base.saturating_mul(factor).min(MAX_RETRY_DELAY)
}

/// ±25% jitter, so deliveries that failed together do not retry together.
fn with_jitter(delay: Duration) -> Duration {
    delay.mul_f64(0.75 + rand::random::<f64>() * 0.5)
}

#[derive(Debug)]
enum Failure {
    Retry(String),
    Final(String),
}

/// An `Undo` or `Reject`: what this server says when it ends follows with
/// a server it is blocking.
fn is_farewell(payload: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|v| v["type"].as_str().map(|t| matches!(t, "Undo" | "Reject")))
        .unwrap_or(false)
}

/// What a batch's deliveries share, read once for all of them: the
/// moderation policy, the sending actors, and the signature standard of
/// each server it goes to.
struct Batch<'a> {
    policy: &'a crate::domain::moderation::Policy,
    senders: std::collections::HashMap<i64, crate::db::models::Account>,
    standards: std::collections::HashMap<String, String>,
}

/// What one delivery came to, and whether its server refused an RFC 9421
/// signature that draft-cavage then carried (the server's host, to be
/// signed to with draft-cavage from now on).
struct Sent {
    outcome: Result<(), Failure>,
    fell_back: Option<String>,
}

/// Which standard signs a request to a server: RFC 9421 where the server
/// was seen to sign that way itself, draft-cavage everywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Standard {
    Rfc9421,
    Cavage,
}

fn sign(
    standard: Standard,
    inbox: &Url,
    body: &[u8],
    actor: &crate::db::models::Account,
    private_key: &str,
) -> Result<Vec<(&'static str, String)>, Failure> {
    let method = &http::Method::POST;
    match standard {
        Standard::Rfc9421 => super::rfc9421::sign_request(
            method,
            inbox,
            Some(body),
            &actor.public_key_id,
            super::rfc9421::SigningKey::Rsa(private_key),
        ),
        Standard::Cavage => {
            signatures::sign_request(method, inbox, Some(body), &actor.public_key_id, private_key)
        }
    }
    .map_err(|e| Failure::Final(e.to_string()))
}

async fn post(
    client: &reqwest::Client,
    inbox: &Url,
    payload: &str,
    headers: Vec<(&'static str, String)>,
) -> Result<http::StatusCode, Failure> {
    let mut request = client
        .post(inbox.clone())
        .header(http::header::CONTENT_TYPE, crate::protocol::CONTENT_TYPE)
        .body(payload.to_string());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| Failure::Retry(format!("network: {e}")))?;
    Ok(response.status())
}

async fn send(
    ctx: &Context,
    client: &reqwest::Client,
    batch: &Batch<'_>,
    delivery: &Delivery,
    activity: &OutgoingActivity,
) -> Sent {
    let mut fell_back = None;
    let outcome = try_send(ctx, client, batch, delivery, activity, &mut fell_back).await;
    Sent { outcome, fell_back }
}

async fn try_send(
    ctx: &Context,
    client: &reqwest::Client,
    batch: &Batch<'_>,
    delivery: &Delivery,
    activity: &OutgoingActivity,
    fell_back: &mut Option<String>,
) -> Result<(), Failure> {
    let inbox = Url::parse(&delivery.inbox_url)
        .map_err(|e| Failure::Final(format!("bad inbox url: {e}")))?;
    guard::check_remote_url(&inbox, ctx.config.federation_dev_mode).map_err(Failure::Final)?;
    // A server blocked after the delivery was queued gets nothing more,
    // but for the Undo and Reject that end our follows with it.
    let host = crate::domain::moderation::host_of(&inbox);
    let refusal = host.as_ref().and_then(|h| batch.policy.refusal(h));
    if let Some(reason) = refusal
        && !is_farewell(&activity.payload)
    {
        return Err(Failure::Final(reason));
    }
    let actor = batch
        .senders
        .get(&activity.actor_account_id)
        .ok_or_else(|| Failure::Final("sending actor no longer exists".into()))?;
    let private_key = actor
        .private_key_pem
        .as_deref()
        .ok_or_else(|| Failure::Final("sending actor has no private key".into()))?;
    let body = activity.payload.as_bytes();
    let standard = match host.as_ref().and_then(|h| batch.standards.get(h)) {
        Some(known) if known == signature_standards::RFC9421 => Standard::Rfc9421,
        _ => Standard::Cavage,
    };
    let headers = sign(standard, &inbox, body, actor, private_key)?;
    let mut status = post(client, &inbox, &activity.payload, headers).await?;
    // A refusal of the newer standard is answered at once with the older
    // one, as Fedify does, and the server is signed to that way from now
    // on; other answers are the server's final word on the activity.
    if standard == Standard::Rfc9421 && matches!(status.as_u16(), 400 | 401 | 403) {
        tracing::info!(host = %delivery.host, %status, "RFC 9421 signature refused; signing with draft-cavage");
        let headers = sign(Standard::Cavage, &inbox, body, actor, private_key)?;
        status = post(client, &inbox, &activity.payload, headers).await?;
        *fell_back = host;
    }
    if status.is_success() {
        return Ok(());
    }
    let reason = format!("{} answered {status}", delivery.host);
    if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 {
        Err(Failure::Retry(reason))
    } else {
        Err(Failure::Final(reason))
    }
}

/// Records what became of a batch's deliveries, in one transaction: a
/// transaction per delivery cost more than signing it. Should the process
/// die before this commits, the leases lapse and the batch is sent again:
/// deliveries stay at least once.
async fn record(ctx: &Context, outcomes: Vec<(Delivery, Sent)>) -> Result<(), Error> {
    let max_retries = ctx.config.delivery_max_retries;
    let base = ctx.config.delivery_retry_base();
    ctx.db
        .write(move |conn| {
            let mut delivered = Vec::new();
            for (delivery, Sent { outcome, fell_back }) in outcomes {
                if let Some(host) = fell_back {
                    signature_standards::set(conn, &host, signature_standards::CAVAGE)?;
                }
                let (id, host) = (delivery.id, &delivery.host);
                let attempts = delivery.attempts + 1;
                match outcome {
                    Ok(()) => delivered.push(id),
                    Err(Failure::Retry(reason)) if (attempts as u32) <= max_retries => {
                        let wait = with_jitter(retry_delay(base, attempts as u32));
                        let next = db::now() + chrono::Duration::from_std(wait).unwrap_or_default();
                        tracing::info!(%host, attempts, ?wait, %reason, "delivery will be retried");
                        deliveries::retry_at(conn, id, attempts, next, &reason)?;
                    }
                    Err(Failure::Retry(reason) | Failure::Final(reason)) => {
                        tracing::warn!(%host, attempts, %reason, "delivery failed for good");
                        deliveries::fail(conn, id, attempts, &reason)?;
                    }
                }
            }
            deliveries::complete_all(conn, &delivered)?;
            Ok(())
        })
        .await
}

/// Claims one batch of due deliveries and sends it; returns how many were
/// attempted.
pub async fn run_once(ctx: &Context, client: &reqwest::Client) -> Result<usize, Error> {
    run_batch(ctx, client, &InFlight::default()).await
}

/// The deliveries this process has claimed and not yet recorded, so that a
/// stop can hand them back.
#[derive(Default)]
struct InFlight(std::sync::Mutex<std::collections::HashSet<i64>>);

impl InFlight {
    fn set(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<i64>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

async fn run_batch(
    ctx: &Context,
    client: &reqwest::Client,
    in_flight: &InFlight,
) -> Result<usize, Error> {
    let batch_size = (ctx.config.delivery_workers * 4) as i64;
    let now = db::now();
    let lease_until = now + chrono::Duration::from_std(LEASE).unwrap_or_default();
    let batch = ctx
        .db
        .write(move |conn| {
            deliveries::claim_due(conn, now, lease_until, batch_size).map_err(Error::from)
        })
        .await?;
    let attempted = batch.len();
    if batch.is_empty() {
        return Ok(0);
    }
    // Read once per batch, not once per delivery.
    let policy = &crate::domain::moderation::policy(ctx).await?;
    let mut actor_ids: Vec<i64> = batch.iter().map(|(_, a)| a.actor_account_id).collect();
    actor_ids.sort_unstable();
    actor_ids.dedup();
    let mut hosts: Vec<String> = batch
        .iter()
        .filter_map(|(delivery, _)| Url::parse(&delivery.inbox_url).ok())
        .filter_map(|inbox| crate::domain::moderation::host_of(&inbox))
        .collect();
    hosts.sort_unstable();
    hosts.dedup();
    let (senders, standards) = ctx
        .db
        .read(move |conn| {
            let senders = accounts::by_ids(conn, &actor_ids)?
                .into_iter()
                .map(|actor| (actor.id, actor))
                .collect();
            let standards = signature_standards::for_hosts(conn, &hosts)?;
            Ok::<_, Error>((senders, standards))
        })
        .await?;
    let shared = &Batch {
        policy,
        senders,
        standards,
    };
    in_flight
        .set()
        .extend(batch.iter().map(|(delivery, _)| delivery.id));
    let outcomes: Vec<(Delivery, Sent)> = futures::stream::iter(batch)
        .map(|(delivery, activity)| async move {
            let sent = send(ctx, client, shared, &delivery, &activity).await;
            (delivery, sent)
        })
        .buffer_unordered(ctx.config.delivery_workers)
        .collect()
        .await;
    let ids: Vec<i64> = outcomes.iter().map(|(delivery, _)| delivery.id).collect();
    if let Err(error) = record(ctx, outcomes).await {
        tracing::error!(%error, deliveries = ids.len(), "could not record delivery attempts");
    }
    let mut in_flight = in_flight.set();
    for id in ids {
        in_flight.remove(&id);
    }
    Ok(attempted)
}

/// How long received activity ids are remembered for deduplication: far
/// longer than any sender keeps retrying.
const REMEMBER_RECEIVED: chrono::Duration = chrono::Duration::days(14);
/// How long failed deliveries stay visible in `trellis admin queue`, and
/// delivered activities are kept.
const KEEP_FINISHED: chrono::Duration = chrono::Duration::days(14);
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);

async fn prune(ctx: &Context) -> Result<(), Error> {
    let now = db::now();
    let pruned = ctx
        .db
        .write(move |conn| {
            crate::db::statuses::prune_idempotency_keys(conn, now - chrono::Duration::days(1))?;
            deliveries::prune(conn, now - REMEMBER_RECEIVED, now - KEEP_FINISHED)
                .map_err(Error::from)
        })
        .await?;
    tracing::debug!(?pruned, "pruned old queue and dedupe rows");
    Ok(())
}

/// How long a stopping server lets the deliveries it is sending finish
/// before it hands the rest back to the queue.
const DRAIN: Duration = Duration::from_secs(3);

/// The running delivery worker, stopped with [`Worker::stop`].
pub struct Worker {
    ctx: Context,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    in_flight: std::sync::Arc<InFlight>,
}

impl Worker {
    /// Starts the worker loop, which runs until [`Worker::stop`].
    pub fn start(ctx: Context) -> Worker {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let in_flight = std::sync::Arc::new(InFlight::default());
        let task = tokio::spawn(run(ctx.clone(), stopped, in_flight.clone()));
        Worker {
            ctx,
            stop,
            task,
            in_flight,
        }
    }

    /// Stops claiming deliveries, gives the ones being sent a moment to
    /// finish and be recorded, and frees the leases of any still going, so
    /// they are due at once for the next process rather than when their
    /// lease runs out.
    pub async fn stop(mut self) {
        let _ = self.stop.send(true);
        if tokio::time::timeout(DRAIN, &mut self.task).await.is_ok() {
            return;
        }
        self.task.abort();
        let _ = (&mut self.task).await;
        let ids: Vec<i64> = self.in_flight.set().drain().collect();
        if ids.is_empty() {
            return;
        }
        let released = self
            .ctx
            .db
            .write(move |conn| deliveries::release_leases(conn, &ids).map_err(Error::from))
            .await;
        match released {
            Ok(count) => tracing::info!(count, "handed unfinished deliveries back to the queue"),
            Err(error) => {
                tracing::warn!(%error, "could not free delivery leases; they lapse in a minute")
            }
        }
    }
}

/// The worker loop: runs until `stopped` turns true.
async fn run(
    ctx: Context,
    mut stopped: tokio::sync::watch::Receiver<bool>,
    in_flight: std::sync::Arc<InFlight>,
) {
    let client = super::http_client(ctx.config.federation_dev_mode);
    let mut next_prune = tokio::time::Instant::now();
    while !*stopped.borrow() {
        if tokio::time::Instant::now() >= next_prune {
            if let Err(error) = prune(&ctx).await {
                tracing::error!(%error, "pruning the queue failed");
            }
            next_prune += PRUNE_EVERY;
        }
        let idle = match run_batch(&ctx, &client, &in_flight).await {
            Ok(0) => IDLE_POLL,
            Ok(_) => continue,
            Err(error) => {
                tracing::error!(%error, "delivery queue unavailable");
                IDLE_POLL
            }
        };
        tokio::select! {
            () = ctx.wait_for_deliveries(idle) => {}
            _ = stopped.changed() => {}
        }
    }
}

/// Frees leases left by a previous process. Only for SQLite, where this
/// process is the queue's only worker.
pub async fn release_stale_leases(ctx: &Context) -> Result<(), Error> {
    if ctx.db.backend() != db::Backend::Sqlite {
        return Ok(());
    }
    let released = ctx
        .db
        .write(|conn| deliveries::release_all_leases(conn).map_err(Error::from))
        .await?;
    if released > 0 {
        tracing::info!(released, "released delivery leases left by a previous run");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_schedule_spans_two_to_three_days() {
        let base = Duration::from_secs(30);
        let total: Duration = (1..=18).map(|retry| retry_delay(base, retry)).sum();
        let days = total.as_secs_f64() / 86_400.0;
        assert!((2.0..=3.0).contains(&days), "{days} days");
        assert_eq!(retry_delay(base, 1), base);
        assert_eq!(retry_delay(base, 2), base * 2);
        assert_eq!(retry_delay(base, 18), MAX_RETRY_DELAY);
        assert_eq!(retry_delay(base, 500), MAX_RETRY_DELAY);
    }

    #[test]
    fn jitter_stays_within_a_quarter() {
        for _ in 0..1000 {
            let d = with_jitter(Duration::from_secs(100)).as_secs_f64();
            assert!((75.0..=125.0).contains(&d), "{d}");
        }
    }
}
