-- Which HTTP signature standard Trellis signs with towards each server
-- (host, with its port if any): `rfc9421` once the server was seen to
-- sign its own requests that way, `draft-cavage` once it refused an
-- RFC 9421 signature. A server with no row gets draft-cavage.
CREATE TABLE signature_standards (
    host TEXT PRIMARY KEY NOT NULL,
    standard TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
