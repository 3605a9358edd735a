-- Which HTTP signature standard Trellis signs with towards each server
-- (host, with its port if any): `rfc9421` once the server was seen to
-- sign its own requests that way, `draft-cavage` once it refused an
-- RFC 9421 signature. A server with no row gets draft-cavage.
CREATE TABLE signature_standards (
    host TEXT PRIMARY KEY NOT NULL,
    standard TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Local actors' Ed25519 keys (FEP-521a), beside their RSA keys: the
-- private key as base64 PKCS#8, the public key as a Multikey's
-- `publicKeyMultibase`.
CREATE TABLE actor_keys (
    account_id BIGINT PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    ed25519_private_key TEXT NOT NULL,
    ed25519_public_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
