-- Per-number SMS events that outlive a session (issue 10, items 3): every send_code that reaches
-- Prelude ('send', capped by MaxCodeSendsPerHour) and every session burned by wrong codes ('burn',
-- which blocks fresh guesses for FailedAttemptsWindow). Keyed by the phone hash only, like
-- sms_sessions; written and counted under the per-number advisory lock.
CREATE TABLE sms_number_events (
    phone_hash  text NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('send', 'burn')),
    at          timestamptz NOT NULL
);

CREATE INDEX sms_number_events_by_number ON sms_number_events (phone_hash, kind, at);

-- Cleanup deletes by age.
CREATE INDEX sms_number_events_at ON sms_number_events (at);
