//! OAuth applications, access tokens and scopes, as Mastodon clients use them.

use super::Context;
use crate::{
    crypto,
    db::{
        self, ids::next_id, models::Account, models::OAuthApp, models::OAuthAuthorization,
        models::OAuthToken, models::User, oauth as db_oauth,
    },
    error::{Error, Result},
};

/// A set of OAuth scopes such as `read write:statuses follow`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

const TOP_LEVEL: [&str; 4] = ["read", "write", "follow", "push"];

/// Mastodon's admin scopes: `admin:read`, `admin:write` and their
/// sub-scopes (`admin:read:accounts`, `admin:write:reports`…).
const ADMIN_SCOPES: [&str; 2] = ["admin:read", "admin:write"];
const ADMIN_RESOURCES: [&str; 8] = [
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
    "rules",
];

fn is_admin_scope(scope: &str) -> bool {
    ADMIN_SCOPES.contains(&scope)
        || ADMIN_SCOPES.iter().any(|top| {
            scope
                .strip_prefix(top)
                .and_then(|rest| rest.strip_prefix(':'))
                .is_some_and(|resource| ADMIN_RESOURCES.contains(&resource))
        })
}

impl Scopes {
    pub fn parse(text: &str) -> Result<Scopes> {
        let mut scopes: Vec<String> = Vec::new();
        for scope in text.split([' ', '+', ',']) {
            let scope = scope.trim();
            if scope.is_empty() {
                continue;
            }
            let top = scope.split(':').next().unwrap_or_default();
            let known = TOP_LEVEL.contains(&top) || scope == "profile" || is_admin_scope(scope);
            if !known || (top == "follow" && scope != "follow") {
                return Err(Error::BadRequest(format!("unknown scope {scope:?}")));
            }
            if !scopes.iter().any(|s| s == scope) {
                scopes.push(scope.to_string());
            }
        }
        if scopes.is_empty() {
            scopes.push("read".into());
        }
        Ok(Scopes(scopes))
    }

    /// Whether `required` (e.g. `write:statuses`) is granted, either exactly
    /// or by its parent (`write`). The legacy `follow` scope grants the
    /// follow-related sub-scopes, as on Mastodon.
    pub fn allows(&self, required: &str) -> bool {
        // `admin:read:accounts` sits under `admin:read`; `read` grants none
        // of the admin scopes.
        let parent = if required.starts_with("admin:") {
            required
                .rsplit_once(':')
                .map_or(required, |(parent, _)| parent)
        } else {
            required.split(':').next().unwrap_or(required)
        };
        self.0.iter().any(|granted| {
            granted == required
                || granted == parent
                || (granted == "follow"
                    && matches!(
                        required,
                        "read:follows"
                            | "write:follows"
                            | "read:blocks"
                            | "write:blocks"
                            | "read:mutes"
                            | "write:mutes"
                    ))
        })
    }

    /// Every scope in `self` is also granted by `other`.
    pub fn within(&self, other: &Scopes) -> bool {
        self.0.iter().all(|scope| other.allows(scope))
    }

    pub fn to_text(&self) -> String {
        self.0.join(" ")
    }
}

pub struct RegisteredApp {
    pub app: OAuthApp,
    pub client_secret: String,
}

pub async fn register_app(
    ctx: &Context,
    name: &str,
    redirect_uris: &str,
    scopes: &Scopes,
    website: Option<String>,
) -> Result<RegisteredApp> {
    let name = name.trim();
    if name.is_empty() || name.len() > 200 {
        return Err(Error::Validation(
            "client_name must be 1 to 200 characters".into(),
        ));
    }
    let redirect_uris = redirect_uris.trim();
    if redirect_uris.is_empty() {
        return Err(Error::Validation("redirect_uris can't be blank".into()));
    }
    let client_secret = crypto::random_token();
    let app = OAuthApp {
        id: next_id(),
        name: name.to_string(),
        website: website.filter(|w| !w.trim().is_empty()),
        client_id: crypto::random_token(),
        client_secret_hash: crypto::sha256_hex(&client_secret),
        redirect_uris: redirect_uris.to_string(),
        scopes: scopes.to_text(),
        created_at: db::now(),
    };
    let stored = app.clone();
    ctx.db
        .write(move |conn| db_oauth::insert_app(conn, &stored).map_err(Error::from))
        .await?;
    Ok(RegisteredApp { app, client_secret })
}

/// The app whose id and secret match.
pub async fn authenticate_client(
    ctx: &Context,
    client_id: &str,
    client_secret: &str,
) -> Result<OAuthApp> {
    let client_id = client_id.to_string();
    let app = ctx
        .db
        .read(move |conn| db_oauth::app_by_client_id(conn, &client_id).map_err(Error::from))
        .await?;
    match app {
        Some(app) if app.client_secret_hash == crypto::sha256_hex(client_secret) => Ok(app),
        _ => Err(Error::Unauthorized(
            "Client authentication failed due to unknown client".into(),
        )),
    }
}

