//! The mails of the fair-use procedure (F2): the notice that opens a case (with the numbers,
//! the cohort and the grace period) or tells of an immediate limit, the re-check's outcome,
//! and the decision. Every mail names the case's page, where the customer sees the chart.

use sladesk_core::text::Language;

use super::{Mail, paragraphs, tr};
use crate::catalogue::{amount, measure, text};
use crate::domain::fairuse::{CaseFigures, FairUseCase};

fn case_link(public_url: &str, case: &FairUseCase) -> String {
    format!(
        "{}/fair-use/cases/{}",
        public_url.trim_end_matches('/'),
        case.id
    )
}

fn figures_args(
    case: &FairUseCase,
    f: &CaseFigures,
    instance: &str,
    language: Language,
) -> Vec<(&'static str, fluent_bundle::FluentValue<'static>)> {
    vec![
        ("id", case.id.into()),
        ("instance", instance.to_string().into()),
        ("measure", measure(language, &case.measure).into()),
        ("day", f.day.clone().into()),
        (
            "from",
            f.run_from.clone().unwrap_or_else(|| f.day.clone()).into(),
        ),
        ("run", f.current_run.into()),
        ("window", f.window_days.into()),
        ("own", amount(f.own, language).into()),
        ("average", amount(f.cohort_average, language).into()),
        ("line", amount(f.cohort_average * f.factor, language).into()),
        ("factor", amount(f.factor, language).into()),
        ("size", f.cohort_size.into()),
    ]
}

/// To the customer: a case was opened, with the numbers and the grace period; or (acute) the
/// use was limited at once.
pub fn fair_use_opened(
    case: &FairUseCase,
    instance: &str,
    until: &str,
    language: Language,
    public_url: &str,
) -> Mail {
    let mut args = figures_args(case, &case.figures, instance, language);
    args.push(("until", until.to_string().into()));
    let (subject, intro) = match case.acute {
        true => ("mail_fair_use_acute_subject", "mail_fair_use_acute_intro"),
        false => ("mail_fair_use_opened_subject", "mail_fair_use_opened_intro"),
    };
    Mail {
        subject: tr(language, subject, &args),
        body: paragraphs([
            tr(language, intro, &args),
            match case.acute {
                true => String::new(),
                false => tr(language, "mail_fair_use_grace", &args),
            },
            format!(
                "{}\n{}",
                text(language, "mail_fair_use_team_says"),
                case.reason
            ),
            case_link(public_url, case),
        ]),
    }
}

/// To the customer and the SaaS team: the grace period ended and its last day was judged.
pub fn fair_use_rechecked(
    case: &FairUseCase,
    instance: &str,
    language: Language,
    public_url: &str,
) -> Mail {
    let figures = case
        .steps
        .last()
        .and_then(|s| s.figures.as_ref())
        .unwrap_or(&case.figures);
    let args = figures_args(case, figures, instance, language);
    let outcome = match case.recheck_over {
        Some(true) => "mail_fair_use_recheck_over",
        _ => "mail_fair_use_recheck_normal",
    };
    Mail {
        subject: tr(language, "mail_fair_use_recheck_subject", &args),
        body: paragraphs([tr(language, outcome, &args), case_link(public_url, case)]),
    }
}

/// To the customer: the SaaS team's decision, with its reason.
pub fn fair_use_decided(
    case: &FairUseCase,
    instance: &str,
    language: Language,
    public_url: &str,
) -> Mail {
    let mut args = figures_args(case, &case.figures, instance, language);
    let decision = case.decision.map_or("", |d| d.as_str());
    args.push((
        "decision",
        text(language, &format!("fair_use_decision_{decision}")).into(),
    ));
    Mail {
        subject: tr(language, "mail_fair_use_decided_subject", &args),
        body: paragraphs([
            tr(language, "mail_fair_use_decided_intro", &args),
            case.decision_reason.clone().unwrap_or_default(),
            case_link(public_url, case),
        ]),
    }
}
