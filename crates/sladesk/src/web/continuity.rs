//! D1, D2 at the doors: the backups and the drills for staff, in the API (`/api/v1/backups`,
//! `/api/v1/drills`) and on the page `/backups`, with the recovery point's state first.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Serialize;
use sladesk_core::continuity::Scenario;
use utoipa::ToSchema;

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::Auth;
use super::schema::rfc3339;
use super::visitor::Visitor;
use crate::catalogue::{stored_text, text_with};
use crate::desk::ContinuityOverview;
use crate::domain::continuity::{Backup, BackupState, Drill, OffsiteState, Performed};
use crate::notify::local_time;
use sladesk_core::text::Language;

type Result<T> = std::result::Result<T, ApiError>;

#[derive(Debug, Serialize, ToSchema)]
pub struct BackupResponse {
    pub id: i64,
    pub state: BackupState,
    /// The instant of the snapshot (none before it was taken).
    #[schema(format = DateTime)]
    pub taken_at: Option<String>,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub finished_at: Option<String>,
    pub attempts: i64,
    /// The archive's file name, its folder and the host it is kept on.
    pub name: Option<String>,
    pub folder: Option<String>,
    pub host: Option<String>,
    pub size_bytes: Option<i64>,
    pub sha256: Option<String>,
    /// Rows per table inside the snapshot.
    pub counts: std::collections::BTreeMap<String, i64>,
    pub backup_ms: Option<i64>,
    pub verify_ms: Option<i64>,
    /// What verification checked, or why the backup failed.
    pub detail: String,
    /// Its copy in object storage (`none` without one configured).
    pub offsite: OffsiteState,
    /// Why the off-site copy failed.
    pub offsite_detail: String,
}

impl BackupResponse {
    fn new(b: Backup, language: Language) -> BackupResponse {
        BackupResponse {
            id: b.id,
            state: b.state,
            taken_at: b.taken_at.map(rfc3339),
            started_at: rfc3339(b.started_at),
            finished_at: b.finished_at.map(rfc3339),
            attempts: b.attempts,
            name: b.name,
            folder: b.folder,
            host: b.host,
            size_bytes: b.size,
            sha256: b.sha256,
            counts: b.counts,
            backup_ms: b.backup_ms,
            verify_ms: b.verify_ms,
            detail: stored_text(&b.detail, language),
            offsite: b.offsite,
            offsite_detail: stored_text(&b.offsite_detail, language),
        }
    }
}

/// The recovery point (D1) and the newest backups.
#[derive(Debug, Serialize, ToSchema)]
pub struct BackupsResponse {
    /// Whether this server takes backups.
    pub enabled: bool,
    pub rpo_seconds: i64,
    #[schema(format = DateTime)]
    pub newest_verified_at: Option<String>,
    /// Seconds since the newest verified backup was taken; none without one.
    pub age_seconds: Option<i64>,
    /// Whether the newest verified backup is older than the recovery point (or there is none).
    pub rpo_passed: bool,
    /// Whether the private key made for a desk without configuration still lies on the
    /// server (it should be moved off it).
    pub key_on_server: bool,
    /// The object storage verified backups are copied to (`s3://…`), when configured.
    pub offsite: Option<String>,
    /// Newest first, at most 60.
    pub backups: Vec<BackupResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DrillResponse {
    pub id: i64,
    pub scenario: Scenario,
    pub performed: Performed,
    pub backup_name: Option<String>,
    #[schema(format = DateTime)]
    pub started_at: String,
    pub took_seconds: i64,
    /// The scenario's recovery time objective when the drill ran.
    pub rto_seconds: i64,
    pub passed: bool,
    /// Passed within the recovery time objective.
    pub met_rto: bool,
    pub ran_by: String,
    pub detail: String,
}

impl DrillResponse {
    fn new(d: Drill, language: Language) -> DrillResponse {
        DrillResponse {
            id: d.id,
            scenario: d.scenario,
            performed: d.performed,
            backup_name: d.backup_name,
            started_at: rfc3339(d.started_at),
            took_seconds: d.took_seconds,
            rto_seconds: d.rto_seconds,
            passed: d.passed,
            met_rto: d.met_rto,
            ran_by: d.ran_by,
            detail: stored_text(&d.detail, language),
        }
    }
}

/// A scenario of the RTO table with its objective (policy in force) and its last drill.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioDrills {
    pub scenario: Scenario,
    pub rto_seconds: i64,
    pub last: Option<DrillResponse>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DrillsResponse {
    /// Every scenario of the RTO table (D2), whether drilled or not.
    pub scenarios: Vec<ScenarioDrills>,
    /// Newest first, at most 50.
    pub drills: Vec<DrillResponse>,
}

#[utoipa::path(operation_id = "list_backups", get, path = "/api/v1/backups", tag = "continuity",
    responses((status = 200, body = BackupsResponse), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn backups(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<BackupsResponse>> {
    let o = state.desk.continuity(&actor).await?;
    let language = reader(&actor);
    Ok(Json(BackupsResponse {
        enabled: o.enabled,
        rpo_seconds: o.rpo_seconds,
        newest_verified_at: o
            .newest_verified
            .as_ref()
            .and_then(|b| b.taken_at)
            .map(rfc3339),
        age_seconds: o.age_seconds,
        rpo_passed: o.rpo_passed,
        key_on_server: o.key_on_server,
        offsite: o.offsite.clone(),
        backups: o
            .backups
            .into_iter()
            .map(|b| BackupResponse::new(b, language))
            .collect(),
    }))
}

#[utoipa::path(operation_id = "list_drills", get, path = "/api/v1/drills", tag = "continuity",
    responses((status = 200, body = DrillsResponse), (status = 403, body = Problem)),
    security(("bearer" = [])))]
pub async fn drills(
    State(state): State<AppState>,
    Auth(actor): Auth,
) -> Result<Json<DrillsResponse>> {
    let o = state.desk.continuity(&actor).await?;
    Ok(Json(drills_of(o, reader(&actor))))
}

/// The texts of records (what was checked, why it failed) in the token's person's language.
fn reader(actor: &crate::desk::Actor) -> Language {
    actor.user.as_ref().map_or(Language::En, |u| u.language)
}

fn drills_of(o: ContinuityOverview, language: Language) -> DrillsResponse {
    DrillsResponse {
        scenarios: o
            .scenarios
            .into_iter()
            .map(|(scenario, rto_seconds, last)| ScenarioDrills {
                scenario,
                rto_seconds,
                last: last.map(|d| DrillResponse::new(d, language)),
            })
            .collect(),
        drills: o
            .drills
            .into_iter()
            .map(|d| DrillResponse::new(d, language))
            .collect(),
    }
}

/// Hours and minutes as the reader's language writes them: "2 h 05 min", "2 u 05 min".
fn span(seconds: i64, language: Language) -> String {
    let minutes = seconds.div_euclid(60).max(0);
    if minutes < 60 {
        text_with(language, "span_minutes", &[("minutes", minutes.into())])
    } else {
        text_with(
            language,
            "span_hours",
            &[
                ("hours", (minutes / 60).into()),
                ("minutes", format!("{:02}", minutes % 60).into()),
            ],
        )
    }
}

fn size(bytes: i64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        b if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        b => format!("{:.1} KiB", b as f64 / 1024.0),
    }
}