pub struct IssuedToken {
    pub token: String,
    /// Given with tokens that act for a member, so apps can renew them.
    pub refresh_token: Option<String>,
    pub scopes: Scopes,
    pub created_at: chrono::NaiveDateTime,
}

pub async fn issue_token(
    ctx: &Context,
    app_id: Option<i64>,
    user_id: Option<i64>,
    scopes: Scopes,
) -> Result<IssuedToken> {
    let token = crypto::random_token();
    let refresh_token = user_id.map(|_| crypto::random_token());
    let row = OAuthToken {
        id: next_id(),
        token_hash: crypto::sha256_hex(&token),
        app_id,
        user_id,
        scopes: scopes.to_text(),
        created_at: db::now(),
        revoked_at: None,
        refresh_token_hash: refresh_token.as_deref().map(crypto::sha256_hex),
    };
    let created_at = row.created_at;
    ctx.db
        .write(move |conn| db_oauth::insert_token(conn, &row).map_err(Error::from))
        .await?;
    Ok(IssuedToken {
        token,
        refresh_token,
        scopes,
        created_at,
    })
}

/// How long an authorization code may wait to be exchanged.
const CODE_LIFETIME: chrono::Duration = chrono::Duration::minutes(10);

/// The redirect URI `requested` if the app registered it (one per line, or
/// the out-of-band URN).
pub fn check_redirect_uri(app: &OAuthApp, requested: &str) -> Result<()> {
    if app
        .redirect_uris
        .split_whitespace()
        .any(|uri| uri == requested)
    {
        Ok(())
    } else {
        Err(Error::BadRequest(
            "The redirect uri included is not valid.".into(),
        ))
    }
}

/// A PKCE challenge as sent with the authorization request: only S256.
pub fn check_challenge(challenge: Option<&str>, method: Option<&str>) -> Result<Option<String>> {
    match (
        challenge.filter(|c| !c.is_empty()),
        method.filter(|m| !m.is_empty()),
    ) {
        (None, _) => Ok(None),
        (Some(challenge), None | Some("S256")) => Ok(Some(challenge.to_string())),
        (Some(_), Some(other)) => Err(Error::BadRequest(format!(
            "code_challenge_method {other:?} is not supported; use S256"
        ))),
    }
}

/// Records that `user` let `app` act with `scopes`, and returns the code the
/// app exchanges for a token.
pub async fn authorize(
    ctx: &Context,
    app: &OAuthApp,
    user: &User,
    redirect_uri: &str,
    scopes: &Scopes,
    code_challenge: Option<String>,
) -> Result<String> {
    check_redirect_uri(app, redirect_uri)?;
    if !scopes.within(&Scopes::parse(&app.scopes)?) {
        return Err(Error::BadRequest(
            "The requested scope is invalid, unknown, or malformed.".into(),
        ));
    }
    let code = crypto::random_token();
    let row = OAuthAuthorization {
        code_hash: crypto::sha256_hex(&code),
        app_id: app.id,
        user_id: user.id,
        redirect_uri: redirect_uri.to_string(),
        scopes: scopes.to_text(),
        code_challenge,
        expires_at: db::now() + CODE_LIFETIME,
    };
    ctx.db
        .write(move |conn| Ok::<_, Error>(db_oauth::insert_authorization(conn, &row)?))
        .await?;
    Ok(code)
}

fn pkce_matches(challenge: &str, verifier: &str) -> bool {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    use sha2::{Digest, Sha256};
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == challenge
}

/// Exchanges an authorization code. The app proves itself with its secret
/// (`app_authenticated`) or with the PKCE verifier of the code's challenge.
pub async fn exchange_code(
    ctx: &Context,
    app: &OAuthApp,
    app_authenticated: bool,
    code: &str,
    redirect_uri: &str,
    code_verifier: Option<&str>,
) -> Result<IssuedToken> {
    let code_hash = crypto::sha256_hex(code);
    let authorization = ctx
        .db
        .write(move |conn| Ok::<_, Error>(db_oauth::take_authorization(conn, &code_hash)?))
        .await?;
    let invalid = || {
        Error::BadRequest("The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.".into())
    };
    let authorization = authorization
        .filter(|a| {
            a.app_id == app.id && a.redirect_uri == redirect_uri && a.expires_at > db::now()
        })
        .ok_or_else(invalid)?;
    let proven = match (&authorization.code_challenge, code_verifier) {
        (Some(challenge), Some(verifier)) => pkce_matches(challenge, verifier),
        (Some(_), None) => false,
        (None, _) => app_authenticated,
    };
    if !proven {
        return Err(invalid());
    }
    let scopes = Scopes::parse(&authorization.scopes)?;
    issue_token(ctx, Some(app.id), Some(authorization.user_id), scopes).await
}

