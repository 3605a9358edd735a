//! ActivityPub documents served to other servers, and the inboxes. A GET
//! that asks for `application/activity+json` or `application/ld+json` gets
//! JSON; anything else is sent to the HTML page of the same thing.

use crate::{
    domain::{Context, accounts, communities, network, network_reports, render, statuses},
    error::{Error, Result},
    federation::inbox,
    http::input::path_id,
    protocol::{self, OrderedCollection},
};
use activitypub_federation::axum::json::FederationJson;
use axum::{
    Router,
    extract::{DefaultBodyLimit, Path, State},
    http::{HeaderMap, header},
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};

pub fn routes() -> Router<Context> {
    Router::new()
        .route("/actor", get(instance_actor))
        .route("/users/{username}", get(actor))
        .route("/users/{username}/statuses/{id}", get(note))
        .route("/users/{username}/statuses/{id}/replies", get(replies))
        .route("/users/{username}/outbox", get(outbox))
        .route("/users/{username}/collections/featured", get(featured))
        .route("/users/{username}/collections/tags", get(featured_tags))
        .route("/users/{username}/followers", get(followers))
        .route("/users/{username}/following", get(following))
        .route("/users/{username}/moderators", get(moderators))
        .route("/users/{username}/report", get(network_report))
        .route("/users/{username}/members", get(community_members))
        .route(
            "/inbox",
            post(inbox::receive).layer(DefaultBodyLimit::max(inbox::MAX_BODY_BYTES)),
        )
        .route(
            "/users/{username}/inbox",
            post(inbox::receive).layer(DefaultBodyLimit::max(inbox::MAX_BODY_BYTES)),
        )
}

/// Whether the client asked for ActivityStreams JSON.
pub fn wants_activitypub(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|accept| {
            accept.contains("application/activity+json") || accept.contains("application/ld+json")
        })
}

async fn instance_actor(State(ctx): State<Context>) -> Result<Response> {
    let actor = accounts::instance_actor(&ctx).await?;
    Ok(FederationJson(render::actor(&actor)).into_response())
}

