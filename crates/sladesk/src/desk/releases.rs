//! Releases and rings (R1-R3, M1, G4): the ring of each customer instance, the monthly
//! releases with their notes, and the rollout week the SaaS team plans, starts, pauses and
//! follows batch by batch. The plan is the core's (`sladesk_core::releases::plan`); here it is
//! stored, turned into maintenance windows, and guarded so that a second start, or two
//! replicas finishing the same batch, change nothing the second time.

use jiff::civil::{Date, Time, Weekday};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sladesk_core::calendar::{FIRST_YEAR, LAST_YEAR, WEEKDAY_KEYS};
use sladesk_core::releases::{self as plan, AgreedMoment, Plan, PlanError, Ring};

use super::availability::require_operator;
use super::{Actor, Desk, DeskError, Refusal, Thing};
use crate::domain::accounts::Tier;
use crate::domain::releases::{
    BatchState, Release, ReleaseNote, ReleaseState, RolloutBatch, Tenant, UpdateWindow,
};
use crate::store::releases as store;
use crate::store::{Conn, audit};

/// A release as the SaaS team enters it.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRelease {
    /// Like `2026.03`: letters, digits, dots, dashes and underscores.
    pub version: String,
    /// The first day of the rollout (`2026-03-02`, from 1900 to 2398); by default the next release day of the
    /// policy (the first Monday of the month, or the working day after).
    #[serde(default)]
    #[schema(format = Date, pattern = r"^(19[0-9]{2}|2[0-2][0-9]{2}|23[0-8][0-9]|239[0-8])-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub planned_start: Option<String>,
    pub notes: Vec<ReleaseNote>,
}

/// A release with its rollout so far.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReleaseView {
    #[serde(flatten)]
    pub release: Release,
    pub batches: Vec<RolloutBatch>,
    /// The update windows the viewer may see (a customer: its own instances').
    pub windows: Vec<UpdateWindow>,
}

/// What a rollout would do if started now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub release_id: i64,
    pub planned_start: String,
    #[schema(value_type = Object)]
    pub plan: Plan,
    /// Instances in no ring, left out of the rollout until someone assigns one.
    pub without_ring: Vec<i64>,
}

const MAX_NOTES: usize = 200;
const MAX_NOTE_CHARS: usize = 2_000;
const MAX_REASON: usize = 5_000;

impl Desk {
    /// Every customer instance with its ring (staff).
    pub async fn tenants(&self, actor: &Actor) -> Result<Vec<Tenant>, DeskError> {
        super::availability::require_staff(actor)?;
        let mut conn = self.store.read().await?;
        Ok(store::tenants(&mut conn)
            .await?
            .into_iter()
            .map(|(t, _)| t)
            .collect())
    }

