-- Shared Homegate (issue 12): an SMS session belongs to the homeserver whose host sent its code.
-- NULL for the one-homeserver shorthand and for rows from before. With the Global limit scope one
-- number has one pending session across homeservers; verify_code on another homeserver's host finds
-- nothing pending, and send_code there is refused 409 verification-pending, so a code sent for one
-- homeserver can never turn into a permit for another.
ALTER TABLE sms_sessions ADD COLUMN homeserver text;
