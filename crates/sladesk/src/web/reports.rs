//! Monthly SLA reports (S3): the JSON and CSV of the API, and the page with its charts, drawn
//! as SVG on the server (no script) and readable without colour: every bar carries its figure
//! as text, the two series of the trend differ in fill, and each chart has a text alternative.

use axum::Json;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::report::{PriorityFigures, Spread};
use sladesk_core::text::Language;
use utoipa::{IntoParams, ToSchema};

use super::AppState;
use super::error::{ApiError, Problem};
use super::extract::{Auth, Params};
use super::visitor::Visitor;
use crate::catalogue::{Label, text, text_with};
use crate::desk::reports::{Breach, BreachKind, PeriodReport, ReportPeriod, month_label};
use crate::desk::{Desk, DeskError};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// The organisation; leave out for the whole desk (staff only). A customer may ask only
    /// for its own.
    #[param(minimum = 1)]
    pub organization: Option<i64>,
    /// One calendar month like `2026-10` (Dutch time); the previous month when no period is
    /// given.
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub month: Option<String>,
    /// The first month of a longer period (with `to`; not with `month`: a request with both is
    /// refused).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub from: Option<String>,
    /// The last month of the period, included (at most 24 months in all).
    #[param(pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])$")]
    pub to: Option<String>,
    /// `json` (default) or `csv`.
    #[param(inline)]
    pub format: Option<ReportFormat>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    Json,
    Csv,
}

/// The period the parameters ask for: `month`, or `from` (to `to`, or to itself); the previous
/// month of `desk`'s clock when none is given.
fn period_of(
    desk: &Desk,
    month: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<ReportPeriod, ApiError> {
    if month.is_some() && (from.is_some() || to.is_some()) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            crate::catalogue::Message::new("api_month_or_range"),
        ));
    }
    let first = match month.or(from) {
        Some(given) => super::error::month_param(given)?,
        None => desk.previous_month(),
    };
    let last = match (month, to) {
        (Some(_), _) | (None, None) => first,
        (None, Some(given)) => super::error::month_param(given)?,
    };
    Ok(ReportPeriod::between(first, last)?)
}

