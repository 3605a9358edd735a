//! What every page shares: the layout's data, rendering a template, and
//! how a failure becomes a page. A browser gets HTML for errors too; a
//! handler returns a [`PageError`] and [`render_failures`] turns it into the
//! error page inside the layout.

use super::session::{Visitor, local_path};
use crate::{
    domain::{Context, network},
    error::Error,
};
use askama::Template;
use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::{Html, IntoResponse, Redirect, Response},
};

/// The member shown in the header.
pub struct Badge {
    pub username: String,
    pub name: String,
    pub admin: bool,
}

/// What the layout around every page needs.
pub struct Layout {
    /// The network's name, or the instance's until the network has one.
    pub site_name: String,
    pub title: String,
    pub viewer: Option<Badge>,
    pub csrf: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    /// The ActivityPub document of what the page shows.
    pub alternate: Option<String>,
    /// The path and query of this page, for "log in and come back".
    pub here: String,
}

impl Layout {
    pub async fn new(ctx: &Context, visitor: &Visitor, title: impl Into<String>) -> Layout {
        Layout {
            site_name: site_name(ctx).await,
            title: title.into(),
            viewer: visitor.session.as_ref().map(|session| Badge {
                username: session.account.username.clone(),
                name: display_name(&session.account),
                admin: session.user.admin,
            }),
            csrf: visitor.csrf().to_string(),
            notice: None,
            error: None,
            alternate: None,
            here: visitor.here.clone(),
        }
    }

    /// Shows the notice named by a `?done=` key after a change.
    pub fn with_done(mut self, done: Option<&str>) -> Layout {
        self.notice = done.and_then(done_notice).map(String::from);
        self
    }

    pub fn with_error(mut self, error: Option<&Error>) -> Layout {
        self.error = error.map(|e| e.to_string());
        self
    }

    pub fn with_alternate(mut self, url: String) -> Layout {
        self.alternate = Some(url);
        self
    }

    /// The log-in link that comes back here.
    pub fn login_href(&self) -> String {
        let next = local_path(&self.here).unwrap_or_else(|| "/".into());
        format!("/login?next={}", urlencode(&next))
    }

    pub fn is_member(&self) -> bool {
        self.viewer.is_some()
    }

    pub fn is_admin(&self) -> bool {
        self.viewer.as_ref().is_some_and(|v| v.admin)
    }
}

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The notices a redirect after a change may name. Only these texts can
/// appear, so a link cannot make the page say something else.
fn done_notice(key: &str) -> Option<&'static str> {
    Some(match key {
        "saved" => "Saved.",
        "posted" => "Posted.",
        "voted" => "Your vote is counted.",
        "password" => "Your password is changed. Your other sessions were logged out.",
        "joined" => "You have joined.",
        "requested" => "Your request to join was sent; a moderator will answer it.",
        "left" => "You have left.",
        "answered" => "Marked as the answer. The exchange is answered.",
        "introduced" => "Your introduction was sent to both of them.",
        "approved" => "The sign-up is approved; they can log in now.",
        "turned_down" => "The sign-up was turned down.",
        "followed" => "Followed.",
        "unfollowed" => "Unfollowed.",
        "accepted" => "Accepted.",
        "rejected" => "Turned down.",
        "removed" => "Removed.",
        "picked" => "Picked for the linked communities.",
        "welcome" => "Welcome! You are logged in.",
        "logged_out" => "You are logged out.",
        "reported" => "Thank you. The admins will look at your report.",
        "requested_link" => "Asked. The link is made when that network's admins accept.",
        _ => return None,
    })
}

pub fn display_name(account: &crate::domain::Account) -> String {
    if account.display_name.trim().is_empty() {
        account.username.clone()
    } else {
        account.display_name.clone()
    }
}

async fn site_name(ctx: &Context) -> String {
    match network::get(ctx).await {
        Ok(network) if !network.name.trim().is_empty() => network.name,
        _ => ctx.config.instance_name.clone(),
    }
}

/// A page that could not be shown: an error, or a visitor who must log in
/// first (and then come back to `next`).
#[derive(Debug)]
pub enum PageError {
    Failed(Error),
    LogIn(String),
}

impl From<Error> for PageError {
    fn from(error: Error) -> Self {
        PageError::Failed(error)
    }
}

