//! Who is browsing, and the proof that a form came from one of our pages.
//!
//! A member's browser holds a session cookie (a random token; the database
//! keeps its digest). Every form that changes something carries a CSRF
//! token: the session's own once logged in, and before that the value of a
//! separate `trellis_csrf` cookie (the double-submit pattern), so that the
//! log-in and sign-up forms are covered too. A POST whose token does not
//! match is refused with 403 before anything else is read.

use super::page::PageError;
use crate::{
    crypto,
    domain::{Account, Context, sessions},
    error::Error,
};
use axum::{
    extract::{FromRequest, FromRequestParts, Request, State},
    http::{HeaderMap, HeaderValue, header, request::Parts},
    middleware::Next,
    response::Response,
};
use cookie::{Cookie, SameSite};

pub const SESSION_COOKIE: &str = "trellis_session";
pub const CSRF_COOKIE: &str = "trellis_csrf";

/// The CSRF token of a visitor who is not logged in, as the cookie carries
/// it (or as [`csrf_cookie`] just made it).
#[derive(Clone)]
struct AnonymousToken(String);

/// The value of the cookie `name`, if the request carries it.
fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name)
        .map(|cookie| cookie.value().to_string())
        .filter(|value| !value.is_empty() && value.len() <= 128)
}

/// A `Set-Cookie` value: never readable by scripts, sent on top-level
/// navigation from other sites but not on their form posts, and only over
/// https unless the server runs in development mode.
pub fn set_cookie(ctx: &Context, name: &str, value: &str, max_age_days: i64) -> HeaderValue {
    let cookie = Cookie::build((name.to_string(), value.to_string()))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(!ctx.config.federation_dev_mode)
        .max_age(cookie::time::Duration::days(max_age_days))
        .build();
    HeaderValue::from_str(&cookie.to_string()).expect("cookie values are ASCII tokens")
}

/// Gives every visitor of the pages a CSRF cookie, for the forms they may
/// send before logging in.
pub async fn csrf_cookie(State(ctx): State<Context>, mut request: Request, next: Next) -> Response {
    let existing = cookie_value(request.headers(), CSRF_COOKIE);
    let token = existing.clone().unwrap_or_else(crypto::random_token);
    request
        .extensions_mut()
        .insert(AnonymousToken(token.clone()));
    let mut response = next.run(request).await;
    if existing.is_none() {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&ctx, CSRF_COOKIE, &token, 365),
        );
    }
    response
}

/// Whoever is asking for a page: a member with a session, or a visitor.
pub struct Visitor {
    pub session: Option<sessions::Session>,
    anonymous_csrf: String,
    /// The path and query asked for, to come back to after logging in.
    pub here: String,
}

impl FromRequestParts<Context> for Visitor {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, ctx: &Context) -> Result<Self, PageError> {
        let session = match cookie_value(&parts.headers, SESSION_COOKIE) {
            Some(token) => sessions::find(ctx, &token).await?,
            None => None,
        };
        let anonymous_csrf = parts
            .extensions
            .get::<AnonymousToken>()
            .map(|token| token.0.clone())
            .unwrap_or_default();
        let here = parts
            .uri
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into());
        Ok(Visitor {
            session,
            anonymous_csrf,
            here,
        })
    }
}

impl Visitor {
    /// The token this visitor's forms carry.
    pub fn csrf(&self) -> &str {
        match &self.session {
            Some(session) => &session.csrf,
            None => &self.anonymous_csrf,
        }
    }

    pub fn account(&self) -> Option<&Account> {
        self.session.as_ref().map(|s| &s.account)
    }

    /// The logged-in member; a visitor is sent to the log-in page.
    pub fn member(&self) -> Result<&sessions::Session, PageError> {
        self.session
            .as_ref()
            .ok_or_else(|| PageError::LogIn(self.here.clone()))
    }

    /// An admin; a member who is not one gets 403, a visitor the log-in page.
    pub fn admin(&self) -> Result<&sessions::Session, PageError> {
        let session = self.member()?;
        if session.user.admin {
            Ok(session)
        } else {
            Err(Error::Forbidden("Only the network's admins may open this page".into()).into())
        }
    }
}

