//! The one error type of the application and how it becomes an HTTP answer:
//! a status code and Mastodon's `{"error": "..."}` body. Internal details are
//! logged, never shown.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Gone(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("Validation failed: {0}")]
    Validation(String),
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    RemoteUnavailable(String),
    #[error("database: {0}")]
    Database(#[from] crate::db::DbError),
    #[error("internal: {0}")]
    Internal(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn not_found() -> Error {
        Error::NotFound("Record not found".into())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Gone(_) => StatusCode::GONE,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Validation(_) | Error::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::RemoteUnavailable(_) => StatusCode::BAD_GATEWAY,
            Error::Database(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error as D};
        match err {
            D::NotFound => Error::not_found(),
            D::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                Error::Conflict(format!("already exists: {}", info.message()))
            }
            other => Error::Database(other.into()),
        }
    }
}

impl From<crate::crypto::CryptoError> for Error {
    fn from(err: crate::crypto::CryptoError) -> Self {
        Error::Internal(err.to_string())
    }
}

impl From<activitypub_federation::error::Error> for Error {
    fn from(err: activitypub_federation::error::Error) -> Self {
        use activitypub_federation::error::Error as F;
        match err {
            F::NotFound => Error::NotFound("remote object not found".into()),
            F::ObjectDeleted(url) => Error::Gone(format!("{url} was deleted")),
            F::RequestLimit => {
                Error::BadRequest("too many fetches needed to process this request".into())
            }
            F::ResponseBodyLimit => Error::BadRequest("remote object is larger than 1 MiB".into()),
            F::UrlVerificationError(reason) => Error::BadRequest(format!("refused url: {reason}")),
            F::DomainResolveError(domain) => Error::BadRequest(format!(
                "refused {domain}: it does not resolve to a public address"
            )),
            F::ResolveInternalIpError(host, ip) => Error::BadRequest(format!(
                "refused {host}: it resolves to private address {ip}"
            )),
            F::FetchInvalidContentType(url) => Error::BadRequest(format!(
                "{url} did not answer with an ActivityStreams content type"
            )),
            F::FetchWrongId(url) => {
                Error::BadRequest(format!("object fetched from {url} has a different id"))
            }
            F::ParseFetchedObject(e, url, _) => {
                Error::BadRequest(format!("cannot parse object from {url}: {e}"))
            }
            F::WebfingerResolveFailed(e) => Error::NotFound(format!("webfinger: {e}")),
            other => Error::RemoteUnavailable(other.to_string()),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status.is_server_error() && status != StatusCode::BAD_GATEWAY {
            tracing::error!(error = %self, "request failed");
            "Internal server error".to_string()
        } else {
            self.to_string()
        };
        (status, Json(serde_json::json!({ "error": message }))).into_response()
    }
}
