//! HTTP signatures (draft-cavage, `rsa-sha256`) as Mastodon and most of the
//! fediverse use them, and, for incoming requests, RFC 9421 message
//! signatures (see `rfc9421`), told apart by the `Signature-Input` header
//! only the latter has. The draft-cavage signing string is built by
//! http-signature-normalization; the RSA work is done by `crypto`.
//!
//! Outgoing requests sign `(request-target)`, `host`, `date` and, when there
//! is a body, `digest`. Incoming draft-cavage requests must sign the same
//! set; the date must be within an hour either way, and the digest must
//! match the body.

use crate::crypto;
use http::{HeaderMap, Method};
use http_signature_normalization::{Config, PrepareVerifyError, verify::Unverified};
use std::{collections::BTreeMap, time::Duration};
use url::Url;

/// How far a signature's `Date` may lie from our clock, in either direction.
/// Deliveries are signed when sent, so only clock skew and transit need room.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error(
        "request is not signed (neither a draft-cavage Signature nor an RFC 9421 Signature-Input header)"
    )]
    Missing,
    #[error("malformed Signature header: {0}")]
    Malformed(String),
    #[error("signature must cover the method, the target and the body's digest; missing {0}")]
    Uncovered(String),
    #[error("unsupported signature algorithm {0}")]
    Algorithm(String),
    #[error("Date header is missing or unreadable")]
    BadDate,
    #[error("signature Date is outside the accepted window of one hour")]
    Expired,
    #[error("Digest (or Content-Digest) header does not match the body")]
    DigestMismatch,
    #[error("signature does not verify with the key of {0}")]
    Invalid(String),
}

