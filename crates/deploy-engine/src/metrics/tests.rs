//! Exact figures over scripted histories (every time chosen), including empty windows and
//! windows that cut through a failure. End-to-end runs of `deploy` and `rollback` building
//! such histories are in the `deploy` binary's tests.

use super::*;
use crate::ledger::{Entry, Status};
use slipway_test_support::git::TestRepo;

fn t(s: &str) -> String {
    format!("2026-03-{s}:00Z")
}

/// An entry: `day hh:mm` times (March 2026), like `"02T10:00"`.
fn run(
    id: &str,
    kind: &str,
    version: &str,
    status: Status,
    times: (&str, &str, Option<&str>),
    commit: Option<&str>,
) -> Entry {
    Entry {
        id: id.into(),
        kind: kind.into(),
        version: version.into(),
        previous: None,
        slot: "blue".into(),
        strategy: "blue-green".into(),
        status,
        started_at: t(times.0),
        finished_at: Some(t(times.1)),
        actor: "tester".into(),
        commit: commit.map(str::to_owned),
        switched_at: times.2.map(t),
        run_url: None,
        reason: None,
    }
}

/// The week of 2 March 2026 and the Monday after.
fn history(commits: &[&str; 6]) -> Vec<Entry> {
    use Status::{RolledBack, Succeeded};
    let c = |i: usize| Some(commits[i]).filter(|c| !c.is_empty());
    vec![
        run(
            "d1",
            "deploy",
            "v1",
            Succeeded,
            ("02T10:00", "02T10:05", Some("02T10:03")),
            c(0),
        ),
        run(
            "d2",
            "deploy",
            "v2",
            Succeeded,
            ("03T10:00", "03T10:05", Some("03T10:03")),
            c(1),
        ),
        // Health check failed: no traffic moved.
        run(
            "d3",
            "deploy",
            "v3-sick",
            RolledBack,
            ("04T10:00", "04T10:02", None),
            c(2),
        ),
        // Smoke test failed after the switch: a failure restored by the run itself.
        run(
            "d4",
            "deploy",
            "v3",
            RolledBack,
            ("04T11:00", "04T11:10", Some("04T11:00")),
            c(3),
        ),
        run(
            "d5",
            "deploy",
            "v4",
            Succeeded,
            ("05T10:00", "05T10:05", Some("05T10:03")),
            c(4),
        ),
        // v4 rolled away from: it failed, restored at 12:01.
        run(
            "r1",
            "rollback",
            "v2",
            Succeeded,
            ("05T12:00", "05T12:01", Some("05T12:00")),
            None,
        ),
        run(
            "d6",
            "deploy",
            "v5",
            Succeeded,
            ("09T09:00", "09T09:05", Some("09T09:03")),
            c(5),
        ),
    ]
}

fn window(since: &str, until: &str) -> Window {
    Window::parse(Some(since), Some(until), 0).unwrap()
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-9)
}

#[test]
fn a_week_with_deploys_a_self_rollback_and_a_rollback_gives_exact_figures() {
    let h = History::new(&history(&[""; 6]));
    let f = h.figures(window("2026-03-02", "2026-03-08"));
    assert_eq!(f.deploy_runs, 5);
    assert_eq!(f.deployments, 3);
    assert_eq!(
        f.failed_deployments, 2,
        "v3 after its switch, v4 rolled away from"
    );
    assert_eq!(
        f.change_failure_rate,
        Some(0.5),
        "2 / (3 deployments + 1 run that moved traffic)"
    );
    // 600 s (v3: switch to its own rollback) and 6960 s (v4: end to the rollback's end).
    assert_eq!(f.time_to_restore_seconds.median, Some(3780.0));
    assert!(close(f.time_to_restore_seconds.p90, 600.0 + 0.9 * 6360.0));
    assert_eq!(f.success_rate, Some(0.6));
    assert_eq!(f.rollback_rate, Some(0.6), "v3-sick, v3, v4 of 5 runs");
    assert!(close(Some(f.deployment_frequency_per_day), 3.0 / 7.0));
    assert!(
        close(Some(f.deployment_days_per_week), 3.0),
        "2, 3 and 5 March"
    );
    assert_eq!(
        f.lead_time_seconds,
        Spread::default(),
        "no repository given"
    );
    assert_eq!(
        f.levels,
        Levels {
            deployment_frequency: Some(Level::High),
            lead_time: None,
            change_failure_rate: Some(Level::Low),
            time_to_restore: Some(Level::High),
        }
    );
}

