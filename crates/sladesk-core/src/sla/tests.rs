use std::sync::LazyLock;

use jiff::{Timestamp, ToSpan};
use proptest::prelude::*;

use super::*;
use crate::policy::Policy;

static POLICY: LazyLock<Policy> = LazyLock::new(Policy::default_policy);

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn response(when: &str) -> Event {
    Event {
        at: at(when),
        kind: EventKind::Response,
    }
}

fn status(when: &str, to: Status) -> Event {
    Event {
        at: at(when),
        kind: EventKind::Status(to),
    }
}

fn priority(when: &str, to: Priority) -> Event {
    Event {
        at: at(when),
        kind: EventKind::Priority(to),
    }
}

fn run(
    class: Priority,
    created: &str,
    events: Vec<Event>,
    now: &str,
) -> Result<SlaReport, TimelineError> {
    let timeline = Timeline {
        class,
        created_at: at(created),
        events,
        exclusions: Vec::new(),
    };
    evaluate(&POLICY, &timeline, at(now), false)
}

const H: i64 = 3600;

#[test]
fn the_example_of_the_issue() {
    let report = run(
        Priority::Normal,
        "2026-04-24T15:00:00+02:00",
        vec![
            response("2026-04-24T15:20:00+02:00"),
            status("2026-04-24T15:30:00+02:00", Status::InProgress),
            status("2026-04-28T09:00:00+02:00", Status::WaitingForCustomer),
        ],
        "2026-04-29T10:00:00+02:00",
    )
    .unwrap();
    let json = serde_json::to_value(&report).unwrap();
    let expected = serde_json::json!({
        "reaction": {"target_seconds": 14400, "elapsed_seconds": 1200, "due_at": "2026-04-28T09:00:00Z",
                     "met_at": "2026-04-24T13:20:00Z", "breached": false},
        "resolution": {"target_seconds": 57600, "elapsed_seconds": 7200, "state": "paused", "due_at": null,
                       "breached": false},
        "auto_close_at": "2026-05-12T07:00:00Z"
    });
    assert_eq!(json, expected);
}

#[test]
fn reaction_is_met_by_answering_status_moves() {
    for to in [Status::WaitingForCustomer, Status::Closed] {
        let report = run(
            Priority::High,
            "2026-06-01T09:00:00+02:00",
            vec![status("2026-06-01T10:00:00+02:00", to)],
            "2026-06-02T09:00:00+02:00",
        )
        .unwrap();
        assert_eq!(
            report.reaction.met_at,
            Some(at("2026-06-01T10:00:00+02:00"))
        );
        assert_eq!(report.reaction.elapsed_seconds, H);
    }
    // Picking the ticket up is not a reaction to the customer.
    let report = run(
        Priority::High,
        "2026-06-01T09:00:00+02:00",
        vec![status("2026-06-01T10:00:00+02:00", Status::InProgress)],
        "2026-06-01T12:00:00+02:00",
    )
    .unwrap();
    assert_eq!(report.reaction.met_at, None);
    assert_eq!(report.reaction.elapsed_seconds, 3 * H);
    assert!(report.reaction.breached);
    assert_eq!(report.reaction.due_at, at("2026-06-01T11:00:00+02:00"));
}

#[test]
fn reaction_target_is_that_of_the_priority_when_met() {
    // Low (8 h) raised to high (2 h) after 3 hours, answered after 4: breached against high.
    let report = run(
        Priority::Low,
        "2026-06-01T09:00:00+02:00",
        vec![
            priority("2026-06-01T12:00:00+02:00", Priority::High),
            response("2026-06-01T13:00:00+02:00"),
        ],
        "2026-06-01T14:00:00+02:00",
    )
    .unwrap();
    assert_eq!(report.reaction.target_seconds, 2 * H);
    assert!(report.reaction.breached);
    // A raise after the reaction does not change the reaction's target.
    let report = run(
        Priority::Low,
        "2026-06-01T09:00:00+02:00",
        vec![
            response("2026-06-01T13:00:00+02:00"),
            priority("2026-06-01T13:00:00+02:00", Priority::High),
        ],
        "2026-06-01T14:00:00+02:00",
    )
    .unwrap();
    assert_eq!(report.reaction.target_seconds, 8 * H);
    assert!(!report.reaction.breached);
    assert_eq!(report.resolution.target_seconds, 8 * H);
}

