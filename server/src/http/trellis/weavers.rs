//! Weavers: `GET /api/trellis/v1/weavers` (who can weave the network),
//! `PUT` and `DELETE /api/trellis/v1/weavers/{acct}` (an admin grants or
//! removes the role).

use crate::{
    domain::{Context, User, accounts, admin, views::AccountView},
    error::{Error, Result},
    http::{auth::Auth, mastodon::entities},
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Weaver {
    pub account: entities::Account,
    /// Holds the weaver role.
    pub weaver: bool,
    /// An admin, who weaves with or without the role.
    pub admin: bool,
}

fn weaver(ctx: &Context, user: &User, view: &AccountView) -> Weaver {
    Weaver {
        account: entities::account(&ctx.urls, view),
        weaver: user.weaver,
        admin: user.admin,
    }
}

/// Weavers and admins may see who else weaves.
pub async fn list(State(ctx): State<Context>, auth: Auth) -> Result<Json<Vec<Weaver>>> {
    auth.require("read:accounts")?;
    if !accounts::can_weave(&auth.user) {
        return Err(Error::Forbidden(
            "Only the network's weavers and admins may see this".into(),
        ));
    }
    let found = admin::weavers(&ctx).await?;
    Ok(Json(
        found
            .iter()
            .map(|(user, view)| weaver(&ctx, user, view))
            .collect(),
    ))
}

pub async fn grant(
    State(ctx): State<Context>,
    auth: Auth,
    Path(acct): Path<String>,
) -> Result<Json<Weaver>> {
    change(&ctx, &auth, &acct, true).await
}

pub async fn remove(
    State(ctx): State<Context>,
    auth: Auth,
    Path(acct): Path<String>,
) -> Result<Json<Weaver>> {
    change(&ctx, &auth, &acct, false).await
}

/// Only admins give or take the role: it shows every member's
/// suggestions and lets its holder message the whole network.
async fn change(ctx: &Context, auth: &Auth, acct: &str, weaver_role: bool) -> Result<Json<Weaver>> {
    auth.require("write:accounts")?;
    if !auth.user.admin {
        return Err(Error::Forbidden(
            "Only the network's admins may do this".into(),
        ));
    }
    let account = accounts::by_acct(ctx, acct)
        .await?
        .ok_or_else(|| Error::NotFound(format!("No member {acct} is known here")))?;
    let (user, view) = admin::set_weaver(ctx, &account, weaver_role).await?;
    Ok(Json(weaver(ctx, &user, &view)))
}
