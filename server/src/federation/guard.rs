//! Which remote URLs Trellis will contact. Outside dev mode only `https`
//! URLs with a domain name are allowed; IP literals are refused outright, and
//! names that resolve to loopback, private or link-local addresses are
//! refused when connecting (the federation crate's validating resolver).

use url::{Host, Url};

pub fn check_remote_url(url: &Url, dev_mode: bool) -> Result<(), String> {
    match url.scheme() {
        "https" => {}
        "http" if dev_mode => {}
        other => return Err(format!("scheme {other:?} is not allowed")),
    }
    match url.host() {
        None => Err("URL has no host".into()),
        Some(Host::Domain(_)) => Ok(()),
        Some(Host::Ipv4(_) | Host::Ipv6(_)) if dev_mode => Ok(()),
        Some(_) => Err("IP addresses are not allowed as hosts".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(url: &str, dev: bool) -> Result<(), String> {
        check_remote_url(&Url::parse(url).unwrap(), dev)
    }

    #[test]
    fn production_refuses_plain_http_and_ip_literals() {
        assert!(check("https://town.example/inbox", false).is_ok());
        assert!(check("http://town.example/inbox", false).is_err());
        assert!(check("https://127.0.0.1/inbox", false).is_err());
        assert!(check("https://[::1]/inbox", false).is_err());
        assert!(check("https://10.0.0.5/inbox", false).is_err());
        assert!(check("ftp://town.example/inbox", false).is_err());
    }

    #[test]
    fn dev_mode_allows_loopback_over_http() {
        assert!(check("http://127.0.0.1:8001/inbox", true).is_ok());
        assert!(check("http://localhost:8001/inbox", true).is_ok());
        assert!(check("file:///etc/passwd", true).is_err());
    }
}
