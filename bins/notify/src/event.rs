//! Events and their statuses, and the context every template sees: the GitHub run plus the
//! documents of the other Slipway tools.

use serde::Serialize;
use serde_json::Value;
use slipway_kit::GithubContext;

use crate::reports::Reports;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    /// A CI/CD pipeline run.
    Pipeline,
    /// A deploy to an environment.
    Deploy,
    /// A release was published.
    Release,
    /// A quality gate verdict.
    Gate,
    /// The weekly delivery summary from `deploy metrics` (`--report metrics.json`).
    Summary,
}

impl EventKind {
    /// Lower-case name, as in config filters and template names.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Pipeline => "pipeline",
            EventKind::Deploy => "deploy",
            EventKind::Release => "release",
            EventKind::Gate => "gate",
            EventKind::Summary => "summary",
        }
    }
}

/// How it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// It worked (deploy succeeded, release published, gate passed).
    #[value(
        alias = "succeeded",
        alias = "published",
        alias = "passed",
        alias = "pass"
    )]
    Success,
    /// It failed.
    #[value(alias = "failed", alias = "fail")]
    Failure,
    /// The run was cancelled.
    #[value(alias = "canceled")]
    Cancelled,
    /// It is starting (a deploy about to begin).
    Started,
    /// The deploy failed and the previous version is back.
    #[value(alias = "rolled_back", alias = "rollback")]
    RolledBack,
}

impl Status {
    /// Kebab-case name, as in config filters.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Success => "success",
            Status::Failure => "failure",
            Status::Cancelled => "cancelled",
            Status::Started => "started",
            Status::RolledBack => "rolled-back",
        }
    }

    /// Success.
    pub fn is_success(self) -> bool {
        self == Status::Success
    }

    /// Something went wrong and a person should look: failure or rolled back.
    pub fn is_problem(self) -> bool {
        matches!(self, Status::Failure | Status::RolledBack)
    }

    /// Accepts the names and aliases the CLI accepts (for config filters).
    pub fn parse(text: &str) -> Option<Self> {
        <Self as clap::ValueEnum>::from_str(text, true).ok()
    }
}

/// One labelled value shown in a message (a Slack field, a Teams fact, a Discord embed field).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fact {
    /// Short label.
    pub label: String,
    /// Value (plain text).
    pub value: String,
}

/// Everything a template can use. Serialised as the template context; absent values are
/// left out (undefined in templates, missing in JSON).
#[derive(Debug, Clone, Serialize)]
pub struct Context {
    /// `pipeline`, `deploy`, `release` or `gate`.
    pub event: EventKind,
    /// `success`, `failure`, `cancelled`, `started` or `rolled-back`.
    pub status: Status,
    /// `good`, `bad`, `warning` or `neutral`: the tone of the message.
    pub tone: &'static str,
    /// An emoji for the status.
    pub emoji: &'static str,
    /// A colour for the status, `#rrggbb`.
    pub color: &'static str,
    /// The same colour as a number (Discord).
    pub color_rgb: u32,
    /// When the message was made, RFC 3339 UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    /// A verb phrase for the status in this event (`succeeded`, `rolled back`, `published`).
    pub verb: &'static str,
    /// True for `notify test`.
    pub test: bool,
    /// `--message`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `owner/name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The repository's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_url: Option<String>,
    /// Workflow name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    /// Job id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub job: Option<String>,
    /// The branch (for pull requests, the head branch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// The tag, for tag refs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Full ref.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_ref: Option<String>,
    /// Commit SHA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha: Option<String>,
    /// First 7 characters of the SHA.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_sha: Option<String>,
    /// The commit's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit_url: Option<String>,
    /// Who triggered the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    /// The run's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_url: Option<String>,
    /// Run number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_number: Option<String>,
    /// Event name that triggered the run (`push`, `pull_request`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trigger: Option<String>,
    /// Pull request number, for pull-request runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pull_request: Option<u64>,
    /// Environment (`--environment`, else from deploy.json / rollback.json).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    /// Version being deployed or released.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `slipway.quality-gate/v1` document, as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<Value>,
    /// `slipway.deploy/v1` document, as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Value>,
    /// `slipway.rollback/v1` document, as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rollback: Option<Value>,
    /// `slipway.version-manager/v1` document, as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<Value>,
    /// `slipway.metrics/v1` document, as read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Value>,
    /// For `summary`: the metrics window (`2026-03-02 → 2026-03-09`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<String>,
    /// For `summary`: the figures and trends as text, a block per environment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_summary: Option<String>,
    /// Tests passed / total, when a gate report had them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tests: Option<TestCounts>,
    /// Line coverage percent, when a gate report had it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub coverage: Option<f64>,
    /// The release page, for release events with a tag.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release_url: Option<String>,
    /// Release notes (from version.json), trimmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changelog: Option<String>,
    /// The headline numbers as one line: `Tests: 95/95 passed · Coverage: 88%`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub numbers: Option<String>,
    /// Labelled values, in display order.
    pub facts: Vec<Fact>,
}

