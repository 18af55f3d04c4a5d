use jiff::civil::date;

use super::*;

fn error_of(overlay: &str) -> String {
    Policy::with_overlays(&[overlay]).unwrap_err().to_string()
}

#[test]
fn built_in_policy_is_the_basis_sla() {
    let policy = Policy::default_policy();
    let hours = |p: Priority| {
        let t = policy.targets(p);
        (
            t.reaction_seconds,
            t.resolution_seconds,
            t.calendar.name().to_string(),
        )
    };
    assert_eq!(
        hours(Priority::Low),
        (8 * 3600, 32 * 3600, "office-nl".into())
    );
    assert_eq!(
        hours(Priority::Normal),
        (4 * 3600, 16 * 3600, "office-nl".into())
    );
    assert_eq!(
        hours(Priority::High),
        (2 * 3600, 8 * 3600, "office-nl".into())
    );
    assert_eq!(
        hours(Priority::SaasOutage),
        (15 * 60, 2 * 3600, "24x7".into())
    );
    assert_eq!(policy.auto_close.after_seconds(), 80 * 3600);
    assert_eq!(policy.auto_close.reminder_after_seconds(), 64 * 3600);
    assert_eq!(
        policy.triage.default_priority(Environment::Production),
        Priority::Normal
    );
    assert_eq!(
        policy.triage.default_priority(Environment::Test),
        Priority::Low
    );
    assert_eq!(
        policy.clocks.resolution_paused_in,
        [Status::WaitingForCustomer, Status::WaitingForDevelopment]
    );
    assert_eq!(
        policy.targets(Priority::Normal).indicative_resolution,
        [(90, 8 * 3600), (95, 16 * 3600), (100, 20 * 3600)]
    );
    assert_eq!(policy.warning_share_percent, 75);
}

#[test]
fn an_overlay_replaces_only_what_it_names() {
    let policy = Policy::with_overlays(&["[priorities.high]\nreaction = \"1h 30m\"\n"]).unwrap();
    assert_eq!(policy.targets(Priority::High).reaction_seconds, 5400);
    assert_eq!(policy.targets(Priority::High).resolution_seconds, 8 * 3600);
    assert_eq!(policy.targets(Priority::Low).reaction_seconds, 8 * 3600);
}

#[test]
fn overlays_can_change_holidays() {
    let every_year = "[calendars.office-nl.holidays.liberation_day]\nyears_divisible_by = 1\n";
    let policy = Policy::with_overlays(&[every_year]).unwrap();
    let office = policy.calendar("office-nl").unwrap();
    assert_eq!(office.day(date(2026, 5, 5)).unwrap().holidays.len(), 1);

    let no_good_friday = "[calendars.office-nl.holidays.good_friday]\nenabled = false\n";
    let policy = Policy::with_overlays(&[no_good_friday]).unwrap();
    let office = policy.calendar("office-nl").unwrap();
    assert_eq!(
        office.day(date(2026, 4, 3)).unwrap().business_seconds,
        8 * 3600
    );

    let extra = r#"
        [calendars.office-nl]
        closed_days = [{ date = "2026-12-24", name = { en = "Christmas Eve", nl = "Kerstavond" } }]
        open_days = ["2026-05-14"]
    "#;
    let policy = Policy::with_overlays(&[extra]).unwrap();
    let office = policy.calendar("office-nl").unwrap();
    assert_eq!(office.day(date(2026, 12, 24)).unwrap().business_seconds, 0);
    assert_eq!(
        office.day(date(2026, 5, 14)).unwrap().business_seconds,
        8 * 3600
    );
}

#[test]
fn a_later_overlay_wins() {
    let file = "[priorities.low]\nreaction = \"6h\"\n";
    let contract = "[priorities.low]\nreaction = \"5h\"\n";
    let policy = Policy::with_overlays(&[file, contract]).unwrap();
    assert_eq!(policy.targets(Priority::Low).reaction_seconds, 5 * 3600);
}

