-- Single-use permit redemptions. A permit's jti is reserved while its signup is in flight
-- (a lease that expires, so a crash cannot lock a permit forever), redeemed on a 2xx answer,
-- released otherwise. The homeserver signup token minted for the first attempt is kept and
-- reused by retries, so one verification can never consume two homeserver tokens.
CREATE TABLE permit_redemptions (
    jti                 text PRIMARY KEY,
    state               text NOT NULL CHECK (state IN ('reserved', 'redeemed', 'released')),
    method              text NOT NULL,
    lease_id            uuid,
    lease_expires_at    timestamptz,
    homeserver_token    text,
    permit_expires_at   timestamptz NOT NULL,
    first_reserved_at   timestamptz NOT NULL,
    redeemed_at         timestamptz,
    CHECK ((state = 'reserved') = (lease_id IS NOT NULL))
);

CREATE INDEX permit_redemptions_cleanup ON permit_redemptions (permit_expires_at) WHERE state <> 'redeemed';
