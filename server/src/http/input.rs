//! Request bodies as Mastodon clients send them: JSON, form-encoded, or
//! (for simple fields) multipart, with parameters in the query string when
//! the body is empty. Unknown fields are ignored.
//!
//! This is also where local input is refused if it holds a NUL character:
//! PostgreSQL cannot store one in text while SQLite can, so letting it in
//! would make the two databases differ (or fail with a 500). Addresses are
//! checked by [`refuse_nul`] before routing, bodies by [`Input`].

use crate::error::Error;
use axum::{
    extract::{FromRequest, Request},
    http::{Uri, header::CONTENT_TYPE},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Deserializer, de::DeserializeOwned};

/// Whether the path or query string of `uri` decodes to text holding a NUL.
/// A URI cannot carry the byte itself, only its escape `%00`.
pub fn address_holds_nul(uri: &Uri) -> bool {
    uri.path().contains("%00") || uri.query().is_some_and(|query| query.contains("%00"))
}

/// Middleware: refuses a request whose address holds a NUL with `400`
/// before any handler or database sees it. The web pages answer the same
/// refusal as a page (`web::page::refuse_nul`).
pub async fn refuse_nul(request: Request, next: Next) -> Response {
    if address_holds_nul(request.uri()) {
        return nul_in_address().into_response();
    }
    next.run(request).await
}

pub fn nul_in_address() -> Error {
    Error::BadRequest("The address holds a character that is not allowed (NUL)".into())
}

fn nul_in_body() -> Error {
    Error::Validation("a field holds a character that is not allowed (NUL)".into())
}

/// Whether any string in `value`, or any key of its objects, holds a NUL.
fn json_holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(text) => text.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(json_holds_nul),
        serde_json::Value::Object(map) => map
            .iter()
            .any(|(key, value)| key.contains('\0') || json_holds_nul(value)),
        _ => false,
    }
}

/// Whether the request body is a multipart form (uploads, and the forms
/// that carry them).
pub fn is_multipart(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"))
}

pub struct Input<T>(pub T);

impl<S, T> FromRequest<S> for Input<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let query = req.uri().query().unwrap_or_default().to_string();
        if is_multipart(req.headers()) {
            let (pairs, _) = read_multipart(req, state, false).await?;
            let encoded = serde_urlencoded::to_string(&pairs)
                .map_err(|e| Error::BadRequest(e.to_string()))?;
            return parse_form(&encoded).map(Input);
        }
        let body = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| match rejection.status() {
                axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                    Error::PayloadTooLarge(rejection.body_text())
                }
                _ => Error::BadRequest(rejection.body_text()),
            })?;
        // Some clients send a JSON `null` for "no parameters".
        if body.iter().all(u8::is_ascii_whitespace) || body.trim_ascii() == b"null" {
            return parse_form(&query).map(Input);
        }
        if content_type.starts_with("application/json") || body.first() == Some(&b'{') {
            let invalid =
                |e: serde_json::Error| Error::Validation(format!("invalid JSON body: {e}"));
            let value: serde_json::Value = serde_json::from_slice(&body).map_err(invalid)?;
            if json_holds_nul(&value) {
                return Err(nul_in_body());
            }
            return serde_json::from_value(value).map(Input).map_err(invalid);
        }
        let text = std::str::from_utf8(&body)
            .map_err(|_| Error::BadRequest("body is not UTF-8".into()))?;
        parse_form(text).map(Input)
    }
}

/// A file sent in a multipart form.
#[derive(Debug)]
pub struct UploadedFile {
    /// The form field it came in (`file`, `avatar`…).
    pub field: String,
    pub bytes: Vec<u8>,
}

/// The text fields of a multipart form as (name, value) pairs, and its
/// files when `keep_files` (otherwise they are skipped unread).
pub async fn read_multipart<S: Send + Sync>(
    req: Request,
    state: &S,
    keep_files: bool,
) -> Result<(Vec<(String, String)>, Vec<UploadedFile>), Error> {
    let mut multipart = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| Error::BadRequest(e.to_string()))?;
    let field_error = |e: axum::extract::multipart::MultipartError| match e.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => Error::PayloadTooLarge(e.body_text()),
        _ => Error::BadRequest(e.body_text()),
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(field_error)? {
        let Some(name) = field.name().map(String::from) else {
            continue;
        };
        if field.file_name().is_some() {
            if keep_files {
                let bytes = field.bytes().await.map_err(field_error)?.to_vec();
                files.push(UploadedFile { field: name, bytes });
            }
            continue;
        }
        let value = field.text().await.map_err(field_error)?;
        pairs.push((name, value));
    }
    Ok((pairs, files))
}

/// A form that may carry files (uploads, avatars): its fields as
/// [`Input`] would read them, and its files. A body that is not multipart
/// has fields only.
pub struct WithFiles<T> {
    pub fields: T,
    pub files: Vec<UploadedFile>,
}

impl<T> WithFiles<T> {
    /// Takes the file sent in `field`, if one was.
    pub fn take_file(&mut self, field: &str) -> Option<Vec<u8>> {
        let at = self.files.iter().position(|f| f.field == field)?;
        Some(self.files.swap_remove(at).bytes)
    }
}