async fn actor(
    State(ctx): State<Context>,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Response> {
    let account = accounts::local_by_username(&ctx, &username).await?;
    if !wants_activitypub(&headers) {
        return Ok(Redirect::to(&ctx.urls.profile_page(&account.username)).into_response());
    }
    let document = accounts::actor_document(&ctx, &account).await?;
    Ok(FederationJson(document).into_response())
}

async fn note(
    State(ctx): State<Context>,
    headers: HeaderMap,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response> {
    let id = path_id(&id)?;
    let note = statuses::public_note(&ctx, &username, id).await?;
    if !wants_activitypub(&headers) {
        return Ok(Redirect::to(&ctx.urls.status_page(&username, id)).into_response());
    }
    Ok(FederationJson(note).into_response())
}

/// The public replies to a public status.
async fn replies(
    State(ctx): State<Context>,
    Path((username, id)): Path<(String, String)>,
) -> Result<Response> {
    let (collection_id, items) = statuses::public_reply_ids(&ctx, &username, path_id(&id)?).await?;
    collection(collection_id, items.len() as i64, Some(items))
}

/// A member's pinned posts, embedded, as Mastodon serves them.
async fn featured(State(ctx): State<Context>, Path(username): Path<String>) -> Result<Response> {
    let member = accounts::local_member_by_username(&ctx, &username).await?;
    let items = statuses::featured_notes(&ctx, &member).await?;
    collection(
        render::featured_of(&member),
        items.len() as i64,
        Some(items),
    )
}

/// A member's featured hashtags, as `Hashtag` objects.
async fn featured_tags(
    State(ctx): State<Context>,
    Path(username): Path<String>,
) -> Result<Response> {
    let member = accounts::local_member_by_username(&ctx, &username).await?;
    let items: Vec<serde_json::Value> = crate::domain::tags::featured(&ctx, &member)
        .await?
        .into_iter()
        .map(|tag| {
            serde_json::json!({
                "type": "Hashtag",
                "href": ctx.urls.tag(&tag.name),
                "name": format!("#{}", tag.name),
            })
        })
        .collect();
    collection(
        render::featured_tags_of(&member),
        items.len() as i64,
        Some(items),
    )
}

/// The network's report, for the servers it is shared with: a signed GET
/// from the parent's server gets the branch below this network, one from
/// a peer's the report alone; anyone gets that when the report is public.
async fn network_report(
    data: crate::federation::Data,
    method: axum::http::Method,
    axum::extract::OriginalUri(uri): axum::extract::OriginalUri,
    headers: HeaderMap,
    Path(username): Path<String>,
) -> Result<Response> {
    if username != network::NETWORK_USERNAME {
        return Err(Error::not_found());
    }
    if !wants_activitypub(&headers) {
        return Ok(Redirect::to("/network").into_response());
    }
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let host = inbox::signing_host(&data, &method, path, &headers).await?;
    let signed = host.is_some();
    match network_reports::reader(&data, host).await? {
        Some(reader) => {
            let object =
                network_reports::object_for(&data, reader == network_reports::Reader::Parent)
                    .await?;
            Ok(FederationJson(object).into_response())
        }
        None if signed => Err(Error::Forbidden(
            "this network does not share its report with your server".into(),
        )),
        None => Err(Error::Unauthorized(
            "the report is shared only with linked networks: sign the request".into(),
        )),
    }
}

/// A community's discoverable members, for the communities linked with it.
async fn community_members(
    State(ctx): State<Context>,
    Path(username): Path<String>,
) -> Result<Response> {
    let group = accounts::local_by_username(&ctx, &username).await?;
    let members = communities::discoverable_members(&ctx, &group).await?;
    collection(
        communities::members_url(&group.ap_id),
        members.len() as i64,
        Some(members.into_iter().map(serde_json::Value::String).collect()),
    )
}

/// An `OrderedCollection`: the count alone, or with its items.
fn collection(
    id: String,
    total_items: i64,
    ordered_items: Option<Vec<serde_json::Value>>,
) -> Result<Response> {
    Ok(FederationJson(OrderedCollection {
        context: protocol::context(),
        kind: "OrderedCollection",
        id: url::Url::parse(&id).map_err(|e| Error::Internal(e.to_string()))?,
        total_items,
        ordered_items,
    })
    .into_response())
}

/// The outbox: the count, and the latest public posts as `Create`s, so a
/// server whose member just followed can show what came before.
async fn outbox(State(ctx): State<Context>, Path(username): Path<String>) -> Result<Response> {
    let view = accounts::view(&ctx, accounts::local_by_username(&ctx, &username).await?).await?;
    let items = statuses::outbox_items(&ctx, &view.account).await?;
    collection(
        ctx.urls.outbox(&view.account.username),
        view.statuses_count,
        Some(items),
    )
}

async fn followers(State(ctx): State<Context>, Path(username): Path<String>) -> Result<Response> {
    let view = accounts::view(&ctx, accounts::local_by_username(&ctx, &username).await?).await?;
    collection(
        ctx.urls.followers(&view.account.username),
        view.followers_count,
        None,
    )
}

async fn following(State(ctx): State<Context>, Path(username): Path<String>) -> Result<Response> {
    let view = accounts::view(&ctx, accounts::local_by_username(&ctx, &username).await?).await?;
    collection(
        ctx.urls.following(&view.account.username),
        view.following_count,
        None,
    )
}

/// A community's moderators (FEP-1b12; Lemmy reads them from here to know
/// whose removals to accept).
async fn moderators(State(ctx): State<Context>, Path(username): Path<String>) -> Result<Response> {
    let community = communities::local(&ctx, &username).await?;
    let items: Vec<serde_json::Value> = community
        .moderators
        .iter()
        .map(|moderator| serde_json::Value::String(moderator.ap_id.clone()))
        .collect();
    collection(
        render::moderators_of(&community.account.account),
        items.len() as i64,
        Some(items),
    )
}