/// Test counts for the headline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TestCounts {
    /// Passed.
    pub passed: u64,
    /// Executed.
    pub total: u64,
    /// Failed or errored.
    pub failed: u64,
}

/// The inputs a context is built from.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `--message`.
    pub message: Option<String>,
    /// `--field LABEL=VALUE`, parsed.
    pub fields: Vec<Fact>,
    /// `--environment`.
    pub environment: Option<String>,
    /// `notify test`.
    pub test: bool,
    /// When the run started (`--started-at`, else the GitHub API's `run_started_at`), for
    /// the duration of pipeline messages.
    pub started_at: Option<time::OffsetDateTime>,
}

/// Parses `LABEL=VALUE`.
pub fn parse_field(text: &str) -> Option<Fact> {
    let (label, value) = text.split_once('=')?;
    let label = label.trim();
    (!label.is_empty()).then(|| Fact {
        label: label.to_owned(),
        value: value.trim().to_owned(),
    })
}

fn str_at<'a>(doc: Option<&'a Value>, pointer: &str) -> Option<&'a str> {
    doc?.pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn num_at(doc: Option<&Value>, pointer: &str) -> Option<f64> {
    doc?.pointer(pointer).and_then(Value::as_f64)
}

impl Context {
    /// Builds the context for `event`/`status` from the GitHub run, the reports and the flags.
    pub fn build(
        event: EventKind,
        status: Status,
        github: &GithubContext,
        reports: &Reports,
        inputs: &Inputs,
    ) -> Self {
        let (tone, emoji, color) = match status {
            Status::Success => ("good", "✅", "#2eb886"),
            Status::Failure => ("bad", "❌", "#d00000"),
            Status::RolledBack => ("warning", "↩️", "#e8a317"),
            Status::Cancelled => ("neutral", "⚪", "#9e9e9e"),
            Status::Started => ("neutral", "🚀", "#1f6feb"),
        };
        let verb = match (event, status) {
            (EventKind::Release, Status::Success) => "published",
            (EventKind::Gate, Status::Success) => "passed",
            (_, Status::Success) => "succeeded",
            (_, Status::Failure) => "failed",
            (_, Status::Cancelled) => "was cancelled",
            (_, Status::Started) => "started",
            (_, Status::RolledBack) => "rolled back",
        };
        let deploy = reports.deploy.as_ref();
        let rollback = reports.rollback.as_ref();
        let release = reports.release.as_ref();
        let gate = reports.gate.as_ref();

        let environment = inputs
            .environment
            .clone()
            .or_else(|| str_at(deploy, "/environment").map(str::to_owned))
            .or_else(|| str_at(rollback, "/environment").map(str::to_owned));
        let version = str_at(deploy, "/version")
            .or_else(|| str_at(release, "/version"))
            .or_else(|| str_at(release, "/next"))
            .or_else(|| str_at(release, "/tag"))
            .or_else(|| str_at(rollback, "/from"))
            .map(str::to_owned)
            .or_else(|| {
                (event == EventKind::Release)
                    .then(|| github.tag().map(str::to_owned))
                    .flatten()
            });
        let tests = num_at(gate, "/totals/tests/total").map(|total| TestCounts {
            total: total as u64,
            passed: num_at(gate, "/totals/tests/passed").unwrap_or(0.0) as u64,
            failed: (num_at(gate, "/totals/tests/failed").unwrap_or(0.0)
                + num_at(gate, "/totals/tests/errors").unwrap_or(0.0)) as u64,
        });
        let coverage = num_at(gate, "/totals/coverage/line")
            .or_else(|| num_at(gate, "/totals/coverage"))
            .or_else(|| num_at(gate, "/coverage"));
        let changelog = str_at(release, "/changelog").map(|c| c.trim().to_owned());
        let release_tag = str_at(release, "/tag")
            .map(str::to_owned)
            .or_else(|| github.tag().map(str::to_owned));
        let release_url = (event == EventKind::Release)
            .then(|| {
                let tag = release_tag.as_deref()?;
                Some(format!(
                    "{}/releases/tag/{}",
                    github.repository_url()?,
                    crate::redact::percent_encode(tag)
                ))
            })
            .flatten();
        let branch = github
            .branch()
            .map(str::to_owned)
            .or_else(|| github.head_ref.clone());
        let short_sha = github.sha.as_deref().map(|s| s.chars().take(7).collect());

        let numbers = {
            let mut parts = Vec::new();
            if let Some(t) = tests {
                parts.push(format!("Tests: {}/{} passed", t.passed, t.total));
            }
            if let Some(c) = coverage {
                parts.push(format!("Coverage: {}", format_percent(c)));
            }
            (!parts.is_empty()).then(|| parts.join(" · "))
        };
        // `--field` facts first: they say what this run is about (stage, error).
        let mut facts = inputs.fields.clone();
        let mut fact = |label: &str, value: Option<String>| {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                facts.push(Fact {
                    label: label.to_owned(),
                    value,
                });
            }
        };
        fact("Environment", environment.clone());
        fact("Version", version.clone());
        if event == EventKind::Deploy || status == Status::RolledBack {
            fact("Previous", str_at(deploy, "/previous").map(str::to_owned));
            fact("Strategy", str_at(deploy, "/strategy").map(str::to_owned));
        }
        if rollback.is_some() {
            let from = str_at(rollback, "/from");
            let to = str_at(rollback, "/to");
            if let (Some(from), Some(to)) = (from, to) {
                fact("Rolled back", Some(format!("{from} → {to}")));
            }
            fact("Reason", str_at(rollback, "/reason").map(str::to_owned));
        }
        if let Some(t) = tests {
            fact("Tests", Some(format!("{}/{} passed", t.passed, t.total)));
        }
        fact("Coverage", coverage.map(format_percent));
        if event == EventKind::Gate {
            fact("Verdict", str_at(gate, "/verdict").map(str::to_owned));
        }
        fact("URL", str_at(deploy, "/url").map(str::to_owned));
        let took = match event {
            EventKind::Deploy => num_at(deploy, "/duration_ms")
                .or_else(|| num_at(rollback, "/duration_ms"))
                .map(|ms| ms as u128),
            _ => None,
        }
        .or_else(|| {
            let started = inputs.started_at?;
            let elapsed = time::OffsetDateTime::now_utc() - started;
            (elapsed.is_positive() && elapsed < time::Duration::days(7))
                .then(|| elapsed.whole_milliseconds() as u128)
        })
        .filter(|_| status != Status::Started);
        fact(
            "Duration",
            took.map(|ms| slipway_kit::ui::format_ms(ms.div_ceil(1000) * 1000)),
        );
        fact(
            "Branch",
            branch.clone().or_else(|| github.tag().map(str::to_owned)),
        );
        fact("Commit", short_sha.clone());
        fact("Actor", github.actor.clone());
        let summary = reports
            .metrics
            .as_ref()
            .filter(|_| event == EventKind::Summary);
        if let Some(m) = summary {
            // The figures lead: they are what a summary is for.
            facts.splice(0..0, crate::metrics::facts(m));
        }

