//! One gate run: config and flags into rules, reports into checks, checks into a verdict,
//! and the verdict out as gate.json, a step summary, annotations, a PR comment and an
//! exit code.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use slipway_kit::{Exit, Failure, GithubContext, Ui};
use slipway_reports::Category;

use crate::cli::{Cli, Command, GateArgs, ThresholdArgs};
use crate::config::{Draft, GateConfig};
use crate::gate::{self, Context, GateDoc, Verdict};
use crate::rules::{Rules, Status};
use crate::{annotations, baseline, diffcov, inputs, summary};

/// Default gate name.
pub const DEFAULT_NAME: &str = "quality-gate";

/// Runs the command line against the environment.
pub fn run(cli: &Cli, ui: &Ui) -> anyhow::Result<Exit> {
    let file = slipway_config::ConfigFile::discover(cli.config.as_deref(), Path::new("."))
        .map_err(Failure::from)?;
    let config: GateConfig = file.section("quality_gate").map_err(Failure::from)?;
    let config_name = file.display_name();
    match &cli.command {
        Some(Command::Explain {
            reports,
            formats,
            thresholds,
            json,
        }) => {
            let rules = effective_rules(&config, &config_name, thresholds)?;
            let coverage = if reports.is_empty() {
                None
            } else {
                Some(explain_coverage(reports, formats, ui)?)
            };
            if *json {
                let doc = serde_json::json!({ "rules": rules, "coverage": coverage });
                let doc = if coverage.is_some() {
                    doc
                } else {
                    serde_json::to_value(&rules).context("serialising rules")?
                };
                ui.result(&serde_json::to_string_pretty(&doc).context("serialising rules")?);
            } else {
                ui.result(crate::rules::explain(&rules).trim_end());
                if let Some(c) = &coverage {
                    ui.result(crate::explain::coverage_table(c).trim_end());
                }
            }
            Ok(Exit::Success)
        }
        None => gate_run(
            &cli.gate,
            &config,
            &config_name,
            ui,
            &GithubContext::from_env(),
            Path::new("."),
        ),
    }
}

/// Reads `patterns` for `explain`: the merged coverage, every file attributed to the
/// reports that gave it.
fn explain_coverage(
    patterns: &[String],
    formats: &[String],
    ui: &Ui,
) -> Result<slipway_reports::CoverageReport, Failure> {
    let overrides = formats
        .iter()
        .map(|f| inputs::parse_override(f))
        .collect::<Result<Vec<_>, _>>()?;
    let (files, missing) = inputs::expand(patterns)?;
    for m in &missing {
        ui.warn(&format!("no file matches {m}"));
    }
    let warn = |m: &str| ui.warn(m);
    let inputs = inputs::load(&files, &overrides, None, false, &warn)?;
    inputs.coverage.ok_or_else(|| {
        Failure::bad_input(format!(
            "no coverage report among {} file(s): {}",
            files.len(),
            patterns.join(" ")
        ))
    })
}

/// Rules from defaults, then the config file, then flags.
pub fn effective_rules(
    config: &GateConfig,
    config_name: &str,
    flags: &ThresholdArgs,
) -> Result<Rules, Failure> {
    let mut rules = Rules::default();
    config
        .apply(&mut rules, config_name)
        .map_err(|e| Failure::bad_input(format!("{config_name}: [quality_gate]: {e}")))?;
    flags.apply(&mut rules).map_err(Failure::bad_input)?;
    rules.check_order().map_err(Failure::bad_input)?;
    Ok(rules)
}

fn parse_categories(names: &[String]) -> Result<Vec<Category>, Failure> {
    names
        .iter()
        .map(|n| match n.trim().to_ascii_lowercase().as_str() {
            "tests" | "test" => Ok(Category::Tests),
            "coverage" => Ok(Category::Coverage),
            "security" => Ok(Category::Security),
            "secrets" => Ok(Category::Secrets),
            "lint" => Ok(Category::Lint),
            "performance" | "perf" => Ok(Category::Performance),
            other => Err(Failure::bad_input(format!(
                "unknown report category {other:?}; use tests, coverage, security, secrets, lint or performance"
            ))),
        })
        .collect()
}