/// The staff page: the recovery point, the backups, the RTO table with the last drills, and
/// the drill history.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match Visitor::staff(&state, &headers).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let language = visitor.language;
    let o = match state.desk.continuity(&visitor.actor).await {
        Ok(o) => o,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let when = |second: i64| {
        jiff::Timestamp::from_second(second)
            .map_or_else(|_| String::new(), |t| local_time(t, language))
    };
    let scenario_word = |s: Scenario| visitor.text(&format!("scenario_{}", s.key()));
    let backups: Vec<_> = o
        .backups
        .iter()
        .map(|b| {
            context! {
                taken => when(b.taken_at.unwrap_or(b.started_at)),
                state => b.state.as_str(),
                state_text => visitor.text(&format!("backup_state_{}", b.state.as_str())),
                name => b.name.clone().unwrap_or_default(),
                size => b.size.map(size).unwrap_or_default(),
                tickets => b.counts.get("tickets").copied(),
                detail => stored_text(&b.detail, language),
                offsite => match b.offsite {
                    OffsiteState::None => String::new(),
                    state => visitor.text(&format!("backup_offsite_{}", state.as_str())),
                },
                offsite_failed => b.offsite == OffsiteState::Failed,
                offsite_detail => stored_text(&b.offsite_detail, language),
            }
        })
        .collect();
    let scenarios: Vec<_> = o
        .scenarios
        .iter()
        .map(|(s, rto, last)| {
            context! {
                name => scenario_word(*s),
                rto => span(*rto, language),
                last => last.as_ref().map(|d| context! {
                    at => when(d.started_at), took => span(d.took_seconds, language), met => d.met_rto,
                    passed => d.passed,
                }),
            }
        })
        .collect();
    let drills: Vec<_> = o
        .drills
        .iter()
        .map(|d| {
            context! {
                at => when(d.started_at), scenario => scenario_word(d.scenario),
                performed => visitor.text(&format!("drill_performed_{}", d.performed.as_str())),
                took => span(d.took_seconds, language), rto => span(d.rto_seconds, language), passed => d.passed,
                met => d.met_rto, by => d.ran_by.clone(), detail => stored_text(&d.detail, language),
                backup => d.backup_name.clone().unwrap_or_default(),
            }
        })
        .collect();
    let view = context! {
        enabled => o.enabled,
        rpo => span(o.rpo_seconds, language),
        rpo_passed => o.rpo_passed,
        newest => o.newest_verified.as_ref().and_then(|b| b.taken_at).map(when),
        age => o.age_seconds.map(|s| span(s, language)),
        key_on_server => o.key_on_server,
        folder => o.folder.clone(),
        offsite => o.offsite.clone(),
        backups => backups,
        scenarios => scenarios,
        drills => drills,
    };
    visitor.render(
        "backups.html",
        StatusCode::OK,
        &visitor.text("backups_title"),
        context! { view => view },
    )
}