#[utoipa::path(operation_id = "sla_report", get, path = "/api/v1/reports/sla", tag = "reports",
    params(ReportParams),
    responses((status = 200, description = "the report of the period, as JSON or (`format=csv`) its figures as CSV, one figure per line",
            content((PeriodReport = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn report(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<ReportParams>,
) -> Result<Response, ApiError> {
    let period = period_of(
        &state.desk,
        p.month.as_deref(),
        p.from.as_deref(),
        p.to.as_deref(),
    )?;
    let report = state
        .desk
        .sla_report(&actor, p.organization, period)
        .await?;
    Ok(match p.format.unwrap_or(ReportFormat::Json) {
        ReportFormat::Json => Json(report).into_response(),
        ReportFormat::Csv => csv_response(figures_csv(&report)),
    })
}

#[utoipa::path(operation_id = "sla_breaches", get, path = "/api/v1/reports/sla/breaches", tag = "reports",
    params(ReportParams),
    responses((status = 200, description = "every breach of the period (the report lists the first 250), as JSON or CSV",
            content((Vec<Breach> = "application/json"), (String = "text/csv"))),
        (status = 400, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)),
    security(("bearer" = [])))]
pub async fn breaches(
    State(state): State<AppState>,
    Auth(actor): Auth,
    Params(p): Params<ReportParams>,
) -> Result<Response, ApiError> {
    let period = period_of(
        &state.desk,
        p.month.as_deref(),
        p.from.as_deref(),
        p.to.as_deref(),
    )?;
    let list = state
        .desk
        .sla_breaches(&actor, p.organization, period)
        .await?;
    Ok(match p.format.unwrap_or(ReportFormat::Json) {
        ReportFormat::Json => Json(list).into_response(),
        ReportFormat::Csv => csv_response(breaches_csv(&list)),
    })
}

fn csv_response(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response()
}

/// A CSV field: quoted when it must be, and never read as a formula by a spreadsheet.
fn field(value: &str) -> String {
    let value = match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{value}"),
        _ => value.to_string(),
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn number(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.2}")).unwrap_or_default()
}

/// The figures one per line (`section,priority,subject,figure,value`), so that a spreadsheet
/// pivots them any way it likes; an empty value is "no tickets".
pub fn figures_csv(report: &PeriodReport) -> String {
    let org = report
        .organization
        .as_ref()
        .map(|o| o.id.to_string())
        .unwrap_or_default();
    let mut out = String::from("from,to,organization_id,section,priority,subject,figure,value\n");
    let mut line = |section: &str, priority: &str, subject: &str, figure: &str, value: String| {
        out.push_str(&format!(
            "{},{},{org},{section},{priority},{},{figure},{value}\n",
            report.from,
            report.to,
            field(subject)
        ));
    };
    let h = &report.headline;
    line("summary", "", "", "opened", h.opened.to_string());
    line("summary", "", "", "resolved", h.resolved.to_string());
    line(
        "summary",
        "",
        "",
        "reaction_met_percent",
        number(h.reaction_met_percent),
    );
    line(
        "summary",
        "",
        "",
        "resolved_within_target_percent",
        number(h.resolved_within_target_percent),
    );
    for (section, rows) in [
        ("priority", &report.priorities),
        ("outage", &report.outages),
    ] {
        for row in rows {
            let f = &row.figures;
            let p = f.priority.key();
            let v = row.policy_version.as_str();
            let mut put = |figure: &str, value: String| line(section, p, v, figure, value);
            put(
                "reaction_target_seconds",
                f.reaction_target_seconds.to_string(),
            );
            put(
                "resolution_target_seconds",
                f.resolution_target_seconds.to_string(),
            );
            put("opened", f.opened.to_string());
            put("open_at_end", f.open_at_end.to_string());
            put("reaction_judged", f.reaction_judged.to_string());
            put("reaction_met", f.reaction_met.to_string());
            put("reaction_awaiting", f.reaction_awaiting.to_string());
            put("reaction_met_percent", number(f.reaction_met_percent));
            put("resolved", f.resolved.to_string());
            put(
                "resolved_within_target",
                f.resolved_within_target.to_string(),
            );
            put(
                "resolved_within_target_percent",
                number(f.resolved_within_target_percent),
            );
            for (name, spread) in [
                ("reaction", f.reaction_spread),
                ("resolution", f.resolution_spread),
            ] {
                let s = |pick: fn(&Spread) -> i64| spread.as_ref().map(pick).map(|v| v.to_string());
                put(
                    &format!("{name}_median_seconds"),
                    s(|s| s.median_seconds).unwrap_or_default(),
                );
                put(
                    &format!("{name}_p90_seconds"),
                    s(|s| s.p90_seconds).unwrap_or_default(),
                );
                put(
                    &format!("{name}_p95_seconds"),
                    s(|s| s.p95_seconds).unwrap_or_default(),
                );
                put(
                    &format!("{name}_max_seconds"),
                    s(|s| s.max_seconds).unwrap_or_default(),
                );
            }
            for i in &f.indicative {
                let within = i.within_seconds;
                put(
                    &format!("within_{within}s_promised_percent"),
                    i.promised_percent.to_string(),
                );
                put(
                    &format!("within_{within}s_achieved_percent"),
                    number(i.achieved_percent),
                );
                put(
                    &format!("within_{within}s_kept"),
                    i.kept.map(|k| k.to_string()).unwrap_or_default(),
                );
            }
        }
    }
    for a in &report.availability {
        let subject = format!("{} {}", a.month, a.name);
        line(
            "availability",
            "",
            &subject,
            "availability_percent",
            format!("{:.4}", a.availability_percent),
        );
        line(
            "availability",
            "",
            &subject,
            "downtime_seconds",
            a.downtime_seconds.to_string(),
        );
        line(
            "availability",
            "",
            &subject,
            "target_met",
            a.target_met.to_string(),
        );
    }
    for c in &report.credits {
        let subject = format!("{} {}", c.month, c.organization_name);
        let s = &c.statement;
        line(
            "credits",
            "",
            &subject,
            "owed_cents",
            s.owed_cents.to_string(),
        );
        line(
            "credits",
            "",
            &subject,
            "credited_cents",
            s.credited_cents.to_string(),
        );
    }
    for m in &report.trend {
        let h = &m.headline;
        line("trend", "", &m.month, "opened", h.opened.to_string());
        line("trend", "", &m.month, "resolved", h.resolved.to_string());
        line(
            "trend",
            "",
            &m.month,
            "reaction_met_percent",
            number(h.reaction_met_percent),
        );
        line(
            "trend",
            "",
            &m.month,
            "resolved_within_target_percent",
            number(h.resolved_within_target_percent),
        );
    }
    out
}

fn breach_kind(kind: BreachKind) -> &'static str {
    match kind {
        BreachKind::ReactionLate => "reaction_late",
        BreachKind::NoReaction => "no_reaction",
        BreachKind::ResolutionLate => "resolution_late",
        BreachKind::OpenOverdue => "open_overdue",
    }
}

pub fn breaches_csv(list: &[Breach]) -> String {
    let mut out = String::from(
        "ticket_id,number,organization_id,priority,kind,over_seconds,due_at,subject\n",
    );
    for b in list {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            b.ticket_id,
            b.number,
            b.organization_id,
            b.priority.key(),
            breach_kind(b.kind),
            b.over_seconds.map(|s| s.to_string()).unwrap_or_default(),
            b.due_at.map(|t| t.to_string()).unwrap_or_default(),
            field(&b.subject)
        ));
    }
    out
}

