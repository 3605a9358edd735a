//! Assembling and running the server: open the database, make sure the
//! instance actor exists, build the router and start the delivery workers,
//! the streaming loop and the scheduled jobs (network report, weekly
//! introductions digest, home feed trimming).

use crate::{
    config::Config,
    db::Database,
    domain::{
        Context, accounts, network, network_reports, practice, streaming, timelines, weavers,
    },
    federation::{self, delivery},
    http,
};
use anyhow::Context as _;
use tokio::net::TcpListener;

pub struct App {
    pub ctx: Context,
    pub router: axum::Router,
    pub federation: activitypub_federation::config::FederationConfig<Context>,
}

/// Opens (and migrates) the database named in `config`.
pub async fn open_database(config: &Config) -> anyhow::Result<Database> {
    let url = config.database_url.clone();
    let pool_size = config.database_pool_size;
    let slow_query =
        (config.slow_query_ms > 0).then(|| std::time::Duration::from_millis(config.slow_query_ms));
    tokio::task::spawn_blocking(move || Database::open_logging(&url, pool_size, slow_query))
        .await?
        .with_context(|| format!("opening database {}", redact(&config.database_url)))
}

/// The database URL with any password hidden, for messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

pub async fn build(config: Config) -> anyhow::Result<App> {
    let db = open_database(&config).await?;
    let ctx = Context::new(db, config);
    let instance_actor = accounts::instance_actor(&ctx)
        .await
        .context("creating the instance actor")?;
    network::actor(&ctx)
        .await
        .context("creating the network actor")?;
    practice::fill_missing_keys(&ctx)
        .await
        .context("filling the keys of practice terms")?;
    crate::domain::keys::fill_missing(&ctx)
        .await
        .context("giving local actors their Ed25519 keys")?;
    let federation = federation::federation_config(ctx.clone(), &instance_actor).await?;
    let router = http::router(ctx.clone(), federation.clone());
    Ok(App {
        ctx,
        router,
        federation,
    })
}

/// Serves until SIGTERM or Ctrl-C, with the delivery workers running beside.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let bind = config.bind;
    // The address first: if it is taken, nothing else has started yet and
    // the one error says so.
    let listener = TcpListener::bind(bind).await.with_context(|| {
        format!("cannot listen on {bind} (is another server using it? set TRELLIS_BIND)")
    })?;
    let app = build(config).await?;
    delivery::release_stale_leases(&app.ctx).await?;
    let workers = delivery::Worker::start(app.ctx.clone());
    let streaming = tokio::spawn(streaming::run(app.ctx.clone()));
    let reports = tokio::spawn(network_reports::run(app.ctx.clone()));
    let digest = tokio::spawn(weavers::run(app.ctx.clone()));
    let feeds = tokio::spawn(timelines::trim_home_feeds(app.ctx.clone()));
    let uploads = tokio::spawn(crate::domain::media::sweep_forever(app.ctx.clone()));
    let linked_members = tokio::spawn(federation::linked_members::run(app.federation.clone()));
    let polls = tokio::spawn(crate::domain::polls::close_ended_forever(app.ctx.clone()));
    let media_cache = tokio::spawn(federation::media_cache::run(app.ctx.clone()));
    tracing::info!(%bind, domain = %app.ctx.urls.domain(), "Trellis is listening");
    let streams = app.ctx.streams.clone();
    let served = axum::serve(
        listener,
        // The rate limits count anonymous requests per client address.
        app.router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown_signal().await;
        // Open streams would otherwise hold the shutdown forever.
        streams.close();
    })
    .await;
    workers.stop().await;
    streaming.abort();
    reports.abort();
    digest.abort();
    feeds.abort();
    uploads.abort();
    linked_members.abort();
    polls.abort();
    media_cache.abort();
    served?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .expect("installing the SIGTERM handler");
    tokio::select! {
        _ = ctrl_c => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
