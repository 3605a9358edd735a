//! Typed settings. Each value comes from its default, then the TOML file, then
//! a `TRELLIS_*` environment variable, so a deployment can keep secrets out of
//! the file and tests can start instances with nothing but environment.

use serde::Deserialize;
use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr},
    path::Path,
    time::Duration,
};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Host (and port) used in every id this instance mints. It cannot change
    /// once the instance has federated: remote servers key everything on it.
    pub domain: String,
    pub bind: SocketAddr,
    pub database_url: String,
    pub database_pool_size: u32,
    /// Where uploaded images (and their previews) are kept.
    pub media_dir: std::path::PathBuf,
    /// The bound of the copies kept of other servers' media, in MiB; 0
    /// keeps none, and members' browsers load it from its servers.
    pub media_cache_mib: u64,
    /// Allows `http://` ids and requests to loopback and private addresses,
    /// which is what local multi-instance testing needs and what production
    /// must refuse.
    pub federation_dev_mode: bool,
    pub delivery_retry_base_seconds: u64,
    pub delivery_max_retries: u32,
    pub delivery_workers: usize,
    pub instance_name: String,
    /// Who may sign up through the API: anyone, anyone with an admin's
    /// approval, or no one (admins create accounts).
    pub registrations: Registrations,
    /// Who may start communities of practice.
    pub community_creation: CommunityCreation,
    /// `open`: any server may federate unless blocked; `allowlist`: only
    /// the servers admins allowed.
    pub federation_mode: FederationMode,
    /// Who may read the list of blocked servers at
    /// `/api/v1/instance/domain_blocks` (with their public comments).
    pub domain_blocks_visibility: Visibility,
    /// Client API and OAuth requests one access token, or one client address
    /// when there is no token, may make per window; 0 turns the limit off.
    pub rate_limit_requests: u32,
    pub rate_limit_window_seconds: u64,
    /// Client API and OAuth requests one client address may make per window
    /// (the same window), whatever tokens they carry: without it, a client
    /// sending a new made-up token each time would never run out.
    pub rate_limit_address_requests: u32,
    /// Sign-ups (`POST /api/v1/accounts`) per client address and window,
    /// kept low so that one address cannot fill the server with accounts.
    pub rate_limit_sign_up_requests: u32,
    pub rate_limit_sign_up_window_seconds: u64,
    /// Token requests and logins (`POST /oauth/token`, `POST
    /// /oauth/authorize`) per client address and window, to slow down
    /// password guessing.
    pub rate_limit_sign_in_requests: u32,
    pub rate_limit_sign_in_window_seconds: u64,
    /// Peers whose `X-Forwarded-For` is believed when the rate limits look for
    /// the client's address; anyone else could name any address there.
    pub trusted_proxies: Vec<ProxyRange>,
    /// How often the network measures itself: its report to the networks
    /// it shares with, and a snapshot of the health figures for the
    /// history. Once a day by default.
    pub network_report_interval_seconds: u64,
    /// Keep the measurement the network takes as the server starts as the
    /// cached map, so the first visitors to the map and the health report
    /// do not wait for a load (seconds on a large network). Off, the first
    /// request loads it: the test harness turns it off, so that what a
    /// test writes right after the start shows at once.
    pub warm_network_map: bool,
    /// Log each database statement that takes at least this many
    /// milliseconds (a warning naming the statement, never its values);
    /// 0 logs none.
    pub slow_query_ms: u64,
    /// Entries each home feed keeps; older pages are read from the
    /// statuses of whom the member follows.
    pub home_feed_length: i64,
    /// How often home feeds are trimmed to `home_feed_length`.
    pub home_feed_trim_interval_seconds: u64,
    /// The shortest time a member's poll may run; apps read it from the
    /// instance's configuration.
    pub poll_min_expiration_seconds: i64,
}

/// The longest rate-limit window: anything longer is more likely a typo than
/// a policy, and keeps every counter in memory just as long.
const MAX_RATE_LIMIT_WINDOW_SECONDS: u64 = 7 * 24 * 60 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registrations {
    Open,
    Approval,
    Closed,
}

/// Which servers may federate with this one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FederationMode {
    /// Every server but those blocked.
    Open,
    /// Only the servers on the allowlist.
    Allowlist,
}

