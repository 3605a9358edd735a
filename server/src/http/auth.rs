//! Bearer-token authentication for the client API. A token is read from
//! the `Authorization` header or, as Mastodon also accepts (for clients
//! that cannot set headers, such as a browser's WebSocket), from the
//! `access_token` query parameter.

use crate::{
    domain::{Account, User},
    domain::{Context, oauth},
    error::Error,
};
use axum::{
    extract::FromRequestParts,
    http::{HeaderMap, HeaderValue, Uri, header::AUTHORIZATION, request::Parts},
};

/// The token of an `Authorization: Bearer …` header (the scheme in any
/// case), `None` when the header holds something else or nothing.
pub fn bearer_token(value: &HeaderValue) -> Option<&str> {
    let (scheme, token) = value.to_str().ok()?.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The access token a request carries: the bearer token of its
/// `Authorization` header, else a non-empty `access_token` in its query.
pub fn request_token(headers: &HeaderMap, uri: &Uri) -> Option<String> {
    let from_header = headers
        .get(AUTHORIZATION)
        .and_then(bearer_token)
        .map(str::to_owned);
    from_header.or_else(|| {
        url::form_urlencoded::parse(uri.query()?.as_bytes())
            .find(|(name, value)| name == "access_token" && !value.is_empty())
            .map(|(_, value)| value.into_owned())
    })
}

/// A valid token already looked up for this request (by the rate
/// limiter), so the handler does not look it up again.
#[derive(Clone)]
pub struct CheckedToken {
    pub token: String,
    pub grant: oauth::Grant,
}

fn invalid_token() -> Error {
    Error::Unauthorized("The access token is invalid".into())
}

/// The grant behind the request's access token, if it carried one.
pub struct MaybeAuth(pub Option<oauth::Grant>);

impl FromRequestParts<Context> for MaybeAuth {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, ctx: &Context) -> Result<Self, Error> {
        if parts
            .headers
            .get(AUTHORIZATION)
            .is_some_and(|header| bearer_token(header).is_none())
        {
            return Err(invalid_token());
        }
        let Some(token) = request_token(&parts.headers, &parts.uri) else {
            return Ok(MaybeAuth(None));
        };
        if let Some(checked) = parts.extensions.get::<CheckedToken>()
            && checked.token == token
        {
            return Ok(MaybeAuth(Some(checked.grant.clone())));
        }
        Ok(MaybeAuth(Some(oauth::grant_for_token(ctx, &token).await?)))
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
        let grant = grant.ok_or_else(invalid_token)?;
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
