//! `GET` and `PUT /api/trellis/v1/network`: the network's profile and
//! charter.

use crate::{
    domain::{
        Context,
        network::{self, Network, NetworkChanges},
    },
    error::{Error, Result},
    http::{auth::Auth, input::Input},
};
use axum::{Json, extract::State};

/// Anyone may read the network's description: it is public on the network
/// actor too.
pub async fn show(State(ctx): State<Context>) -> Result<Json<Network>> {
    Ok(Json(network::get(&ctx).await?))
}

/// Admins change what they name and nothing else.
pub async fn update(
    State(ctx): State<Context>,
    auth: Auth,
    Input(changes): Input<NetworkChanges>,
) -> Result<Json<Network>> {
    auth.require("write:accounts")?;
    if !auth.user.admin {
        return Err(Error::Forbidden(
            "Only the network's admins may change it".into(),
        ));
    }
    Ok(Json(network::update(&ctx, changes).await?))
}
