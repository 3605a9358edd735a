//! Bearer-token authentication for the client API.

use crate::{
    domain::{Account, User},
    domain::{Context, oauth},
    error::Error,
};
use axum::{extract::FromRequestParts, http::request::Parts};

/// The token of an `Authorization: Bearer …` header (the scheme in any
/// case), `None` when the header holds something else or nothing.
pub fn bearer_token(value: &axum::http::HeaderValue) -> Option<&str> {
    let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The grant behind the request's bearer token, if it carried one.
pub struct MaybeAuth(pub Option<oauth::Grant>);

impl FromRequestParts<Context> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &Context) -> Result<Self, Error> {
        let Some(header) = parts.headers.get(axum::http::header::AUTHORIZATION) else {
            return Ok(MaybeAuth(None));
        };
        let token = bearer_token(header)
            .ok_or_else(|| Error::Unauthorized("The access token is invalid".into()))?;
        Ok(MaybeAuth(Some(oauth::grant_for_token(ctx, token).await?)))
    }
}

impl MaybeAuth {
    /// The member, when the token has `scope`; anonymous requests pass as None.
    pub fn viewer(&self, scope: &str) -> Result<Option<Account>, Error> {
        match &self.0 {
            None => Ok(None),
            Some(grant) => {
                if !grant.scopes.allows(scope) {
                    return Err(insufficient_scope());
                }
                Ok(grant.user.as_ref().map(|(_, account)| account.clone()))
            }
        }
    }
}

fn insufficient_scope() -> Error {
    Error::Forbidden("This action is outside the authorized scopes".into())
}

/// A request made for a member, with a token that holds the scope the
/// handler asked for.
pub struct Auth {
    pub user: User,
    pub account: Account,
    grant: oauth::Grant,
}

impl FromRequestParts<Context> for Auth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &Context) -> Result<Self, Error> {
        let MaybeAuth(grant) = MaybeAuth::from_request_parts(parts, ctx).await?;
        let grant =
            grant.ok_or_else(|| Error::Unauthorized("The access token is invalid".into()))?;
        let (user, account) = grant.user.clone().ok_or_else(|| {
            Error::Unprocessable("This method requires an authenticated user".into())
        })?;
        Ok(Auth {
            user,
            account,
            grant,
        })
    }
}

impl Auth {
    pub fn require(&self, scope: &str) -> Result<&Account, Error> {
        if self.grant.scopes.allows(scope) {
            Ok(&self.account)
        } else {
            Err(insufficient_scope())
        }
    }
}
