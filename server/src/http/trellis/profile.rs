//! A member's practice: `GET`/`PATCH /api/trellis/v1/profile` for their
//! own (with their own settings, such as whether they get the
//! introductions digest), `GET /api/trellis/v1/accounts/:id/practice` for
//! anyone's.

use crate::{
    domain::{
        Context, accounts,
        practice::{self, Practice, PracticeChanges},
        weavers,
    },
    error::{Error, Result},
    http::{
        auth::Auth,
        input::{Input, flexible_bool, path_id},
    },
};
use axum::{
    Json,
    extract::{Path, State},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// One's own profile: the practice anyone can see, and the settings only
/// the member sees.
#[derive(Debug, Serialize)]
pub struct OwnProfile {
    #[serde(flatten)]
    pub practice: Practice,
    /// Whether the member gets the network's introductions digest.
    pub introductions_digest: bool,
}

pub async fn show_own(State(ctx): State<Context>, auth: Auth) -> Result<Json<OwnProfile>> {
    let account = auth.require("read:accounts")?;
    Ok(Json(OwnProfile {
        practice: practice::get(&ctx, account).await?,
        introductions_digest: auth.user.introductions_digest,
    }))
}

#[derive(Deserialize)]
struct Flag(#[serde(deserialize_with = "flexible_bool")] Option<bool>);

/// Changes what the body names; lists given replace the whole list.
/// `introductions_digest` is the member's own setting, not part of the
/// practice that federates, so it is taken out before the rest is read
/// as a practice change; both are checked before anything is written.
pub async fn update(
    State(ctx): State<Context>,
    auth: Auth,
    Input(body): Input<Value>,
) -> Result<Json<OwnProfile>> {
    let account = auth.require("write:accounts")?;
    let Value::Object(mut fields) = body else {
        return Err(Error::Validation("the body must be an object".into()));
    };
    let invalid = |e: serde_json::Error| Error::Validation(format!("invalid parameters: {e}"));
    let digest = match fields.remove("introductions_digest") {
        Some(value) => serde_json::from_value::<Flag>(value).map_err(invalid)?.0,
        None => None,
    };
    let practice_given = !fields.is_empty();
    let changes: PracticeChanges =
        serde_json::from_value(Value::Object(fields)).map_err(invalid)?;
    let practice = if practice_given {
        practice::update(&ctx, account, changes).await?
    } else {
        practice::get(&ctx, account).await?
    };
    if let Some(wanted) = digest {
        weavers::want_digest(&ctx, &auth.user, wanted).await?;
    }
    Ok(Json(OwnProfile {
        practice,
        introductions_digest: digest.unwrap_or(auth.user.introductions_digest),
    }))
}

/// Public, as the same facts are on the profile for anyone to see.
pub async fn show(State(ctx): State<Context>, Path(id): Path<String>) -> Result<Json<Practice>> {
    let account = accounts::visible_by_id(&ctx, path_id(&id)?).await?;
    Ok(Json(practice::get(&ctx, &account).await?))
}
