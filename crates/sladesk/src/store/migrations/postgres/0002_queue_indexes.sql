-- Indexes for the agent queues: a line's tickets by status, an organisation's by status.
CREATE INDEX tickets_line_status ON tickets(line, status, id);
CREATE INDEX tickets_organization_status ON tickets(organization_id, status, id);
