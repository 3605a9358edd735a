//! https://docs.joinmastodon.org/methods/oauth/#token
//!
//! The password grant (what Mastodon.py's `log_in` and toot use) and the
//! client credentials grant. The password grant accepts the email address
//! as `username`, as Mastodon does, or the username itself.

use crate::{
    domain::{
        Context, accounts,
        oauth::{self, Scopes},
    },
    error::{Error, Result},
    http::input::Input,
};
use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
pub struct TokenRequest {
    grant_type: String,
    client_id: Option<String>,
    client_secret: Option<String>,
    username: Option<String>,
    password: Option<String>,
    scope: Option<String>,
}

pub async fn token(
    State(ctx): State<Context>,
    Input(form): Input<TokenRequest>,
) -> Result<Json<Value>> {
    let invalid_client =
        || Error::Unauthorized("Client authentication failed due to unknown client".into());
    let app = oauth::authenticate_client(
        &ctx,
        form.client_id.as_deref().ok_or_else(invalid_client)?,
        form.client_secret.as_deref().ok_or_else(invalid_client)?,
    )
    .await?;
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
    let issued = oauth::issue_token(&ctx, Some(app.id), user_id, scopes).await?;
    Ok(Json(json!({
        "access_token": issued.token,
        "token_type": "Bearer",
        "scope": issued.scopes.to_text(),
        "created_at": issued.created_at.and_utc().timestamp(),
    })))
}
