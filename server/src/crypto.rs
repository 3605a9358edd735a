//! Keys, signatures, digests and secrets, all computed with aws-lc-rs.
//!
//! Parsing an RSA key costs far more than using it, so parsed private and
//! public keys are cached by their PEM text.

use aws_lc_rs::{
    encoding::AsDer,
    rand::SystemRandom,
    rsa::{KeyPair, KeySize},
    signature::{ParsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256},
};
use base64::{Engine, engine::general_purpose::STANDARD as BASE64};
use moka::sync::Cache;
use sha2::{Digest, Sha256};
use std::sync::{Arc, LazyLock};

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("invalid key: {0}")]
    InvalidKey(String),
    #[error("signing failed")]
    Sign,
}

pub struct KeyPem {
    pub private_pem: String,
    pub public_pem: String,
}

/// A fresh 2048-bit RSA key, the size every fediverse server accepts.
pub fn generate_rsa_key() -> Result<KeyPem, CryptoError> {
    let pair =
        KeyPair::generate(KeySize::Rsa2048).map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let private = pair
        .as_der()
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let public = aws_lc_rs::signature::KeyPair::public_key(&pair)
        .as_der()
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    Ok(KeyPem {
        private_pem: to_pem("PRIVATE KEY", private.as_ref()),
        public_pem: to_pem("PUBLIC KEY", public.as_ref()),
    })
}

fn to_pem(label: &str, der: &[u8]) -> String {
    let body = BASE64.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).expect("base64 is ascii"));
        pem.push('\n');
    }
    pem.push_str(&format!("-----END {label}-----\n"));
    pem
}

/// The DER bytes inside the first PEM block, whatever its label.
fn from_pem(pem: &str) -> Result<Vec<u8>, CryptoError> {
    let body: String = pem
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with("-----"))
        .collect();
    BASE64
        .decode(body)
        .map_err(|e| CryptoError::InvalidKey(format!("bad PEM: {e}")))
}

static PRIVATE_KEYS: LazyLock<Cache<String, Arc<KeyPair>>> = LazyLock::new(|| Cache::new(10_000));
static PUBLIC_KEYS: LazyLock<Cache<String, Arc<ParsedPublicKey>>> =
    LazyLock::new(|| Cache::new(50_000));

/// RSASSA-PKCS1-v1_5 with SHA-256 over `message`, base64-encoded.
pub fn sign_rsa_sha256(private_pem: &str, message: &[u8]) -> Result<String, CryptoError> {
    let pair = match PRIVATE_KEYS.get(private_pem) {
        Some(pair) => pair,
        None => {
            let der = from_pem(private_pem)?;
            let pair = Arc::new(
                KeyPair::from_pkcs8(&der)
                    .or_else(|_| KeyPair::from_der(&der))
                    .map_err(|e| CryptoError::InvalidKey(e.to_string()))?,
            );
            PRIVATE_KEYS.insert(private_pem.to_string(), pair.clone());
            pair
        }
    };
    let mut signature = vec![0; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        message,
        &mut signature,
    )
    .map_err(|_| CryptoError::Sign)?;
    Ok(BASE64.encode(signature))
}

/// Checks a base64 RSASSA-PKCS1-v1_5 SHA-256 signature against a PEM public
/// key (SubjectPublicKeyInfo or PKCS#1).
pub fn verify_rsa_sha256(
    public_pem: &str,
    message: &[u8],
    signature_b64: &str,
) -> Result<bool, CryptoError> {
    let key = match PUBLIC_KEYS.get(public_pem) {
        Some(key) => key,
        None => {
            let der = from_pem(public_pem)?;
            let key = Arc::new(
                ParsedPublicKey::new(&RSA_PKCS1_2048_8192_SHA256, der)
                    .map_err(|e| CryptoError::InvalidKey(e.to_string()))?,
            );
            PUBLIC_KEYS.insert(public_pem.to_string(), key.clone());
            key
        }
    };
    let Ok(signature) = BASE64.decode(signature_b64.trim()) else {
        return Ok(false);
    };
    Ok(key.verify_sig(message, &signature).is_ok())
}

/// The signature algorithms Trellis verifies on RFC 9421 message
/// signatures (draft-cavage signatures are always RSA with SHA-256).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureAlgorithm {
    RsaPkcs1Sha256,
    RsaPssSha512,
    Ed25519,
}

impl SignatureAlgorithm {
    /// The algorithm an RFC 9421 `alg` parameter names, if supported.
    pub fn from_rfc9421(name: &str) -> Option<SignatureAlgorithm> {
        match name {
            "rsa-v1_5-sha256" => Some(SignatureAlgorithm::RsaPkcs1Sha256),
            "rsa-pss-sha512" => Some(SignatureAlgorithm::RsaPssSha512),
            "ed25519" => Some(SignatureAlgorithm::Ed25519),
            _ => None,
        }
    }
}

