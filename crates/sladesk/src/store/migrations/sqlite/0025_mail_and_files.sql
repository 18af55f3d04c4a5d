-- Conversations by mail and files on tickets (T1, T5; docs/MAIL.md).

-- The Message-ID every mail sladesk sends carries, so that a reply's In-Reply-To or
-- References finds its ticket.
ALTER TABLE outbox ADD COLUMN message_id TEXT;
CREATE INDEX outbox_message_id ON outbox(message_id);
-- The files a mail carries (a JSON list of attachment ids), sent with it when they are
-- available; NULL: none.
ALTER TABLE outbox ADD COLUMN files TEXT;

-- A file on a ticket, attached to the event (new ticket, reply, note) it came with: whoever
-- may see the event may download it. The bytes live in the file store, named by their
-- SHA-256; they are written before this row, so a row never points at nothing (an orphan
-- file, left by a crash between the two, is swept later).
--   state: checking (the scan hook has not answered), available, refused (the hook refused it)
CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    event_id BIGINT NOT NULL REFERENCES ticket_events(id),
    name TEXT NOT NULL,
    media_type TEXT NOT NULL,
    size BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX attachments_ticket ON attachments(ticket_id, id);
CREATE INDEX attachments_sha256 ON attachments(sha256);
CREATE INDEX attachments_checking ON attachments(state, id);

-- Every mail received (`sladesk mail receive`, the IMAP poller), once by Message-ID: what
-- became of it and why. A quarantined mail keeps its raw message in the file store (raw_sha256)
-- for staff to review.
--   outcome: commented, quarantined, ignored (an auto-reply or bounce), answered (no ticket
--            found: told once where the portal is)
CREATE TABLE inbound_mails (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    sender TEXT NOT NULL,
    subject TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    ticket_id BIGINT REFERENCES tickets(id),
    event_id BIGINT REFERENCES ticket_events(id),
    raw_sha256 TEXT,
    reviewed_at BIGINT
);
CREATE INDEX inbound_mails_outcome ON inbound_mails(outcome, id);