// The page: `/reports?organization=…&from=2026-10[&to=2026-12]`.

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub organization: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

use crate::catalogue::{percent as percent_text, share};

/// Business time in the track's words: office hours, or real hours around the clock.
fn business(seconds: i64, around_the_clock: bool, language: Language) -> String {
    super::words::sla_duration(seconds, around_the_clock, language)
}

pub(super) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The row of one priority (and version), in words.
fn row_view(policy_version: &str, f: &PriorityFigures, language: Language) -> minijinja::Value {
    let clock = f.priority == sladesk_core::tickets::Priority::SaasOutage;
    let spread = |s: &Option<Spread>| {
        s.map(|s| {
            text_with(
                language,
                "report_spread",
                &[
                    ("median", business(s.median_seconds, clock, language).into()),
                    ("p90", business(s.p90_seconds, clock, language).into()),
                    ("p95", business(s.p95_seconds, clock, language).into()),
                    ("max", business(s.max_seconds, clock, language).into()),
                ],
            )
        })
    };
    let of = |part: u64, whole: u64, p: Option<f64>| {
        p.map(|p| {
            text_with(
                language,
                "report_of",
                &[
                    ("part", part.to_string().into()),
                    ("whole", whole.to_string().into()),
                    ("percent", percent_text(p, language).into()),
                ],
            )
        })
    };
    let lines: Vec<minijinja::Value> = f
        .indicative
        .iter()
        .map(|i| {
            context! {
                promise => text_with(language, "report_line", &[
                    ("percent", i.promised_percent.to_string().into()),
                    ("within", business(i.within_seconds, clock, language).into()),
                ]),
                achieved => share(i.achieved_percent, language),
                kept => i.kept,
            }
        })
        .collect();
    context! {
        priority => f.priority.label(language),
        version => policy_version,
        opened => f.opened,
        open_at_end => f.open_at_end,
        reaction_target => business(f.reaction_target_seconds, clock, language),
        resolution_target => business(f.resolution_target_seconds, clock, language),
        reaction => of(f.reaction_met, f.reaction_judged, f.reaction_met_percent),
        awaiting => (f.reaction_awaiting > 0).then(|| text_with(language, "report_awaiting",
            &[("count", f.reaction_awaiting.to_string().into())])),
        resolution => of(f.resolved_within_target, f.resolved, f.resolved_within_target_percent),
        reaction_spread => spread(&f.reaction_spread),
        resolution_spread => spread(&f.resolution_spread),
        lines => lines,
    }
}