/// A new access token for a refresh token; the old pair stops working.
pub async fn refresh(ctx: &Context, app: &OAuthApp, refresh_token: &str) -> Result<IssuedToken> {
    let refresh_hash = crypto::sha256_hex(refresh_token);
    let app_id = app.id;
    let old = ctx
        .db
        .write(move |conn| -> Result<OAuthToken> {
            let token = db_oauth::live_token_by_refresh_hash(conn, &refresh_hash)?
                .filter(|t| t.app_id == Some(app_id))
                .ok_or_else(|| Error::BadRequest("The refresh token is invalid.".into()))?;
            db_oauth::revoke(conn, app_id, &token.token_hash)?;
            Ok(token)
        })
        .await?;
    issue_token(ctx, Some(app.id), old.user_id, Scopes::parse(&old.scopes)?).await
}

/// Revokes an access or refresh token of `app`. Unknown tokens are not an
/// error (RFC 7009): the outcome is the same.
pub async fn revoke(ctx: &Context, app: &OAuthApp, token: &str) -> Result<()> {
    let hash = crypto::sha256_hex(token);
    let app_id = app.id;
    ctx.db
        .write(move |conn| Ok::<_, Error>(db_oauth::revoke(conn, app_id, &hash)?))
        .await?;
    Ok(())
}

/// The app registered under `client_id`, without its secret.
pub async fn app_by_client_id(ctx: &Context, client_id: &str) -> Result<OAuthApp> {
    let client_id = client_id.to_string();
    ctx.db
        .read(move |conn| {
            db_oauth::app_by_client_id(conn, &client_id)?.ok_or_else(|| {
                Error::Unauthorized("Client authentication failed due to unknown client".into())
            })
        })
        .await
}

/// Who a bearer token speaks for: a member, or only an app.
#[derive(Debug, Clone)]
pub struct Grant {
    pub user: Option<(User, Account)>,
    /// The app the token was issued to; None for `trellis admin token`.
    pub app: Option<OAuthApp>,
    pub scopes: Scopes,
}

pub async fn grant_for_token(ctx: &Context, token: &str) -> Result<Grant> {
    let token_hash = crypto::sha256_hex(token);
    ctx.db
        .read(move |conn| {
            let invalid = || Error::Unauthorized("The access token is invalid".into());
            let token = db_oauth::live_token_by_hash(conn, &token_hash)?.ok_or_else(invalid)?;
            let user = match token.user_id {
                Some(user_id) => Some(db_oauth::user_by_id(conn, user_id)?.ok_or_else(invalid)?),
                None => None,
            };
            if user
                .as_ref()
                .is_some_and(|(_, account)| account.deleted_at.is_some())
            {
                return Err(invalid());
            }
            if let Some((_, account)) = &user
                && let Some(refused) = super::moderation::login_refused(conn, account.id)?
            {
                return Err(Error::Forbidden(refused.into()));
            }
            if user.as_ref().is_some_and(|(user, _)| !user.approved) {
                return Err(Error::Forbidden(
                    "Your login is currently pending approval".into(),
                ));
            }
            let app = match token.app_id {
                Some(app_id) => db_oauth::app_by_id(conn, app_id)?,
                None => None,
            };
            Ok(Grant {
                user,
                app,
                scopes: Scopes(token.scopes.split(' ').map(String::from).collect()),
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_scopes_grant_their_children() {
        let scopes = Scopes::parse("read write:statuses follow").unwrap();
        assert!(scopes.allows("read:accounts"));
        assert!(scopes.allows("write:statuses"));
        assert!(!scopes.allows("write:favourites"));
        assert!(!scopes.allows("write"));
        assert!(scopes.allows("write:follows"));
        assert!(!scopes.allows("push"));
    }

    #[test]
    fn admin_scopes_stand_apart_from_read_and_write() {
        let scopes = Scopes::parse("read write admin:read:reports").unwrap();
        assert!(scopes.allows("admin:read:reports"));
        assert!(!scopes.allows("admin:read:accounts"));
        assert!(!scopes.allows("admin:write:reports"));
        let admin = Scopes::parse("admin:write").unwrap();
        assert!(admin.allows("admin:write:domain_blocks"));
        assert!(!admin.allows("admin:read:domain_blocks"));
        assert!(!admin.allows("write:statuses"));
        assert!(Scopes::parse("admin:read:nonsense").is_err());
        assert!(Scopes::parse("admin").is_err());
    }

    #[test]
    fn unknown_scopes_are_refused_and_empty_means_read() {
        assert!(Scopes::parse("read admin").is_err());
        assert!(Scopes::parse("follow:x").is_err());
        assert_eq!(Scopes::parse("").unwrap().to_text(), "read");
        assert_eq!(Scopes::parse("read+write").unwrap().to_text(), "read write");
    }

    #[test]
    fn requested_scopes_must_fit_the_apps() {
        let app = Scopes::parse("read write").unwrap();
        assert!(Scopes::parse("read:statuses write").unwrap().within(&app));
        assert!(!Scopes::parse("read follow").unwrap().within(&app));
    }
}
