-- Consultancy and out-of-scope work (C1-C3, T3, T8): proposals the customer approves before
-- the work, time booked on tickets, and the monthly billing export with its closed months.
--
-- Custom work (maatwerk, C3) is outside the SLA: such a ticket has no clocks.
ALTER TABLE tickets ADD COLUMN outside_sla BIGINT NOT NULL DEFAULT 0;
--   basis: development_request, consultancy_request, long_question (T3), careless_use (C3),
--          custom_work
--   work_kind: ad_hoc, non_platform (C2); the rate and blocks are fixed when proposed
--   state: proposed, approved, declined, withdrawn, urgent (C3: an urgent repair, in force at
--          once, the customer told why)
--   revision: counts the edits while proposed; an approval names the revision it read, so a
--             proposal changed meanwhile is never approved unseen
--   decided_text: the exact proposal text the customer approved or declined, in the language
--                 it was shown in
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    basis TEXT NOT NULL,
    work_kind TEXT NOT NULL,
    description TEXT NOT NULL,
    estimate_seconds BIGINT NOT NULL,
    cents_per_hour BIGINT NOT NULL,
    minimum_seconds BIGINT NOT NULL,
    block_seconds BIGINT NOT NULL,
    state TEXT NOT NULL,
    revision BIGINT NOT NULL,
    urgent_reason TEXT,
    created_at BIGINT NOT NULL,
    created_by BIGINT,
    updated_at BIGINT NOT NULL,
    decided_at BIGINT,
    decided_by BIGINT,
    decided_text TEXT,
    decided_language TEXT
);
CREATE INDEX proposals_ticket ON proposals(ticket_id);
-- Time booked on a ticket. work_date is the day worked (yyyy-mm-dd in the policy's time zone)
-- and month its yyyymm. A booking is never changed: a mistake is withdrawn (with a reason) and
-- booked again; withdrawn from a closed month, it becomes a correction in the next open one.
CREATE TABLE time_entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    proposal_id BIGINT REFERENCES proposals(id),
    work_date TEXT NOT NULL,
    month BIGINT NOT NULL,
    seconds BIGINT NOT NULL,
    billable BIGINT NOT NULL,
    note TEXT NOT NULL,
    booked_at BIGINT NOT NULL,
    booked_by BIGINT,
    withdrawn_at BIGINT,
    withdrawn_by BIGINT,
    withdrawn_reason TEXT
);
CREATE INDEX time_entries_ticket ON time_entries(ticket_id);
CREATE INDEX time_entries_month ON time_entries(month);
-- A closed month (yyyymm): closing one closes every month before it too. The primary key makes
-- a second closing of the same month fail, whatever the replicas.
CREATE TABLE billing_closings (
    month BIGINT PRIMARY KEY,
    closed_at BIGINT NOT NULL,
    closed_by BIGINT
);
-- The frozen lines of closed months, as they were billed.
--   kind: work, correction
CREATE TABLE billing_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    month BIGINT NOT NULL,
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    ticket_id BIGINT NOT NULL REFERENCES tickets(id),
    proposal_id BIGINT NOT NULL REFERENCES proposals(id),
    kind TEXT NOT NULL,
    booked_seconds BIGINT NOT NULL,
    billed_seconds BIGINT NOT NULL,
    cents_per_hour BIGINT NOT NULL,
    amount_cents BIGINT NOT NULL
);
CREATE INDEX billing_lines_month ON billing_lines(month);
CREATE INDEX billing_lines_proposal ON billing_lines(proposal_id);
