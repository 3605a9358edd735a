//! Rate limits on the client API and OAuth, after Mastodon's
//! (https://docs.joinmastodon.org/api/rate-limits/). This module owns the
//! counters and the middleware that consults them: it picks the buckets a
//! request falls into, counts the request in each, answers `429` before any
//! handler runs once one of them is used up, and reports the bucket closest
//! to its limit in `X-RateLimit-*` headers. Counters are fixed windows kept
//! in this process's memory.

use crate::{
    config::{Config, ProxyRange},
    domain::Context,
};
use axum::{
    Json,
    extract::{ConnectInfo, Request, State},
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use std::{
    collections::HashMap,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    sync::{Arc, Mutex, PoisonError},
    time::{Duration, Instant},
};

const LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");

/// A counter map is swept of finished windows once it holds this many
/// entries; below it a sweep would cost more than the memory it frees.
const FIRST_SWEEP: usize = 1024;

/// The limits in force, built once from the settings and shared by every
/// request.
pub struct RateLimits {
    /// Every `/api/` and `/oauth/` request, per valid access token or,
    /// without one, per client address.
    requests: Option<Limiter>,
    /// Every `/api/` and `/oauth/` request per client address, tokens or
    /// not, with a higher limit: one address holding many valid tokens
    /// still has a ceiling.
    per_address: Option<Limiter>,
    /// `POST /api/v1/accounts` and the sign-up page, per client address.
    sign_up: Option<Limiter>,
    /// `POST /oauth/token`, `POST /oauth/authorize` and the log-in page,
    /// the places that take a password or a code, per client address.
    sign_in: Option<Limiter>,
    trusted_proxies: Vec<ProxyRange>,
}

/// What a request is counted against: the SHA-256 of its access token, so
/// that the map never holds a usable credential, or the client's address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Key {
    Token([u8; 32]),
    Address(IpAddr),
}

impl Key {
    fn token(token: &str) -> Key {
        Key::Token(Sha256::digest(token.as_bytes()).into())
    }
}

/// Where one request stands in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Verdict {
    limit: u32,
    remaining: u32,
    resets_in: Duration,
    allowed: bool,
}

/// One bucket: at most `limit` requests per key in each window, a window
/// starting with the first request a key makes after the previous one ended.
struct Limiter {
    name: &'static str,
    limit: u32,
    window: Duration,
    counters: Mutex<Counters>,
}

struct Counters {
    windows: HashMap<Key, Window>,
    sweep_at: usize,
}

struct Window {
    ends: Instant,
    used: u32,
}

impl Limiter {
    /// None when `limit` is 0, the setting that turns a bucket off.
    fn new(name: &'static str, limit: u32, window_seconds: u64) -> Option<Limiter> {
        (limit > 0).then(|| Limiter {
            name,
            limit,
            window: Duration::from_secs(window_seconds),
            counters: Mutex::new(Counters {
                windows: HashMap::new(),
                sweep_at: FIRST_SWEEP,
            }),
        })
    }

    /// Counts one request by `key` at `now`. Refused requests count too, as
    /// in Mastodon; it changes nothing for the key, whose window is spent.
    fn hit(&self, key: Key, now: Instant) -> Verdict {
        // A panic elsewhere while the lock was held leaves nothing half
        // written worth refusing every later request over.
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        counters.sweep(now);
        let window = counters.windows.entry(key).or_insert(Window {
            ends: now + self.window,
            used: 0,
        });
        if window.ends <= now {
            *window = Window {
                ends: now + self.window,
                used: 0,
            };
        }
        window.used = window.used.saturating_add(1);
        if window.used > self.limit {
            tracing::debug!(bucket = self.name, "rate limit reached");
        }
        Verdict {
            limit: self.limit,
            remaining: self.limit.saturating_sub(window.used),
            resets_in: window.ends - now,
            allowed: window.used <= self.limit,
        }
    }
}

