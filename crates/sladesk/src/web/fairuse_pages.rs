//! Fair use on the pages (F1, F2): `/fair-use` (for the SaaS team the last run, the tenants
//! over the line, the cohorts too small to compare and the cases; for a customer its own
//! instances and cases), an instance's use against its cohort with a chart per measure, and a
//! case with its steps. Every button makes the same desk call as the API.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use sladesk_core::text::Language;

use super::AppState;
use super::reports::escape;
use super::visitor::{Access, Visitor};
use crate::catalogue::{amount, measure, text, text_with};
use crate::desk::{CaseDecision, DeskError, NewCase, UsageChart};
use crate::domain::accounts::Role;
use crate::domain::fairuse::{Decision, FairUseCase};

/// The SaaS team and admins act; other staff read.
fn operator(visitor: &Visitor) -> bool {
    matches!(visitor.user.role, Role::Admin | Role::SaasTeam)
}

fn case_row(visitor: &Visitor, c: &FairUseCase, names: &[(i64, String)]) -> minijinja::Value {
    let instance = names
        .iter()
        .find(|(id, _)| *id == c.component_id)
        .map_or_else(|| c.component_id.to_string(), |(_, n)| n.clone());
    context! {
        id => c.id, instance => instance, component_id => c.component_id,
        measure => measure(visitor.language, &c.measure),
        state => visitor.text(&format!("fair_use_state_{}", c.state.as_str())),
        acute => c.acute, opened => visitor.time(c.opened_at),
        decision => c.decision.map(|d| visitor.text(&format!("fair_use_decision_{}", d.as_str()))),
    }
}

/// `/fair-use`: the overview for staff, a customer's own instances and cases.
pub async fn page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    overview(&state, &visitor, None, StatusCode::OK).await
}

async fn overview(
    state: &AppState,
    visitor: &Visitor,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let language = visitor.language;
    let title = visitor.text("fair_use_title");
    let tenants = match state.desk.usage_tenants(&visitor.actor).await {
        Ok(t) => t,
        Err(e) => return visitor.error(e),
    };
    let names: Vec<(i64, String)> = tenants
        .iter()
        .map(|t| (t.component_id, t.name.clone()))
        .collect();
    let cases = match state.desk.fair_use_cases(&visitor.actor, None).await {
        Ok(c) => c,
        Err(e) => return visitor.error(e),
    };
    let case_rows: Vec<_> = cases.iter().map(|c| case_row(visitor, c, &names)).collect();
    let tenant_rows: Vec<_> = tenants
        .iter()
        .map(
            |t| context! { id => t.component_id, name => &t.name, organization => &t.organization },
        )
        .collect();
    let staff = visitor.user.role.is_staff();
    let mut values = context! {
        staff => staff, operator => operator(visitor), notice => notice,
        tenants => tenant_rows, cases => case_rows,
    };
    if staff {
        let o = match state.desk.fair_use_overview(&visitor.actor).await {
            Ok(o) => o,
            Err(e) => return visitor.error(e),
        };
        let findings: Vec<_> = o
            .findings
            .iter()
            .map(|f| {
                context! {
                    component_id => f.component_id, instance => &f.component,
                    organization => &f.organization, measure => measure(language, &f.measure),
                    run => f.current_run, from => &f.run_from, excessive => f.excessive,
                    own => amount(f.own, language), average => amount(f.cohort_average, language),
                    size => f.cohort_size, case => f.open_case_id,
                }
            })
            .collect();
        let small: Vec<_> = o
            .small_cohorts
            .iter()
            .map(|c| context! { cohort => &c.cohort, measure => measure(language, &c.measure), tenants => c.tenants })
            .collect();
        let run = match (&o.judged_day, o.judged_at) {
            (Some(day), Some(at)) => text_with(
                language,
                "fair_use_last_run",
                &[
                    ("day", day.clone().into()),
                    ("at", visitor.time(at).into()),
                    ("values", o.values_judged.into()),
                ],
            ),
            _ => text(language, "fair_use_no_run"),
        };
        let rule = text_with(
            language,
            "fair_use_rule",
            &[
                ("factor", amount(o.factor, language).into()),
                ("window", o.window_days.into()),
            ],
        );
        values = context! { ..values, ..context! {
            findings => findings, small => small, run => run, rule => rule,
        }};
    }
    visitor.render("fairuse.html", status, &title, values)
}