/// The fields of a posted form, in the order sent (checkboxes may repeat).
#[derive(Debug, Default)]
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Result<Fields, Error> {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .map(Fields)
            .map_err(|_| Error::BadRequest("The form could not be read".into()))
    }

    /// The first value of `name`, or "" when it was not sent.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    }

    /// Every value of `name` (checked checkboxes that share a name).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .collect()
    }

    /// A textarea read as one entry per line, blank lines dropped.
    pub fn lines(&self, name: &str) -> Vec<String> {
        self.get(name)
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .map(String::from)
            .collect()
    }

    /// Whether a checkbox was ticked.
    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "true" | "1" | "yes")
    }

    /// An id field; a missing or malformed one is the form's fault.
    pub fn id(&self, name: &str) -> Result<i64, Error> {
        self.get(name)
            .parse()
            .map_err(|_| Error::BadRequest(format!("{name} is not a valid id")))
    }

    /// Where to go back to after the change: a path on this site only, so
    /// the form cannot be used to send someone elsewhere.
    pub fn return_to(&self, fallback: &str) -> String {
        local_path(self.get("return_to")).unwrap_or_else(|| fallback.to_string())
    }
}

/// `path` when it is a path on this site (not `//host` or a full URL).
pub fn local_path(path: &str) -> Option<String> {
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control());
    safe.then(|| path.to_string())
}

/// A form posted from one of our pages by this visitor: the CSRF token
/// checked, the fields parsed.
pub struct Posted {
    pub visitor: Visitor,
    pub fields: Fields,
    /// Files of a multipart form (avatar, header, images), each with the
    /// field it came in; empty when nothing was chosen.
    pub files: Vec<crate::http::input::UploadedFile>,
}

impl Posted {
    /// Takes the file chosen in `field`, if one was (a browser sends an
    /// empty part for a file input left empty).
    pub fn take_file(&mut self, field: &str) -> Option<Vec<u8>> {
        let at = self
            .files
            .iter()
            .position(|f| f.field == field && !f.bytes.is_empty())?;
        Some(self.files.swap_remove(at).bytes)
    }
}

impl FromRequest<Context> for Posted {
    type Rejection = PageError;

    async fn from_request(request: Request, ctx: &Context) -> Result<Self, PageError> {
        let (mut parts, body) = request.into_parts();
        let visitor = Visitor::from_request_parts(&mut parts, ctx).await?;
        let multipart = crate::http::input::is_multipart(&parts.headers);
        let request = Request::from_parts(parts, body);
        let (fields, files) = if multipart {
            let (pairs, files) = crate::http::input::read_multipart(request, ctx, true).await?;
            (Fields(pairs), files)
        } else {
            let body = axum::body::Bytes::from_request(request, ctx)
                .await
                .map_err(|rejection| PageError::from(Error::BadRequest(rejection.body_text())))?;
            (Fields::parse(&body)?, Vec::new())
        };
        let sent = fields.get("csrf");
        let expected = visitor.csrf();
        let matches = !expected.is_empty()
            && aws_lc_rs::constant_time::verify_slices_are_equal(
                sent.as_bytes(),
                expected.as_bytes(),
            )
            .is_ok();
        if !matches {
            return Err(Error::Forbidden(
                "This form has expired or did not come from this site. Go back, reload the page and try again."
                    .into(),
            )
            .into());
        }
        // PostgreSQL cannot store a NUL in text; refusing it here keeps
        // both databases alike and the change all-or-nothing.
        if fields.0.iter().any(|(_, value)| value.contains('\0')) {
            return Err(Error::BadRequest(
                "The form holds a character that is not allowed (NUL)".into(),
            )
            .into());
        }
        Ok(Posted {
            visitor,
            fields,
            files,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_site_are_returned_to() {
        assert_eq!(local_path("/home?x=1").as_deref(), Some("/home?x=1"));
        assert_eq!(local_path("//evil.example/"), None);
        assert_eq!(local_path("/\\evil.example"), None);
        assert_eq!(local_path("https://evil.example/"), None);
        assert_eq!(local_path(""), None);
    }

    #[test]
    fn repeated_fields_and_lines_are_kept() {
        let fields =
            Fields::parse(b"dimensions=a&dimensions=b&roles=one%0D%0A%0D%0A+two+&x=on").unwrap();
        assert_eq!(fields.all("dimensions"), vec!["a", "b"]);
        assert_eq!(fields.lines("roles"), vec!["one", "two"]);
        assert!(fields.checked("x"));
        assert_eq!(fields.get("missing"), "");
    }
}
