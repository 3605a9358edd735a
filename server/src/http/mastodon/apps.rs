//! https://docs.joinmastodon.org/methods/apps/

use crate::{
    domain::{
        Context,
        oauth::{self, Scopes},
    },
    error::{Error, Result},
    http::{auth::MaybeAuth, input::Input},
};
use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Debug, Deserialize)]
pub struct CreateApp {
    client_name: String,
    redirect_uris: OneOrMany,
    scopes: Option<String>,
    website: Option<String>,
}

pub async fn create(
    State(ctx): State<Context>,
    Input(form): Input<CreateApp>,
) -> Result<Json<Value>> {
    let scopes = Scopes::parse(form.scopes.as_deref().unwrap_or("read"))?;
    let redirect_uris = match form.redirect_uris {
        OneOrMany::One(uris) => uris,
        OneOrMany::Many(uris) => uris.join("\n"),
    };
    let registered = oauth::register_app(
        &ctx,
        &form.client_name,
        &redirect_uris,
        &scopes,
        form.website,
    )
    .await?;
    let app = &registered.app;
    let uris: Vec<&str> = app.redirect_uris.split_whitespace().collect();
    Ok(Json(json!({
        "id": app.id.to_string(),
        "name": app.name,
        "website": app.website,
        "scopes": app.scopes.split(' ').collect::<Vec<_>>(),
        "redirect_uri": app.redirect_uris,
        "redirect_uris": uris,
        "client_id": app.client_id,
        "client_secret": registered.client_secret,
        "client_secret_expires_at": 0,
        "vapid_key": "",
    })))
}

pub async fn verify_credentials(auth: MaybeAuth) -> Result<Json<Value>> {
    let grant = auth
        .0
        .ok_or_else(|| Error::Unauthorized("The access token is invalid".into()))?;
    let (name, website) = match &grant.app {
        Some(app) => (app.name.clone(), app.website.clone()),
        None => ("trellis admin token".to_string(), None),
    };
    Ok(Json(json!({
        "name": name,
        "website": website,
        "scopes": grant.scopes.to_text().split(' ').collect::<Vec<_>>(),
    })))
}