    /// The instances `actor` may see with their rings: a customer its own organisation's,
    /// staff every one.
    pub async fn visible_tenants(&self, actor: &Actor) -> Result<Vec<Tenant>, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(store::tenants(&mut conn)
            .await?
            .into_iter()
            .map(|(t, _)| t)
            .filter(|t| actor.sees_organization(t.organization_id))
            .collect())
    }

    /// R2, G4: assigns an instance to a ring (or to none). Early Access and Preview are for
    /// QaaS contracts only; the shared platform has no ring. Audited.
    pub async fn set_ring(
        &self,
        actor: &Actor,
        component_id: i64,
        ring: Option<Ring>,
    ) -> Result<Tenant, DeskError> {
        require_operator(actor)?;
        let mut tx = self.store.write().await?;
        let tenants = store::tenants(&mut tx).await?;
        let Some((tenant, tier)) = tenants
            .into_iter()
            .find(|(t, _)| t.component_id == component_id)
        else {
            let exists = crate::store::availability::component_by_id(&mut tx, component_id).await?;
            return Err(match exists {
                Some(_) => Refusal::RingForTenantsOnly.into(),
                None => DeskError::NotFound(Thing::Component),
            });
        };
        if let Some(ring) = ring.filter(|r| r.qaas_only())
            && tier != "qaas"
        {
            return Err(Refusal::RingForQaasOnly {
                ring: ring.as_str().into(),
            }
            .into());
        }
        store::set_ring(&mut tx, component_id, ring).await?;
        audit::record(
            &mut tx,
            self.clock.now().as_second(),
            actor.id(),
            actor.token_id,
            "ring.assign",
            &format!("component:{component_id}"),
            &json!({"from": tenant.ring.map(Ring::as_str), "to": ring.map(Ring::as_str)}),
        )
        .await?;
        tx.commit().await?;
        Ok(Tenant { ring, ..tenant })
    }

    /// R3: the update moments a QaaS contract agreed in writing, like `wednesday 21:30`
    /// (none: its instances go in their ring's batches). Audited.
    pub async fn set_update_moments(
        &self,
        actor: &Actor,
        organization_id: i64,
        moments: Vec<String>,
    ) -> Result<Vec<String>, DeskError> {
        require_operator(actor)?;
        let moments: Vec<String> = moments.iter().map(|m| m.trim().to_lowercase()).collect();
        for moment in &moments {
            agreed_moment(moment)?;
        }
        let mut tx = self.store.write().await?;
        let org = crate::store::accounts::organization_by_id(&mut tx, organization_id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Organization))?;
        if !moments.is_empty() && org.tier != Tier::Qaas {
            return Err(Refusal::UpdateMoments {
                detail: "only a QaaS contract agrees its own update moments (R3)".into(),
            }
            .into());
        }
        store::set_update_moments(&mut tx, organization_id, &moments).await?;
        audit::record(
            &mut tx,
            self.clock.now().as_second(),
            actor.id(),
            actor.token_id,
            "organization.update_moments",
            &format!("organization:{organization_id}"),
            &json!({"moments": moments}),
        )
        .await?;
        tx.commit().await?;
        Ok(moments)
    }

    /// R1, R3: a new release with its notes in both languages, planned on the policy's next
    /// release day unless a start is given.
    pub async fn create_release(
        &self,
        actor: &Actor,
        new: NewRelease,
    ) -> Result<Release, DeskError> {
        require_operator(actor)?;
        let version = new.version.trim().to_string();
        super::versions::check_version_name(&version)?;
        if new.notes.len() > MAX_NOTES
            || new.notes.iter().any(|n| {
                n.en.trim().is_empty()
                    || n.nl.trim().is_empty()
                    || n.en.chars().count() > MAX_NOTE_CHARS
                    || n.nl.chars().count() > MAX_NOTE_CHARS
            })
        {
            return Err(Refusal::ReleaseNotesIncomplete.into());
        }
        let planned_start = match &new.planned_start {
            Some(given) => parse_date(given)?,
            None => self.next_release_day()?,
        };
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        if store::release_by_version(&mut tx, &version)
            .await?
            .is_some()
        {
            return Err(Refusal::ReleaseExists { version }.into());
        }
        let mut release = Release {
            id: 0,
            version,
            planned_start: planned_start.to_string(),
            state: ReleaseState::Planned,
            notes: new
                .notes
                .into_iter()
                .map(|n| ReleaseNote {
                    en: n.en.trim().into(),
                    nl: n.nl.trim().into(),
                    ..n
                })
                .collect(),
            postponed_reason: None,
            created_at: now,
            started_at: None,
            finished_at: None,
        };
        release.id = store::insert_release(&mut tx, &release, actor.id()).await?;
        audit::record(
            &mut tx,
            now,
            actor.id(),
            actor.token_id,
            "release.create",
            &format!("release:{}", release.id),
            &json!({"version": release.version, "planned_start": release.planned_start}),
        )
        .await?;
        tx.commit().await?;
        Ok(release)
    }

    /// Releases, the latest first (anyone signed in: customers read the notes too).
    pub async fn releases(&self, _actor: &Actor) -> Result<Vec<Release>, DeskError> {
        let mut conn = self.store.read().await?;
        Ok(store::list_releases(&mut conn, 100).await?)
    }

    /// A release with its batches and the update windows `actor` may see.
    pub async fn release(&self, actor: &Actor, id: i64) -> Result<ReleaseView, DeskError> {
        let mut conn = self.store.read().await?;
        let release = store::release_by_id(&mut conn, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Release))?;
        let staff = actor.is_staff();
        let batches = if staff {
            store::batches(&mut conn, id).await?
        } else {
            Vec::new()
        };
        let windows =
            store::windows(&mut conn, actor.own_organization(), Some(id), i64::MIN).await?;
        Ok(ReleaseView {
            release,
            batches,
            windows,
        })
    }

    /// The update windows of `actor`'s instances (staff: of every instance) that have not
    /// ended, across releases.
    pub async fn update_windows(
        &self,
        actor: &Actor,
        organization: Option<i64>,
    ) -> Result<Vec<UpdateWindow>, DeskError> {
        let organization = match (actor.own_organization(), organization) {
            (Some(own), Some(asked)) if own != asked => {
                return Err(DeskError::NotFound(Thing::Organization));
            }
            (Some(own), _) => Some(own),
            (None, asked) => asked,
        };
        let mut conn = self.store.read().await?;
        Ok(store::windows(&mut conn, organization, None, self.clock.now().as_second()).await?)
    }

    /// R3: what the rollout would look like if started now; refused with the number of
    /// updates at once that would fit when it does not.
    pub async fn rollout_plan(&self, actor: &Actor, id: i64) -> Result<PlanView, DeskError> {
        super::availability::require_staff(actor)?;
        let mut conn = self.store.read().await?;
        let release = store::release_by_id(&mut conn, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Release))?;
        let plan = self.plan_of(&mut conn, &release).await?;
        Ok(PlanView {
            release_id: id,
            planned_start: release.planned_start,
            without_ring: plan.without_ring.clone(),
            plan,
        })
    }

    /// R3: a planned release moves to another day, with the reason (a target, not a
    /// guarantee). Refused once its rollout started.
    pub async fn postpone_release(
        &self,
        actor: &Actor,
        id: i64,
        planned_start: &str,
        reason: &str,
    ) -> Result<Release, DeskError> {
        require_operator(actor)?;
        let start = parse_date(planned_start)?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(Refusal::ReasonRequired.into());
        }
        if reason.chars().count() > MAX_REASON {
            return Err(Refusal::TooLong {
                field: super::Field::Reason,
                max: MAX_REASON,
            }
            .into());
        }
        let mut tx = self.store.write().await?;
        let release = store::release_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Release))?;
        if !store::postpone_release(&mut tx, id, &start.to_string(), reason).await? {
            return Err(Refusal::ReleaseState {
                state: release.state.as_str().into(),
            }
            .into());
        }
        audit::record(
            &mut tx,
            self.clock.now().as_second(),
            actor.id(),
            actor.token_id,
            "release.postpone",
            &format!("release:{id}"),
            &json!({"from": release.planned_start, "to": start.to_string(), "reason": reason}),
        )
        .await?;
        tx.commit().await?;
        Ok(Release {
            planned_start: start.to_string(),
            postponed_reason: Some(reason.into()),
            ..release
        })
    }

    /// R3: starts the rollout: stores its batches and every tenant's update window, each
    /// also a maintenance window of the tenant's component (M1). Starting it again, from any
    /// replica, changes nothing: the release is moved out of Planned once.
    pub async fn start_rollout(&self, actor: &Actor, id: i64) -> Result<ReleaseView, DeskError> {
        require_operator(actor)?;
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let release = store::release_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Release))?;
        if release.state == ReleaseState::Planned {
            let plan = self.plan_of(&mut tx, &release).await?;
            if store::move_release(
                &mut tx,
                id,
                &[ReleaseState::Planned],
                ReleaseState::RollingOut,
                now,
            )
            .await?
            {
                self.store_plan(&mut tx, actor, &release, &plan).await?;
                audit::record(
                    &mut tx,
                    now,
                    actor.id(),
                    actor.token_id,
                    "release.start",
                    &format!("release:{id}"),
                    &json!({"batches": plan.batches.len(), "without_ring": plan.without_ring}),
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.release(actor, id).await
    }

    /// R3: "rollout starts that day, automatically": starts every planned release whose day
    /// has come (in the release calendar's time zone). Safe with any number of replicas: a
    /// release leaves Planned once. Returns how many were started now.
    pub async fn start_due_rollouts(&self) -> Result<usize, DeskError> {
        let calendar = self.policies.base().release_calendar.clone();
        let today = self
            .clock
            .now()
            .to_zoned_datetime(calendar.time_zone().clone())
            .date();
        let due: Vec<Release> = {
            let mut conn = self.store.read().await?;
            store::list_releases(&mut conn, 100)
                .await?
                .into_iter()
                .filter(|r| {
                    r.state == ReleaseState::Planned
                        && r.planned_start.parse::<Date>().is_ok_and(|d| d <= today)
                })
                .collect()
        };
        let mut started = 0;
        for release in due {
            let view = self.start_rollout(&Actor::system(), release.id).await?;
            if view.release.started_at.is_some() {
                started += 1;
            }
        }
        Ok(started)
    }

    /// Pauses a rolling-out release (later batches wait), or resumes a paused one.
    pub async fn pause_rollout(
        &self,
        actor: &Actor,
        id: i64,
        pause: bool,
    ) -> Result<ReleaseView, DeskError> {
        require_operator(actor)?;
        let (from, to, action) = if pause {
            (
                ReleaseState::RollingOut,
                ReleaseState::Paused,
                "release.pause",
            )
        } else {
            (
                ReleaseState::Paused,
                ReleaseState::RollingOut,
                "release.resume",
            )
        };
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let release = store::release_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Release))?;
        if release.state != to {
            if !store::move_release(&mut tx, id, &[from], to, now).await? {
                return Err(Refusal::ReleaseState {
                    state: release.state.as_str().into(),
                }
                .into());
            }
            audit::record(
                &mut tx,
                now,
                actor.id(),
                actor.token_id,
                action,
                &format!("release:{id}"),
                &json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        self.release(actor, id).await
    }

    /// Marks a batch done or failed. A batch already marked stays as it is (a second replica
    /// or a repeated request has no effect); the release is done once no batch is left.
    /// Refused while the rollout is paused or not started.
    pub async fn finish_batch(
        &self,
        actor: &Actor,
        id: i64,
        number: i64,
        outcome: BatchState,
    ) -> Result<ReleaseView, DeskError> {
        require_operator(actor)?;
        if outcome == BatchState::Planned {
            return Err(Refusal::NotAValue {
                given: "planned".into(),
            }
            .into());
        }
        let now = self.clock.now().as_second();
        let mut tx = self.store.write().await?;
        let release = store::release_by_id(&mut tx, id)
            .await?
            .ok_or(DeskError::NotFound(Thing::Release))?;
        let batches = store::batches(&mut tx, id).await?;
        if !batches.iter().any(|b| b.number == number) {
            return Err(DeskError::NotFound(Thing::RolloutBatch));
        }
        if release.state != ReleaseState::RollingOut {
            return Err(Refusal::ReleaseState {
                state: release.state.as_str().into(),
            }
            .into());
        }
        if store::finish_batch(&mut tx, id, number, outcome, now, actor.id()).await? {
            audit::record(
                &mut tx,
                now,
                actor.id(),
                actor.token_id,
                "release.batch",
                &format!("release:{id}"),
                &json!({"batch": number, "outcome": outcome.as_str()}),
            )
            .await?;
            if store::batches_left(&mut tx, id).await? == 0 {
                store::move_release(
                    &mut tx,
                    id,
                    &[ReleaseState::RollingOut],
                    ReleaseState::Done,
                    now,
                )
                .await?;
            }
        }
        tx.commit().await?;
        self.release(actor, id).await
    }

    /// The policy's next release day from today on (in the release calendar's time zone).
    fn next_release_day(&self) -> Result<Date, DeskError> {
        let policy = self.policies.base();
        let calendar = &policy.release_calendar;
        let today = self
            .clock
            .now()
            .to_zoned_datetime(calendar.time_zone().clone())
            .date();
        for ahead in 0..24 {
            let (year, month) = super::reports::months_after((today.year(), today.month()), ahead);
            match plan::release_day(calendar, &policy.releases, year, month) {
                Ok(day) if day >= today => return Ok(day),
                Ok(_) | Err(PlanError::BeforeSchedule(_)) => {}
                Err(e) => return Err(DeskError::Fault(e.to_string())),
            }
        }
        Err(DeskError::Fault("no release day in two years".into()))
    }

    async fn plan_of(&self, conn: &mut Conn, release: &Release) -> Result<Plan, DeskError> {
        let policy = self.policies.base();
        let start = parse_date(&release.planned_start)?;
        let tenants = store::tenants(conn)
            .await?
            .into_iter()
            .map(|(t, _)| {
                Ok(plan::Tenant {
                    id: t.component_id,
                    ring: t.ring,
                    agreed: t
                        .update_moments
                        .iter()
                        .map(|m| agreed_moment(m))
                        .collect::<Result<_, DeskError>>()?,
                })
            })
            .collect::<Result<Vec<_>, DeskError>>()?;
        plan::plan(&policy.release_calendar, &policy.releases, start, &tenants).map_err(|e| match e
        {
            PlanError::DoesNotFit {
                days,
                needed_days,
                updates_at_once,
                fits_with,
            } => Refusal::RolloutDoesNotFit {
                days,
                needed_days,
                updates_at_once,
                fits_with,
            }
            .into(),
            other => DeskError::Fault(other.to_string()),
        })
    }

    async fn store_plan(
        &self,
        conn: &mut Conn,
        actor: &Actor,
        release: &Release,
        plan: &Plan,
    ) -> Result<(), DeskError> {
        let now = self.clock.now().as_second();
        let work = format!(
            "Release {v}: update of this instance / update van deze instantie",
            v = release.version
        );
        let impact =
            "Briefly unreachable during the update (R3) / kort onbereikbaar tijdens de update (R3)";
        // (batch, ring, tenant, start, end) of every update window.
        let mut windows = Vec::new();
        for batch in &plan.batches {
            let batch_id = store::insert_batch(
                conn,
                release.id,
                i64::from(batch.number),
                batch.ring,
                batch.starts_at.as_second(),
                batch.ends_at.as_second(),
            )
            .await?;
            for &tenant_id in &batch.tenant_ids {
                windows.push((
                    Some(batch_id),
                    batch.ring,
                    tenant_id,
                    batch.starts_at.as_second(),
                    batch.ends_at.as_second(),
                ));
            }
        }
        for (ring, w) in &plan.agreed {
            windows.push((
                None,
                *ring,
                w.tenant_id,
                w.starts_at.as_second(),
                w.ends_at.as_second(),
            ));
        }
        for (batch_id, ring, component_id, starts_at, ends_at) in windows {
            let maintenance = store::insert_maintenance(
                conn,
                release.id,
                component_id,
                starts_at,
                ends_at,
                &work,
                impact,
                now,
                actor.id(),
            )
            .await?;
            store::insert_window(
                conn,
                release.id,
                batch_id,
                component_id,
                ring,
                starts_at,
                ends_at,
                maintenance,
            )
            .await?;
        }
        Ok(())
    }
}

/// A planned start: a date the calendars cover (with the year after it, for the week).
fn parse_date(given: &str) -> Result<Date, DeskError> {
    let refused = || -> DeskError {
        Refusal::NotADate {
            field: super::Field::PlannedStart,
            given: given.into(),
        }
        .into()
    };
    let date = given.trim().parse::<Date>().map_err(|_| refused())?;
    if !(FIRST_YEAR..LAST_YEAR).contains(&date.year()) {
        return Err(refused());
    }
    Ok(date)
}

/// `wednesday 21:30` as an agreed moment.
fn agreed_moment(text: &str) -> Result<AgreedMoment, DeskError> {
    let refused = || -> DeskError {
        Refusal::UpdateMoments {
            detail: format!("`{text}` is not a weekday and a time like \"wednesday 21:30\""),
        }
        .into()
    };
    let (day, at) = text.trim().split_once(' ').ok_or_else(refused)?;
    let index = WEEKDAY_KEYS
        .iter()
        .position(|k| *k == day.trim())
        .ok_or_else(refused)?;
    let weekday = Weekday::from_monday_one_offset(index as i8 + 1).map_err(|_| refused())?;
    let at: Time = at.trim().parse().map_err(|_| refused())?;
    Ok(AgreedMoment { weekday, at })
}
