//! Typed settings. Each value comes from its default, then the TOML file, then
//! a `TRELLIS_*` environment variable, so a deployment can keep secrets out of
//! the file and tests can start instances with nothing but environment.

use serde::Deserialize;
use std::{net::SocketAddr, path::Path, time::Duration};

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Host (and port) used in every id this instance mints. It cannot change
    /// once the instance has federated: remote servers key everything on it.
    pub domain: String,
    pub bind: SocketAddr,
    pub database_url: String,
    pub database_pool_size: u32,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Registrations {
    Open,
    Approval,
    Closed,
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
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
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
                let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
                    path: shown.clone(),
                    source,
                })?;
                toml::from_str(&text).map_err(|source| ConfigError::Parse {
                    path: shown,
                    source,
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.validate()?;
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
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
        if let Some(v) = var("TRELLIS_DATABASE_POOL_SIZE") {
            self.database_pool_size = parsed("TRELLIS_DATABASE_POOL_SIZE", v)?;
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

    pub fn delivery_retry_base(&self) -> Duration {
        Duration::from_secs(self.delivery_retry_base_seconds)
    }
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
}