/// `host[:port]` as sent in the Host header.
pub fn host_header(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

fn http_date(now: chrono::DateTime<chrono::Utc>) -> String {
    now.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// The headers that sign a request: `Host`, `Date`, `Digest` (with a body)
/// and `Signature`.
pub fn sign_request(
    method: &Method,
    url: &Url,
    body: Option<&[u8]>,
    key_id: &str,
    private_key_pem: &str,
) -> Result<Vec<(&'static str, String)>, crypto::CryptoError> {
    let mut headers = BTreeMap::new();
    headers.insert("host".to_string(), host_header(url));
    headers.insert("date".to_string(), http_date(chrono::Utc::now()));
    if let Some(body) = body {
        headers.insert("digest".to_string(), crypto::digest_header(body));
    }
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let unsigned = Config::new()
        .mastodon_compat()
        .begin_sign(method.as_str(), &path, headers.clone())
        .map_err(|e| crypto::CryptoError::InvalidKey(e.to_string()))?;
    let signed = unsigned.sign(key_id.to_string(), |signing_string| {
        crypto::sign_rsa_sha256(private_key_pem, signing_string.as_bytes())
    })?;
    // The normalization crate writes the generic "hs2019"; naming the actual
    // algorithm is what older servers expect and what the header means.
    let signature = signed
        .signature_header()
        .replace("algorithm=\"hs2019\"", "algorithm=\"rsa-sha256\"");
    let mut out: Vec<(&'static str, String)> = vec![
        ("host", headers.remove("host").unwrap_or_default()),
        ("date", headers.remove("date").unwrap_or_default()),
    ];
    if let Some(digest) = headers.remove("digest") {
        out.push(("digest", digest));
    }
    out.push(("signature", signature));
    Ok(out)
}

/// A signature that passed every check that needs no key. `verify` finishes
/// the job once the key is known.
#[derive(Debug)]
pub enum CheckedSignature {
    Cavage(Unverified),
    Rfc9421(super::rfc9421::MessageSignature),
}

impl CheckedSignature {
    pub fn key_id(&self) -> &str {
        match self {
            CheckedSignature::Cavage(unverified) => unverified.key_id(),
            CheckedSignature::Rfc9421(signature) => signature.key_id(),
        }
    }

    pub fn verify(&self, public_key_pem: &str) -> bool {
        match self {
            CheckedSignature::Cavage(unverified) => {
                unverified.verify(|signature, signing_string| {
                    crypto::verify_rsa_sha256(public_key_pem, signing_string.as_bytes(), signature)
                        .unwrap_or(false)
                })
            }
            CheckedSignature::Rfc9421(signature) => signature.verify(public_key_pem),
        }
    }

    /// Which of the two standards signed the request, for logs.
    pub fn standard(&self) -> &'static str {
        match self {
            CheckedSignature::Cavage(_) => "draft-cavage",
            CheckedSignature::Rfc9421(_) => "RFC 9421",
        }
    }
}

/// Checks everything about an incoming signature except the key itself:
/// presence, covered headers, algorithm, date window and body digest.
/// `scheme` is how this server is reached (`https` behind its proxy), for
/// an RFC 9421 signature that covers `@target-uri`.
pub fn check_request(
    scheme: &str,
    method: &Method,
    path_and_query: &str,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<CheckedSignature, SignatureError> {
    if headers.contains_key("signature-input") {
        let target = super::rfc9421::Target {
            scheme,
            path_and_query,
        };
        return super::rfc9421::check(method, target, headers, body).map(CheckedSignature::Rfc9421);
    }
    let mut map = BTreeMap::new();
    for (name, value) in headers {
        if let Ok(value) = value.to_str() {
            map.entry(name.as_str().to_lowercase())
                .or_insert_with(|| value.to_string());
        }
    }
    if !map.contains_key("signature") {
        return Err(SignatureError::Missing);
    }
    let date = map.get("date").ok_or(SignatureError::BadDate)?;
    let date = chrono::DateTime::parse_from_rfc2822(date).map_err(|_| SignatureError::BadDate)?;
    let skew = (chrono::Utc::now() - date.with_timezone(&chrono::Utc))
        .abs()
        .to_std()
        .unwrap_or(Duration::MAX);
    if skew > MAX_CLOCK_SKEW {
        return Err(SignatureError::Expired);
    }
    if let Some(body) = body {
        let expected = crypto::digest_header(body);
        let digest = map
            .get("digest")
            .ok_or_else(|| SignatureError::Uncovered("digest".into()))?;
        let matches = digest.split(',').any(|part| {
            part.trim().split_once('=').is_some_and(|(alg, value)| {
                alg.eq_ignore_ascii_case("sha-256") && format!("SHA-256={value}") == expected
            })
        });
        if !matches {
            return Err(SignatureError::DigestMismatch);
        }
    }
    let mut config = Config::new()
        .mastodon_compat()
        .require_header("(request-target)")
        .set_expiration(MAX_CLOCK_SKEW);
    if body.is_some() {
        config = config.require_digest();
    }
    let unverified = config
        .begin_verify(method.as_str(), path_and_query, map)
        .map_err(|e| match e {
            PrepareVerifyError::Required(missing) => {
                let mut names: Vec<&String> = missing.headers().iter().collect();
                names.sort();
                SignatureError::Uncovered(names.into_iter().cloned().collect::<Vec<_>>().join(", "))
            }
            PrepareVerifyError::Validate(_) => SignatureError::Expired,
            PrepareVerifyError::Parse(e) => SignatureError::Malformed(e.to_string()),
        })?;
    if let Some(algorithm) = unverified.algorithm() {
        let name = algorithm.to_string();
        if !matches!(name.as_str(), "rsa-sha256" | "hs2019") {
            return Err(SignatureError::Algorithm(name));
        }
    }
    Ok(CheckedSignature::Cavage(unverified))
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn signed_headers(
        method: &Method,
        url: &str,
        body: Option<&[u8]>,
        key: &crypto::KeyPem,
    ) -> HeaderMap {
        let url = Url::parse(url).unwrap();
        let mut headers = HeaderMap::new();
        for (name, value) in sign_request(
            method,
            &url,
            body,
            "https://a.example/u#main-key",
            &key.private_pem,
        )
        .unwrap()
        {
            headers.insert(name, HeaderValue::from_str(&value).unwrap());
        }
        headers
    }

    #[test]
    fn a_signed_post_verifies_and_covers_the_required_headers() {
        let key = crypto::generate_rsa_key().unwrap();
        let body = br#"{"type":"Follow"}"#;
        let headers = signed_headers(
            &Method::POST,
            "http://localhost:8001/inbox",
            Some(body),
            &key,
        );
        let signature = headers["signature"].to_str().unwrap();
        assert!(
            signature.contains(r#"algorithm="rsa-sha256""#),
            "{signature}"
        );
        assert!(
            signature.contains(r#"headers="(request-target) date digest host""#),
            "{signature}"
        );
        let checked =
            check_request("https", &Method::POST, "/inbox", &headers, Some(body)).unwrap();
        assert_eq!(checked.key_id(), "https://a.example/u#main-key");
        assert!(checked.verify(&key.public_pem));
        let other = crypto::generate_rsa_key().unwrap();
        assert!(!checked.verify(&other.public_pem));
    }

    #[test]
    fn the_path_and_body_are_bound_to_the_signature() {
        let key = crypto::generate_rsa_key().unwrap();
        let headers = signed_headers(
            &Method::POST,
            "http://localhost:8001/inbox",
            Some(b"one"),
            &key,
        );
        assert_eq!(
            check_request("https", &Method::POST, "/inbox", &headers, Some(b"two")).unwrap_err(),
            SignatureError::DigestMismatch
        );
        let moved = check_request(
            "https",
            &Method::POST,
            "/users/bob/inbox",
            &headers,
            Some(b"one"),
        )
        .unwrap();
        assert!(!moved.verify(&key.public_pem));
    }

    #[test]
    fn unsigned_stale_and_partial_signatures_are_refused() {
        let key = crypto::generate_rsa_key().unwrap();
        let mut headers = signed_headers(
            &Method::POST,
            "http://localhost:8001/inbox",
            Some(b"x"),
            &key,
        );
        let mut unsigned = headers.clone();
        unsigned.remove("signature");
        assert_eq!(
            check_request("https", &Method::POST, "/inbox", &unsigned, Some(b"x")).unwrap_err(),
            SignatureError::Missing
        );

        let stale = http_date(chrono::Utc::now() - chrono::Duration::hours(2));
        let mut old = headers.clone();
        old.insert("date", HeaderValue::from_str(&stale).unwrap());
        assert_eq!(
            check_request("https", &Method::POST, "/inbox", &old, Some(b"x")).unwrap_err(),
            SignatureError::Expired
        );
        let future = http_date(chrono::Utc::now() + chrono::Duration::hours(2));
        old.insert("date", HeaderValue::from_str(&future).unwrap());
        assert_eq!(
            check_request("https", &Method::POST, "/inbox", &old, Some(b"x")).unwrap_err(),
            SignatureError::Expired
        );

        let signature = headers["signature"]
            .to_str()
            .unwrap()
            .replace("date digest host", "date host");
        headers.insert("signature", HeaderValue::from_str(&signature).unwrap());
        assert_eq!(
            check_request("https", &Method::POST, "/inbox", &headers, Some(b"x")).unwrap_err(),
            SignatureError::Uncovered("digest".into())
        );
    }
}