impl Counters {
    /// Drops finished windows once the map has grown to `sweep_at`, then
    /// moves `sweep_at` to twice what is left. The map so never holds more
    /// than `FIRST_SWEEP` entries or twice the most keys that had a window
    /// running at one time, and the cost of a sweep is spread over the
    /// inserts that led up to it.
    fn sweep(&mut self, now: Instant) {
        if self.windows.len() < self.sweep_at {
            return;
        }
        self.windows.retain(|_, window| window.ends > now);
        self.sweep_at = (self.windows.len() * 2).max(FIRST_SWEEP);
    }
}

impl RateLimits {
    pub fn new(config: &Config) -> RateLimits {
        RateLimits {
            requests: Limiter::new(
                "requests",
                config.rate_limit_requests,
                config.rate_limit_window_seconds,
            ),
            per_address: Limiter::new(
                "address",
                config.rate_limit_address_requests,
                config.rate_limit_window_seconds,
            ),
            sign_up: Limiter::new(
                "sign-up",
                config.rate_limit_sign_up_requests,
                config.rate_limit_sign_up_window_seconds,
            ),
            sign_in: Limiter::new(
                "sign-in",
                config.rate_limit_sign_in_requests,
                config.rate_limit_sign_in_window_seconds,
            ),
            trusted_proxies: config.trusted_proxies.clone(),
        }
    }

    /// Counts a request to a [`limited`] path in every bucket it falls into
    /// and returns the verdict to answer with: a refusal if any bucket
    /// refuses (the one that frees up last, since the client must wait for
    /// it), else the bucket with the fewest requests left, as Mastodon
    /// reports, and of two such the one that takes longer to free up. None
    /// when every bucket that applies is turned off.
    fn check(
        &self,
        method: &Method,
        path: &str,
        token: Option<&str>,
        client: IpAddr,
        now: Instant,
    ) -> Option<Verdict> {
        let post = method == Method::POST;
        let requester = token.map_or(Key::Address(client), Key::token);
        let buckets = [
            (self.requests.as_ref(), requester, true),
            (self.per_address.as_ref(), Key::Address(client), true),
            (
                self.sign_up.as_ref(),
                Key::Address(client),
                post && (path == "/api/v1/accounts" || path == "/signup"),
            ),
            (
                self.sign_in.as_ref(),
                Key::Address(client),
                post && matches!(path, "/oauth/token" | "/oauth/authorize" | "/login"),
            ),
        ];
        let verdicts: Vec<Verdict> = buckets
            .into_iter()
            .filter(|(_, _, applies)| *applies)
            .filter_map(|(limiter, key, _)| Some(limiter?.hit(key, now)))
            .collect();
        let refused = verdicts
            .iter()
            .filter(|verdict| !verdict.allowed)
            .max_by_key(|verdict| verdict.resets_in);
        let closest = || {
            verdicts
                .iter()
                .min_by_key(|verdict| (verdict.remaining, std::cmp::Reverse(verdict.resets_in)))
        };
        refused.or_else(closest).copied()
    }

    /// The client's address: the peer, unless the peer is a trusted proxy,
    /// in which case `X-Forwarded-For` is read from the right (the hop
    /// nearest to us) and the first address not itself a trusted proxy is
    /// the client. Entries to the left of that one were written by the
    /// client and prove nothing.
    fn client_address(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.is_trusted(client) {
            return client;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.into_iter().rev() {
            let Some(address) = parse_hop(hop) else {
                // Garbage from a proxy we trust: the last hop we could read
                // is the best answer left.
                break;
            };
            client = address;
            if !self.is_trusted(address) {
                break;
            }
        }
        client
    }

    fn is_trusted(&self, address: IpAddr) -> bool {
        self.trusted_proxies
            .iter()
            .any(|range| range.contains(address))
    }
}

/// Whether a path is counted at all: the client API and OAuth are, while
/// federation, discovery and the web pages answer other servers and
/// browsers, whose traffic these limits were not made for.
fn limited(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/oauth/") || is_page_with_password(path)
}

/// The pages that take a password, limited like the OAuth form.
fn is_page_with_password(path: &str) -> bool {
    matches!(path, "/login" | "/signup")
}

/// One `X-Forwarded-For` entry: an address, or an address with a port as
/// some proxies write it.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|socket| socket.ip()))
        .ok()
        .map(|address| address.to_canonical())
}

