//! `sladesk sla …` as a user runs it: the real binary, stdin in, stdout/stderr and exit code out.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn sladesk(args: &[&str], stdin: &str) -> Output {
    sladesk_in("C.UTF-8", args, stdin)
}

/// `sladesk` with `LC_ALL=language`: its errors are told in that language.
fn sladesk_in(language: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sladesk"))
        .env("LC_ALL", language)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("sladesk starts");
    // The command may refuse its arguments and exit before reading stdin; a broken pipe here
    // is then expected, and the exit code tells the rest.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

const EXAMPLE: &str = include_str!("../../../examples/timeline.json");

#[test]
fn errors_are_told_in_the_shells_language_with_exit_code_2() {
    for (language, words) in [
        ("en", "invalid JSON input"),
        ("nl", "ongeldige JSON-invoer"),
    ] {
        let out = sladesk_in(language, &["sla", "timeline"], "{not json");
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("sladesk: ") && stderr.contains(words),
            "{stderr}"
        );
    }
    let out = sladesk_in(
        "nl_NL.UTF-8",
        &[
            "sla",
            "calendar",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
            "--calendar",
            "mars",
        ],
        "",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("onbekende kalender `mars`"), "{stderr}");
}

#[test]
fn evaluates_the_shipped_example() {
    let out = stdout_json(&sladesk(&["sla", "timeline"], EXAMPLE));
    assert_eq!(out["reaction"]["due_at"], "2026-04-28T09:00:00Z");
    assert_eq!(out["reaction"]["met_at"], "2026-04-24T13:20:00Z");
    assert_eq!(out["resolution"]["elapsed_seconds"], 7200);
    assert_eq!(out["resolution"]["state"], "paused");
    assert_eq!(out["auto_close_at"], "2026-05-12T07:00:00Z");
    assert!(out["reaction"].get("intervals").is_none());
}

#[test]
fn a_batch_gives_an_array_in_order() {
    let batch = format!(
        "[{EXAMPLE}, {{\"class\":\"saas_outage\",\"created_at\":\"2026-06-06T22:00:00Z\",\"now\":\"2026-06-06T22:10:00Z\"}}]"
    );
    let out = stdout_json(&sladesk(&["sla", "timeline"], &batch));
    let items = out.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["resolution"]["target_seconds"], 57600);
    assert_eq!(items[1]["reaction"]["target_seconds"], 900);
    assert_eq!(items[1]["reaction"]["elapsed_seconds"], 600);
    assert_eq!(items[1]["resolution"]["due_at"], "2026-06-07T00:00:00Z");
}

#[test]
fn without_now_it_evaluates_at_the_current_time() {
    let out = stdout_json(&sladesk(
        &["sla", "timeline"],
        r#"{"class":"low","created_at":"2026-01-05T08:30:00+01:00"}"#,
    ));
    assert_eq!(out["reaction"]["breached"], true);
    assert_eq!(out["resolution"]["state"], "running");
}