#[derive(Debug, Deserialize)]
pub struct TenantQuery {
    pub days: Option<i64>,
}

/// An instance's use of every measure against its cohort, with the form to open a case.
pub async fn tenant(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Query(q): Query<TenantQuery>,
) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    tenant_page(&state, &visitor, id, q.days, None, StatusCode::OK).await
}

async fn tenant_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    days: Option<i64>,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let language = visitor.language;
    let days = days.unwrap_or(90).clamp(7, 400);
    let measures = state.desk.policies.base().fair_use.measures.clone();
    let mut charts = Vec::new();
    let mut name = String::new();
    let mut cohort = String::new();
    for m in &measures {
        let chart = match state.desk.usage_chart(&visitor.actor, id, m, days).await {
            Ok(c) => c,
            Err(e) => return visitor.error(e),
        };
        name = chart.component.clone();
        cohort = chart.cohort.clone();
        let rows: Vec<_> = chart
            .days
            .iter()
            .rev()
            .filter(|d| d.own.is_some())
            .map(|d| {
                context! {
                    day => &d.day, own => d.own.map(|v| amount(v as f64, language)),
                    average => d.cohort_average.map(|v| amount(v, language)),
                    line => d.line.map(|v| amount(v, language)), size => d.cohort_size,
                    verdict => visitor.text(&format!("fair_use_verdict_{}", d.verdict)),
                    over => d.verdict == "over",
                }
            })
            .collect();
        charts.push(context! {
            key => m, name => measure(language, m), svg => usage_svg(&chart, language),
            run => chart.current_run, rows => rows,
        });
    }
    let cases = match state.desk.fair_use_cases(&visitor.actor, Some(id)).await {
        Ok(c) => c,
        Err(e) => return visitor.error(e),
    };
    let names = vec![(id, name.clone())];
    let case_rows: Vec<_> = cases.iter().map(|c| case_row(visitor, c, &names)).collect();
    let measure_choices: Vec<_> = measures
        .iter()
        .map(|m| context! { key => m, name => measure(language, m) })
        .collect();
    let title = format!("{}: {name}", visitor.text("fair_use_title"));
    visitor.render(
        "fairuse_tenant.html",
        status,
        &title,
        context! {
            id => id, name => &name, cohort => &cohort, charts => charts, cases => case_rows,
            days => days, notice => notice, operator => operator(visitor),
            measures => measure_choices,
        },
    )
}