/// The access token a request carries, from the `Authorization` header or,
/// for clients that cannot set headers (WebSocket in a browser), from the
/// `access_token` query parameter.
fn access_token(request: &Request) -> Option<String> {
    super::auth::request_token(request.headers(), request.uri())
}

/// The request's token if it is a valid one. The grant is left in the
/// request for the handler, which so looks a valid token up only once; a
/// refused token is looked up again there, to answer with its reason.
async fn authenticated(ctx: &Context, request: &mut Request) -> Option<String> {
    let token = access_token(request)?;
    let grant = crate::domain::oauth::grant_for_token(ctx, &token)
        .await
        .ok()?;
    request.extensions_mut().insert(super::auth::CheckedToken {
        token: token.clone(),
        grant,
    });
    Some(token)
}

/// The middleware. A request over a limit is answered here and never
/// reaches its handler.
pub async fn limit(
    State((limits, ctx)): State<(Arc<RateLimits>, Context)>,
    mut request: Request,
    next: Next,
) -> Response {
    if !limited(request.uri().path()) {
        return next.run(request).await;
    }
    // Without ConnectInfo (a router served without it) every client shares
    // one address; the server proper always provides it.
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let client = limits.client_address(peer, request.headers());
    // Only a token that is valid has a bucket of its own: counted before
    // it was checked, a new made-up token would buy a fresh allowance.
    let token = authenticated(&ctx, &mut request).await;
    // Both clocks are read together: windows are timed on the monotonic
    // one, and the reset time is told on the wall clock, which must not
    // drift by however long the handler takes.
    let (now, wall_clock) = (Instant::now(), chrono::Utc::now());
    let verdict = limits.check(
        request.method(),
        request.uri().path(),
        token.as_deref(),
        client,
        now,
    );
    let Some(verdict) = verdict else {
        return next.run(request).await;
    };
    let page = is_page_with_password(request.uri().path());
    let mut response = if verdict.allowed {
        next.run(request).await
    } else if page {
        too_many_attempts_page(verdict.resets_in)
    } else {
        too_many_requests(verdict.resets_in)
    };
    set_headers(response.headers_mut(), verdict, wall_clock);
    response
}

/// Seconds until the window resets, rounded up so that a client which
/// waits exactly that long gets in.
fn retry_after(resets_in: Duration) -> u64 {
    resets_in.as_secs() + u64::from(resets_in.subsec_nanos() > 0)
}

#[derive(askama::Template)]
#[template(path = "too_many_attempts.html")]
struct TooManyAttempts {
    seconds: u64,
}

/// A browser over the limit gets a page, not JSON.
fn too_many_attempts_page(resets_in: Duration) -> Response {
    let seconds = retry_after(resets_in);
    let html = askama::Template::render(&TooManyAttempts { seconds })
        .unwrap_or_else(|_| "Too many attempts".into());
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, seconds.to_string())],
        axum::response::Html(html),
    )
        .into_response()
}

fn too_many_requests(resets_in: Duration) -> Response {
    // Retry-After is for HTTP clients that know nothing of X-RateLimit-*.
    let retry_after = retry_after(resets_in);
    (
        StatusCode::TOO_MANY_REQUESTS,
        [(header::RETRY_AFTER, retry_after.to_string())],
        Json(serde_json::json!({ "error": "Too many requests" })),
    )
        .into_response()
}