#[test]
fn raising_priority_keeps_counted_time_and_dates_the_breach() {
    // Normal ticket, in progress for 10 business hours, then raised to high (8 h).
    let report = run(
        Priority::Normal,
        "2026-06-01T08:30:00+02:00",
        vec![
            status("2026-06-01T08:30:00+02:00", Status::InProgress),
            priority("2026-06-02T10:30:00+02:00", Priority::High),
        ],
        "2026-06-02T10:30:00+02:00",
    )
    .unwrap();
    assert_eq!(report.resolution.elapsed_seconds, 10 * H);
    assert_eq!(report.resolution.target_seconds, 8 * H);
    assert!(report.resolution.breached);
    // The 8 hours were used up at Monday's closing time.
    assert_eq!(
        report.resolution.due_at,
        Some(at("2026-06-01T16:30:00+02:00"))
    );
}

#[test]
fn resolution_pauses_while_waiting_and_resumes() {
    let report = run(
        Priority::Normal,
        "2026-06-01T09:00:00+02:00",
        vec![
            status("2026-06-01T10:00:00+02:00", Status::InProgress),
            status("2026-06-01T11:00:00+02:00", Status::WaitingForDevelopment),
            status("2026-06-03T11:00:00+02:00", Status::InProgress),
        ],
        "2026-06-03T12:00:00+02:00",
    )
    .unwrap();
    assert_eq!(report.resolution.elapsed_seconds, 3 * H);
    assert_eq!(report.resolution.state, ClockState::Running);
    // 13 hours left from Wednesday 12:00: 4.5 h Wednesday, 8 h Thursday, 0.5 h Friday.
    assert_eq!(
        report.resolution.due_at,
        Some(at("2026-06-05T09:00:00+02:00"))
    );
    assert_eq!(report.auto_close_at, None);
}

#[test]
fn closed_stops_and_reopen_resumes() {
    let closed = run(
        Priority::High,
        "2026-06-01T09:00:00+02:00",
        vec![status("2026-06-01T10:00:00+02:00", Status::Closed)],
        "2026-06-05T10:00:00+02:00",
    )
    .unwrap();
    assert_eq!(closed.resolution.state, ClockState::Stopped);
    assert_eq!(closed.resolution.elapsed_seconds, H);
    assert_eq!(closed.resolution.due_at, None);
    let reopened = run(
        Priority::High,
        "2026-06-01T09:00:00+02:00",
        vec![
            status("2026-06-01T10:00:00+02:00", Status::Closed),
            status("2026-06-05T10:00:00+02:00", Status::InProgress),
        ],
        "2026-06-05T11:00:00+02:00",
    )
    .unwrap();
    assert_eq!(reopened.resolution.state, ClockState::Running);
    assert_eq!(reopened.resolution.elapsed_seconds, 2 * H);
}

#[test]
fn paused_past_the_target_still_shows_when_it_was_reached() {
    let report = run(
        Priority::High,
        "2026-06-01T08:30:00+02:00",
        vec![status(
            "2026-06-02T12:30:00+02:00",
            Status::WaitingForCustomer,
        )],
        "2026-06-03T12:00:00+02:00",
    )
    .unwrap();
    assert_eq!(report.resolution.elapsed_seconds, 12 * H);
    assert_eq!(report.resolution.state, ClockState::Paused);
    assert_eq!(
        report.resolution.due_at,
        Some(at("2026-06-01T16:30:00+02:00"))
    );
    assert!(report.resolution.breached);
    // Auto-close: 80 office hours after entering Waiting for Customer.
    assert_eq!(report.auto_close_at, Some(at("2026-06-16T12:30:00+02:00")));
}

#[test]
fn saas_outage_counts_wall_clock_time() {
    // Saturday night.
    let report = run(
        Priority::SaasOutage,
        "2026-06-06T23:00:00+02:00",
        vec![
            response("2026-06-06T23:20:00+02:00"),
            status("2026-06-06T23:30:00+02:00", Status::InProgress),
        ],
        "2026-06-07T01:30:00+02:00",
    )
    .unwrap();
    assert_eq!(report.reaction.elapsed_seconds, 20 * 60);
    assert!(report.reaction.breached);
    assert_eq!(report.reaction.due_at, at("2026-06-06T23:15:00+02:00"));
    assert_eq!(report.resolution.elapsed_seconds, 150 * 60);
    assert!(report.resolution.breached);
    assert_eq!(
        report.resolution.due_at,
        Some(at("2026-06-07T01:00:00+02:00"))
    );
}

