//! A browser without a browser: an HTTP client with its own cookies that
//! reads Trellis's pages and submits their forms as a browser would (form
//! encoding, the page's CSRF token), without following redirects, so tests
//! can check each answer. The real browser suite drives Chromium; these
//! are for the many small checks of forms, sessions and escaping.

use std::sync::Arc;
use std::time::Duration;

use reqwest::{StatusCode, cookie::CookieStore, header};

use crate::Instance;

/// One visitor's browser: cookies persist between requests.
pub struct WebClient {
    base: String,
    jar: Arc<reqwest::cookie::Jar>,
    http: reqwest::Client,
}

/// A page as the server answered it.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub body: String,
    /// Where a redirect points.
    pub location: Option<String>,
    pub content_type: String,
}

impl Page {
    /// The text that follows the first `marker` on the page, up to the
    /// next double quote: an attribute's value when `marker` ends with
    /// `attribute="`.
    pub fn value_after(&self, marker: &str) -> Option<String> {
        let rest = self.body.split_once(marker)?.1;
        Some(rest.split('"').next().unwrap_or_default().to_string())
    }

    /// The value of the first `<input name="csrf">` on the page.
    pub fn csrf(&self) -> String {
        self.value_after("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no CSRF field on the page:\n{}", self.body))
    }

    pub fn is_redirect_to(&self, path: &str) -> bool {
        self.status.is_redirection()
            && self
                .location
                .as_deref()
                .is_some_and(|location| location.starts_with(path))
    }
}

impl WebClient {
    pub fn new(instance: &Instance) -> WebClient {
        WebClient::for_base(instance.base_url())
    }

    /// A browser for another process of the same instance that shares the
    /// cookies of `self` (the same person behind a load balancer).
    pub fn with_cookies_of(&self, other: &Instance) -> WebClient {
        WebClient {
            base: other.base_url(),
            jar: self.jar.clone(),
            http: WebClient::client(self.jar.clone()),
        }
    }

    fn for_base(base: String) -> WebClient {
        let jar = Arc::new(reqwest::cookie::Jar::default());
        WebClient {
            base,
            http: WebClient::client(jar.clone()),
            jar,
        }
    }

    fn client(jar: Arc<reqwest::cookie::Jar>) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("an HTTP client")
    }

    /// The cookies this browser would send, as one header value.
    pub fn cookies(&self) -> String {
        let url = self.base.parse().expect("base URL");
        self.jar
            .cookies(&url)
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default()
    }

    async fn read(response: reqwest::Response) -> Page {
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(String::from);
        let content_type = response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            body,
            location,
            content_type,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .header(header::ACCEPT, "text/html,application/xhtml+xml")
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        WebClient::read(response).await
    }

    /// Posts `fields` as they are, without adding a CSRF token.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        WebClient::read(response).await
    }

    /// Opens `page` and posts `fields` with its CSRF token to `action`, as
    /// submitting a form on that page does.
    pub async fn submit(&self, page: &str, action: &str, fields: &[(&str, &str)]) -> Page {
        let opened = self.get(page).await;
        assert_eq!(opened.status, StatusCode::OK, "GET {page}: {}", opened.body);
        let csrf = opened.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf", &csrf)];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    /// Logs in on `/login`; panics unless it worked.
    pub async fn log_in(&self, login: &str, password: &str) {
        let answer = self
            .submit(
                "/login",
                "/login",
                &[("login", login), ("password", password), ("next", "/home")],
            )
            .await;
        assert!(
            answer.is_redirect_to("/home"),
            "logging in as {login}: {} {:?}\n{}",
            answer.status,
            answer.location,
            answer.body
        );
    }
}
