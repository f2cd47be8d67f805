-- Signup codes (XXXX-XXXX-XXXX): the short form of a permit that people type into the Pubky apps.
-- Only a keyed hash of the code is stored (HMAC-SHA256 under a key derived from the phone-hash pepper,
-- which lives in DataDir, not in the database), next to what the gate needs to judge the code
-- without its permit. The code stands for the verification named by jti: its single use is the
-- permit's row in permit_redemptions. Rows go once expired (Retention/RetentionCleaner.cs).
CREATE TABLE signup_codes (
    code_hash   bytea PRIMARY KEY CHECK (octet_length(code_hash) = 32),
    jti         text NOT NULL,
    method      text NOT NULL,
    subject     text,
    audience    text NOT NULL,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE INDEX signup_codes_expiry ON signup_codes (expires_at);
CREATE INDEX signup_codes_jti ON signup_codes (jti);