impl<S, T> FromRequest<S> for WithFiles<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        if !is_multipart(req.headers()) {
            let Input(fields) = Input::from_request(req, state).await?;
            return Ok(WithFiles {
                fields,
                files: Vec::new(),
            });
        }
        let (pairs, files) = read_multipart(req, state, true).await?;
        let encoded =
            serde_urlencoded::to_string(&pairs).map_err(|e| Error::BadRequest(e.to_string()))?;
        Ok(WithFiles {
            fields: parse_form(&encoded)?,
            files,
        })
    }
}

/// Form fields, with Rails-style `name[]` keys folded into `name`.
fn parse_form<T: DeserializeOwned>(encoded: &str) -> Result<T, Error> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(encoded)
        .map_err(|e| Error::BadRequest(format!("invalid form body: {e}")))?;
    if pairs
        .iter()
        .any(|(key, value)| key.contains('\0') || value.contains('\0'))
    {
        return Err(nul_in_body());
    }
    let mut object = serde_json::Map::new();
    for (key, value) in pairs {
        match key.strip_suffix("[]") {
            Some(list) => {
                let entry = object
                    .entry(list.to_string())
                    .or_insert_with(|| serde_json::Value::Array(Vec::new()));
                if let serde_json::Value::Array(items) = entry {
                    items.push(value.into());
                }
            }
            None => {
                object.insert(key, value.into());
            }
        }
    }
    serde_json::from_value(serde_json::Value::Object(object))
        .map_err(|e| Error::Validation(format!("invalid parameters: {e}")))
}

/// Booleans as JSON booleans or as the strings clients put in forms.
pub fn flexible_bool<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Bool(bool),
        Text(String),
        Number(i64),
    }
    Ok(match Option::<Raw>::deserialize(deserializer)? {
        None => None,
        Some(Raw::Bool(b)) => Some(b),
        Some(Raw::Number(n)) => Some(n != 0),
        Some(Raw::Text(text)) => match text.to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => Some(true),
            "false" | "0" | "off" | "no" | "" => Some(false),
            other => {
                return Err(serde::de::Error::custom(format!(
                    "{other:?} is not a boolean"
                )));
            }
        },
    })
}

/// Ids as strings (Mastodon's form) or numbers (what some scripts send).
pub fn flexible_id<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(i64),
        Text(String),
    }
    match Option::<Raw>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Raw::Number(n)) => Ok(Some(n)),
        Some(Raw::Text(text)) if text.is_empty() => Ok(None),
        Some(Raw::Text(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("{text:?} is not an id"))),
    }
}

/// A list of ids, each a string or a number.
pub fn flexible_id_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<i64>, D::Error> {
    #[derive(Deserialize)]
    struct One(#[serde(deserialize_with = "flexible_id")] Option<i64>);
    let items = Vec::<One>::deserialize(deserializer)?;
    Ok(items.into_iter().filter_map(|One(id)| id).collect())
}

/// As [`flexible_id_list`], telling a list that was sent (even empty) from
/// none: with `default`, a missing field stays `None`.
pub fn sent_id_list<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Vec<i64>>, D::Error> {
    flexible_id_list(deserializer).map(Some)
}

/// Parses an id from a path segment; anything else is a 404, as on Mastodon.
pub fn path_id(raw: &str) -> Result<i64, Error> {
    raw.parse().map_err(|_| Error::not_found())
}

/// A count such as `limit` or `offset` from a query string: absent or
/// empty gives `default`; anything but a whole number from 0 up is a 400.
pub fn count_param(value: Option<&str>, name: &str, default: i64) -> Result<i64, Error> {
    match value.filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| Error::BadRequest(format!("{name} must be a whole number"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Example {
        status: String,
        #[serde(default, deserialize_with = "flexible_bool")]
        sensitive: Option<bool>,
        #[serde(default, deserialize_with = "flexible_id")]
        in_reply_to_id: Option<i64>,
        #[serde(default)]
        scopes: Vec<String>,
    }

    #[test]
    fn forms_fold_arrays_and_accept_loose_types() {
        let parsed: Example = parse_form(
            "status=hi&sensitive=1&in_reply_to_id=42&scopes[]=read&scopes[]=write&unknown=x",
        )
        .unwrap();
        assert_eq!(
            parsed,
            Example {
                status: "hi".into(),
                sensitive: Some(true),
                in_reply_to_id: Some(42),
                scopes: vec!["read".into(), "write".into()],
            }
        );
        assert!(parse_form::<Example>("status=hi&sensitive=maybe").is_err());
        assert!(parse_form::<Example>("sensitive=true").is_err());
    }

    #[test]
    fn nul_is_refused_in_forms_json_and_addresses() {
        let refused = parse_form::<Example>("status=a%00b").unwrap_err();
        assert_eq!(
            refused.status(),
            axum::http::StatusCode::UNPROCESSABLE_ENTITY
        );
        assert!(parse_form::<Example>("status=hi&x%00=1").is_err());
        assert!(json_holds_nul(&serde_json::json!({"a": ["ok", "b\u{0}"]})));
        assert!(json_holds_nul(&serde_json::json!({"k\u{0}": 1})));
        assert!(!json_holds_nul(
            &serde_json::json!({"a": "%00 is text here"})
        ));
        let uri = |text: &str| text.parse::<Uri>().unwrap();
        assert!(address_holds_nul(&uri("/users/%00")));
        assert!(address_holds_nul(&uri("/api/v2/search?q=a%00")));
        assert!(!address_holds_nul(&uri("/api/v2/search?q=%2500")));
    }
}
