-- Import and export (docs/EXCHANGE.md): which object of this desk an external id of an
-- imported data set became. The key of idempotency: an import run twice, or again after it
-- was killed, finds what it wrote and skips it. Written in the same transaction as the object.
--   kind:        organization, person, ticket, ticket_number, audit, component, monitor, outage,
--                maintenance, exclusion, policy_version (local_id 0: the version's own name is
--                its key)
--   external_id: the id the source gave it (`ticket_number`: the source's ticket number,
--                searchable when new numbers were given)
CREATE TABLE external_ids (
    kind TEXT NOT NULL,
    external_id TEXT NOT NULL,
    local_id BIGINT NOT NULL,
    PRIMARY KEY (kind, external_id)
);
CREATE INDEX external_ids_local ON external_ids(kind, local_id);