#[test]
fn bad_timelines_are_refused() {
    let created = "2026-06-01T09:00:00+02:00";
    let cases: Vec<(Priority, Vec<Event>, &str, &str)> = vec![
        (
            Priority::Low,
            vec![],
            "2026-06-01T08:00:00+02:00",
            "before created_at",
        ),
        (
            Priority::Low,
            vec![response("2026-06-01T08:00:00+02:00")],
            "2026-06-02T09:00:00+02:00",
            "events[0]",
        ),
        (
            Priority::Low,
            vec![
                response("2026-06-01T11:00:00+02:00"),
                response("2026-06-01T10:00:00+02:00"),
            ],
            "2026-06-02T09:00:00+02:00",
            "time order",
        ),
        (
            Priority::Low,
            vec![response("2026-06-03T11:00:00+02:00")],
            "2026-06-02T09:00:00+02:00",
            "after now",
        ),
        (
            Priority::Low,
            vec![status(
                "2026-06-01T10:00:00+02:00",
                Status::WaitingForDevelopment,
            )],
            "2026-06-02T09:00:00+02:00",
            "can move to: in_progress, waiting_for_customer, closed",
        ),
        (
            Priority::SaasOutage,
            vec![priority("2026-06-01T10:00:00+02:00", Priority::High)],
            "2026-06-02T09:00:00+02:00",
            "saas_outage ticket",
        ),
        (
            Priority::Low,
            vec![priority("2026-06-01T10:00:00+02:00", Priority::SaasOutage)],
            "2026-06-02T09:00:00+02:00",
            "class of its own",
        ),
    ];
    for (class, events, now, word) in cases {
        let error = run(class, created, events, now).unwrap_err().to_string();
        assert!(error.contains(word), "{error:?} lacks {word:?}");
    }
}

#[test]
fn explain_shows_every_stretch_and_what_counted() {
    let timeline = Timeline {
        class: Priority::Normal,
        created_at: at("2026-04-24T15:00:00+02:00"),
        events: vec![
            response("2026-04-24T15:20:00+02:00"),
            status("2026-04-24T15:30:00+02:00", Status::InProgress),
            status("2026-04-28T09:00:00+02:00", Status::WaitingForCustomer),
        ],
        exclusions: Vec::new(),
    };
    let report = evaluate(&POLICY, &timeline, at("2026-04-29T10:00:00+02:00"), true).unwrap();
    let intervals = report.resolution.intervals.unwrap();
    assert_eq!(intervals.len(), 3);
    assert_eq!(
        intervals.iter().map(|i| i.status).collect::<Vec<_>>(),
        [Status::New, Status::InProgress, Status::WaitingForCustomer]
    );
    assert_eq!(
        intervals
            .iter()
            .filter(|i| i.counted)
            .map(|i| i.business_seconds)
            .sum::<i64>(),
        7200
    );
    assert!(!intervals[2].counted);
    assert_eq!(intervals[2].reason.nl, "gepauzeerd: status Wacht op klant");
    // In progress from Friday 15:30 to Tuesday 09:00: two office periods around King's Day.
    let periods: Vec<_> = intervals[1]
        .periods
        .iter()
        .map(|p| (p.start, p.end))
        .collect();
    assert_eq!(
        periods,
        [
            (
                at("2026-04-24T15:30:00+02:00"),
                at("2026-04-24T16:30:00+02:00")
            ),
            (
                at("2026-04-28T08:30:00+02:00"),
                at("2026-04-28T09:00:00+02:00")
            ),
        ]
    );
    let reaction = report.reaction.intervals.unwrap();
    assert_eq!(
        reaction.iter().map(|i| i.business_seconds).sum::<i64>(),
        1200
    );
}

/// A random legal timeline: a walk over the allowed moves with replies and priority changes.
fn timeline_strategy() -> impl Strategy<Value = (Timeline, Timestamp)> {
    let class = prop_oneof![
        Just(Priority::Low),
        Just(Priority::Normal),
        Just(Priority::High),
        Just(Priority::SaasOutage)
    ];
    let steps = prop::collection::vec((0i64..3 * 86_400, 0u8..10, 0usize..4), 0..12);
    (
        class,
        1_767_225_600i64..1_830_297_600,
        steps,
        0i64..5 * 86_400,
    )
        .prop_map(|(class, created, steps, tail)| {
            let created_at = Timestamp::from_second(created).unwrap();
            let mut t = created_at;
            let mut current = Status::New;
            let mut events = Vec::new();
            for (gap, choice, pick) in steps {
                t += gap.seconds();
                let kind = match choice {
                    0..=1 => EventKind::Response,
                    2 if class != Priority::SaasOutage => EventKind::Priority(
                        [Priority::Low, Priority::Normal, Priority::High][pick % 3],
                    ),
                    _ => {
                        let moves = current.allowed_moves();
                        current = moves[pick % moves.len()];
                        EventKind::Status(current)
                    }
                };
                events.push(Event { at: t, kind });
            }
            (
                Timeline {
                    class,
                    created_at,
                    events,
                    exclusions: Vec::new(),
                },
                t + tail.seconds(),
            )
        })
}