impl std::str::FromStr for FederationMode {
    type Err = String;

    fn from_str(value: &str) -> Result<FederationMode, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(FederationMode::Open),
            "allowlist" => Ok(FederationMode::Allowlist),
            other => Err(format!("expected open or allowlist, got {other:?}")),
        }
    }
}

/// Who may see something the server publishes about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Everyone,
    Members,
    Admins,
}

impl std::str::FromStr for Visibility {
    type Err = String;

    fn from_str(value: &str) -> Result<Visibility, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "everyone" => Ok(Visibility::Everyone),
            "members" => Ok(Visibility::Members),
            "admins" => Ok(Visibility::Admins),
            other => Err(format!(
                "expected everyone, members or admins, got {other:?}"
            )),
        }
    }
}

/// Who may start a community of practice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunityCreation {
    /// Any member.
    Members,
    /// Only administrators (and the command line).
    Admins,
}

impl std::str::FromStr for CommunityCreation {
    type Err = String;

    fn from_str(value: &str) -> Result<CommunityCreation, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "members" => Ok(CommunityCreation::Members),
            "admins" => Ok(CommunityCreation::Admins),
            other => Err(format!("expected members or admins, got {other:?}")),
        }
    }
}

impl std::str::FromStr for Registrations {
    type Err = String;

    fn from_str(value: &str) -> Result<Registrations, String> {
        match value.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Registrations::Open),
            "approval" => Ok(Registrations::Approval),
            "closed" => Ok(Registrations::Closed),
            other => Err(format!("expected open, approval or closed, got {other:?}")),
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            domain: "localhost:8080".into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://trellis.db".into(),
            database_pool_size: 8,
            // Beside the default database: the data directory.
            media_dir: "media".into(),
            // A gigabyte holds some ten thousand photos: weeks of a town
            // network's timeline.
            media_cache_mib: 1024,
            federation_dev_mode: false,
            // 30 s catches a peer's quick restart on the first retry; doubling
            // from there reaches the multi-day horizon in 18 retries.
            delivery_retry_base_seconds: 30,
            delivery_max_retries: 18,
            delivery_workers: 8,
            instance_name: "Trellis".into(),
            // A network knows its members: newcomers are welcome, with a
            // person looking at each request.
            registrations: Registrations::Approval,
            community_creation: CommunityCreation::Members,
            federation_mode: FederationMode::Open,
            // Members of other servers deserve to know why they cannot
            // reach this one; only the public comments are shown.
            domain_blocks_visibility: Visibility::Everyone,
            // Mastodon's defaults, which its apps are built to stay under.
            rate_limit_requests: 300,
            rate_limit_window_seconds: 5 * 60,
            rate_limit_address_requests: 7500,
            rate_limit_sign_up_requests: 5,
            rate_limit_sign_up_window_seconds: 30 * 60,
            rate_limit_sign_in_requests: 25,
            rate_limit_sign_in_window_seconds: 5 * 60,
            // The documented set-up is a reverse proxy on the same host; only
            // a process on this machine can connect from loopback.
            trusted_proxies: vec![
                ProxyRange::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 8),
                ProxyRange::new(IpAddr::V6(Ipv6Addr::LOCALHOST), 128),
            ],
            network_report_interval_seconds: 24 * 60 * 60,
            warm_network_map: true,
            slow_query_ms: 500,
            home_feed_length: 800,
            home_feed_trim_interval_seconds: 60 * 60,
            poll_min_expiration_seconds: 5 * 60,
        }
    }
}

/// An address or a CIDR range (`10.0.0.0/8`, `::1`), parsed once when the
/// settings are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct ProxyRange {
    network: IpAddr,
    prefix: u8,
}

impl ProxyRange {
    fn new(network: IpAddr, prefix: u8) -> ProxyRange {
        ProxyRange { network, prefix }
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        // A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; compare
        // them as the IPv4 addresses they are.
        match (self.network, address.to_canonical()) {
            (IpAddr::V4(network), IpAddr::V4(address)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                network.to_bits() & mask == address.to_bits() & mask
            }
            (IpAddr::V6(network), IpAddr::V6(address)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                network.to_bits() & mask == address.to_bits() & mask
            }
            _ => false,
        }
    }
}