/// The chart of the indicative table: per line a bar of the achieved share, a mark at the
/// promised share, and both written out.
pub fn indicative_chart(report: &PeriodReport, language: Language) -> Option<String> {
    let mut bars = Vec::new();
    for row in report.priorities.iter().chain(&report.outages) {
        let f = &row.figures;
        let clock = f.priority == sladesk_core::tickets::Priority::SaasOutage;
        for i in &f.indicative {
            let line = text_with(
                language,
                "report_line",
                &[
                    ("percent", i.promised_percent.to_string().into()),
                    ("within", business(i.within_seconds, clock, language).into()),
                ],
            );
            bars.push((
                format!("{} — {line}", f.priority.label(language)),
                i.promised_percent,
                i.achieved_percent,
                i.kept,
            ));
        }
    }
    if bars.is_empty() {
        return None;
    }
    let (label_width, bar_width, row) = (330.0, 300.0, 26.0);
    let height = row * bars.len() as f64 + 10.0;
    let title = text(language, "report_chart_indicative");
    let desc: Vec<String> = bars
        .iter()
        .map(|(label, _, achieved, kept)| {
            let mark = match kept {
                Some(true) => format!(" ({})", text(language, "report_kept")),
                Some(false) => format!(" ({})", text(language, "report_not_kept")),
                None => String::new(),
            };
            format!("{label}: {}{mark}", share(*achieved, language))
        })
        .collect();
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {w} {height}\" role=\"img\" aria-labelledby=\"chart-indicative-title chart-indicative-desc\">\
         <title id=\"chart-indicative-title\">{}</title><desc id=\"chart-indicative-desc\">{}</desc>",
        escape(&title),
        escape(&desc.join("; ")),
        w = label_width + bar_width + 90.0,
    );
    for (n, (label, promised, achieved, kept)) in bars.iter().enumerate() {
        let y = 5.0 + row * n as f64;
        svg += &format!(
            "<text x=\"0\" y=\"{}\" class=\"chart-label\">{}</text>",
            y + 16.0,
            escape(label)
        );
        svg += &format!(
            "<rect x=\"{label_width}\" y=\"{}\" width=\"{bar_width}\" height=\"16\" class=\"chart-track\"/>",
            y + 3.0
        );
        if let Some(a) = achieved {
            let class = if *kept == Some(false) {
                "chart-bar chart-missed"
            } else {
                "chart-bar"
            };
            svg += &format!(
                "<rect x=\"{label_width}\" y=\"{}\" width=\"{:.1}\" height=\"16\" class=\"{class}\"/>",
                y + 3.0,
                bar_width * a / 100.0
            );
        }
        let px = label_width + bar_width * f64::from(*promised) / 100.0;
        svg += &format!(
            "<line x1=\"{px:.1}\" x2=\"{px:.1}\" y1=\"{}\" y2=\"{}\" class=\"chart-promise\"/>",
            y,
            y + 22.0
        );
        let mark = match kept {
            Some(true) => "✓ ",
            Some(false) => "✗ ",
            None => "",
        };
        svg += &format!(
            "<text x=\"{}\" y=\"{}\" class=\"chart-value\">{mark}{}</text>",
            label_width + bar_width + 6.0,
            y + 16.0,
            escape(&share(*achieved, language))
        );
    }
    svg += "</svg>";
    Some(svg)
}

