//! `GET` and `PUT /api/trellis/v1/network`: the network's profile and
//! charter; its children; its map and health.

use crate::{
    domain::{
        Context,
        network::{self, Network, NetworkChanges},
        network_map,
    },
    error::{Error, Result},
    federation::{Data, resolve},
    http::{auth::Auth, input::Input},
};
use axum::{Json, extract::State, response::IntoResponse};
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

#[derive(Debug, serde::Deserialize)]
pub struct MapParams {
    format: Option<String>,
}

/// `GET /api/trellis/v1/network/map?format=json|graphml|gexf`: the graph
/// for Gephi, Kumu or a script. For members: it shows who follows whom.
pub async fn map(
    State(ctx): State<Context>,
    auth: Auth,
    axum::extract::Query(params): axum::extract::Query<MapParams>,
) -> Result<axum::response::Response> {
    auth.require("read")?;
    let format = params.format.unwrap_or_else(|| "json".into());
    let content_type = match format.as_str() {
        "json" => "application/json",
        "graphml" => "application/graphml+xml",
        "gexf" => "application/gexf+xml",
        other => {
            return Err(Error::Validation(format!(
                "format is json, graphml or gexf, not {other:?}"
            )));
        }
    };
    let graph = network_map::graph(&ctx).await?;
    let body = match format.as_str() {
        "graphml" => crate::graph::to_graphml(&graph),
        "gexf" => crate::graph::to_gexf(&graph),
        _ => crate::graph::to_json(&graph).to_string(),
    };
    Ok(([(axum::http::header::CONTENT_TYPE, content_type)], body).into_response())
}

/// `GET /api/trellis/v1/network/map.svg`: the picture, clusters apart,
/// members coloured by community; brokers named for admins.
pub async fn map_svg(State(ctx): State<Context>, auth: Auth) -> Result<axum::response::Response> {
    auth.require("read")?;
    let measured = network_map::measured(&ctx).await?;
    let options = crate::graph::MapOptions {
        name_brokers: network_map::may_see_names(&auth.user),
    };
    let svg = crate::graph::to_svg_measured(&measured.graph, &measured.figures, options);
    Ok(([(axum::http::header::CONTENT_TYPE, "image/svg+xml")], svg).into_response())
}

/// `GET /api/trellis/v1/network/health`: the figures of the health report;
/// the brokers and the best-connected member by name for admins, as
/// counts for everyone else.
pub async fn health(State(ctx): State<Context>, auth: Auth) -> Result<Json<network_map::Health>> {
    auth.require("read")?;
    let health = network_map::health(&ctx).await?;
    if network_map::may_see_names(&auth.user) {
        Ok(Json(health))
    } else {
        Ok(Json(health.for_member()))
    }
}
