//! The URLs this instance mints. Every ActivityPub id of a local object comes
//! from here, so the scheme is decided in one place.

use url::Url;

#[derive(Debug, Clone)]
pub struct Urls {
    base: Url,
}

impl Urls {
    pub fn new(base: Url) -> Urls {
        Urls { base }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    fn join(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    pub fn is_local(&self, url: &Url) -> bool {
        url.origin() == self.base.origin()
    }

    pub fn actor(&self, username: &str) -> String {
        self.join(&format!("/users/{username}"))
    }

    pub fn inbox(&self, username: &str) -> String {
        self.join(&format!("/users/{username}/inbox"))
    }

    pub fn outbox(&self, username: &str) -> String {
        self.join(&format!("/users/{username}/outbox"))
    }

    pub fn followers(&self, username: &str) -> String {
        self.join(&format!("/users/{username}/followers"))
    }

    pub fn following(&self, username: &str) -> String {
        self.join(&format!("/users/{username}/following"))
    }

    pub fn shared_inbox(&self) -> String {
        self.join("/inbox")
    }

    pub fn key_id(actor_ap_id: &str) -> String {
        format!("{actor_ap_id}#main-key")
    }

    pub fn profile_page(&self, username: &str) -> String {
        self.join(&format!("/@{username}"))
    }

    pub fn status(&self, username: &str, id: i64) -> String {
        self.join(&format!("/users/{username}/statuses/{id}"))
    }

    pub fn status_page(&self, username: &str, id: i64) -> String {
        self.join(&format!("/@{username}/{id}"))
    }

    pub fn activity(&self, id: i64) -> String {
        self.join(&format!("/activities/{id}"))
    }

    /// One of the site's own pages, e.g. `/introductions`.
    pub fn site_page(&self, path: &str) -> String {
        self.join(path)
    }

    /// Where a stored media file is served.
    pub fn media(&self, key: &str) -> String {
        self.join(&format!("/media/{key}"))
    }

    pub fn tag(&self, name: &str) -> String {
        self.join(&format!("/tags/{name}"))
    }

    pub fn instance_actor(&self) -> String {
        self.join("/actor")
    }

    pub fn domain(&self) -> String {
        match self.base.port() {
            Some(port) => format!("{}:{port}", self.base.host_str().unwrap_or_default()),
            None => self.base.host_str().unwrap_or_default().to_string(),
        }
    }
}