/// Evaluates the gate: the whole run behind the default command.
pub fn gate_run(
    args: &GateArgs,
    config: &GateConfig,
    config_name: &str,
    ui: &Ui,
    github: &GithubContext,
    repo: &Path,
) -> anyhow::Result<Exit> {
    let rules = effective_rules(config, config_name, &args.thresholds)?;
    let name = args
        .name
        .clone()
        .or_else(|| config.name.clone())
        .unwrap_or_else(|| DEFAULT_NAME.to_owned());
    let draft_mode = args.draft.or(config.draft).unwrap_or_default();
    let is_draft = github.is_draft_pull_request();
    let pr = github.pull_request_number();
    let mut enforced = !args.warn_only;
    let mut note = args
        .warn_only
        .then(|| "warn-only: the gate reports but never fails".to_owned());
    if is_draft {
        match draft_mode {
            Draft::Skip => {
                ui.notice("draft pull request: the quality gate is skipped (draft = \"skip\")");
                let doc = GateDoc {
                    schema: gate::SCHEMA,
                    name,
                    verdict: Verdict::Skipped,
                    enforced: false,
                    note: Some("draft pull request: skipped".to_owned()),
                    commit: github.sha.clone(),
                    pull_request: pr,
                    totals: gate::Totals::default(),
                    checks: Vec::new(),
                    reports: Vec::new(),
                    baseline: gate::BaselineData::default(),
                };
                args.output.emit(ui, &doc)?;
                ui.set_output("verdict", "skipped");
                return Ok(Exit::Success);
            }
            Draft::WarnOnly => {
                enforced = false;
                note = Some("draft pull request: warn-only, the gate never fails".to_owned());
            }
            Draft::Enforce => {}
        }
    }

    let patterns = if args.reports.is_empty() {
        config.reports.clone()
    } else {
        args.reports.clone()
    };
    if patterns.is_empty() {
        return Err(Failure::bad_input("no reports given")
            .help("pass report files or globs, e.g. quality-gate 'reports/*.xml', or set reports in [quality_gate]")
            .into());
    }
    let overrides = config
        .formats
        .iter()
        .chain(&args.formats)
        .map(|f| inputs::parse_override(f))
        .collect::<Result<Vec<_>, _>>()?;
    let mut require = parse_categories(&config.require)?;
    require.extend(parse_categories(&args.require)?);
    require.dedup();

    // New code: the PR's base branch unless --base says otherwise.
    let base = args
        .base
        .clone()
        .or_else(|| github.base_ref.as_ref().map(|b| format!("origin/{b}")));
    let changes = match &base {
        Some(base) if rules.get("new_code.coverage").enabled => {
            match diffcov::changed_lines(repo, base) {
                Ok(c) => Some(c),
                Err(e) => {
                    ui.warn(&format!("new-code coverage skipped: {e}"));
                    None
                }
            }
        }
        _ => None,
    };
    let keep_lines: Option<inputs::LineFilter> = changes.as_ref().map(|c| {
        let files: Vec<String> = c.keys().cloned().collect();
        Arc::new(move |p: &str| files.iter().any(|f| diffcov::same_file(p, f)))
            as inputs::LineFilter
    });

    let (files, missing) = inputs::expand(&patterns)?;
    let step = ui.step(&format!("reading {} report file(s)", files.len()));
    let warn = |m: &str| ui.warn(m);
    let mut inputs = match inputs::load(
        &files,
        &overrides,
        keep_lines.as_ref(),
        args.skip_invalid || config.skip_invalid.unwrap_or(false),
        &warn,
    ) {
        Ok(i) => i,
        Err(e) => {
            step.failed(&e.cause);
            return Err(e.into());
        }
    };
    step.done();
    inputs.missing = missing;

    let baseline = args.baseline.as_deref().map(baseline::load).transpose()?;
    let new_code = match (&changes, &inputs.coverage, &base) {
        (Some(c), Some(cov), Some(b)) => Some(diffcov::measure(c, cov, b)),
        _ => None,
    };
    let ctx = Context {
        missing: args.missing.or(config.missing).unwrap_or_default(),
        require,
        critical_modules: config.critical_modules.clone(),
        baseline: baseline.clone(),
        min_regression_secs: config.min_regression_ms.unwrap_or(1.0) / 1000.0,
        new_code: new_code.clone(),
        benchmarks: config.benchmarks.clone(),
        benchmarks_source: Some(crate::rules::Source::Config(config_name.to_owned())),
    };
    let checks = gate::evaluate(&inputs, &rules, &ctx);
    let verdict = gate::verdict(&checks);
    let doc = GateDoc {
        schema: gate::SCHEMA,
        name: name.clone(),
        verdict,
        enforced,
        note,
        commit: github.sha.clone(),
        pull_request: pr,
        totals: gate::totals(&inputs, new_code.as_ref()),
        checks,
        reports: inputs.sources.clone(),
        baseline: gate::baseline_data(&inputs),
    };

    let printed = args.output.emit(ui, &doc)?;
    if !printed {
        print_human(ui, &doc);
    }
    ui.set_output("verdict", doc.verdict.as_str());
    ui.set_output("totals", &doc.totals.text);
    let summary_md = summary::render(&doc, &inputs, summary::Limits::SUMMARY);
    ui.summary(&summary_md);
    let per_level = config.max_annotations.unwrap_or(annotations::PER_LEVEL);
    let (notes, dropped) = annotations::build(&doc, &inputs, baseline.as_ref(), per_level);
    for a in &notes {
        ui.annotate(a.level, &a.message, &a.location);
    }
    if dropped > 0 {
        ui.notice(&format!(
            "{dropped} more annotation(s) not shown: GitHub displays {per_level} per level per step and {} per job; the step summary and gate.json list them all",
            annotations::PER_JOB
        ));
    }

    let want_comment = if args.no_comment {
        false
    } else {
        args.comment || config.comment.unwrap_or(true)
    };
    let want_status = args.status || config.status.unwrap_or(false);
    if (want_comment && pr.is_some()) || want_status {
        publish(
            ui,
            github,
            &doc,
            &inputs,
            if want_comment { pr } else { None },
            want_status,
        )?;
    }

    Ok(match (doc.verdict, doc.enforced) {
        (Verdict::Fail, true) => Exit::No,
        _ => Exit::Success,
    })
}

