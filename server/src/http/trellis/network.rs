//! `GET` and `PUT /api/trellis/v1/network`: the network's profile and
//! charter; its vocabulary of synonyms; its children; its map and health.

use crate::{
    domain::{
        Context,
        network::{self, Network, NetworkChanges},
        network_map, network_reports,
        terms::Vocabulary,
    },
    error::{Error, Result},
    federation::{Data, resolve},
    http::{
        auth::{Auth, MaybeAuth},
        input::Input,
    },
};
use axum::{
    Json,
    extract::{Path, State},
    response::IntoResponse,
};
use serde_json::{Value, json};

/// Anyone may read the network's description: it is public on the network
/// actor too.
pub async fn show(State(ctx): State<Context>) -> Result<Json<Network>> {
    Ok(Json(network::get(&ctx).await?))
}

/// Only the network's admins manage its links and its report.
fn require_admin(auth: &Auth) -> Result<()> {
    auth.require("write:accounts")?;
    if !auth.user.admin {
        return Err(Error::Forbidden(
            "Only the network's admins may do this".into(),
        ));
    }
    Ok(())
}

/// Admins change what they name and nothing else.
pub async fn update(
    data: Data,
    auth: Auth,
    Input(changes): Input<NetworkChanges>,
) -> Result<Json<Network>> {
    require_admin(&auth)?;
    Ok(Json(resolve::update_network(&data, changes).await?))
}

/// `PUT /api/trellis/v1/network/vocabulary`: the whole list of synonym
/// groups, replacing the one before.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVocabulary {
    groups: Vec<Vec<String>>,
}

/// The vocabulary as shown: this network's groups, and those of linked
/// networks that matching here uses too.
#[derive(Debug, serde::Serialize)]
pub struct VocabularyView {
    groups: Vocabulary,
    linked: Vec<Value>,
}

async fn vocabulary_view(ctx: &Context) -> Result<Json<VocabularyView>> {
    let (groups, linked) = network::vocabularies(ctx).await?;
    Ok(Json(VocabularyView {
        groups,
        linked: linked
            .iter()
            .map(|(network, vocabulary)| {
                json!({
                    "acct": network.acct(),
                    "name": network.display_name,
                    "groups": vocabulary,
                })
            })
            .collect(),
    }))
}

/// `GET /api/trellis/v1/network/vocabulary`: public, like the network
/// actor that carries it.
pub async fn vocabulary(State(ctx): State<Context>) -> Result<Json<VocabularyView>> {
    vocabulary_view(&ctx).await
}

/// Admins replace the vocabulary; a bad group refuses the whole (422) and
/// nothing changes.
pub async fn set_vocabulary(
    State(ctx): State<Context>,
    auth: Auth,
    Input(body): Input<NewVocabulary>,
) -> Result<Json<VocabularyView>> {
    auth.require("write:accounts")?;
    if !auth.user.admin {
        return Err(Error::Forbidden(
            "Only the network's admins may change its vocabulary".into(),
        ));
    }
    network::set_vocabulary(&ctx, body.groups).await?;
    vocabulary_view(&ctx).await
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
    let pieces = network_map::export(&ctx, &format).await?;
    let body = futures::stream::unfold(pieces, |mut pieces| async move {
        let piece = pieces.recv().await?;
        Some((Ok::<_, std::convert::Infallible>(piece), pieces))
    });
    Ok((
        [(axum::http::header::CONTENT_TYPE, content_type)],
        axum::body::Body::from_stream(body),
    )
        .into_response())
}