/// The trend: per month an outlined bar for the reaction and a filled one for the resolution
/// within target, with the month under them; a month without tickets has no bars.
pub fn trend_chart(report: &PeriodReport, language: Language) -> String {
    let (left, column, height) = (36.0, 46.0, 120.0);
    let width = left + column * report.trend.len() as f64 + 4.0;
    let title = text(language, "report_trend_chart");
    let desc: Vec<String> = report
        .trend
        .iter()
        .map(|m| {
            text_with(
                language,
                "report_trend_month",
                &[
                    ("month", m.month.clone().into()),
                    (
                        "reaction",
                        share(m.headline.reaction_met_percent, language).into(),
                    ),
                    (
                        "resolution",
                        share(m.headline.resolved_within_target_percent, language).into(),
                    ),
                ],
            )
        })
        .collect();
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-labelledby=\"chart-trend-title chart-trend-desc\">\
         <title id=\"chart-trend-title\">{}</title><desc id=\"chart-trend-desc\">{}</desc>",
        height + 36.0,
        escape(&title),
        escape(&desc.join("; "))
    );
    for pct in [0, 50, 100] {
        let y = 10.0 + height * (1.0 - f64::from(pct) / 100.0);
        svg += &format!(
            "<line x1=\"{left}\" x2=\"{width}\" y1=\"{y}\" y2=\"{y}\" class=\"chart-grid\"/>\
             <text x=\"0\" y=\"{}\" class=\"chart-axis\">{pct} %</text>",
            y + 4.0
        );
    }
    for (n, m) in report.trend.iter().enumerate() {
        let x = left + column * n as f64 + 4.0;
        for (offset, value, class) in [
            (0.0, m.headline.reaction_met_percent, "chart-outline"),
            (19.0, m.headline.resolved_within_target_percent, "chart-bar"),
        ] {
            if let Some(v) = value {
                let h = height * v / 100.0;
                svg += &format!(
                    "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"17\" height=\"{h:.1}\" class=\"{class}\"/>",
                    x + offset,
                    10.0 + height - h
                );
            }
        }
        let label = m.month.get(2..).unwrap_or(&m.month);
        svg += &format!(
            "<text x=\"{}\" y=\"{}\" class=\"chart-axis\">{}</text>",
            x + 2.0,
            height + 28.0,
            escape(label)
        );
    }
    svg += "</svg>";
    svg
}