        Self {
            event,
            status,
            tone,
            emoji,
            color,
            color_rgb: u32::from_str_radix(color.trim_start_matches('#'), 16).unwrap_or(0),
            timestamp: time::OffsetDateTime::now_utc()
                .replace_nanosecond(0)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
            verb,
            test: inputs.test,
            message: inputs.message.clone().filter(|m| !m.trim().is_empty()),
            repository: github.repository.clone(),
            repository_url: github.repository_url(),
            workflow: github.workflow.clone(),
            job: github.job.clone(),
            branch,
            tag: github.tag().map(str::to_owned),
            git_ref: github.git_ref.clone(),
            commit_url: github.sha.as_deref().and_then(|s| github.commit_url(s)),
            sha: github.sha.clone(),
            short_sha,
            actor: github.actor.clone(),
            run_url: github.run_url(),
            run_number: github.run_number.clone(),
            trigger: github.event_name.clone(),
            pull_request: github.pull_request_number(),
            environment,
            version,
            gate: reports.gate.clone(),
            deploy: reports.deploy.clone(),
            rollback: reports.rollback.clone(),
            release: reports.release.clone(),
            metrics: reports.metrics.clone(),
            window: summary.map(crate::metrics::window),
            metrics_summary: summary.map(crate::metrics::text),
            tests,
            coverage,
            release_url,
            changelog,
            numbers,
            facts,
        }
    }

    /// A value for routing filters: the branch, else the tag.
    pub fn branch_or_tag(&self) -> Option<&str> {
        self.branch.as_deref().or(self.tag.as_deref())
    }
}

