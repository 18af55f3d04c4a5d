-- R3: the secret address of a customer's calendar of its own update windows, for calendar
-- apps that cannot sign in. Only the SHA-256 of the address's token is kept (like API tokens):
-- the address is shown once when made; making a new one replaces it, and the old stops working.
CREATE TABLE update_calendars (
    organization_id BIGINT PRIMARY KEY REFERENCES organizations(id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    created_by BIGINT
);