#[test]
fn an_empty_window_has_null_rates_and_times_never_zero_percent() {
    let h = History::new(&history(&[""; 6]));
    let f = h.figures(window("2026-01-01", "2026-01-31"));
    assert_eq!(f.deployments, 0);
    assert_eq!(f.deploy_runs, 0);
    assert_eq!(f.failed_deployments, 0);
    assert_eq!(f.change_failure_rate, None);
    assert_eq!(f.success_rate, None);
    assert_eq!(f.rollback_rate, None);
    assert_eq!(f.time_to_restore_seconds, Spread::default());
    assert_eq!(f.lead_time_seconds, Spread::default());
    assert!(f.deployment_frequency_per_day.abs() < f64::EPSILON);
    assert_eq!(f.levels.change_failure_rate, None);
    assert_eq!(f.levels.time_to_restore, None);
    assert_eq!(f.levels.deployment_frequency, Some(Level::Low));
    let json = serde_json::to_value(&f).unwrap();
    assert!(json["change_failure_rate"].is_null());
    assert!(json["time_to_restore_seconds"]["median"].is_null());
    assert!(json["levels"]["lead_time"].is_null());
    // No history at all.
    let none = History::new(&[]).figures(window("2026-03-01", "2026-03-31"));
    assert_eq!(none.change_failure_rate, None);
}

#[test]
fn a_window_ending_between_a_deployment_and_its_rollback_still_counts_the_failure() {
    let h = History::new(&history(&[""; 6]));
    // v4 ends at 10:05 inside; the rollback at 12:01 is after --until, yet known.
    let before = h.figures(window("2026-03-05T00:00:00Z", "2026-03-05T11:00:00Z"));
    assert_eq!(before.deployments, 1);
    assert_eq!(before.failed_deployments, 1);
    assert_eq!(before.change_failure_rate, Some(1.0));
    assert_eq!(before.time_to_restore_seconds.median, Some(6960.0));
    // The window starting between them holds the rollback, not the failure: it belongs to
    // the window of the deployment that failed.
    let after = h.figures(window("2026-03-05T11:00:00Z", "2026-03-12T00:00:00Z"));
    assert_eq!(after.deployments, 1, "v5 on 9 March");
    assert_eq!(after.failed_deployments, 0);
    assert_eq!(after.change_failure_rate, Some(0.0));
    assert_eq!(after.time_to_restore_seconds.median, None);
    assert_eq!(after.rollback_rate, Some(0.0));
}

#[test]
fn a_run_that_could_not_restore_stays_open_until_the_next_success() {
    use Status::{Failed, Succeeded};
    let mut h = history(&[""; 6]);
    h.push(run(
        "d7",
        "deploy",
        "v6",
        Failed,
        ("10T10:00", "10T10:03", Some("10T10:01")),
        None,
    ));
    h.push(run(
        "r2",
        "rollback",
        "v5",
        Succeeded,
        ("10T10:29", "10T10:30", None),
        None,
    ));
    // A second rollback from v5 (put back by r2, not a deployment) marks nothing more.
    h.push(run(
        "r3",
        "rollback",
        "v2",
        Succeeded,
        ("10T11:00", "10T11:01", None),
        None,
    ));
    let f = History::new(&h).figures(window("2026-03-09", "2026-03-15"));
    assert_eq!(f.deploy_runs, 2);
    assert_eq!(f.deployments, 1, "v5");
    assert_eq!(
        f.failed_deployments, 1,
        "v6 only: r2 closed it, v5 was not rolled away from"
    );
    assert_eq!(f.change_failure_rate, Some(0.5));
    assert_eq!(
        f.time_to_restore_seconds.median,
        Some(1740.0),
        "10:01 to 10:30"
    );
    assert_eq!(f.success_rate, Some(0.5));
}

#[test]
fn in_progress_and_unparseable_entries_are_left_out() {
    let mut h = history(&[""; 6]);
    h[0].status = Status::InProgress;
    h[1].finished_at = Some("yesterday".into());
    let f = History::new(&h).figures(window("2026-03-02", "2026-03-08"));
    assert_eq!(f.deploy_runs, 3);
    assert_eq!(f.deployments, 1);
}

#[test]
fn weeks_start_on_monday_and_split_the_window() {
    let h = History::new(&history(&[""; 6]));
    let weeks = h.weeks(window("2026-03-04", "2026-03-12"));
    let got: Vec<(&str, usize, usize)> = weeks
        .iter()
        .map(|w| (w.week.as_str(), w.deployments, w.failed_deployments))
        .collect();
    assert_eq!(got, [("2026-03-02", 1, 2), ("2026-03-09", 1, 0)]);
    assert_eq!(weeks[0].time_to_restore_median_seconds, Some(3780.0));
}

