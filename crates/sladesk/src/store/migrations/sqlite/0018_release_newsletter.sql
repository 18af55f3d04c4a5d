-- R4: the monthly release newsletter. Anyone may subscribe with double opt-in, as for the
-- status page (same shape, its own list); customer contacts may also ask for it in their
-- preferences. Each month's issue is claimed once in `report_mailings` (key `newsletter:YYYY-MM`).
CREATE TABLE release_subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    language TEXT NOT NULL,
    token TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    confirmation_sent_at BIGINT
);
ALTER TABLE user_preferences ADD COLUMN mail_releases BIGINT NOT NULL DEFAULT 0;
