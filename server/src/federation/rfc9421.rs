//! RFC 9421 HTTP Message Signatures, read beside draft-cavage: Fedify (and
//! Mastodon from 4.5 on) signs with them first. The `Signature-Input` and
//! `Signature` fields are RFC 8941 structured fields, parsed with `sfv`; the
//! signature base is rebuilt here from the covered components, and the key
//! work is done by `crypto`.
//!
//! A request must cover `@method`, its target (`@target-uri`, or
//! `@authority` with `@path` or `@request-target`) and, with a body,
//! `content-digest`, which must match the body (SHA-256 or SHA-512). Its
//! `created` time must lie within the clock window, its `expires` (if any)
//! in the future; `keyid` names the key. Component parameters (`;sf`,
//! `;key`, `;req`…) are not supported and refused with a reason.

use super::signatures::{MAX_CLOCK_SKEW, SignatureError};
use crate::crypto::{self, SignatureAlgorithm};
use http::{HeaderMap, Method};
use sfv::{BareItem, Dictionary, FieldType, ListEntry, Parser};
use sha2::{Digest, Sha256, Sha512};

/// A message signature that passed every check that needs no key.
#[derive(Debug)]
pub struct MessageSignature {
    key_id: String,
    algorithm: Option<SignatureAlgorithm>,
    base: String,
    signature: Vec<u8>,
}

impl MessageSignature {
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Verifies with the actor's key. Without an `alg` parameter the key's
    /// own kind decides: fediverse actor keys are RSA, signed with
    /// RSASSA-PKCS1-v1_5 and SHA-256.
    pub fn verify(&self, public_key_pem: &str) -> bool {
        let algorithm = self.algorithm.unwrap_or(SignatureAlgorithm::RsaPkcs1Sha256);
        crypto::verify_signature(
            algorithm,
            public_key_pem,
            self.base.as_bytes(),
            &self.signature,
        )
    }
}

/// Where the request was sent, for `@target-uri`, `@scheme` and the like:
/// the scheme this server is reached by (behind its proxy) and the path
/// with its query.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub scheme: &'a str,
    pub path_and_query: &'a str,
}

fn malformed(reason: impl Into<String>) -> SignatureError {
    SignatureError::Malformed(reason.into())
}

fn dictionary(headers: &HeaderMap, name: &str) -> Result<Dictionary, SignatureError> {
    let joined = headers
        .get_all(name)
        .iter()
        .map(|v| {
            v.to_str()
                .map_err(|_| malformed(format!("{name} is not text")))
        })
        .collect::<Result<Vec<_>, _>>()?
        .join(", ");
    Parser::new(&joined)
        .parse::<Dictionary>()
        .map_err(|e| malformed(format!("{name}: {e}")))
}

