//! `GET` and `PUT /api/trellis/v1/network`: the network's profile and
//! charter.

use crate::{
    domain::{
        Context,
        network::{self, Network, NetworkChanges},
    },
    error::{Error, Result},
    federation::{Data, resolve},
    http::{auth::Auth, input::Input},
};
use axum::{Json, extract::State};
use serde_json::{Value, json};

/// Anyone may read the network's description: it is public on the network
/// actor too.
pub async fn show(State(ctx): State<Context>) -> Result<Json<Network>> {
    Ok(Json(network::get(&ctx).await?))
}

/// Admins change what they name and nothing else.
pub async fn update(
    data: Data,
    auth: Auth,
    Input(changes): Input<NetworkChanges>,
) -> Result<Json<Network>> {
    auth.require("write:accounts")?;
    if !auth.user.admin {
        return Err(Error::Forbidden(
            "Only the network's admins may change it".into(),
        ));
    }
    Ok(Json(resolve::update_network(&data, changes).await?))
}

/// `GET /api/trellis/v1/network/children`: the networks that declared this
/// one their parent.
pub async fn children(State(ctx): State<Context>) -> Result<Json<Vec<Value>>> {
    let children = network::children(&ctx).await?;
    Ok(Json(
        children
            .iter()
            .map(|(child, network)| {
                let network = network.clone().unwrap_or_default();
                json!({
                    "acct": child.acct(),
                    "name": child.display_name,
                    "url": child.url.clone().unwrap_or_else(|| child.ap_id.clone()),
                    "place": network.place,
                    "level": network.level,
                    "type": network.kind,
                })
            })
            .collect(),
    ))
}