impl std::str::FromStr for ProxyRange {
    type Err = String;

    fn from_str(value: &str) -> Result<ProxyRange, String> {
        let value = value.trim();
        let (address, prefix) = match value.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (value, None),
        };
        let network: IpAddr = address
            .parse()
            .map_err(|_| format!("{value:?} is not an IP address or CIDR range"))?;
        let longest = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => longest,
            Some(prefix) => prefix
                .parse::<u8>()
                .ok()
                .filter(|prefix| *prefix <= longest)
                .ok_or_else(|| format!("{value:?} has a prefix length outside 0 to {longest}"))?,
        };
        Ok(ProxyRange::new(network, prefix))
    }
}

impl TryFrom<String> for ProxyRange {
    type Error = String;

    fn try_from(value: String) -> Result<ProxyRange, String> {
        value.parse()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // The underlying errors are part of the message rather than a
    // `source`, which `{:#}` would print a second time.
    #[error("cannot read config file {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("invalid config file {path}: {error}")]
    Parse {
        path: String,
        error: toml::de::Error,
    },
    #[error("invalid value for {var}: {message}")]
    Env { var: &'static str, message: String },
    #[error("invalid setting: {0}")]
    Invalid(String),
}

impl Config {
    /// Loads defaults, then `file` (or `TRELLIS_CONFIG`) if given, then the
    /// environment.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let env_file = std::env::var("TRELLIS_CONFIG").ok();
        let file = file.map(Path::to_path_buf).or(env_file.map(Into::into));
        let mut config = match file {
            Some(path) => {
                let shown = path.display().to_string();
                let text = std::fs::read_to_string(&path).map_err(|error| ConfigError::Read {
                    path: shown.clone(),
                    error,
                })?;
                toml::from_str(&text).map_err(|error| ConfigError::Parse { path: shown, error })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.validate()?;
        for warning in config.warnings(std::env::vars().map(|(name, _)| name)) {
            tracing::warn!("{warning}");
        }
        Ok(config)
    }

    /// What looks like a mistake in settings that are otherwise valid:
    /// `TRELLIS_*` variables no setting reads (a misspelt name is otherwise
    /// silently ignored), and a domain left at its default while the server
    /// listens on another port, which mints ids no one can reach.
    pub fn warnings(&self, env_names: impl IntoIterator<Item = String>) -> Vec<String> {
        let known = known_env_vars();
        let mut warnings: Vec<String> = env_names
            .into_iter()
            .filter(|name| name.starts_with("TRELLIS_") && !known.contains(name))
            .filter(|name| !name.starts_with("TRELLIS_TEST_") && name != "TRELLIS_BIN")
            .map(|name| {
                let hint = closest(&name, &known)
                    .map(|near| format!(" (did you mean {near}?)"))
                    .unwrap_or_default();
                format!(
                    "{name} is not a Trellis setting and is ignored{hint}; \
                     docs/configuration.md lists them"
                )
            })
            .collect();
        warnings.sort();
        let default = Config::default();
        if self.domain == default.domain && self.bind.port() != default.bind.port() {
            warnings.push(format!(
                "the domain is left at its default {}, but the server listens on port {}: \
                 links and ids will point at port {}; set TRELLIS_DOMAIN (or `domain`) \
                 to the address people reach this server at",
                default.domain,
                self.bind.port(),
                default.bind.port()
            ));
        }
        warnings
    }

    /// Applies the `TRELLIS_*` variables `var` returns. The names this
    /// function asks for are the settings' variables, and the one list of
    /// them: [`known_env_vars`] collects them by calling it.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parsed<T: std::str::FromStr>(name: &'static str, value: String) -> Result<T, ConfigError>
        where
            T::Err: std::fmt::Display,
        {
            value.trim().parse().map_err(|e: T::Err| ConfigError::Env {
                var: name,
                message: e.to_string(),
            })
        }
        if let Some(v) = var("TRELLIS_DOMAIN") {
            self.domain = v;
        }
        if let Some(v) = var("TRELLIS_BIND") {
            self.bind = parsed("TRELLIS_BIND", v)?;
        }
        if let Some(v) = var("TRELLIS_DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = var("TRELLIS_MEDIA_DIR") {
            self.media_dir = v.into();
        }
        if let Some(v) = var("TRELLIS_MEDIA_CACHE_MIB") {
            self.media_cache_mib = parsed("TRELLIS_MEDIA_CACHE_MIB", v)?;
        }
        if let Some(v) = var("TRELLIS_DATABASE_POOL_SIZE") {
            self.database_pool_size = parsed("TRELLIS_DATABASE_POOL_SIZE", v)?;
        }
        if let Some(v) = var("TRELLIS_WARM_NETWORK_MAP") {
            self.warm_network_map = parse_bool("TRELLIS_WARM_NETWORK_MAP", &v)?;
        }
        if let Some(v) = var("TRELLIS_HOME_FEED_LENGTH") {
            self.home_feed_length = parsed("TRELLIS_HOME_FEED_LENGTH", v)?;
        }
        if let Some(v) = var("TRELLIS_HOME_FEED_TRIM_INTERVAL_SECONDS") {
            self.home_feed_trim_interval_seconds =
                parsed("TRELLIS_HOME_FEED_TRIM_INTERVAL_SECONDS", v)?;
        }
        if let Some(v) = var("TRELLIS_POLL_MIN_EXPIRATION_SECONDS") {
            self.poll_min_expiration_seconds = parsed("TRELLIS_POLL_MIN_EXPIRATION_SECONDS", v)?;
        }
        if let Some(v) = var("TRELLIS_SLOW_QUERY_MS") {
            self.slow_query_ms = parsed("TRELLIS_SLOW_QUERY_MS", v)?;
        }
        if let Some(v) = var("TRELLIS_FEDERATION_DEV_MODE") {
            self.federation_dev_mode = parse_bool("TRELLIS_FEDERATION_DEV_MODE", &v)?;
        }
        if let Some(v) = var("TRELLIS_DELIVERY_RETRY_BASE_SECONDS") {
            self.delivery_retry_base_seconds = parsed("TRELLIS_DELIVERY_RETRY_BASE_SECONDS", v)?;
        }
        if let Some(v) = var("TRELLIS_DELIVERY_MAX_RETRIES") {
            self.delivery_max_retries = parsed("TRELLIS_DELIVERY_MAX_RETRIES", v)?;
        }
        if let Some(v) = var("TRELLIS_DELIVERY_WORKERS") {
            self.delivery_workers = parsed("TRELLIS_DELIVERY_WORKERS", v)?;
        }
        if let Some(v) = var("TRELLIS_INSTANCE_NAME") {
            self.instance_name = v;
        }
        if let Some(v) = var("TRELLIS_REGISTRATIONS") {
            self.registrations = parsed("TRELLIS_REGISTRATIONS", v)?;
        }
        if let Some(v) = var("TRELLIS_COMMUNITY_CREATION") {
            self.community_creation = parsed("TRELLIS_COMMUNITY_CREATION", v)?;
        }
        if let Some(v) = var("TRELLIS_FEDERATION_MODE") {
            self.federation_mode = parsed("TRELLIS_FEDERATION_MODE", v)?;
        }
        if let Some(v) = var("TRELLIS_DOMAIN_BLOCKS_VISIBILITY") {
            self.domain_blocks_visibility = parsed("TRELLIS_DOMAIN_BLOCKS_VISIBILITY", v)?;
        }
        if let Some(v) = var("TRELLIS_RATE_LIMIT_REQUESTS") {
            self.rate_limit_requests = parsed("TRELLIS_RATE_LIMIT_REQUESTS", v)?;
        }
        if let Some(v) = var("TRELLIS_RATE_LIMIT_WINDOW_SECONDS") {
            self.rate_limit_window_seconds = parsed("TRELLIS_RATE_LIMIT_WINDOW_SECONDS", v)?;
        }
        if let Some(v) = var("TRELLIS_RATE_LIMIT_ADDRESS_REQUESTS") {
            self.rate_limit_address_requests = parsed("TRELLIS_RATE_LIMIT_ADDRESS_REQUESTS", v)?;
        }
        if let Some(v) = var("TRELLIS_RATE_LIMIT_SIGN_UP_REQUESTS") {
            self.rate_limit_sign_up_requests = parsed("TRELLIS_RATE_LIMIT_SIGN_UP_REQUESTS", v)?;
        }
        if let Some(v) = var("TRELLIS_RATE_LIMIT_SIGN_UP_WINDOW_SECONDS") {
            self.rate_limit_sign_up_window_seconds =
                parsed("TRELLIS_RATE_LIMIT_SIGN_UP_WINDOW_SECONDS", v)?;
        }
        if let Some(v) = var("TRELLIS_RATE_LIMIT_SIGN_IN_REQUESTS") {
            self.rate_limit_sign_in_requests = parsed("TRELLIS_RATE_LIMIT_SIGN_IN_REQUESTS", v)?;
        }
        if let Some(v) = var("TRELLIS_RATE_LIMIT_SIGN_IN_WINDOW_SECONDS") {
            self.rate_limit_sign_in_window_seconds =
                parsed("TRELLIS_RATE_LIMIT_SIGN_IN_WINDOW_SECONDS", v)?;
        }
        if let Some(v) = var("TRELLIS_NETWORK_REPORT_INTERVAL_SECONDS") {
            self.network_report_interval_seconds =
                parsed("TRELLIS_NETWORK_REPORT_INTERVAL_SECONDS", v)?;
        }
        if let Some(v) = var("TRELLIS_TRUSTED_PROXIES") {
            // One variable holds the whole list, split at commas or spaces;
            // an empty value trusts no proxy.
            self.trusted_proxies = v
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|item| !item.is_empty())
                .map(|item| parsed("TRELLIS_TRUSTED_PROXIES", item.to_string()))
                .collect::<Result<_, _>>()?;
        }
        Ok(())
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let domain_ok = !self.domain.is_empty()
            && self
                .domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'));
        if !domain_ok {
            return Err(ConfigError::Invalid(format!(
                "domain {:?} must be a host name with an optional port",
                self.domain
            )));
        }
        if self.delivery_retry_base_seconds == 0 {
            return Err(ConfigError::Invalid(
                "delivery_retry_base_seconds must be at least 1".into(),
            ));
        }
        if self.delivery_workers == 0 || self.database_pool_size == 0 {
            return Err(ConfigError::Invalid(
                "delivery_workers and database_pool_size must be at least 1".into(),
            ));
        }
        let rate_limits = [
            (self.rate_limit_requests, self.rate_limit_window_seconds, ""),
            (
                self.rate_limit_address_requests,
                self.rate_limit_window_seconds,
                "",
            ),
            (
                self.rate_limit_sign_up_requests,
                self.rate_limit_sign_up_window_seconds,
                "sign_up_",
            ),
            (
                self.rate_limit_sign_in_requests,
                self.rate_limit_sign_in_window_seconds,
                "sign_in_",
            ),
        ];
        if self.home_feed_length < 1 || self.home_feed_trim_interval_seconds == 0 {
            return Err(ConfigError::Invalid(
                "home_feed_length and home_feed_trim_interval_seconds must be at least 1".into(),
            ));
        }
        // 16 TiB: more is a typo, and the bound must fit in a byte count.
        if self.media_cache_mib > 16 * 1024 * 1024 {
            return Err(ConfigError::Invalid(
                "media_cache_mib must be at most 16777216 (16 TiB)".into(),
            ));
        }
        let polls = 1..=crate::domain::polls::MAX_EXPIRATION_SECONDS;
        if !polls.contains(&self.poll_min_expiration_seconds) {
            return Err(ConfigError::Invalid(format!(
                "poll_min_expiration_seconds must be from 1 to {} (a month)",
                polls.end()
            )));
        }
        if self.network_report_interval_seconds == 0 {
            return Err(ConfigError::Invalid(
                "network_report_interval_seconds must be at least 1".into(),
            ));
        }
        for (requests, window, bucket) in rate_limits {
            if requests > 0 && !(1..=MAX_RATE_LIMIT_WINDOW_SECONDS).contains(&window) {
                return Err(ConfigError::Invalid(format!(
                    "rate_limit_{bucket}window_seconds must be from 1 to \
                     {MAX_RATE_LIMIT_WINDOW_SECONDS} (a week); set \
                     rate_limit_{bucket}requests to 0 to turn the limit off"
                )));
            }
        }
        Ok(())
    }

    /// `https://domain`, or `http://domain` in dev mode.
    pub fn base_url(&self) -> url::Url {
        let scheme = if self.federation_dev_mode {
            "http"
        } else {
            "https"
        };
        url::Url::parse(&format!("{scheme}://{}", self.domain)).expect("validated domain")
    }

    pub fn home_feed_trim_interval(&self) -> Duration {
        Duration::from_secs(self.home_feed_trim_interval_seconds)
    }

    pub fn network_report_interval(&self) -> Duration {
        Duration::from_secs(self.network_report_interval_seconds)
    }

    pub fn delivery_retry_base(&self) -> Duration {
        Duration::from_secs(self.delivery_retry_base_seconds)
    }
}

/// Every `TRELLIS_*` variable the server reads: the one naming the
/// settings file, and those [`Config::apply_env`] asks for (so a setting
/// added there is known here without a second list to keep in step).
pub fn known_env_vars() -> Vec<String> {
    let asked = std::sync::Mutex::new(vec!["TRELLIS_CONFIG".to_string()]);
    // Nothing is set, so nothing can fail to parse.
    let _ = Config::default().apply_env(|name| {
        asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(name.to_string());
        None
    });
    asked
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The known name nearest to `name`, if it is a plausible misspelling
/// (at most two edits away).
fn closest<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    known
        .iter()
        .map(|candidate| (edit_distance(name, candidate), candidate.as_str()))
        .filter(|(distance, _)| *distance <= 2)
        .min()
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance, on characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn parse_bool(var: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" | "" => Ok(false),
        other => Err(ConfigError::Env {
            var,
            message: format!("expected true or false, got {other:?}"),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with_env(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let mut config = Config::default();
        config.apply_env(|name| env.get(name).cloned())?;
        config.validate()?;
        Ok(config)
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let mut config: Config =
            toml::from_str("domain = \"file.example\"\ninstance_name = \"Town\"").unwrap();
        assert_eq!(config.bind, Config::default().bind);
        config
            .apply_env(|name| (name == "TRELLIS_DOMAIN").then(|| "env.example".to_string()))
            .unwrap();
        assert_eq!(config.domain, "env.example");
        assert_eq!(config.instance_name, "Town");
    }

    #[test]
    fn dev_mode_switches_the_id_scheme() {
        let config = with_env(&[("TRELLIS_FEDERATION_DEV_MODE", "true")]).unwrap();
        assert_eq!(config.base_url().as_str(), "http://localhost:8080/");
        let config = with_env(&[("TRELLIS_DOMAIN", "town.example")]).unwrap();
        assert_eq!(config.base_url().as_str(), "https://town.example/");
    }

    #[test]
    fn bad_values_are_named_in_the_error() {
        let err = with_env(&[("TRELLIS_BIND", "nowhere")]).unwrap_err();
        assert!(err.to_string().contains("TRELLIS_BIND"), "{err}");
        let err = with_env(&[("TRELLIS_FEDERATION_DEV_MODE", "maybe")]).unwrap_err();
        assert!(err.to_string().contains("maybe"), "{err}");
        let err = with_env(&[("TRELLIS_DOMAIN", "bad domain/")]).unwrap_err();
        assert!(err.to_string().contains("bad domain"), "{err}");
        assert!(toml::from_str::<Config>("no_such_key = 1").is_err());
    }

    #[test]
    fn rate_limits_are_read_from_the_environment() {
        let config = with_env(&[
            ("TRELLIS_RATE_LIMIT_REQUESTS", "5"),
            ("TRELLIS_RATE_LIMIT_WINDOW_SECONDS", "3"),
            ("TRELLIS_RATE_LIMIT_SIGN_UP_REQUESTS", "0"),
            ("TRELLIS_RATE_LIMIT_SIGN_IN_WINDOW_SECONDS", "60"),
        ])
        .unwrap();
        assert_eq!(config.rate_limit_requests, 5);
        assert_eq!(config.rate_limit_window_seconds, 3);
        assert_eq!(config.rate_limit_sign_up_requests, 0);
        assert_eq!(config.rate_limit_sign_in_requests, 25);
        assert_eq!(config.rate_limit_sign_in_window_seconds, 60);

        let err = with_env(&[("TRELLIS_RATE_LIMIT_REQUESTS", "-1")]).unwrap_err();
        assert!(
            err.to_string().contains("TRELLIS_RATE_LIMIT_REQUESTS"),
            "{err}"
        );
        let err = with_env(&[("TRELLIS_RATE_LIMIT_SIGN_UP_WINDOW_SECONDS", "0")]).unwrap_err();
        assert!(
            err.to_string()
                .contains("rate_limit_sign_up_window_seconds"),
            "{err}"
        );
        let err = with_env(&[("TRELLIS_RATE_LIMIT_WINDOW_SECONDS", "604801")]).unwrap_err();
        assert!(err.to_string().contains("a week"), "{err}");
        // A window of 0 is harmless when its limit is off.
        with_env(&[
            ("TRELLIS_RATE_LIMIT_REQUESTS", "0"),
            ("TRELLIS_RATE_LIMIT_ADDRESS_REQUESTS", "0"),
            ("TRELLIS_RATE_LIMIT_WINDOW_SECONDS", "0"),
        ])
        .unwrap();
    }

    #[test]
    fn unknown_variables_and_a_stale_domain_are_warned_about() {
        let known = known_env_vars();
        assert!(known.contains(&"TRELLIS_DOMAIN".to_string()));
        assert!(known.contains(&"TRELLIS_TRUSTED_PROXIES".to_string()));
        assert!(known.contains(&"TRELLIS_CONFIG".to_string()));

        let names = |list: &[&str]| list.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let config = Config::default();
        let warnings = config.warnings(names(&[
            "TRELLIS_DOMIAN",
            "TRELLIS_DOMAIN",
            "TRELLIS_TEST_POSTGRES_URL",
            "PATH",
            "TRELLIS_NONSENSE_SETTING",
        ]));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].contains("TRELLIS_DOMIAN")
                && warnings[0].contains("did you mean TRELLIS_DOMAIN?"),
            "{warnings:?}"
        );
        assert!(!warnings[1].contains("did you mean"), "{warnings:?}");

        let moved = with_env(&[("TRELLIS_BIND", "127.0.0.1:9000")]).unwrap();
        let warnings = moved.warnings(Vec::new());
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("port 9000"), "{warnings:?}");
        let named = with_env(&[
            ("TRELLIS_BIND", "127.0.0.1:9000"),
            ("TRELLIS_DOMAIN", "localhost:9000"),
        ])
        .unwrap();
        assert!(named.warnings(Vec::new()).is_empty());
    }

    #[test]
    fn trusted_proxies_take_addresses_and_ranges() {
        let config = Config::default();
        let loopback = |text: &str| {
            config
                .trusted_proxies
                .iter()
                .any(|range| range.contains(text.parse().unwrap()))
        };
        assert!(loopback("127.0.0.1"));
        assert!(loopback("127.3.2.1"));
        assert!(loopback("::1"));
        assert!(loopback("::ffff:127.0.0.1"));
        assert!(!loopback("10.0.0.1"));

        let config =
            with_env(&[("TRELLIS_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 fd00::/8")]).unwrap();
        let trusted = |text: &str| {
            config
                .trusted_proxies
                .iter()
                .any(|range| range.contains(text.parse().unwrap()))
        };
        assert!(trusted("10.200.0.3"));
        assert!(trusted("192.0.2.7"));
        assert!(!trusted("192.0.2.8"));
        assert!(trusted("fd12::1"));
        assert!(!trusted("127.0.0.1"));

        let none = with_env(&[("TRELLIS_TRUSTED_PROXIES", "")]).unwrap();
        assert!(none.trusted_proxies.is_empty());
        let file: Config = toml::from_str("trusted_proxies = [\"0.0.0.0/0\"]").unwrap();
        assert!(file.trusted_proxies[0].contains("203.0.113.9".parse().unwrap()));

        let err = with_env(&[("TRELLIS_TRUSTED_PROXIES", "10.0.0.0/33")]).unwrap_err();
        assert!(err.to_string().contains("TRELLIS_TRUSTED_PROXIES"), "{err}");
        assert!(toml::from_str::<Config>("trusted_proxies = [\"proxy.local\"]").is_err());
    }
}