fn publish(
    ui: &Ui,
    github: &GithubContext,
    doc: &GateDoc,
    inputs: &inputs::Inputs,
    pr: Option<u64>,
    status: bool,
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    // octocrab's client spawns its service inside the runtime it is built in.
    let _runtime = rt.enter();
    let Some(client) = slipway_github::Client::from_env(github, ui)? else {
        ui.notice("GITHUB_TOKEN is not set: skipping the pull-request comment and commit status");
        return Ok(());
    };
    let markdown = summary::render(doc, inputs, summary::Limits::COMMENT);
    rt.block_on(crate::comment::publish(
        &client, github, ui, doc, &markdown, pr, status,
    ));
    Ok(())
}

fn print_human(ui: &Ui, doc: &GateDoc) {
    for c in &doc.checks {
        let mark = match c.status {
            Status::Pass => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
            Status::Skipped => "-",
        };
        let mut line = format!(
            "{mark} {:<40} {:>10}  {}",
            c.title,
            summary::value_text(c),
            summary::threshold_text(c)
        );
        if !c.detail.is_empty() {
            line = format!("{line}  ({})", c.detail);
        }
        ui.info(&line);
    }
    let mut verdict = format!("quality gate {}: {}", doc.name, doc.verdict.as_str());
    if !doc.totals.text.is_empty() {
        verdict = format!("{verdict} — {}", doc.totals.text);
    }
    if !doc.enforced && doc.verdict == Verdict::Fail {
        verdict.push_str(" (not enforced)");
    }
    ui.result(&verdict);
}
