-- One-time recovery codes for the second sign-in step (stored as hashes), and organisations
-- that make the second step mandatory for their people (X2).
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users(id),
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);
ALTER TABLE organizations ADD COLUMN mfa_required BIGINT NOT NULL DEFAULT 0;
