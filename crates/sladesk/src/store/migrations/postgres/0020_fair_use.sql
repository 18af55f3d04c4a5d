-- Fair use (F1, F2): each tenant's use a day per measure, the cohort totals it is judged
-- against, the daily run's findings, and the cases of the F2 procedure with every step.
--
-- The cohort ("comparable customer environments") is the policy's choice of the
-- organisation's tier and size class; the size class is part of the contract.
ALTER TABLE organizations ADD COLUMN size_class TEXT;
-- One tenant's use of one measure on one day (day: yyyymmdd in the policy's time zone), a whole
-- number in the measure's unit (bytes, calls, seconds), so cohort totals are exact. A value
-- sent again replaces the earlier one (the later wins), and the change is kept in
-- usage_revisions. cohort: the cohort the value was counted in when it was recorded, so a
-- tenant whose contract changes class moves for the days to come, not for history.
CREATE TABLE usage_days (
    component_id BIGINT NOT NULL REFERENCES components(id),
    measure TEXT NOT NULL,
    day BIGINT NOT NULL,
    value BIGINT NOT NULL,
    cohort TEXT NOT NULL,
    recorded_at BIGINT NOT NULL,
    PRIMARY KEY (component_id, measure, day)
);
CREATE INDEX usage_days_day ON usage_days(day, measure);
CREATE TABLE usage_revisions (
    id BIGSERIAL PRIMARY KEY,
    component_id BIGINT NOT NULL,
    measure TEXT NOT NULL,
    day BIGINT NOT NULL,
    old_value BIGINT NOT NULL,
    new_value BIGINT NOT NULL,
    at BIGINT NOT NULL,
    by_user BIGINT
);
CREATE INDEX usage_revisions_tenant ON usage_revisions(component_id, measure, day);
-- A cohort's total and number of tenants with a value, per measure and day, kept with every
-- value recorded (in the same transaction), so judging a day and drawing a chart never sums
-- the whole cohort again.
CREATE TABLE usage_cohort_days (
    cohort TEXT NOT NULL,
    measure TEXT NOT NULL,
    day BIGINT NOT NULL,
    total BIGINT NOT NULL,
    members BIGINT NOT NULL,
    PRIMARY KEY (cohort, measure, day)
);
-- The daily run: one per judged day whatever the replicas (a lease, taken over when a replica
-- died in the middle).
CREATE TABLE fair_use_runs (
    day BIGINT PRIMARY KEY,
    lease_until BIGINT NOT NULL,
    finished_at BIGINT,
    judged BIGINT NOT NULL DEFAULT 0,
    over_line BIGINT NOT NULL DEFAULT 0
);
-- What the last run found: every tenant and measure over the line on the judged day, with its
-- unbroken run of days over (at most the window) and since when it is excessive.
CREATE TABLE fair_use_findings (
    component_id BIGINT NOT NULL REFERENCES components(id),
    measure TEXT NOT NULL,
    day BIGINT NOT NULL,
    current_run BIGINT NOT NULL,
    run_from BIGINT NOT NULL,
    own DOUBLE PRECISION NOT NULL,
    cohort_average DOUBLE PRECISION NOT NULL,
    cohort_size BIGINT NOT NULL,
    excessive_since BIGINT,
    PRIMARY KEY (component_id, measure)
);
--   state: grace (the customer was told and has grace_days to normalise), awaiting_decision
--          (re-checked at the end of the grace period), decided
--   decision: normalised, waived, temporary_limit, extra_charge
--   acute: an immediate measure for acute disruption of stability, security or availability
--   figures: JSON, the finding the case was opened on (the days, the cohort, its size)
CREATE TABLE fair_use_cases (
    id BIGSERIAL PRIMARY KEY,
    component_id BIGINT NOT NULL REFERENCES components(id),
    organization_id BIGINT NOT NULL REFERENCES organizations(id),
    measure TEXT NOT NULL,
    state TEXT NOT NULL,
    acute BIGINT NOT NULL DEFAULT 0,
    reason TEXT NOT NULL,
    figures TEXT NOT NULL,
    opened_at BIGINT NOT NULL,
    opened_by BIGINT,
    grace_until BIGINT NOT NULL,
    rechecked_at BIGINT,
    recheck_over BIGINT,
    decision TEXT,
    decision_reason TEXT,
    decided_at BIGINT,
    decided_by BIGINT
);
CREATE UNIQUE INDEX fair_use_cases_one_open ON fair_use_cases(component_id, measure)
    WHERE state <> 'decided';
CREATE INDEX fair_use_cases_due ON fair_use_cases(grace_until) WHERE state = 'grace';
CREATE INDEX fair_use_cases_organization ON fair_use_cases(organization_id, id);
-- Every step of a case, as the customer sees it too.
--   kind: opened, acute_measure, rechecked, decided
CREATE TABLE fair_use_steps (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES fair_use_cases(id),
    at BIGINT NOT NULL,
    by_user BIGINT,
    kind TEXT NOT NULL,
    text TEXT NOT NULL,
    figures TEXT
);
CREATE INDEX fair_use_steps_case ON fair_use_steps(case_id, id);