impl From<crate::db::DbError> for PageError {
    fn from(error: crate::db::DbError) -> Self {
        PageError::Failed(error.into())
    }
}

pub type PageResult<T = Response> = Result<T, PageError>;

/// Marks a response whose body [`render_failures`] replaces with the
/// error page.
#[derive(Clone)]
struct Failure(String);

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        match self {
            PageError::LogIn(next) => {
                let next = local_path(&next).unwrap_or_else(|| "/".into());
                Redirect::to(&format!("/login?next={}", urlencode(&next))).into_response()
            }
            PageError::Failed(error) => {
                let status = error.status();
                let message = if status.is_server_error() && status != StatusCode::BAD_GATEWAY {
                    tracing::error!(error = %error, "page failed");
                    "Something went wrong on our side. Please try again later.".to_string()
                } else {
                    error.to_string()
                };
                let mut response = (status, message.clone()).into_response();
                response.extensions_mut().insert(Failure(message));
                response
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
}

/// Puts a failed page's message into the site's layout.
pub async fn render_failures(State(ctx): State<Context>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let mut visitor_parts = parts.clone();
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(Failure(message)) = response.extensions().get::<Failure>().cloned() else {
        return response;
    };
    let status = response.status();
    let visitor = match <Visitor as axum::extract::FromRequestParts<Context>>::from_request_parts(
        &mut visitor_parts,
        &ctx,
    )
    .await
    {
        Ok(visitor) => visitor,
        Err(_) => return response,
    };
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    let page = ErrorPage {
        layout: Layout::new(&ctx, &visitor, title).await,
        status: status.as_u16(),
        message,
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => response,
    }
}

/// Refuses an address that holds a NUL (`%00`), as the API does
/// (`http::input::refuse_nul`), but as a page.
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    if crate::http::input::address_holds_nul(request.uri()) {
        return PageError::from(crate::http::input::nul_in_address()).into_response();
    }
    next.run(request).await
}

/// The HTML of a template, or a failure.
pub fn render(template: &impl Template) -> PageResult {
    render_with(StatusCode::OK, template)
}

pub fn render_with(status: StatusCode, template: &impl Template) -> PageResult {
    let html = template
        .render()
        .map_err(|e| Error::Internal(format!("rendering a page: {e}")))?;
    Ok((status, Html(html)).into_response())
}

/// After a change: back to `to` (a local path), with a notice key.
pub fn done(to: &str, key: &str) -> PageResult {
    let to = without_notice(to);
    let (path, fragment) = match to.split_once('#') {
        Some((path, fragment)) => (path, format!("#{fragment}")),
        None => (to.as_str(), String::new()),
    };
    let separator = if path.contains('?') { '&' } else { '?' };
    Ok(Redirect::to(&format!("{path}{separator}done={key}{fragment}")).into_response())
}

/// `to` without the `done` notice of an earlier change, so that going
/// back to a page does not repeat what it said then.
pub fn without_notice(to: &str) -> String {
    let (rest, fragment) = match to.split_once('#') {
        Some((rest, fragment)) => (rest, format!("#{fragment}")),
        None => (to, String::new()),
    };
    let Some((path, query)) = rest.split_once('?') else {
        return to.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("done="))
        .collect();
    if kept.is_empty() {
        format!("{path}{fragment}")
    } else {
        format!("{path}?{}{fragment}", kept.join("&"))
    }
}

/// A form re-shown after a refused change answers 422, or the error's own
/// status when it says more (403, 404, 409).
pub fn refused_status(error: &Error) -> StatusCode {
    match error.status() {
        StatusCode::BAD_REQUEST => StatusCode::UNPROCESSABLE_ENTITY,
        other if other.is_server_error() => other,
        other => other,
    }
}

/// Whether the client asked for HTML (a browser) rather than JSON.
pub fn wants_html(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::without_notice;

    #[test]
    fn an_earlier_notice_is_dropped_and_the_rest_kept() {
        assert_eq!(without_notice("/home?done=posted"), "/home");
        assert_eq!(
            without_notice("/home?max_id=5&done=posted#status-7"),
            "/home?max_id=5#status-7"
        );
        assert_eq!(without_notice("/@alice/9#reply"), "/@alice/9#reply");
        assert_eq!(
            without_notice("/tags/seeds?local=true"),
            "/tags/seeds?local=true"
        );
    }
}