#[test]
fn errors_name_the_offending_key() {
    let cases = [
        (
            "[priorities.low]\nreacton = \"1h\"\n",
            "priorities.low",
            "reacton",
        ),
        (
            "[priorities.low]\nreaction = \"soon\"\n",
            "priorities.low.reaction",
            "soon",
        ),
        (
            "[priorities.low]\nreaction = \"-1h\"\n",
            "priorities.low.reaction",
            "positive",
        ),
        (
            "[priorities.low]\ncalendar = \"mars\"\n",
            "priorities.low.calendar",
            "mars",
        ),
        (
            "[calendars.office-nl.hours]\nmonday = [\"16:30-08:30\"]\n",
            "calendars.office-nl.hours.monday[0]",
            "16:30",
        ),
        (
            "[calendars.office-nl.hours]\nmonday = [\"08:00-12:00\", \"11:00-13:00\"]\n",
            "calendars.office-nl",
            "overlap",
        ),
        (
            "[calendars.office-nl]\ntime_zone = \"Europe/Atlantis\"\n",
            "calendars.office-nl.time_zone",
            "Atlantis",
        ),
        (
            "[calendars.office-nl.holidays.x]\nname = { en = \"X\", nl = \"X\" }\ndate = \"02-30\"\n",
            "calendars.office-nl.holidays.x.date",
            "02-30",
        ),
        (
            "[calendars.office-nl.holidays.x]\nname = { en = \"X\", nl = \"X\" }\n",
            "calendars.office-nl.holidays.x",
            "exactly one",
        ),
        (
            "[clocks]\nresolution_paused_in = [\"sleeping\"]\n",
            "clocks.resolution_paused_in",
            "sleeping",
        ),
        (
            "[auto_close]\nworking_days = 0\n",
            "auto_close.working_days",
            "at least 1",
        ),
        (
            "[warnings]\nshare_percent = 100\n",
            "warnings.share_percent",
            "between",
        ),
        ("[triage]\ntest = \"urgent\"\n", "triage.test", "urgent"),
        ("colour = \"blue\"\n", "colour", "expected one of"),
    ];
    for (overlay, key, word) in cases {
        let message = error_of(overlay);
        assert!(
            message.contains(&format!("`{key}")),
            "{overlay:?} gave {message:?}, expected key {key}"
        );
        assert!(
            message.contains(word),
            "{overlay:?} gave {message:?}, expected {word}"
        );
    }
}

#[test]
fn syntax_errors_are_reported() {
    assert!(matches!(
        Policy::with_overlays(&["[priorities.low"]),
        Err(PolicyError::Syntax(_))
    ));
}

#[test]
fn effective_policy_round_trips() {
    let policy = Policy::with_overlays(&["[priorities.low]\nreaction = \"6h\"\n"]).unwrap();
    let again = Policy::with_overlays(&[&policy.to_toml()]).unwrap();
    assert_eq!(again.targets(Priority::Low).reaction_seconds, 6 * 3600);
}

#[test]
fn consultancy_rates_and_blocks_are_the_slas_and_a_contract_may_set_its_own() {
    use crate::billing::{Tier, WorkKind, billed_seconds};
    let policy = Policy::default_policy();
    let billing = &policy.billing;
    assert_eq!(
        billing.cents_per_hour(WorkKind::AdHoc, Tier::Support),
        25_000
    );
    assert_eq!(billing.cents_per_hour(WorkKind::AdHoc, Tier::Qaas), 15_000);
    assert_eq!(
        billing.cents_per_hour(WorkKind::NonPlatform, Tier::Support),
        25_000
    );
    assert_eq!(
        billed_seconds(3 * 3600, billing.blocks(WorkKind::AdHoc)).unwrap(),
        4 * 3600
    );
    assert_eq!(
        billed_seconds(4 * 3600 + 1800, billing.blocks(WorkKind::NonPlatform)).unwrap(),
        8 * 3600
    );
    // G2: a contract with its own QaaS rate and hour blocks after the half day.
    let contract = Policy::with_overlays(&[
        "[billing]\nad_hoc_qaas_cents_per_hour = 13750\nad_hoc_block = \"1h\"\n",
    ])
    .unwrap();
    assert_eq!(
        contract.billing.cents_per_hour(WorkKind::AdHoc, Tier::Qaas),
        13_750
    );
    assert_eq!(
        billed_seconds(4 * 3600 + 1800, contract.billing.blocks(WorkKind::AdHoc)).unwrap(),
        5 * 3600
    );
    assert_eq!(contract.billing.ad_hoc_support_cents_per_hour, 25_000);
    // Nonsense is refused with the key that holds it.
    for bad in [
        "[billing]\nad_hoc_qaas_cents_per_hour = 0\n",
        "[billing]\nad_hoc_block = \"9d\"\n",
        "[billing]\nad_hoc_qaas_cents_per_hour = 150.5\n",
    ] {
        assert!(Policy::with_overlays(&[bad]).is_err(), "{bad}");
    }
}