fn set_headers(headers: &mut HeaderMap, verdict: Verdict, now: chrono::DateTime<chrono::Utc>) {
    let reset = now + chrono::TimeDelta::from_std(verdict.resets_in).unwrap_or_default();
    let reset = reset.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    headers.insert(LIMIT, HeaderValue::from(verdict.limit));
    headers.insert(REMAINING, HeaderValue::from(verdict.remaining));
    headers.insert(
        RESET,
        HeaderValue::from_str(&reset).expect("a timestamp is a valid header value"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECOND: Duration = Duration::from_secs(1);

    fn limits(pairs: &[(&str, &str)]) -> RateLimits {
        let mut config = Config::default();
        for (name, value) in pairs {
            match *name {
                "requests" => config.rate_limit_requests = value.parse().unwrap(),
                "address" => config.rate_limit_address_requests = value.parse().unwrap(),
                "sign_up" => config.rate_limit_sign_up_requests = value.parse().unwrap(),
                "sign_in" => config.rate_limit_sign_in_requests = value.parse().unwrap(),
                "proxies" => {
                    config.trusted_proxies = value
                        .split(' ')
                        .filter(|v| !v.is_empty())
                        .map(|v| v.parse().unwrap())
                        .collect()
                }
                other => panic!("unknown setting {other}"),
            }
        }
        RateLimits::new(&config)
    }

    fn address(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_window_counts_down_then_refuses_until_it_ends() {
        let limiter = Limiter::new("test", 3, 60).unwrap();
        let key = Key::Address(address("192.0.2.1"));
        let start = Instant::now();
        let remaining: Vec<(u32, bool)> = (0..5)
            .map(|i| limiter.hit(key, start + i * SECOND))
            .map(|verdict| (verdict.remaining, verdict.allowed))
            .collect();
        assert_eq!(
            remaining,
            [(2, true), (1, true), (0, true), (0, false), (0, false)]
        );
        let late = limiter.hit(key, start + 59 * SECOND);
        assert!(!late.allowed);
        assert_eq!(late.resets_in, SECOND, "the window runs from the first hit");

        let next = limiter.hit(key, start + 60 * SECOND);
        assert!(next.allowed);
        assert_eq!(next.remaining, 2);
        assert_eq!(next.resets_in, 60 * SECOND);
    }

    #[test]
    fn keys_are_counted_apart() {
        let limiter = Limiter::new("test", 1, 60).unwrap();
        let now = Instant::now();
        assert!(limiter.hit(Key::token("alice"), now).allowed);
        assert!(!limiter.hit(Key::token("alice"), now).allowed);
        assert!(limiter.hit(Key::token("bob"), now).allowed);
        assert!(limiter.hit(Key::Address(address("192.0.2.1")), now).allowed);
        assert!(limiter.hit(Key::Address(address("192.0.2.2")), now).allowed);
    }

    #[test]
    fn zero_turns_a_bucket_off() {
        assert!(Limiter::new("test", 0, 60).is_none());
        let off = limits(&[
            ("requests", "0"),
            ("address", "0"),
            ("sign_up", "0"),
            ("sign_in", "0"),
        ]);
        let client = address("192.0.2.1");
        let now = Instant::now();
        for _ in 0..1000 {
            assert_eq!(
                off.check(&Method::POST, "/api/v1/accounts", None, client, now),
                None
            );
        }
    }

    #[test]
    fn finished_windows_are_swept_once_the_map_is_large() {
        let limiter = Limiter::new("test", 1, 60).unwrap();
        let start = Instant::now();
        let keys = |from: u32| {
            (from..from + FIRST_SWEEP as u32).map(|n| Key::Address(IpAddr::V4(n.into())))
        };
        for key in keys(0) {
            limiter.hit(key, start);
        }
        let size = |limiter: &Limiter| limiter.counters.lock().unwrap().windows.len();
        assert_eq!(size(&limiter), FIRST_SWEEP);
        // Once those windows have ended, the next insert clears them away.
        limiter.hit(Key::token("late"), start + 60 * SECOND);
        assert_eq!(size(&limiter), 1);

        // Live windows are kept, and the threshold rises above them.
        for key in keys(1_000_000) {
            limiter.hit(key, start + 61 * SECOND);
        }
        limiter.hit(Key::token("later"), start + 62 * SECOND);
        assert_eq!(size(&limiter), FIRST_SWEEP + 2);
        assert!(!limiter.hit(Key::token("late"), start + 62 * SECOND).allowed);
    }

    #[test]
    fn only_the_client_api_and_oauth_are_limited() {
        for path in [
            "/inbox",
            "/users/alice",
            "/@alice",
            "/.well-known/webfinger",
            "/.well-known/oauth-authorization-server",
            "/health",
            "/",
        ] {
            assert!(!limited(path), "{path}");
        }
        assert!(limited("/api/v1/instance"));
        assert!(limited("/oauth/token"));

        let limits = limits(&[("requests", "1")]);
        let client = address("192.0.2.1");
        let now = Instant::now();
        let first = limits.check(&Method::GET, "/api/v1/instance", None, client, now);
        assert!(first.unwrap().allowed);
        let second = limits.check(&Method::GET, "/oauth/authorize", None, client, now);
        assert!(!second.unwrap().allowed, "one bucket for the API and OAuth");
    }

    #[test]
    fn made_up_tokens_do_not_escape_the_address_limit() {
        let limits = limits(&[("requests", "2"), ("address", "3")]);
        let client = address("192.0.2.1");
        let now = Instant::now();
        for n in 0..3 {
            let token = format!("invented-{n}");
            let verdict = limits.check(&Method::GET, "/api/v1/instance", Some(&token), client, now);
            assert!(verdict.unwrap().allowed, "request {n}");
        }
        let fourth = limits.check(
            &Method::GET,
            "/api/v1/instance",
            Some("invented-3"),
            client,
            now,
        );
        assert!(!fourth.unwrap().allowed);
        let elsewhere = limits.check(
            &Method::GET,
            "/api/v1/instance",
            Some("invented-4"),
            address("192.0.2.2"),
            now,
        );
        assert!(elsewhere.unwrap().allowed);
    }

    #[test]
    fn a_token_has_its_own_bucket_and_sign_ups_stay_per_address() {
        let limits = limits(&[("requests", "2"), ("sign_up", "1")]);
        let client = address("192.0.2.1");
        let now = Instant::now();
        let check = |method: &Method, path: &str, token: Option<&str>| {
            limits.check(method, path, token, client, now).unwrap()
        };
        assert_eq!(check(&Method::GET, "/api/v1/instance", None).remaining, 1);
        assert_eq!(
            check(&Method::GET, "/api/v1/instance", Some("t1")).remaining,
            1
        );

        // A sign-up counts in the token's bucket and in the address's sign-up
        // bucket, and reports the one closer to its limit.
        let sign_up = check(&Method::POST, "/api/v1/accounts", Some("t1"));
        assert_eq!((sign_up.limit, sign_up.remaining), (1, 0));
        assert!(sign_up.allowed);
        // A fresh token does not buy another sign-up from the same address.
        let again = check(&Method::POST, "/api/v1/accounts", Some("t2"));
        assert_eq!((again.limit, again.allowed), (1, false));
        let elsewhere = limits.check(
            &Method::POST,
            "/api/v1/accounts",
            Some("t3"),
            address("192.0.2.2"),
            now,
        );
        assert!(elsewhere.unwrap().allowed);
        // Only POST signs up.
        assert_eq!(check(&Method::GET, "/api/v1/accounts", Some("t2")).limit, 2);
    }

    #[test]
    fn sign_in_covers_the_token_endpoint_and_the_login_form() {
        let limits = limits(&[("sign_in", "2")]);
        let client = address("192.0.2.1");
        let now = Instant::now();
        let check = |path: &str| {
            limits
                .check(&Method::POST, path, None, client, now)
                .unwrap()
        };
        assert!(check("/oauth/token").allowed);
        assert!(check("/oauth/authorize").allowed);
        let third = check("/oauth/token");
        assert_eq!((third.limit, third.allowed), (2, false));
        assert!(check("/oauth/revoke").allowed);
    }

    #[test]
    fn forwarded_for_counts_only_from_a_trusted_proxy() {
        let limits = limits(&[("proxies", "127.0.0.1 10.0.0.0/8")]);
        let forwarded = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert("x-forwarded-for", value.parse().unwrap());
            headers
        };
        let client =
            |peer: &str, headers: &HeaderMap| limits.client_address(address(peer), headers);

        assert_eq!(
            client("198.51.100.9", &forwarded("203.0.113.5")),
            address("198.51.100.9"),
            "an untrusted peer cannot pick its address"
        );
        assert_eq!(client("127.0.0.1", &HeaderMap::new()), address("127.0.0.1"));
        assert_eq!(
            client("127.0.0.1", &forwarded("203.0.113.5")),
            address("203.0.113.5")
        );
        assert_eq!(
            client("::ffff:127.0.0.1", &forwarded("203.0.113.5:4711")),
            address("203.0.113.5")
        );
        // A client that writes its own header cannot hide behind it: the
        // proxies append, so the rightmost untrusted hop is the real one.
        assert_eq!(
            client("127.0.0.1", &forwarded("192.0.2.66, 203.0.113.5, 10.1.2.3")),
            address("203.0.113.5")
        );
        assert_eq!(
            client("127.0.0.1", &forwarded("10.9.9.9, 10.1.2.3")),
            address("10.9.9.9"),
            "all hops trusted: the farthest is the client"
        );
        assert_eq!(
            client("127.0.0.1", &forwarded("203.0.113.5, unknown, 10.1.2.3")),
            address("10.1.2.3")
        );
    }

    #[test]
    fn tokens_are_found_in_the_header_or_the_query() {
        let request = |uri: &str, authorization: Option<&str>| {
            let mut builder = axum::http::Request::builder().uri(uri);
            if let Some(value) = authorization {
                builder = builder.header(header::AUTHORIZATION, value);
            }
            builder.body(axum::body::Body::empty()).unwrap()
        };
        assert_eq!(
            access_token(&request("/api/v1/instance", Some("Bearer abc"))).as_deref(),
            Some("abc")
        );
        assert_eq!(
            access_token(&request("/api/v1/instance", Some("bearer  abc "))).as_deref(),
            Some("abc")
        );
        assert_eq!(
            access_token(&request("/api/v1/streaming?access_token=a%2Bb", None)).as_deref(),
            Some("a+b")
        );
        assert_eq!(
            access_token(&request(
                "/api/v1/instance?access_token=q",
                Some("Bearer h")
            ))
            .as_deref(),
            Some("h")
        );
        assert_eq!(
            access_token(&request("/api/v1/instance", Some("Basic abc"))),
            None
        );
        assert_eq!(
            access_token(&request("/api/v1/instance?access_token=", None)),
            None
        );
    }

    #[test]
    fn headers_follow_mastodon() {
        let mut headers = HeaderMap::new();
        let verdict = Verdict {
            limit: 300,
            remaining: 157,
            resets_in: Duration::from_millis(90_250),
            allowed: true,
        };
        let now = "2026-03-22T22:08:30Z".parse().unwrap();
        set_headers(&mut headers, verdict, now);
        assert_eq!(headers[&LIMIT], "300");
        assert_eq!(headers[&REMAINING], "157");
        assert_eq!(headers[&RESET], "2026-03-22T22:10:00.250Z");

        let refused = too_many_requests(Duration::from_millis(1500));
        assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(refused.headers()[header::RETRY_AFTER], "2");
    }
}