#[test]
fn lead_time_counts_each_commit_once_from_a_real_repository() {
    let repo = TestRepo::new();
    let c1 = repo.commit_at("feat: one", "2026-03-01T10:00:00Z");
    repo.commit_at("feat: two", "2026-03-02T12:00:00Z");
    let c3 = repo.commit_at("feat: three", "2026-03-03T08:00:00Z");
    let c4 = repo.commit_at("feat: four", "2026-03-04T09:00:00Z");
    let c5 = repo.commit_at("fix: five", "2026-03-05T09:00:00Z");
    // Committed 5 minutes after the deploy ended (clock skew): ignored, as Four Keys does.
    let c6 = repo.commit_at("chore: six", "2026-03-09T09:10:00Z");
    let missing = "0123456789abcdef0123456789abcdef01234567";
    let entries = history(&[&c1, &c3, missing, &c4, &c5, &c6]);
    let mut all = entries.clone();
    all.push(run(
        "d0",
        "deploy",
        "v0",
        Status::Succeeded,
        ("01T00:00", "01T00:01", Some("01T00:00")),
        Some(missing),
    ));
    let h = History::new(&all);
    let lead_time::Source::Graph {
        graph,
        missing: gone,
    } = lead_time::Source::load(repo.path(), &h.commits())
    else {
        panic!("a repository");
    };
    assert_eq!(gone, [missing], "d0's commit is not in this repository");
    let h = h.with_graph(&graph);
    let f = h.figures(window("2026-03-02", "2026-03-08"));
    // d1 is the first deployment with a known commit: its own commit only (86700 s);
    // d2 brings c2 and c3 (79500, 7500); d5 brings c4 of the rolled-back d4 and c5 (90300, 3900).
    assert_eq!(f.lead_time_seconds.median, Some(79_500.0));
    assert!(close(f.lead_time_seconds.p90, 86_700.0 + 0.6 * 3600.0));
    assert_eq!(f.levels.lead_time, Some(Level::Elite));
    let next = h.figures(window("2026-03-09", "2026-03-15"));
    assert_eq!(next.deployments, 1);
    assert_eq!(
        next.lead_time_seconds.median, None,
        "its only commit is newer than it"
    );
}

#[test]
fn lead_time_outside_a_repository_is_said_not_guessed() {
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        lead_time::Source::load(dir.path(), &["abc".into()]),
        lead_time::Source::NoRepository(_)
    ));
}

#[test]
fn github_deployments_older_than_the_ledger_become_entries() {
    let runs = vec![
        (
            serde_json::json!({"id": 9, "ref": "main", "sha": "abc", "created_at": "2026-01-05T10:00:00Z",
                "payload": {"kind": "deploy", "version": "v0.9"}, "creator": {"login": "octocat"}}),
            vec![
                serde_json::json!({"state": "inactive", "created_at": "2026-01-06T10:00:00Z"}),
                serde_json::json!({"state": "success", "created_at": "2026-01-05T10:04:00Z"}),
                serde_json::json!({"state": "in_progress", "created_at": "2026-01-05T10:00:01Z"}),
            ],
        ),
        (
            serde_json::json!({"id": 10, "ref": "v1.0", "created_at": "2026-03-02T09:00:00Z", "payload": {}}),
            vec![serde_json::json!({"state": "failure", "created_at": "2026-03-02T09:05:00Z"})],
        ),
        (
            serde_json::json!({"id": 11, "ref": "v1.1", "created_at": "2026-01-07T09:00:00Z", "payload": {}}),
            vec![serde_json::json!({"state": "in_progress", "created_at": "2026-01-07T09:00:01Z"})],
        ),
    ];
    let entries = github::older_than(&runs, Some("2026-03-01T00:00:00Z"));
    assert_eq!(
        entries.len(),
        1,
        "newer than the ledger, or unfinished: left out"
    );
    let e = &entries[0];
    assert_eq!(e.id, "github-9");
    assert_eq!(e.version, "v0.9");
    assert_eq!(e.status, Status::Succeeded);
    assert_eq!(e.finished_at.as_deref(), Some("2026-01-05T10:04:00Z"));
    assert_eq!(e.commit.as_deref(), Some("abc"));
    assert_eq!(github::older_than(&runs, None).len(), 2);
}
