-- Lookups for the retention job (Retention/RetentionCleaner.cs).
CREATE INDEX permit_redemptions_redeemed ON permit_redemptions (redeemed_at) WHERE state = 'redeemed';
CREATE INDEX ln_verifications_paid ON ln_verifications (paid_at) WHERE status = 'paid';
CREATE INDEX ln_verifications_unpaid ON ln_verifications (expires_at) WHERE status <> 'paid';