#[test]
fn fair_use_is_the_slas_and_nonsense_is_refused_with_its_key() {
    let policy = Policy::default_policy();
    let fair = &policy.fair_use;
    assert_eq!(fair.rules.factor, 3.0);
    assert_eq!(fair.rules.window_days, 30);
    assert_eq!(fair.grace_days, 7);
    assert_eq!(fair.cohort, crate::fairuse::CohortBy::TierAndSizeClass);
    assert_eq!(fair.run_at, jiff::civil::time(6, 0, 0, 0));
    assert!(fair.measures.iter().any(|m| m == "api_calls"));
    let vendor = Policy::with_overlays(&[
        "[fair_use]\nmeasures = [\"api_calls\", \"mailboxes\"]\nmin_cohort = 5\n",
    ])
    .unwrap();
    assert_eq!(vendor.fair_use.measures, ["api_calls", "mailboxes"]);
    assert_eq!(vendor.fair_use.rules.min_cohort, 5);
    for (bad, key) in [
        ("[fair_use]\nfactor = 1.0\n", "fair_use.factor"),
        ("[fair_use]\nwindow_days = 0\n", "fair_use.window_days"),
        (
            "[fair_use]\nmeasures = [\"API calls\"]\n",
            "fair_use.measures",
        ),
        (
            "[fair_use]\nmeasures = [\"a\", \"a\"]\n",
            "fair_use.measures",
        ),
        ("[fair_use]\nmeasures = []\n", "fair_use.measures"),
        ("[fair_use]\ncohort = \"size\"\n", "fair_use.cohort"),
        ("[fair_use]\nrun_at = \"25:00\"\n", "fair_use.run_at"),
    ] {
        let err = Policy::with_overlays(&[bad]).unwrap_err();
        assert!(err.to_string().contains(key), "{bad}: {err}");
    }
}

#[test]
fn continuity_is_the_slas_and_nonsense_is_refused_with_its_key() {
    use crate::continuity::Scenario;
    let policy = Policy::default_policy();
    let c = &policy.continuity;
    assert_eq!(c.rpo_seconds, 24 * 3600);
    assert_eq!(c.backup_every_seconds, 24 * 3600);
    assert_eq!(c.retention.daily, 7);
    assert_eq!(c.retention.weekly, 4);
    assert_eq!(c.retention.monthly, 12);
    let hours: Vec<i64> = Scenario::ALL
        .iter()
        .map(|s| c.rto_seconds(*s) / 3600)
        .collect();
    assert_eq!(hours, [2, 4, 8, 16, 24]);
    let vendor =
        Policy::with_overlays(&["[continuity]\nbackup_every = \"6h\"\nkeep_daily = 14\n"]).unwrap();
    assert_eq!(vendor.continuity.backup_every_seconds, 6 * 3600);
    assert_eq!(vendor.continuity.retention.daily, 14);
    for (bad, key) in [
        ("[continuity]\nrpo = \"30s\"\n", "continuity.rpo"),
        (
            "[continuity]\nbackup_every = \"48h\"\n",
            "continuity.backup_every",
        ),
        ("[continuity]\nkeep_daily = 0\n", "continuity.keep_daily"),
        (
            "[continuity]\nrto_system_loss = \"1h\"\n",
            "continuity.rto_system_loss",
        ),
        (
            "[continuity]\nrto_operation_loss = \"9000h\"\n",
            "continuity.rto_operation_loss",
        ),
        ("[continuity]\nrto_fire = \"1h\"\n", "rto_fire"),
    ] {
        let err = Policy::with_overlays(&[bad]).unwrap_err();
        assert!(err.to_string().contains(key), "{bad}: {err}");
    }
}

#[test]
fn attachment_limits_are_the_defaults_and_nonsense_is_refused_with_its_key() {
    let policy = Policy::default_policy();
    assert_eq!(
        policy.attachments,
        crate::tickets::AttachmentRules::default()
    );
    let vendor = Policy::with_overlays(&["[attachments]\nmax_file_bytes = 2048\n"]).unwrap();
    assert_eq!(vendor.attachments.max_file_bytes, 2048);
    assert_eq!(vendor.attachments.max_files_per_ticket, 50);
    for (overlay, key) in [
        (
            "[attachments]\nmax_file_bytes = 10\n",
            "attachments.max_file_bytes",
        ),
        (
            "[attachments]\nmax_file_bytes = 4096\nmax_ticket_bytes = 2048\n",
            "attachments.max_ticket_bytes",
        ),
        (
            "[attachments]\nmax_files_per_ticket = 0\n",
            "attachments.max_files_per_ticket",
        ),
    ] {
        let refused = Policy::with_overlays(&[overlay]).unwrap_err().to_string();
        assert!(refused.contains(key), "{overlay}: {refused}");
    }
}
