-- Small operator-level facts homegate must remember across restarts, e.g. the fingerprint of the
-- phone-hash pepper (a new pepper would silently reset every SMS limit, so start-up refuses it).
CREATE TABLE homegate_settings (
    key         text PRIMARY KEY,
    value       text NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- SMS verification sessions. A phone number appears only as its Argon2id hash (EXTERNALS.md §5);
-- neither the number nor any code is ever stored. A session is pending while the code is out,
-- then ends verified (a completed verification, counted by the weekly and yearly limits),
-- burned (too many wrong codes), expired, or limited (limit reached when the code came back).
CREATE TABLE sms_sessions (
    id                  uuid PRIMARY KEY,
    phone_hash          text NOT NULL,
    provider_id         text NOT NULL,
    subject             text,
    state               text NOT NULL CHECK (state IN ('pending', 'verified', 'burned', 'expired', 'limited')),
    attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    created_at          timestamptz NOT NULL,
    expires_at          timestamptz NOT NULL,
    completed_at        timestamptz,
    CHECK ((state = 'verified') = (completed_at IS NOT NULL))
);

-- At most one pending session per number: a repeated send_code reuses it.
CREATE UNIQUE INDEX sms_sessions_one_pending ON sms_sessions (phone_hash) WHERE state = 'pending';

-- The limit windows count completed verifications per number.
CREATE INDEX sms_sessions_completed ON sms_sessions (phone_hash, completed_at) WHERE state = 'verified';

-- Cleanup of sessions that ended or went stale.
CREATE INDEX sms_sessions_cleanup ON sms_sessions (expires_at) WHERE state <> 'verified';