/// The value of a header covered by the signature: every field line of
/// that name, trimmed, joined with ", " (RFC 9421 §2.1).
fn header_value(headers: &HeaderMap, name: &str) -> Result<String, SignatureError> {
    let values = headers
        .get_all(name)
        .iter()
        .map(|v| {
            v.to_str()
                .map(str::trim)
                .map_err(|_| malformed(format!("the covered header {name} is not text")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if values.is_empty() {
        return Err(malformed(format!(
            "the covered header {name} is not in the request"
        )));
    }
    Ok(values.join(", "))
}

fn derived_value(
    name: &str,
    method: &Method,
    target: Target<'_>,
    headers: &HeaderMap,
) -> Result<String, SignatureError> {
    let authority = || {
        header_value(headers, "host")
            .map(|host| host.to_ascii_lowercase())
            .map_err(|_| malformed("@authority needs a Host header"))
    };
    let (path, query) = match target.path_and_query.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (target.path_and_query, None),
    };
    Ok(match name {
        "@method" => method.as_str().to_string(),
        "@target-uri" => format!(
            "{}://{}{}",
            target.scheme,
            authority()?,
            target.path_and_query
        ),
        "@authority" => authority()?,
        "@scheme" => target.scheme.to_string(),
        "@request-target" => target.path_and_query.to_string(),
        "@path" => path.to_string(),
        "@query" => format!("?{}", query.unwrap_or_default()),
        other => {
            return Err(malformed(format!(
                "the derived component {other} is not supported"
            )));
        }
    })
}

/// Whether `Content-Digest` names the body's SHA-256 or SHA-512.
fn digest_matches(headers: &HeaderMap, body: &[u8]) -> Result<bool, SignatureError> {
    let digests = dictionary(headers, "content-digest")?;
    let mut known = false;
    for (algorithm, entry) in &digests {
        let ListEntry::Item(item) = entry else {
            continue;
        };
        let BareItem::ByteSequence(sent) = &item.bare_item else {
            continue;
        };
        let expected: Vec<u8> = match algorithm.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        known = true;
        if *sent != expected {
            return Ok(false);
        }
    }
    if known {
        Ok(true)
    } else {
        Err(malformed(
            "Content-Digest names neither sha-256 nor sha-512",
        ))
    }
}

/// Checks an RFC 9421 signature on a request, except the key itself.
pub fn check(
    method: &Method,
    target: Target<'_>,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<MessageSignature, SignatureError> {
    check_at(
        chrono::Utc::now().timestamp(),
        method,
        target,
        headers,
        body,
    )
}

/// [`check`] as if the time were `now` (seconds since the epoch).
fn check_at(
    now: i64,
    method: &Method,
    target: Target<'_>,
    headers: &HeaderMap,
    body: Option<&[u8]>,
) -> Result<MessageSignature, SignatureError> {
    let inputs = dictionary(headers, "signature-input")?;
    let signatures = dictionary(headers, "signature")?;
    // The first signature that has both its input and its value.
    let (label, covered, signature) = inputs
        .iter()
        .find_map(|(label, input)| {
            let ListEntry::InnerList(covered) = input else {
                return None;
            };
            match signatures.get(label) {
                Some(ListEntry::Item(item)) => match &item.bare_item {
                    BareItem::ByteSequence(bytes) => Some((label, covered, bytes.clone())),
                    _ => None,
                },
                _ => None,
            }
        })
        .ok_or_else(|| malformed("no Signature-Input has a matching Signature"))?;

    let mut names = Vec::with_capacity(covered.items.len());
    for item in &covered.items {
        let BareItem::String(name) = &item.bare_item else {
            return Err(malformed("a covered component is not a string"));
        };
        if !item.params.is_empty() {
            return Err(malformed(format!(
                "component parameters (on {}) are not supported",
                name.as_str()
            )));
        }
        names.push(name.as_str().to_ascii_lowercase());
    }
    let covers = |name: &str| names.iter().any(|n| n == name);
    let mut missing = Vec::new();
    if !covers("@method") {
        missing.push("@method");
    }
    let target_covered = covers("@target-uri")
        || (covers("@authority") && (covers("@path") || covers("@request-target")));
    if !target_covered {
        missing.push("@target-uri");
    }
    if body.is_some() && !covers("content-digest") {
        missing.push("content-digest");
    }
    if !missing.is_empty() {
        return Err(SignatureError::Uncovered(missing.join(", ")));
    }

    let param = |key: &str| covered.params.get(key);
    let created = match param("created") {
        Some(BareItem::Integer(created)) => i64::from(*created),
        _ => return Err(malformed("the signature has no created time")),
    };
    let window = MAX_CLOCK_SKEW.as_secs() as i64;
    if (now - created).abs() > window {
        return Err(SignatureError::Expired);
    }
    if let Some(expires) = param("expires") {
        match expires {
            BareItem::Integer(expires) if i64::from(*expires) >= now => {}
            _ => return Err(SignatureError::Expired),
        }
    }
    let key_id = match param("keyid") {
        Some(BareItem::String(key_id)) => key_id.as_str().to_string(),
        _ => return Err(malformed("the signature has no keyid")),
    };
    let algorithm = match param("alg") {
        None => None,
        Some(BareItem::String(alg)) => Some(
            SignatureAlgorithm::from_rfc9421(alg.as_str())
                .ok_or_else(|| SignatureError::Algorithm(alg.as_str().to_string()))?,
        ),
        Some(_) => return Err(malformed("alg is not a string")),
    };
    if let Some(body) = body
        && !digest_matches(headers, body)?
    {
        return Err(SignatureError::DigestMismatch);
    }

    let mut base = String::new();
    for name in &names {
        let value = if name.starts_with('@') {
            derived_value(name, method, target, headers)?
        } else {
            header_value(headers, name)?
        };
        if value.contains(['\n', '\r']) {
            return Err(malformed(format!("{name} holds a line break")));
        }
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    let params = vec![ListEntry::InnerList(covered.clone())]
        .serialize()
        .ok_or_else(|| {
            malformed(format!(
                "the input of {} cannot be serialised",
                label.as_str()
            ))
        })?;
    base.push_str(&format!("\"@signature-params\": {params}"));
    Ok(MessageSignature {
        key_id,
        algorithm,
        base,
        signature,
    })
}

/// The key a request is signed with, and so the algorithm.
#[derive(Debug, Clone, Copy)]
pub enum SigningKey<'a> {
    /// An RSA private key (PEM): `rsa-v1_5-sha256`, which every fediverse
    /// server that reads these signatures takes.
    Rsa(&'a str),
    /// An Ed25519 private key (base64 PKCS#8): `ed25519`, for servers that
    /// read Multikeys (FEP-521a).
    Ed25519(&'a str),
}

/// The headers that sign a request with RFC 9421: `Date`, `Content-Digest`
/// (SHA-256) with a body, `Signature-Input` and `Signature`. The signature
/// covers the method, the target URI and, with a body, its digest: what
/// receivers require.
pub fn sign_request(
    method: &Method,
    url: &url::Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: SigningKey<'_>,
) -> Result<Vec<(&'static str, String)>, crypto::CryptoError> {
    sign_at(chrono::Utc::now(), method, url, body, key_id, key)
}

fn sign_at(
    now: chrono::DateTime<chrono::Utc>,
    method: &Method,
    url: &url::Url,
    body: Option<&[u8]>,
    key_id: &str,
    key: SigningKey<'_>,
) -> Result<Vec<(&'static str, String)>, crypto::CryptoError> {
    use base64::Engine as _;
    if key_id.contains(['"', '\\']) || !key_id.is_ascii() {
        return Err(crypto::CryptoError::InvalidKey(format!(
            "the key id {key_id:?} cannot be written in a signature"
        )));
    }
    let mut headers = vec![("date", now.format("%a, %d %b %Y %H:%M:%S GMT").to_string())];
    let mut covered = vec![
        ("@method", method.as_str().to_string()),
        ("@target-uri", url.as_str().to_string()),
    ];
    if let Some(body) = body {
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body));
        let digest = format!("sha-256=:{digest}:");
        covered.push(("content-digest", digest.clone()));
        headers.push(("content-digest", digest));
    }
    let names: Vec<String> = covered
        .iter()
        .map(|(name, _)| format!("\"{name}\""))
        .collect();
    let alg = match key {
        SigningKey::Rsa(_) => "rsa-v1_5-sha256",
        SigningKey::Ed25519(_) => "ed25519",
    };
    let params = format!(
        "({});created={};keyid=\"{key_id}\";alg=\"{alg}\"",
        names.join(" "),
        now.timestamp()
    );
    let mut base = String::new();
    for (name, value) in &covered {
        base.push_str(&format!("\"{name}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {params}"));
    let signature = match key {
        SigningKey::Rsa(pem) => crypto::sign_rsa_sha256(pem, base.as_bytes())?,
        SigningKey::Ed25519(pkcs8) => crypto::sign_ed25519(pkcs8, base.as_bytes())?,
    };
    headers.push(("signature-input", format!("sig1={params}")));
    headers.push(("signature", format!("sig1=:{signature}:")));
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    const TARGET: Target<'static> = Target {
        scheme: "https",
        path_and_query: "/foo",
    };

    /// What this server signs, it reads back: the same base, the digest,
    /// the window; and a changed body or target fails.
    #[test]
    fn signed_requests_verify_and_tampering_is_caught() {
        let key = crypto::generate_rsa_key().unwrap();
        let url = url::Url::parse("https://river.example/users/kim/inbox?x=1").unwrap();
        let body = br#"{"type":"Create"}"#;
        let now = chrono::Utc::now();
        let signed = sign_at(
            now,
            &Method::POST,
            &url,
            Some(body),
            "https://town.example/users/alice#main-key",
            SigningKey::Rsa(&key.private_pem),
        )
        .unwrap();
        let mut pairs: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
        pairs.push(("host", "river.example"));
        let request = headers(&pairs);
        let target = Target {
            scheme: "https",
            path_and_query: "/users/kim/inbox?x=1",
        };
        let checked =
            check_at(now.timestamp(), &Method::POST, target, &request, Some(body)).unwrap();
        assert_eq!(
            checked.key_id(),
            "https://town.example/users/alice#main-key"
        );
        assert!(checked.verify(&key.public_pem));
        let other = crypto::generate_rsa_key().unwrap();
        assert!(!checked.verify(&other.public_pem));
        assert!(matches!(
            check_at(
                now.timestamp(),
                &Method::POST,
                target,
                &request,
                Some(b"{}")
            ),
            Err(SignatureError::DigestMismatch)
        ));
        let elsewhere = Target {
            scheme: "https",
            path_and_query: "/inbox",
        };
        let moved = check_at(
            now.timestamp(),
            &Method::POST,
            elsewhere,
            &request,
            Some(body),
        )
        .unwrap();
        assert!(!moved.verify(&key.public_pem));
        assert!(matches!(
            check_at(
                now.timestamp() + 3 * 24 * 3600,
                &Method::POST,
                target,
                &request,
                Some(body)
            ),
            Err(SignatureError::Expired)
        ));
        assert!(
            sign_at(
                now,
                &Method::POST,
                &url,
                None,
                "bad\"id",
                SigningKey::Rsa(&key.private_pem)
            )
            .is_err()
        );
    }

    /// An Ed25519 Multikey signs as well, and its public half (from the
    /// multibase an actor publishes) verifies it.
    #[test]
    fn ed25519_keys_sign_requests() {
        let (private_key, multibase) = crypto::generate_ed25519().unwrap();
        assert!(multibase.starts_with("z6Mk"), "{multibase}");
        let url = url::Url::parse("https://river.example/inbox").unwrap();
        let now = chrono::Utc::now();
        let signed = sign_at(
            now,
            &Method::POST,
            &url,
            Some(b"{}"),
            "https://town.example/users/alice#ed25519-key",
            SigningKey::Ed25519(&private_key),
        )
        .unwrap();
        let input = &signed
            .iter()
            .find(|(n, _)| *n == "signature-input")
            .unwrap()
            .1;
        assert!(input.ends_with(r#"alg="ed25519""#), "{input}");
        let mut pairs: Vec<(&str, &str)> = signed.iter().map(|(n, v)| (*n, v.as_str())).collect();
        pairs.push(("host", "river.example"));
        let target = Target {
            scheme: "https",
            path_and_query: "/inbox",
        };
        let checked = check_at(
            now.timestamp(),
            &Method::POST,
            target,
            &headers(&pairs),
            Some(b"{}"),
        )
        .unwrap();
        let pem = crypto::ed25519_pem_from_multibase(&multibase).unwrap();
        assert!(checked.verify(&pem));
        let (_, other) = crypto::generate_ed25519().unwrap();
        assert!(!checked.verify(&crypto::ed25519_pem_from_multibase(&other).unwrap()));
    }

    /// RFC 9421 §B.2.6: the specification's own Ed25519 example, checked
    /// at the moment it was made.
    #[test]
    fn the_specifications_ed25519_example_verifies() {
        let request = headers(&[
            ("host", "example.com"),
            ("date", "Tue, 20 Apr 2021 02:07:55 GMT"),
            ("content-type", "application/json"),
            ("content-length", "18"),
            (
                "signature-input",
                r#"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#,
            ),
            (
                "signature",
                "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
            ),
        ]);
        let key = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n-----END PUBLIC KEY-----\n";
        // The example covers no target path, only @path and @authority.
        let checked = check_at(1618884473, &Method::POST, TARGET, &request, None).unwrap();
        assert_eq!(checked.key_id(), "test-key-ed25519");
        let ed25519 = MessageSignature {
            algorithm: Some(SignatureAlgorithm::Ed25519),
            ..checked
        };
        assert!(ed25519.verify(key));
        assert_eq!(
            ed25519.base,
            "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n\"@method\": POST\n\"@path\": /foo\n\
             \"@authority\": example.com\n\"content-type\": application/json\n\
             \"content-length\": 18\n\"@signature-params\": (\"date\" \"@method\" \"@path\" \
             \"@authority\" \"content-type\" \"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
        );
    }

    /// A request signed as Fedify signs one: the base written out by hand
    /// here, signed with an RSA key, then checked and verified.
    fn fedify_style(key: &crypto::KeyPem, body: &[u8], created: i64) -> HeaderMap {
        use base64::{Engine, engine::general_purpose::STANDARD};
        let digest = format!("sha-256=:{}:", STANDARD.encode(Sha256::digest(body)));
        let params = format!(
            r#"("@method" "@target-uri" "@authority" "content-digest");created={created};keyid="https://a.example/u#main-key";alg="rsa-v1_5-sha256""#
        );
        let base = format!(
            "\"@method\": POST\n\"@target-uri\": https://town.example/inbox\n\"@authority\": town.example\n\
             \"content-digest\": {digest}\n\"@signature-params\": {params}"
        );
        let signature = crypto::sign_rsa_sha256(&key.private_pem, base.as_bytes()).unwrap();
        headers(&[
            ("host", "town.example"),
            ("content-digest", &digest),
            ("signature-input", &format!("sig1={params}")),
            ("signature", &format!("sig1=:{signature}:")),
        ])
    }

    const INBOX: Target<'static> = Target {
        scheme: "https",
        path_and_query: "/inbox",
    };

    #[test]
    fn an_rsa_signed_post_verifies_and_binds_its_target_and_body() {
        let key = crypto::generate_rsa_key().unwrap();
        let now = chrono::Utc::now().timestamp();
        let body = br#"{"type":"Follow"}"#;
        let request = fedify_style(&key, body, now);
        let checked = check(&Method::POST, INBOX, &request, Some(body)).unwrap();
        assert_eq!(checked.key_id(), "https://a.example/u#main-key");
        assert!(checked.verify(&key.public_pem));
        assert!(!checked.verify(&crypto::generate_rsa_key().unwrap().public_pem));
        let moved = Target {
            path_and_query: "/users/bob/inbox",
            ..INBOX
        };
        assert!(
            !check(&Method::POST, moved, &request, Some(body))
                .unwrap()
                .verify(&key.public_pem)
        );
        assert_eq!(
            check(&Method::POST, INBOX, &request, Some(b"other")).unwrap_err(),
            SignatureError::DigestMismatch
        );
        let stale = fedify_style(&key, body, now - 2 * 60 * 60);
        assert_eq!(
            check(&Method::POST, INBOX, &stale, Some(body)).unwrap_err(),
            SignatureError::Expired
        );
    }

    #[test]
    fn incomplete_or_unknown_signatures_say_what_is_wrong() {
        let now = chrono::Utc::now().timestamp();
        let refuse = |input: String, body: Option<&[u8]>| {
            let request = headers(&[
                ("host", "town.example"),
                ("content-digest", "sha-256=:AAAA:"),
                ("signature-input", &input),
                ("signature", "sig1=:AAAA:"),
            ]);
            check(&Method::POST, INBOX, &request, body).unwrap_err()
        };
        assert_eq!(
            refuse(
                format!(r#"sig1=("@method" "@target-uri");created={now};keyid="k""#),
                Some(b"x")
            ),
            SignatureError::Uncovered("content-digest".into())
        );
        assert_eq!(
            refuse(
                format!(r#"sig1=("content-digest");created={now};keyid="k""#),
                None
            ),
            SignatureError::Uncovered("@method, @target-uri".into())
        );
        assert_eq!(
            refuse(
                format!(
                    r#"sig1=("@method" "@target-uri");created={now};keyid="k";alg="hmac-sha256""#
                ),
                None
            ),
            SignatureError::Algorithm("hmac-sha256".into())
        );
        let params = refuse(
            format!(r#"sig1=("@method" "@target-uri" "date";sf);created={now};keyid="k""#),
            None,
        );
        assert!(params.to_string().contains("not supported"), "{params}");
        let unmatched = refuse(
            format!(r#"sig2=("@method" "@target-uri");created={now};keyid="k""#),
            None,
        );
        assert!(
            unmatched.to_string().contains("no Signature-Input"),
            "{unmatched}"
        );
        let garbage = refuse("sig1=(((".into(), None);
        assert!(matches!(garbage, SignatureError::Malformed(_)), "{garbage}");
    }
}