#[test]
fn explain_lists_intervals() {
    let out = stdout_json(&sladesk(&["sla", "timeline", "--explain"], EXAMPLE));
    let intervals = out["resolution"]["intervals"].as_array().unwrap();
    assert_eq!(intervals.len(), 3);
    assert_eq!(intervals[1]["counted"], true);
    assert_eq!(intervals[1]["business_seconds"], 5400);
    assert_eq!(
        intervals[2]["reason"]["en"],
        "paused: status Waiting for Customer"
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    let created = r#""class":"low","created_at":"2026-06-01T09:00:00+02:00""#;
    let cases = [
        ("{not json".to_string(), "invalid JSON input"),
        (String::new(), "invalid JSON input"),
        (
            r#"{"class":"urgent","created_at":"2026-06-01T09:00:00+02:00"}"#.to_string(),
            "urgent",
        ),
        (
            r#"{"class":"low","created_at":"2026-06-01T09:00:00"}"#.to_string(),
            "UTC offset",
        ),
        (
            r#"{"class":"low","created_at":"2026-02-30T09:00:00Z"}"#.to_string(),
            "2026-02-30",
        ),
        (
            format!(r#"{{{created},"events":[{{"at":"2026-06-01T10:00:00Z","kind":"call"}}]}}"#),
            "call",
        ),
        (
            format!(
                r#"{{{created},"events":[{{"at":"2026-06-01T10:00:00Z","kind":"status","status":"done"}}]}}"#
            ),
            "done",
        ),
        (
            format!(
                r#"{{{created},"events":[{{"at":"2026-06-01T10:00:00Z","kind":"status","status":"waiting_for_development"}}]}}"#
            ),
            "cannot move from new to waiting_for_development",
        ),
        (
            format!(r#"[{{{created}}},{{{created},"now":"2026-05-01T00:00:00Z"}}]"#),
            "item 1",
        ),
        (format!(r#"[{{{created}}},{{"class":"low"}}]"#), "[1]"),
        (format!(r#"{{{created}}} trailing"#), "trailing"),
    ];
    for (input, word) in cases {
        let output = sladesk(&["sla", "timeline"], &input);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "input {input:?}: {stderr}");
        assert!(
            stderr.contains(word),
            "input {input:?}: stderr {stderr:?} lacks {word:?}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(output.stdout.is_empty(), "nothing on stdout for bad input");
    }
}

#[test]
fn a_policy_file_changes_targets_and_a_bad_one_is_named() {
    let dir = std::env::temp_dir().join(format!("sladesk-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = dir.join("good.toml");
    std::fs::write(&good, "[priorities.normal]\nreaction = \"1h\"\n").unwrap();
    let out = stdout_json(&sladesk(
        &["sla", "timeline", "--policy", good.to_str().unwrap()],
        EXAMPLE,
    ));
    assert_eq!(out["reaction"]["target_seconds"], 3600);
    assert_eq!(out["reaction"]["due_at"], "2026-04-24T14:00:00Z");

    let bad = dir.join("bad.toml");
    std::fs::write(&bad, "[priorities.normal]\nreaction = \"1 fortnight\"\n").unwrap();
    let output = sladesk(
        &["sla", "timeline", "--policy", bad.to_str().unwrap()],
        EXAMPLE,
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("priorities.normal.reaction"));

    let missing = sladesk(
        &["sla", "timeline", "--policy", "/nonexistent/policy.toml"],
        EXAMPLE,
    );
    assert_eq!(missing.status.code(), Some(2));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn calendar_lists_days_and_holidays_in_both_languages() {
    let output = sladesk(
        &[
            "sla",
            "calendar",
            "--from",
            "2026-04-24",
            "--to",
            "2026-04-28",
        ],
        "",
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5);
    assert!(lines[0].starts_with("2026-04-24  Friday") && lines[0].contains("08:30-16:30"));
    assert!(lines[1].contains("closed"));
    assert!(lines[3].contains("holiday") && lines[3].contains("King's Day"));

    let output = sladesk(
        &[
            "sla",
            "calendar",
            "--from",
            "2026-04-27",
            "--to",
            "2026-04-27",
            "--lang",
            "nl",
        ],
        "",
    );
    assert!(
        String::from_utf8(output.stdout)
            .unwrap()
            .contains("feestdag  Koningsdag")
    );

    let out = stdout_json(&sladesk(
        &[
            "sla",
            "calendar",
            "--from",
            "2026-12-24",
            "--to",
            "2026-12-26",
            "--json",
        ],
        "",
    ));
    let days = out.as_array().unwrap();
    assert_eq!(days[0]["working"], true);
    assert_eq!(days[1]["holidays"][0], "Christmas Day");
    assert_eq!(days[0]["business_seconds"], 28800);

    for args in [
        vec![
            "sla",
            "calendar",
            "--from",
            "2026-05-01",
            "--to",
            "2026-04-01",
        ],
        vec![
            "sla",
            "calendar",
            "--from",
            "2026-13-01",
            "--to",
            "2026-12-01",
        ],
        vec![
            "sla",
            "calendar",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
            "--calendar",
            "mars",
        ],
    ] {
        assert_eq!(sladesk(&args, "").status.code(), Some(2), "{args:?}");
    }
}

#[test]
fn policy_prints_the_effective_policy() {
    let output = sladesk(&["sla", "policy"], "");
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("basis-2026-03-01"));
    assert!(text.contains("Koningsdag"));
}

#[test]
fn availability_compute_reports_the_month() {
    let input = r#"{"month":"2026-06","target_percent":99.99,
        "down":[{"start":"2026-05-31T23:57:00+02:00","end":"2026-06-01T00:03:00+02:00"},
                {"start":"2026-06-10T10:00:00Z","end":"2026-06-10T10:04:59Z"},
                {"start":"2026-06-12T08:00:00Z","end":"2026-06-12T08:30:00Z"}],
        "maintenance":[{"start":"2026-06-12T08:00:00Z","end":"2026-06-12T08:20:00Z"}],
        "exclusions":[]}"#;
    let out = stdout_json(&sladesk(&["availability", "compute"], input));
    assert_eq!(out["month_seconds"], 2_592_000);
    // 3 minutes of the outage across the month start, and the 10 minutes left after maintenance.
    assert_eq!(out["downtime_seconds"], 180 + 600);
    assert_eq!(out["budget_seconds"], 259);
    assert_eq!(out["budget_left_seconds"], 0);
    assert_eq!(out["target_met"], false);
    let counted: Vec<bool> = out["intervals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["counted"].as_bool().unwrap())
        .collect();
    assert_eq!(counted, [true, false, false, true]);
    // Without a target, the policy's 99.99 % applies.
    let out = stdout_json(&sladesk(
        &["availability", "compute"],
        r#"{"month":"2026-03"}"#,
    ));
    assert_eq!(
        (
            out["month_seconds"].as_i64(),
            out["availability_percent"].as_f64()
        ),
        (Some(743 * 3600), Some(100.0))
    );

    for (bad, word) in [
        (r#"{"month":"2026-13"}"#, "month"),
        (
            r#"{"month":"2026-06","down":[{"start":"2026-06-10T10:00:00","end":"2026-06-10T11:00:00Z"}]}"#,
            "down[0].start",
        ),
        (
            r#"{"month":"2026-06","down":[{"start":"2026-06-10T11:00:00Z","end":"2026-06-10T10:00:00Z"}]}"#,
            "down[0]",
        ),
        (
            r#"{"month":"2026-06","exclusions":[{"start":"2026-06-10T10:00:00Z","end":"2026-06-10T11:00:00Z","category":"bad_luck","reason":"x"}]}"#,
            "bad_luck",
        ),
        (
            r#"{"month":"2026-06","target_percent":120}"#,
            "target_percent",
        ),
        ("{", "invalid JSON"),
    ] {
        let output = sladesk(&["availability", "compute"], bad);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(word), "{bad}: {stderr}");
    }
}
