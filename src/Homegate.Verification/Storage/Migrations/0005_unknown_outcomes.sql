-- A reservation whose signup was never settled (homegate died mid-forward) has an unknown outcome.
-- Its expired lease may be taken over only when a retry cannot create a second account: in
-- TokenRequired mode the homeserver token kept with the row is reused and the homeserver judges it;
-- in Open mode nothing would stop a second account, so such a permit stays consumed.
ALTER TABLE permit_redemptions ADD COLUMN lease_reusable boolean NOT NULL DEFAULT true;