proptest! {
    #[test]
    fn clocks_are_consistent((timeline, now) in timeline_strategy()) {
        let report = evaluate(&POLICY, &timeline, now, true).unwrap();
        let res = &report.resolution;
        let counted: i64 = res.intervals.as_ref().unwrap().iter().filter(|i| i.counted).map(|i| i.business_seconds).sum();
        prop_assert_eq!(counted, res.elapsed_seconds);
        prop_assert_eq!(res.breached, res.elapsed_seconds > res.target_seconds);
        prop_assert_eq!(report.reaction.breached, report.reaction.elapsed_seconds > report.reaction.target_seconds);
        let priority_now = timeline.events.iter().rev().find_map(|e| match e.kind {
            EventKind::Priority(p) => Some(p),
            _ => None,
        }).unwrap_or(timeline.class);
        let calendar = &POLICY.targets(priority_now).calendar;
        prop_assert!(res.elapsed_seconds <= calendar.business_seconds(timeline.created_at, now).unwrap());
        match (res.state, res.due_at) {
            (ClockState::Running, Some(due)) if !res.breached && res.elapsed_seconds < res.target_seconds => {
                prop_assert!(due >= now);
                prop_assert_eq!(calendar.business_seconds(now, due).unwrap(), res.target_seconds - res.elapsed_seconds);
            }
            (ClockState::Running, None) => prop_assert!(false, "a running clock always has a due time"),
            (_, Some(due)) if res.elapsed_seconds >= res.target_seconds => prop_assert!(due <= now),
            (_, due) => prop_assert_eq!(due, None),
        }
        if let Some(met) = report.reaction.met_at {
            prop_assert!(met >= timeline.created_at && met <= now);
        }
        // Same events, same answer.
        prop_assert_eq!(evaluate(&POLICY, &timeline, now, true).unwrap(), report);
    }
}

#[test]
fn schedule_gives_warning_breach_and_auto_close_instants() {
    let timeline = Timeline {
        class: Priority::High,
        created_at: at("2026-06-01T09:00:00+02:00"),
        events: vec![],
        exclusions: Vec::new(),
    };
    let (_, s) =
        evaluate_with_schedule(&POLICY, &timeline, at("2026-06-01T09:30:00+02:00")).unwrap();
    // 75 % of 2 h reaction = 1.5 h; breach one second past the target.
    assert_eq!(s.reaction_warning_at, Some(at("2026-06-01T10:30:00+02:00")));
    assert_eq!(s.reaction_breach_at, Some(at("2026-06-01T11:00:01+02:00")));
    // 75 % of 8 h resolution = 6 h: 15:00; 7.5 h on Monday, so the breach is Tuesday 09:00:01.
    assert_eq!(
        s.resolution_warning_at,
        Some(at("2026-06-01T15:00:00+02:00"))
    );
    assert_eq!(
        s.resolution_breach_at,
        Some(at("2026-06-02T09:00:01+02:00"))
    );
    assert_eq!(s.breached_at, Some(at("2026-06-01T11:00:01+02:00")));
    assert_eq!((s.auto_close_reminder_at, s.auto_close_at), (None, None));

    // Answered in time and waiting for the customer: no reaction alerts, auto-close planned,
    // resolution paused short of its thresholds.
    let timeline = Timeline {
        class: Priority::High,
        created_at: at("2026-06-01T09:00:00+02:00"),
        events: vec![status(
            "2026-06-01T10:00:00+02:00",
            Status::WaitingForCustomer,
        )],
        exclusions: Vec::new(),
    };
    let (report, s) =
        evaluate_with_schedule(&POLICY, &timeline, at("2026-06-01T12:00:00+02:00")).unwrap();
    assert_eq!((s.reaction_warning_at, s.reaction_breach_at), (None, None));
    assert_eq!(
        (
            s.resolution_warning_at,
            s.resolution_breach_at,
            s.breached_at
        ),
        (None, None, None)
    );
    assert_eq!(s.auto_close_at, report.auto_close_at);
    // Reminder two working days (16 office hours) before closing.
    assert_eq!(
        s.auto_close_reminder_at,
        Some(at("2026-06-11T10:00:00+02:00"))
    );
    assert_eq!(s.auto_close_at, Some(at("2026-06-15T10:00:00+02:00")));

    // Breached while running, then paused: the breach instant stays in the past.
    let timeline = Timeline {
        class: Priority::High,
        created_at: at("2026-06-01T08:30:00+02:00"),
        events: vec![
            response("2026-06-01T08:40:00+02:00"),
            status("2026-06-01T08:40:00+02:00", Status::InProgress),
            status("2026-06-02T12:00:00+02:00", Status::WaitingForDevelopment),
        ],
        exclusions: Vec::new(),
    };
    let (_, s) =
        evaluate_with_schedule(&POLICY, &timeline, at("2026-06-03T12:00:00+02:00")).unwrap();
    assert_eq!(
        s.resolution_breach_at,
        Some(at("2026-06-02T08:30:01+02:00"))
    );
    assert_eq!(s.breached_at, s.resolution_breach_at);
}

