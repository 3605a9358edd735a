//! A member's practice: `GET`/`PATCH /api/trellis/v1/profile` for their
//! own, `GET /api/trellis/v1/accounts/:id/practice` for anyone's.

use crate::{
    domain::{
        Context, accounts,
        practice::{self, Practice, PracticeChanges},
    },
    error::Result,
    http::{
        auth::Auth,
        input::{Input, path_id},
    },
};
use axum::{
    Json,
    extract::{Path, State},
};

pub async fn show_own(State(ctx): State<Context>, auth: Auth) -> Result<Json<Practice>> {
    let account = auth.require("read:accounts")?;
    Ok(Json(practice::get(&ctx, account).await?))
}

/// Changes what the body names; lists given replace the whole list.
pub async fn update(
    State(ctx): State<Context>,
    auth: Auth,
    Input(changes): Input<PracticeChanges>,
) -> Result<Json<Practice>> {
    let account = auth.require("write:accounts")?;
    Ok(Json(practice::update(&ctx, account, changes).await?))
}

/// Public, as the same facts are on the profile for anyone to see.
pub async fn show(State(ctx): State<Context>, Path(id): Path<String>) -> Result<Json<Practice>> {
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    Ok(Json(practice::get(&ctx, &account).await?))
}