/// `GET /api/trellis/v1/network/map.svg`: the picture, clusters apart,
/// members coloured by community; brokers named for admins.
pub async fn map_svg(State(ctx): State<Context>, auth: Auth) -> Result<axum::response::Response> {
    auth.require("read")?;
    let measured = network_map::measured(&ctx).await?;
    let options = crate::graph::MapOptions {
        name_brokers: network_map::may_see_names(&auth.user),
    };
    let svg = measured.svg(options).await?;
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

/// `GET /api/trellis/v1/network/report`: this network's latest report, for
/// its members (for anyone when the network shares it publicly).
pub async fn report(
    State(ctx): State<Context>,
    auth: MaybeAuth,
) -> Result<Json<network_reports::BranchView>> {
    if auth.viewer("read")?.is_none() && !network::get(&ctx).await?.share_report.is_public() {
        return Err(Error::Unauthorized(
            "The network's report is for its members: log in".into(),
        ));
    }
    Ok(Json(network_reports::own(&ctx).await?))
}

/// `POST /api/trellis/v1/network/report/refresh`: measure now and send the
/// report to those it is shared with (admins).
pub async fn refresh_report(
    State(ctx): State<Context>,
    auth: Auth,
) -> Result<Json<network_reports::BranchView>> {
    require_admin(&auth)?;
    network_reports::refresh(&ctx, true).await?;
    Ok(Json(network_reports::own(&ctx).await?))
}

/// `GET /api/trellis/v1/network/tree`: this network, every network below
/// it with its latest shared report, and the totals.
pub async fn tree(State(ctx): State<Context>, auth: Auth) -> Result<Json<network_reports::Tree>> {
    auth.require("read")?;
    Ok(Json(network_reports::tree(&ctx).await?))
}

#[derive(Debug, serde::Deserialize)]
pub struct HistoryParams {
    from: Option<String>,
    to: Option<String>,
}

/// A moment given as RFC 3339 or as a day (`2026-12-01`, midnight UTC).
fn moment(what: &str, text: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    if let Ok(at) = chrono::DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&chrono::Utc));
    }
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|day| day.and_time(chrono::NaiveTime::MIN).and_utc())
        .map_err(|_| {
            Error::Validation(format!("{what} is a date (2026-12-01) or an RFC 3339 time"))
        })
}

/// `GET /api/trellis/v1/network/health/history?from=&to=`: the snapshots
/// of the health figures (the last 90 days unless told), with trends.
pub async fn health_history(
    State(ctx): State<Context>,
    auth: Auth,
    axum::extract::Query(params): axum::extract::Query<HistoryParams>,
) -> Result<Json<network_reports::History>> {
    auth.require("read")?;
    let now = chrono::Utc::now();
    let to = match params.to.as_deref() {
        Some(text) => moment("to", text)?,
        None => now,
    };
    let from = match params.from.as_deref() {
        Some(text) => moment("from", text)?,
        None => to - chrono::Duration::days(network_reports::TREND_DAYS),
    };
    Ok(Json(network_reports::history(&ctx, from, to).await?))
}

/// `GET /api/trellis/v1/network/links`: the networks linked with this one
/// (pending peer requests too, for admins).
pub async fn links(
    State(ctx): State<Context>,
    auth: MaybeAuth,
) -> Result<Json<Vec<network::LinkView>>> {
    let admin = match &auth.0 {
        Some(grant) => grant
            .user
            .as_ref()
            .is_some_and(|(user, _)| user.admin && grant.scopes.allows("read")),
        None => false,
    };
    Ok(Json(network::links(&ctx, admin).await?))
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLink {
    target: String,
}

/// `POST /api/trellis/v1/network/links {"target": "network@host"}`: ask
/// another network to link as peers (admins).
pub async fn request_link(
    data: Data,
    auth: Auth,
    Input(link): Input<NewLink>,
) -> Result<Json<network::LinkView>> {
    require_admin(&auth)?;
    let target = resolve::network_actor(&data, &link.target).await?;
    Ok(Json(network::request_peer(&data, target).await?))
}

/// The linked network named in the path, as `name@host`.
async fn linked_network(ctx: &Context, acct: &str) -> Result<crate::db::models::Account> {
    crate::domain::accounts::by_acct(ctx, acct.trim_start_matches('@'))
        .await?
        .ok_or_else(Error::not_found)
}

/// `POST /api/trellis/v1/network/links/{acct}/accept` (admins).
pub async fn accept_link(
    State(ctx): State<Context>,
    auth: Auth,
    Path(acct): Path<String>,
) -> Result<Json<Vec<network::LinkView>>> {
    require_admin(&auth)?;
    network::answer_peer(&ctx, linked_network(&ctx, &acct).await?, true).await?;
    Ok(Json(network::links(&ctx, true).await?))
}

/// `POST /api/trellis/v1/network/links/{acct}/reject` and `DELETE
/// /api/trellis/v1/network/links/{acct}`: turn down a request, or end a
/// peer link (admins).
pub async fn end_link(
    State(ctx): State<Context>,
    auth: Auth,
    Path(acct): Path<String>,
) -> Result<Json<Vec<network::LinkView>>> {
    require_admin(&auth)?;
    network::answer_peer(&ctx, linked_network(&ctx, &acct).await?, false).await?;
    Ok(Json(network::links(&ctx, true).await?))
}