/// S5: a timeline with these exclusions, evaluated with its explanation and its schedule.
fn run_excluding(
    exclusions: Vec<(&str, &str)>,
    now: &str,
) -> Result<(SlaReport, Schedule), TimelineError> {
    let timeline = Timeline {
        class: Priority::Normal,
        created_at: at("2026-04-20T09:00:00+02:00"),
        events: vec![status("2026-04-20T09:30:00+02:00", Status::InProgress)],
        exclusions: exclusions
            .into_iter()
            .map(|(start, end)| Exclusion {
                start: at(start),
                end: at(end),
                category: "third_party".into(),
                reason: "the data centre lost power".into(),
            })
            .collect(),
    };
    let report = evaluate(&POLICY, &timeline, at(now), true)?;
    let (_, schedule) = evaluate_with_schedule(&POLICY, &timeline, at(now))?;
    Ok((report, schedule))
}

#[test]
fn an_excluded_stretch_takes_exactly_its_business_time_off_both_clocks() {
    let now = "2026-04-21T12:00:00+02:00";
    let (plain, plain_schedule) = run_excluding(vec![], now).unwrap();
    // Monday 10:00-12:30: two and a half office hours.
    let (cut, cut_schedule) = run_excluding(
        vec![("2026-04-20T10:00:00+02:00", "2026-04-20T12:30:00+02:00")],
        now,
    )
    .unwrap();
    assert_eq!(
        plain.resolution.elapsed_seconds - cut.resolution.elapsed_seconds,
        9_000
    );
    assert_eq!(
        plain.reaction.elapsed_seconds - cut.reaction.elapsed_seconds,
        9_000
    );
    // The deadlines move by the same business time.
    let calendar = &POLICY.targets(Priority::Normal).calendar;
    let moved = |a: Option<Timestamp>, b: Option<Timestamp>| {
        calendar.business_seconds(a.unwrap(), b.unwrap()).unwrap()
    };
    assert_eq!(moved(plain.resolution.due_at, cut.resolution.due_at), 9_000);
    assert_eq!(
        moved(Some(plain.reaction.due_at), Some(cut.reaction.due_at)),
        9_000
    );
    assert_eq!(
        moved(
            plain_schedule.resolution_breach_at,
            cut_schedule.resolution_breach_at
        ),
        9_000
    );
    // Across the night only office hours count: 16:00-16:30 and 08:30-09:30, an hour and a half.
    let (night, _) = run_excluding(
        vec![("2026-04-20T16:00:00+02:00", "2026-04-21T09:30:00+02:00")],
        now,
    )
    .unwrap();
    assert_eq!(
        plain.resolution.elapsed_seconds - night.resolution.elapsed_seconds,
        H + H / 2
    );
    // The explanation shows the stretch as excluded, with its category and reason.
    let intervals = cut.resolution.intervals.unwrap();
    let excluded: Vec<_> = intervals.iter().filter(|i| i.excluded.is_some()).collect();
    assert_eq!(excluded.len(), 1);
    assert!(!excluded[0].counted);
    assert_eq!(excluded[0].business_seconds, 9_000);
    assert_eq!(
        excluded[0].reason.en,
        "excluded: third_party: the data centre lost power"
    );
    // Overlapping exclusions count once.
    let (twice, _) = run_excluding(
        vec![
            ("2026-04-20T10:00:00+02:00", "2026-04-20T12:30:00+02:00"),
            ("2026-04-20T11:00:00+02:00", "2026-04-20T12:00:00+02:00"),
        ],
        now,
    )
    .unwrap();
    assert_eq!(
        twice.resolution.elapsed_seconds,
        cut.resolution.elapsed_seconds
    );
    // An exclusion after now, or ending before it starts, is refused.
    let refused = run_excluding(
        vec![("2026-04-21T11:00:00+02:00", "2026-04-21T13:00:00+02:00")],
        now,
    );
    assert_eq!(refused.unwrap_err(), TimelineError::Exclusion { index: 0 });
}
