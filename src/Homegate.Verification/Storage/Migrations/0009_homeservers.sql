-- Shared Homegate (issue 12): a Lightning verification belongs to the homeserver whose host created
-- it (its price, its permit audience). NULL for the one-homeserver shorthand and for rows from before.
-- A read on another homeserver's host finds nothing (404), so an invoice paid at one homeserver's
-- price cannot be turned into a permit for another.
ALTER TABLE ln_verifications ADD COLUMN homeserver text;