/// Checks a raw signature over `message` against a PEM public key
/// (SubjectPublicKeyInfo). RSA keys with PKCS#1 v1.5 go through the key
/// cache; the others are rare enough to parse each time.
pub fn verify_signature(
    algorithm: SignatureAlgorithm,
    public_pem: &str,
    message: &[u8],
    signature: &[u8],
) -> bool {
    use aws_lc_rs::signature::{ED25519, RSA_PSS_2048_8192_SHA512};
    if algorithm == SignatureAlgorithm::RsaPkcs1Sha256 {
        return verify_rsa_sha256(public_pem, message, &BASE64.encode(signature)).unwrap_or(false);
    }
    let Ok(der) = from_pem(public_pem) else {
        return false;
    };
    let parsed = match algorithm {
        SignatureAlgorithm::Ed25519 => ParsedPublicKey::new(&ED25519, der),
        _ => ParsedPublicKey::new(&RSA_PSS_2048_8192_SHA512, der),
    };
    parsed.is_ok_and(|key| key.verify_sig(message, signature).is_ok())
}

/// The multicodec prefix of an Ed25519 public key in a Multikey.
const ED25519_MULTICODEC: [u8; 2] = [0xed, 0x01];

/// A fresh Ed25519 key pair: the private key as base64 PKCS#8, and the
/// public key as a Multikey's `publicKeyMultibase` (base58-btc, `z…`).
pub fn generate_ed25519() -> Result<(String, String), CryptoError> {
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair as _};
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref())
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    Ok((
        BASE64.encode(pkcs8.as_ref()),
        ed25519_multibase(pair.public_key().as_ref()),
    ))
}

/// A raw 32-byte Ed25519 public key as a Multikey's `publicKeyMultibase`.
pub fn ed25519_multibase(public_key: &[u8]) -> String {
    let mut bytes = ED25519_MULTICODEC.to_vec();
    bytes.extend_from_slice(public_key);
    format!("z{}", bs58::encode(bytes).into_string())
}

/// The raw public key of a `publicKeyMultibase`, when it is an Ed25519 key.
pub fn ed25519_from_multibase(multibase: &str) -> Option<Vec<u8>> {
    let bytes = bs58::decode(multibase.strip_prefix('z')?).into_vec().ok()?;
    let key = bytes.strip_prefix(&ED25519_MULTICODEC[..])?;
    (key.len() == 32).then(|| key.to_vec())
}

/// The public key of an Ed25519 `publicKeyMultibase` as PEM
/// (SubjectPublicKeyInfo), the form [`verify_signature`] reads.
pub fn ed25519_pem_from_multibase(multibase: &str) -> Option<String> {
    // The DER of an Ed25519 SubjectPublicKeyInfo, up to the key itself.
    const SPKI_PREFIX: [u8; 12] = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    let mut der = SPKI_PREFIX.to_vec();
    der.extend(ed25519_from_multibase(multibase)?);
    Some(format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        BASE64.encode(der)
    ))
}

/// An Ed25519 signature over `message` with a base64 PKCS#8 key, base64.
pub fn sign_ed25519(private_pkcs8: &str, message: &[u8]) -> Result<String, CryptoError> {
    let der = BASE64
        .decode(private_pkcs8)
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    let pair = aws_lc_rs::signature::Ed25519KeyPair::from_pkcs8(&der)
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))?;
    Ok(BASE64.encode(pair.sign(message).as_ref()))
}

/// `SHA-256=<base64>`, the value of an HTTP `Digest` header for `body`.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// Hex SHA-256, for storing tokens and secrets without keeping them.
pub fn sha256_hex(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random URL-safe secret with 256 bits of entropy.
pub fn random_token() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

pub fn hash_password(password: &str) -> Result<String, CryptoError> {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let salt = SaltString::generate(&mut OsRng);
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| CryptoError::InvalidKey(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    PasswordHash::new(hash).is_ok_and(|parsed| {
        argon2::Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_verifies_with_its_key_only() {
        let key = generate_rsa_key().unwrap();
        let other = generate_rsa_key().unwrap();
        assert!(key.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        let signature = sign_rsa_sha256(&key.private_pem, b"hello").unwrap();
        assert!(verify_rsa_sha256(&key.public_pem, b"hello", &signature).unwrap());
        assert!(!verify_rsa_sha256(&key.public_pem, b"hellO", &signature).unwrap());
        assert!(!verify_rsa_sha256(&other.public_pem, b"hello", &signature).unwrap());
        assert!(!verify_rsa_sha256(&key.public_pem, b"hello", "not base64!").unwrap());
        assert!(verify_rsa_sha256("garbage", b"hello", &signature).is_err());
    }

    #[test]
    fn digest_matches_a_known_value() {
        // echo -n hello | sha256sum | xxd -r -p | base64
        assert_eq!(
            digest_header(b"hello"),
            "SHA-256=LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
    }
}