/// The chart of one measure: a bar a day of the instance's own use (red when over the line),
/// and the line (factor times the cohort's average) as a dashed path. The text alternative
/// tells the last day and the run; the table under the chart has every figure.
fn usage_svg(chart: &UsageChart, language: Language) -> String {
    let (left, height, bar) = (54.0, 120.0, 5.0);
    let width = left + bar * chart.days.len() as f64 + 4.0;
    let top = chart
        .days
        .iter()
        .flat_map(|d| [d.own.map(|v| v as f64), d.line])
        .flatten()
        .fold(0.0_f64, f64::max)
        .max(1.0)
        * 1.1;
    let y = |v: f64| 10.0 + height * (1.0 - v / top);
    let id = format!("chart-{}", chart.measure);
    let name = measure(language, &chart.measure);
    let last = chart.days.last();
    let desc = text_with(
        language,
        "fair_use_chart_desc",
        &[
            ("measure", name.clone().into()),
            ("days", (chart.days.len() as i64).into()),
            (
                "day",
                last.map(|d| d.day.clone()).unwrap_or_default().into(),
            ),
            (
                "own",
                last.and_then(|d| d.own)
                    .map_or("–".into(), |v| amount(v as f64, language))
                    .into(),
            ),
            (
                "line",
                last.and_then(|d| d.line)
                    .map_or("–".into(), |v| amount(v, language))
                    .into(),
            ),
            ("run", chart.current_run.into()),
            ("window", chart.window_days.into()),
        ],
    );
    let mut svg = format!(
        "<svg class=\"chart\" viewBox=\"0 0 {width} {}\" role=\"img\" aria-labelledby=\"{id}-title {id}-desc\">\
         <title id=\"{id}-title\">{}</title><desc id=\"{id}-desc\">{}</desc>",
        height + 30.0,
        escape(&name),
        escape(&desc)
    );
    for share in [0.0, 0.5, 1.0] {
        let v = top / 1.1 * share;
        svg += &format!(
            "<line x1=\"{left}\" x2=\"{width}\" y1=\"{0:.1}\" y2=\"{0:.1}\" class=\"chart-grid\"/>\
             <text x=\"0\" y=\"{1:.1}\" class=\"chart-axis\">{2}</text>",
            y(v),
            y(v) + 4.0,
            escape(&amount(v, language))
        );
    }
    let mut path = String::new();
    let mut pen_down = false;
    for (n, d) in chart.days.iter().enumerate() {
        let x = left + bar * n as f64;
        if let Some(own) = d.own {
            let class = if d.verdict == "over" {
                "chart-bar chart-missed"
            } else {
                "chart-bar"
            };
            svg += &format!(
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" class=\"{class}\"/>",
                y(own as f64),
                bar - 1.0,
                (height + 10.0 - y(own as f64)).max(0.0)
            );
        }
        // The line breaks on a day the cohort had no average.
        match d.line {
            Some(line) => {
                let verb = if pen_down { "L" } else { "M" };
                path += &format!("{verb}{:.1} {:.1} ", x + bar / 2.0, y(line));
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.trim().is_empty() {
        svg += &format!(
            "<path d=\"{}\" class=\"chart-promise\" fill=\"none\"/>",
            path.trim()
        );
    }
    for (n, d) in chart.days.iter().enumerate() {
        if n % 30 == 0 {
            svg += &format!(
                "<text x=\"{:.1}\" y=\"{}\" class=\"chart-axis\">{}</text>",
                left + bar * n as f64,
                height + 26.0,
                escape(d.day.get(5..).unwrap_or(&d.day))
            );
        }
    }
    svg += "</svg>";
    svg
}

/// A case with its numbers and steps; the SaaS team's decision form.
pub async fn case(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Response {
    let visitor = match Visitor::from(&state, &headers).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    case_page(&state, &visitor, id, None, StatusCode::OK).await
}

async fn case_page(
    state: &AppState,
    visitor: &Visitor,
    id: i64,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let language = visitor.language;
    let c = match state.desk.fair_use_case(&visitor.actor, id).await {
        Ok(c) => c,
        Err(e) => return visitor.error(e),
    };
    let name = state
        .desk
        .usage_tenants(&visitor.actor)
        .await
        .ok()
        .and_then(|ts| ts.into_iter().find(|t| t.component_id == c.component_id))
        .map_or_else(|| c.component_id.to_string(), |t| t.name);
    let figures = |f: &crate::domain::fairuse::CaseFigures| {
        text_with(
            language,
            "fair_use_figures",
            &[
                ("day", f.day.clone().into()),
                ("own", amount(f.own, language).into()),
                ("average", amount(f.cohort_average, language).into()),
                ("line", amount(f.cohort_average * f.factor, language).into()),
                ("size", f.cohort_size.into()),
                ("run", f.current_run.into()),
                ("window", f.window_days.into()),
            ],
        )
    };
    let steps: Vec<_> = c
        .steps
        .iter()
        .map(|s| {
            context! {
                at => visitor.time(s.at), kind => visitor.text(&format!("fair_use_step_{}", s.kind.as_str())),
                text => &s.text, figures => s.figures.as_ref().map(figures),
            }
        })
        .collect();
    let decisions: Vec<_> = Decision::ALL
        .iter()
        .map(|d| context! { key => d.as_str(), name => visitor.text(&format!("fair_use_decision_{}", d.as_str())) })
        .collect();
    let title = format!("{} {}", visitor.text("fair_use_case"), c.id);
    visitor.render(
        "fairuse_case.html",
        status,
        &title,
        context! {
            id => c.id, instance => &name, component_id => c.component_id,
            measure => measure(language, &c.measure),
            state => visitor.text(&format!("fair_use_state_{}", c.state.as_str())),
            acute => c.acute, reason => &c.reason, figures => figures(&c.figures),
            grace_until => visitor.time(c.grace_until), in_grace => c.state == crate::domain::fairuse::CaseState::Grace,
            decided => c.decision.is_some(),
            decision => c.decision.map(|d| visitor.text(&format!("fair_use_decision_{}", d.as_str()))),
            decision_reason => &c.decision_reason, steps => steps, notice => notice,
            can_decide => operator(visitor) && c.decision.is_none(), decisions => decisions,
        },
    )
}

/// Tells a refusal on the page it came from, or the error page for anything else.
fn told(visitor: &Visitor, e: &DeskError) -> Option<(String, StatusCode)> {
    match e {
        DeskError::NotFound(_) => None,
        _ => super::error::refused(e, visitor.language),
    }
}

#[derive(Debug, Deserialize)]
pub struct OpenForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub component_id: i64,
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub reason: String,
    pub acute: Option<String>,
}

pub async fn open(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<OpenForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let new = NewCase {
        component_id: form.component_id,
        measure: form.measure.clone(),
        reason: form.reason.clone(),
        acute: form.acute.is_some(),
    };
    match state.desk.open_fair_use_case(&visitor.actor, new).await {
        Ok(c) => Redirect::to(&format!("/fair-use/cases/{}", c.id)).into_response(),
        Err(e) => match told(&visitor, &e) {
            Some((message, status)) => {
                tenant_page(
                    &state,
                    &visitor,
                    form.component_id,
                    None,
                    Some(message),
                    status,
                )
                .await
            }
            None => visitor.error(e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn decide(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(form): Form<DecideForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    let Some(decision) = Decision::parse(&form.decision) else {
        let message = crate::catalogue::Message::new("refused_not_a_value")
            .given("given", form.decision.chars().take(40).collect::<String>());
        let text = message.text(visitor.language);
        return case_page(
            &state,
            &visitor,
            id,
            Some(text),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let decision = CaseDecision {
        decision,
        reason: form.reason.clone(),
    };
    match state
        .desk
        .decide_fair_use_case(&visitor.actor, id, decision)
        .await
    {
        Ok(_) => Redirect::to(&format!("/fair-use/cases/{id}")).into_response(),
        Err(e) => match told(&visitor, &e) {
            Some((message, status)) => case_page(&state, &visitor, id, Some(message), status).await,
            None => visitor.error(e),
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct RunForm {
    #[serde(default)]
    pub csrf: String,
}

/// The SaaS team judges the day again (after late values).
pub async fn rerun(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<RunForm>,
) -> Response {
    let visitor = match Visitor::posting(&state, &headers, Access::Staff, &form.csrf).await {
        Ok(v) => v,
        Err(response) => return response,
    };
    match state.desk.rerun_fair_use(&visitor.actor).await {
        Ok(_) => Redirect::to("/fair-use").into_response(),
        Err(e) => match told(&visitor, &e) {
            Some((message, status)) => overview(&state, &visitor, Some(message), status).await,
            None => visitor.error(e),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::desk::ChartDay;

    fn chart() -> UsageChart {
        let days = (0..40)
            .map(|n| {
                let own = (n != 3).then_some(if n >= 20 { 1_000 } else { 100 });
                ChartDay {
                    day: format!("2026-10-{:02}", n % 30 + 1),
                    own,
                    cohort_average: (n != 5).then_some(100.0),
                    cohort_size: 3,
                    line: (n != 5).then_some(300.0),
                    verdict: match own {
                        Some(1_000) => "over",
                        Some(_) => "under",
                        None => "no_value",
                    }
                    .into(),
                }
            })
            .collect();
        UsageChart {
            component_id: 1,
            component: "Acme prod".into(),
            organization_id: 1,
            measure: "api_calls".into(),
            cohort: "qaas/m".into(),
            factor: 3.0,
            window_days: 30,
            min_cohort: 3,
            days,
            current_run: 20,
        }
    }

    #[test]
    fn the_chart_draws_each_day_the_line_and_says_it_in_words() {
        let svg = usage_svg(&chart(), Language::En);
        if let Ok(path) = std::env::var("SLADESK_CHART_OUT") {
            let _ = std::fs::write(path, &svg);
        }
        // A bar for each day with a value (39), the days over the line in red (20).
        assert_eq!(svg.matches("<rect").count(), 39);
        assert_eq!(svg.matches("chart-missed").count(), 20);
        // The line breaks where the cohort had no average (one path, two pieces).
        let path = svg.split("<path d=\"").nth(1).unwrap();
        assert_eq!(path.split('"').next().unwrap().matches('M').count(), 2);
        assert!(svg.contains("<title id=\"chart-api_calls-title\">API calls</title>"));
        assert!(
            svg.contains("1,000 against a line of 300; 20 of the 30 days"),
            "{svg}"
        );
    }
}
