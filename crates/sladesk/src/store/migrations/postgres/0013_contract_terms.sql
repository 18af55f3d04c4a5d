-- A contract's terms (G2, S5): its monthly fee and the targets it turns into guarantees with
-- service credits, as JSON (sladesk_core::credits::ContractTerms); none: service levels only.
ALTER TABLE organizations ADD COLUMN terms TEXT;
