//! OAuth 2 for apps: https://docs.joinmastodon.org/methods/oauth/
//!
//! Grants: `authorization_code` (with PKCE S256, or the app's secret),
//! `password` (username or email as `username`, as on Mastodon),
//! `client_credentials` and `refresh_token`. The authorization page is a
//! plain HTML form that asks for the member's login and password with every
//! request, so it needs no session and no cookie.

use crate::{
    domain::{
        Context, accounts,
        oauth::{self, IssuedToken, Scopes},
        text::escape,
    },
    error::{Error, Result},
    http::input::Input,
};
use axum::{
    Json,
    extract::{Query, State},
    http::StatusCode,
    response::{Html, IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

/// Shown instead of redirecting when the app asked for out-of-band delivery.
pub const OUT_OF_BAND: &str = "urn:ietf:wg:oauth:2.0:oob";

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
    refresh_token: Option<String>,
}

fn token_json(issued: IssuedToken) -> Json<Value> {
    let mut body = json!({
        "access_token": issued.token,
        "token_type": "Bearer",
        "scope": issued.scopes.to_text(),
        "created_at": issued.created_at.and_utc().timestamp(),
    });
    if let Some(refresh) = issued.refresh_token {
        body["refresh_token"] = json!(refresh);
    }
    Json(body)
}

pub async fn token(
    State(ctx): State<Context>,
    Input(form): Input<TokenRequest>,
) -> Result<Json<Value>> {
    let unknown_client =
        || Error::Unauthorized("Client authentication failed due to unknown client".into());
    let client_id = form.client_id.as_deref().ok_or_else(unknown_client)?;
    let (app, authenticated) = match form.client_secret.as_deref() {
        Some(secret) => (
            oauth::authenticate_client(&ctx, client_id, secret).await?,
            true,
        ),
        None => (oauth::app_by_client_id(&ctx, client_id).await?, false),
    };
    if form.grant_type == "authorization_code" {
        let code = form
            .code
            .as_deref()
            .ok_or_else(|| Error::BadRequest("code is missing".into()))?;
        let redirect_uri = form.redirect_uri.as_deref().unwrap_or(OUT_OF_BAND);
        let issued = oauth::exchange_code(
            &ctx,
            &app,
            authenticated,
            code,
            redirect_uri,
            form.code_verifier.as_deref(),
        )
        .await?;
        return Ok(token_json(issued));
    }
    if !authenticated {
        return Err(unknown_client());
    }
    if form.grant_type == "refresh_token" {
        let refresh = form
            .refresh_token
            .as_deref()
            .ok_or_else(|| Error::BadRequest("refresh_token is missing".into()))?;
        return Ok(token_json(oauth::refresh(&ctx, &app, refresh).await?));
    }
    let app_scopes = Scopes::parse(&app.scopes)?;
    let scopes = match form.scope.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(requested) => Scopes::parse(requested)?,
        None => app_scopes.clone(),
    };
    if !scopes.within(&app_scopes) {
        return Err(Error::BadRequest(
            "The requested scope is invalid, unknown, or malformed.".into(),
        ));
    }
    let user_id = match form.grant_type.as_str() {
        "password" => {
            let (user, _) = accounts::authenticate(
                &ctx,
                form.username.as_deref().unwrap_or_default(),
                form.password.as_deref().unwrap_or_default(),
            )
            .await?;
            Some(user.id)
        }
        "client_credentials" => None,
        other => {
            return Err(Error::BadRequest(format!(
                "The authorization grant type {other:?} is not supported by the authorization server."
            )));
        }
    };
    Ok(token_json(
        oauth::issue_token(&ctx, Some(app.id), user_id, scopes).await?,
    ))
}

#[derive(Debug, Deserialize)]
pub struct RevokeRequest {
    client_id: String,
    client_secret: String,
    token: String,
}

/// `POST /oauth/revoke`
pub async fn revoke(
    State(ctx): State<Context>,
    Input(form): Input<RevokeRequest>,
) -> Result<Json<Value>> {
    let app = oauth::authenticate_client(&ctx, &form.client_id, &form.client_secret).await?;
    oauth::revoke(&ctx, &app, &form.token).await?;
    Ok(Json(json!({})))
}

/// `GET /.well-known/oauth-authorization-server` (RFC 8414).
pub async fn metadata(State(ctx): State<Context>) -> Json<Value> {
    let base = ctx.urls.base().as_str().trim_end_matches('/').to_string();
    Json(json!({
        "issuer": format!("{base}/"),
        "authorization_endpoint": format!("{base}/oauth/authorize"),
        "token_endpoint": format!("{base}/oauth/token"),
        "revocation_endpoint": format!("{base}/oauth/revoke"),
        "app_registration_endpoint": format!("{base}/api/v1/apps"),
        "scopes_supported": ["read", "write", "follow", "push", "profile"],
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "password", "client_credentials", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
        "service_documentation": format!("{base}/"),
    }))
}

/// The parameters of an authorization request, carried through the form.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthorizeRequest {
    response_type: Option<String>,
    client_id: String,
    redirect_uri: String,
    scope: Option<String>,
    state: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AuthorizeForm {
    #[serde(flatten)]
    request: AuthorizeRequest,
    login: String,
    password: String,
    decision: String,
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem}}\
         label{{display:block;margin:.8rem 0}}input[type=text],input[type=password]{{width:100%;padding:.4rem}}\
         .error{{color:#a00}}code{{font-size:1.2rem;word-break:break-all}}</style></head><body>{body}</body></html>",
        title = escape(title)
    );
    (status, Html(html)).into_response()
}