fn breach_words(b: &Breach, visitor: &Visitor) -> String {
    let language = visitor.language;
    let clock = b.priority == sladesk_core::tickets::Priority::SaasOutage;
    let over = || business(b.over_seconds.unwrap_or(0), clock, language);
    let due = || {
        b.due_at
            .map(|t| visitor.time(t.as_second()))
            .unwrap_or_default()
    };
    match b.kind {
        BreachKind::ReactionLate => text_with(
            language,
            "report_breach_reaction_late",
            &[("over", over().into())],
        ),
        BreachKind::NoReaction => text_with(
            language,
            "report_breach_no_reaction",
            &[("due", due().into())],
        ),
        BreachKind::ResolutionLate => text_with(
            language,
            "report_breach_resolution_late",
            &[("over", over().into())],
        ),
        BreachKind::OpenOverdue => text_with(
            language,
            "report_breach_open_overdue",
            &[("due", due().into())],
        ),
    }
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReportQuery>,
) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let language = visitor.language;
    let staff = visitor.user.role.is_staff();
    let organizations = match visitor.organization_choices(&state).await {
        Ok(choices) => choices,
        Err(response) => return response,
    };
    // Staff choose an organisation or the whole desk (an empty choice); a customer sees its own.
    let organization = if staff {
        match q.organization.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(given) => match given.parse::<i64>() {
                Ok(id) => Some(id),
                Err(_) => {
                    return visitor.error(DeskError::NotFound(crate::desk::Thing::Organization));
                }
            },
        }
    } else {
        visitor.user.organization_id
    };
    let default_month = month_label(state.desk.previous_month());
    let from = q
        .from
        .clone()
        .filter(|f| !f.trim().is_empty())
        .unwrap_or(default_month);
    let to = q.to.clone().filter(|t| !t.trim().is_empty());
    let title = visitor.text("report_title");
    let values = context! { organizations => organizations, organization => organization,
    from => &from, to => &to, staff => staff };
    let period = match period_of(
        &state.desk,
        None,
        Some(from.trim()),
        to.as_deref().map(str::trim),
    ) {
        Ok(period) => period,
        Err(refused) => {
            let values = context! { error => refused.message.text(language), ..values };
            return visitor.render("reports.html", refused.status, &title, values);
        }
    };
    let report = match state
        .desk
        .sla_report(&visitor.actor, organization, period)
        .await
    {
        Ok(report) => report,
        Err(e) => return visitor.error(e),
    };
    let scope = report.organization.as_ref().map_or_else(
        || text(language, "report_organization_all"),
        |o| o.name.clone(),
    );
    let period_words = if report.from == report.to {
        report.from.clone()
    } else {
        format!("{} – {}", report.from, report.to)
    };
    let rows = |list: &[crate::desk::reports::ReportRow]| -> Vec<minijinja::Value> {
        list.iter()
            .map(|r| row_view(&r.policy_version, &r.figures, language))
            .collect()
    };
    let breaches: Vec<minijinja::Value> = report
        .breaches
        .iter()
        .map(|b| {
            context! { id => b.ticket_id, number => &b.number, subject => &b.subject,
            priority => b.priority.label(language), what => breach_words(b, &visitor) }
        })
        .collect();
    let availability: Vec<minijinja::Value> = report
        .availability
        .iter()
        .map(|a| {
            context! { id => a.component_id, name => &a.name, month => &a.month,
            figure => percent_text(a.availability_percent, language),
            target => percent_text(a.target_percent, language), met => a.target_met,
            downtime => business(a.downtime_seconds, true, language),
            uncounted => business(a.uncounted_seconds, true, language) }
        })
        .collect();
    let credits: Vec<minijinja::Value> = report
        .credits
        .iter()
        .map(|c| {
            let s = &c.statement;
            context! { organization => &c.organization_name, month => &c.month,
            owed => crate::catalogue::money(s.owed_cents, &s.currency, language),
            credited => crate::catalogue::money(s.credited_cents, &s.currency, language) }
        })
        .collect();
    let query = {
        let mut q = format!("from={}&to={}", report.from, report.to);
        if let Some(o) = &report.organization {
            q += &format!("&organization={}", o.id);
        }
        q
    };
    let h = &report.headline;
    let values = context! {
        report => true,
        caption => text_with(language, "report_caption", &[("scope", scope.clone().into()), ("period", period_words.into())]),
        made_at => text_with(language, "report_made_at", &[
            ("at", visitor.time(report.made_at.as_second()).into()),
            ("start", visitor.time(report.starts_at.as_second()).into()),
            ("end", visitor.time(report.ends_at.as_second()).into()),
            ("zone", report.time_zone.clone().into()),
        ]),
        summary => context! {
            opened => h.opened, resolved => h.resolved,
            reaction => share(h.reaction_met_percent, language),
            resolution => share(h.resolved_within_target_percent, language),
        },
        priorities => rows(&report.priorities),
        outages => rows(&report.outages),
        indicative_chart => indicative_chart(&report, language),
        trend_chart => trend_chart(&report, language),
        breaches => breaches,
        breaches_more => (report.breaches_total > report.breaches.len() as u64).then(|| text_with(language, "report_breaches_more", &[
            ("shown", report.breaches.len().to_string().into()), ("total", report.breaches_total.to_string().into())])),
        availability => availability,
        credits => credits,
        figures_csv => format!("/api/v1/reports/sla?{query}&format=csv"),
        breaches_csv => format!("/api/v1/reports/sla/breaches?{query}&format=csv"),
        ..values
    };
    visitor.render("reports.html", StatusCode::OK, &title, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(field("-1,2"), "\"'-1,2\"");
    }
}