/// `88%`, `87.5%`.
pub fn format_percent(value: f64) -> String {
    let rounded = (value * 10.0).round() / 10.0;
    if (rounded - rounded.round()).abs() < f64::EPSILON {
        format!("{}%", rounded.round() as i64)
    } else {
        format!("{rounded:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn github() -> GithubContext {
        GithubContext::from_lookup(|k| {
            Some(
                match k {
                    "GITHUB_REPOSITORY" => "acme/shop",
                    "GITHUB_REF" => "refs/heads/main",
                    "GITHUB_SHA" => "0123456789abcdef",
                    "GITHUB_RUN_ID" => "42",
                    "GITHUB_ACTOR" => "octocat",
                    "GITHUB_WORKFLOW" => "CD",
                    _ => return None,
                }
                .to_owned(),
            )
        })
    }

    #[test]
    fn deploy_context_takes_environment_and_versions_from_deploy_json() {
        let reports = Reports {
            deploy: Some(
                json!({"schema":"slipway.deploy/v1","environment":"production",
                "version":"1.4.0","previous":"1.3.2","strategy":"canary","url":"https://shop.example"}),
            ),
            gate: Some(json!({"schema":"slipway.quality-gate/v1",
                "totals":{"tests":{"total":95,"passed":95,"failed":0},"coverage":{"line":88.04}}})),
            ..Reports::default()
        };
        let ctx = Context::build(
            EventKind::Deploy,
            Status::Success,
            &github(),
            &reports,
            &Inputs::default(),
        );
        assert_eq!(ctx.environment.as_deref(), Some("production"));
        assert_eq!(ctx.version.as_deref(), Some("1.4.0"));
        assert_eq!(
            ctx.tests,
            Some(TestCounts {
                passed: 95,
                total: 95,
                failed: 0
            })
        );
        let labels: Vec<_> = ctx.facts.iter().map(|f| f.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "Environment",
                "Version",
                "Previous",
                "Strategy",
                "Tests",
                "Coverage",
                "URL",
                "Branch",
                "Commit",
                "Actor"
            ]
        );
        assert_eq!(ctx.facts[5].value, "88%");
        assert_eq!(
            ctx.run_url.as_deref(),
            Some("https://github.com/acme/shop/actions/runs/42")
        );
    }

    #[test]
    fn missing_fields_in_reports_are_simply_left_out() {
        let reports = Reports {
            deploy: Some(json!({"schema":"slipway.deploy/v1"})),
            gate: Some(json!({"schema":"slipway.quality-gate/v1","totals":{"tests":"weird"}})),
            ..Reports::default()
        };
        let ctx = Context::build(
            EventKind::Deploy,
            Status::Failure,
            &GithubContext::default(),
            &reports,
            &Inputs::default(),
        );
        assert!(ctx.facts.is_empty(), "{:?}", ctx.facts);
        assert_eq!(ctx.tests, None);
    }

    #[test]
    fn fields_parse_label_equals_value() {
        assert_eq!(
            parse_field("Stage = Unit tests"),
            Some(Fact {
                label: "Stage".into(),
                value: "Unit tests".into()
            })
        );
        assert_eq!(parse_field("no equals"), None);
        assert_eq!(parse_field("=x"), None);
    }

    #[test]
    fn percentages_drop_a_trailing_zero() {
        assert_eq!(format_percent(88.0), "88%");
        assert_eq!(format_percent(87.46), "87.5%");
    }
}