fn error_page(error: &Error) -> Response {
    page(
        error.status(),
        "Authorization failed",
        &format!(
            "<h1>Authorization failed</h1><p class=\"error\">{}</p>",
            escape(&error.to_string())
        ),
    )
}

/// The app, scopes and PKCE challenge of a request, checked before the
/// member is asked anything.
async fn checked(
    ctx: &Context,
    request: &AuthorizeRequest,
) -> Result<(crate::domain::OAuthApp, Scopes, Option<String>)> {
    if request.response_type.as_deref().unwrap_or("code") != "code" {
        return Err(Error::BadRequest(
            "Only response_type=code is supported.".into(),
        ));
    }
    let app = oauth::app_by_client_id(ctx, &request.client_id).await?;
    oauth::check_redirect_uri(&app, &request.redirect_uri)?;
    let scopes = Scopes::parse(request.scope.as_deref().unwrap_or("read"))?;
    if !scopes.within(&Scopes::parse(&app.scopes)?) {
        return Err(Error::BadRequest(
            "The requested scope is invalid, unknown, or malformed.".into(),
        ));
    }
    let challenge = oauth::check_challenge(
        request.code_challenge.as_deref(),
        request.code_challenge_method.as_deref(),
    )?;
    Ok((app, scopes, challenge))
}

fn form_page(
    request: &AuthorizeRequest,
    app_name: &str,
    scopes: &Scopes,
    problem: Option<&str>,
) -> Response {
    let hidden = |name: &str, value: Option<&str>| match value {
        Some(value) => format!(
            "<input type=\"hidden\" name=\"{name}\" value=\"{}\">",
            escape(value)
        ),
        None => String::new(),
    };
    let fields = [
        hidden("response_type", Some("code")),
        hidden("client_id", Some(&request.client_id)),
        hidden("redirect_uri", Some(&request.redirect_uri)),
        hidden("scope", Some(&scopes.to_text())),
        hidden("state", request.state.as_deref()),
        hidden("code_challenge", request.code_challenge.as_deref()),
        hidden(
            "code_challenge_method",
            request.code_challenge_method.as_deref(),
        ),
    ]
    .concat();
    let problem = problem
        .map(|p| format!("<p class=\"error\">{}</p>", escape(p)))
        .unwrap_or_default();
    page(
        StatusCode::OK,
        "Authorize an app",
        &format!(
            "<h1>Authorize {app}</h1><p><strong>{app}</strong> asks to use your account with these permissions: <code>{scopes}</code>.</p>{problem}\
             <form method=\"post\" action=\"/oauth/authorize\">{fields}\
             <label>Email or username <input type=\"text\" name=\"login\" autocomplete=\"username\" required></label>\
             <label>Password <input type=\"password\" name=\"password\" autocomplete=\"current-password\" required></label>\
             <button type=\"submit\" name=\"decision\" value=\"approve\">Authorize</button> \
             <button type=\"submit\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
            app = escape(app_name),
            scopes = escape(&scopes.to_text()),
        ),
    )
}

/// `GET /oauth/authorize`: the login and consent page.
pub async fn authorize_page(
    State(ctx): State<Context>,
    Query(request): Query<AuthorizeRequest>,
) -> Response {
    match checked(&ctx, &request).await {
        Ok((app, scopes, _)) => form_page(&request, &app.name, &scopes, None),
        Err(error) => error_page(&error),
    }
}

fn redirect_with(redirect_uri: &str, pairs: &[(&str, Option<&str>)]) -> Result<Response> {
    let mut url = url::Url::parse(redirect_uri)
        .map_err(|_| Error::BadRequest("redirect_uri is not a URL".into()))?;
    for (key, value) in pairs {
        if let Some(value) = value {
            url.query_pairs_mut().append_pair(key, value);
        }
    }
    Ok(Redirect::to(url.as_str()).into_response())
}

/// `POST /oauth/authorize`: the member's answer.
pub async fn authorize(State(ctx): State<Context>, Input(form): Input<AuthorizeForm>) -> Response {
    let request = &form.request;
    let (app, scopes, challenge) = match checked(&ctx, request).await {
        Ok(checked) => checked,
        Err(error) => return error_page(&error),
    };
    let state = request.state.as_deref();
    if form.decision != "approve" && request.redirect_uri == OUT_OF_BAND {
        return page(
            StatusCode::OK,
            "Authorization denied",
            "<h1>Authorization denied</h1><p>The app was not given access.</p>",
        );
    }
    if form.decision != "approve" {
        return redirect_with(
            &request.redirect_uri,
            &[("error", Some("access_denied")), ("state", state)],
        )
        .unwrap_or_else(|e| error_page(&e));
    }
    let (user, _) = match accounts::authenticate(&ctx, &form.login, &form.password).await {
        Ok(found) => found,
        Err(error) => return form_page(request, &app.name, &scopes, Some(&error.to_string())),
    };
    let code = match oauth::authorize(&ctx, &app, &user, &request.redirect_uri, &scopes, challenge)
        .await
    {
        Ok(code) => code,
        Err(error) => return error_page(&error),
    };
    if request.redirect_uri == OUT_OF_BAND {
        return page(
            StatusCode::OK,
            "Authorization code",
            &format!(
                "<h1>Authorization code</h1><p>Copy this code into {}:</p><p><code id=\"code\">{}</code></p>",
                escape(&app.name),
                escape(&code)
            ),
        );
    }
    redirect_with(
        &request.redirect_uri,
        &[("code", Some(&code)), ("state", state)],
    )
    .unwrap_or_else(|e| error_page(&e))
}
