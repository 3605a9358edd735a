//! The ActivityPub edge: fetching remote objects, receiving activities in
//! the inbox, and delivering queued activities. Built on the
//! activitypub_federation crate for dereferencing, caching and URL checks;
//! HTTP signatures and the delivery queue are Trellis's own (see
//! `signatures` and `delivery`).

pub mod backfill;
pub mod delivery;
pub mod guard;
pub mod inbox;
pub mod intake;
pub mod linked_members;
pub mod media_cache;
pub mod objects;
pub mod resolve;
pub mod rfc9421;
pub mod signatures;

use crate::{db::models::Account, domain::Context};
use activitypub_federation::{
    config::{FederationConfig, UrlVerifier},
    resolver::ValidatingDnsResolver,
};
use reqwest_middleware::{ClientWithMiddleware, Middleware, Next};
use std::time::Duration;
use url::Url;

pub type Data = activitypub_federation::config::Data<Context>;

/// Remote servers must answer within this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// At most this many objects are fetched while handling one request, so a
/// crafted chain of replies cannot keep the server fetching forever.
pub const FETCH_LIMIT: u32 = 20;

/// An HTTP client for talking to other servers. Outside dev mode its DNS
/// resolver refuses names that point at loopback or private addresses, and
/// it never follows redirects on its own.
pub fn http_client(dev_mode: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .user_agent(concat!("Trellis/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(ValidatingDnsResolver::new(Vec::new(), !dev_mode))
        .build()
        .expect("static client settings")
}

/// Signs every GET with the instance actor's key, so servers that require
/// signed fetches ("authorized fetch") answer.
struct SignFetches {
    key_id: String,
    private_key_pem: String,
}

#[async_trait::async_trait]
impl Middleware for SignFetches {
    async fn handle(
        &self,
        mut req: reqwest::Request,
        extensions: &mut http::Extensions,
        next: Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        if req.method() == http::Method::GET {
            let headers = signatures::sign_request(
                req.method(),
                req.url(),
                None,
                &self.key_id,
                &self.private_key_pem,
            )
            .map_err(|e| reqwest_middleware::Error::Middleware(e.into()))?;
            for (name, value) in headers {
                let value = http::HeaderValue::from_str(&value)
                    .map_err(|e| reqwest_middleware::Error::Middleware(e.into()))?;
                req.headers_mut().insert(name, value);
            }
        }
        next.run(req, extensions).await
    }
}

/// Refuses URLs the guard refuses, and servers the admins blocked (or, in
/// allowlist mode, did not allow), before the crate fetches them.
#[derive(Clone)]
struct GuardUrls {
    ctx: Context,
}

#[async_trait::async_trait]
impl UrlVerifier for GuardUrls {
    async fn verify(&self, url: &Url) -> Result<(), activitypub_federation::error::Error> {
        use activitypub_federation::error::Error as Refused;
        guard::check_remote_url(url, self.ctx.config.federation_dev_mode)
            .map_err(|_| Refused::UrlVerificationError("refused by Trellis's URL guard"))?;
        if self.ctx.urls.is_local(url) {
            return Ok(());
        }
        crate::domain::moderation::check_url(&self.ctx, url)
            .await
            .map_err(|_| Refused::UrlVerificationError("the server is blocked or not allowed"))
    }
}

pub async fn federation_config(
    ctx: Context,
    instance_actor: &Account,
) -> anyhow::Result<FederationConfig<Context>> {
    let dev_mode = ctx.config.federation_dev_mode;
    let ctx_for_urls = ctx.clone();
    let private_key_pem = instance_actor
        .private_key_pem
        .clone()
        .ok_or_else(|| anyhow::anyhow!("the instance actor has no private key"))?;
    let client: ClientWithMiddleware =
        reqwest_middleware::ClientBuilder::new(http_client(dev_mode))
            .with(SignFetches {
                key_id: instance_actor.public_key_id.clone(),
                private_key_pem,
            })
            .build();
    Ok(FederationConfig::builder()
        .domain(ctx.urls.domain())
        .app_data(ctx)
        .client(client)
        .debug(dev_mode)
        .http_fetch_limit(FETCH_LIMIT)
        .request_timeout(REQUEST_TIMEOUT)
        .url_verifier(Box::new(GuardUrls { ctx: ctx_for_urls }))
        .build()
        .await?)
}
