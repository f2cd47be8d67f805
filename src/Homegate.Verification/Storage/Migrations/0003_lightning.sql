-- Lightning verifications: one PhoenixD invoice each. A verification leaves 'pending' exactly once,
-- through a conditional UPDATE (… WHERE status = 'pending'), so duplicate payment events, the
-- reconciler and several homegate instances can race without minting twice.
CREATE TABLE ln_verifications (
    id              uuid PRIMARY KEY,
    payment_hash    text NOT NULL UNIQUE,
    invoice         text NOT NULL,
    amount_sat      bigint NOT NULL CHECK (amount_sat > 0),
    description     text NOT NULL,
    pubky           text,
    status          text NOT NULL CHECK (status IN ('pending', 'paid', 'expired', 'failed')),
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    paid_at         timestamptz,
    received_sat    bigint,
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);

-- The watcher reconciles pending invoices after every (re)connect and periodically.
CREATE INDEX ln_verifications_pending ON ln_verifications (expires_at) WHERE status = 'pending';
