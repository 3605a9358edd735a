//! A member's blocks of whole servers
//! (https://docs.joinmastodon.org/methods/domain_blocks/): nothing from a
//! blocked server reaches them, its accounts that followed them are
//! removed, and `domain_blocking` shows in relationships.

use crate::{
    domain::{Context, blocks},
    error::Result,
    http::{auth::Auth, input::Input},
};
use axum::{Json, extract::State};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
pub struct DomainForm {
    domain: String,
}

/// `GET /api/v1/domain_blocks`: the blocked domains, as strings.
pub async fn list(State(ctx): State<Context>, auth: Auth) -> Result<Json<Vec<String>>> {
    let member = auth.require("read:blocks")?;
    Ok(Json(blocks::blocked_servers(&ctx, member).await?))
}

/// `POST /api/v1/domain_blocks`
pub async fn block(
    State(ctx): State<Context>,
    auth: Auth,
    Input(form): Input<DomainForm>,
) -> Result<Json<Value>> {
    let member = auth.require("write:blocks")?;
    blocks::block_server(&ctx, member, &form.domain).await?;
    Ok(Json(json!({})))
}

/// `DELETE /api/v1/domain_blocks`
pub async fn unblock(
    State(ctx): State<Context>,
    auth: Auth,
    Input(form): Input<DomainForm>,
) -> Result<Json<Value>> {
    let member = auth.require("write:blocks")?;
    blocks::unblock_server(&ctx, member, &form.domain).await?;
    Ok(Json(json!({})))
}
