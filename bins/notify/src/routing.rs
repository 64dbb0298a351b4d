//! Routing: which channels get a message. Each configured channel may filter on the event,
//! the status, the environment and the branch (globs); an empty filter lets everything
//! through. Channels given as URLs with `--to` have no filters.

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::config::ChannelConfig;
use crate::event::{Context, EventKind, Status};

/// A channel's filters.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    events: Vec<EventKind>,
    statuses: Vec<Status>,
    environments: Option<(Vec<String>, GlobSet)>,
    branches: Option<(Vec<String>, GlobSet)>,
}

/// Why a channel was skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip(pub String);

fn globs(patterns: &[String], key: &str) -> Result<(Vec<String>, GlobSet), String> {
    let mut builder = GlobSetBuilder::new();
    for p in patterns {
        builder.add(Glob::new(p).map_err(|e| format!("`{key}` pattern {p:?}: {e}"))?);
    }
    let set = builder
        .build()
        .map_err(|e| format!("`{key}` patterns: {e}"))?;
    Ok((patterns.to_vec(), set))
}

impl Filters {
    /// Reads `event`, `status`, `environment` and `branch` from a channel's config.
    pub fn from_config(cfg: &ChannelConfig) -> Result<Self, String> {
        let mut filters = Self::default();
        for e in cfg.event.iter().flatten() {
            let event = <EventKind as clap::ValueEnum>::from_str(e, true).map_err(|_| {
                format!("`event` value {e:?} is not one of pipeline, deploy, release, gate")
            })?;
            filters.events.push(event);
        }
        for s in cfg.status.iter().flatten() {
            let status = Status::parse(s).ok_or_else(|| {
                format!(
                    "`status` value {s:?} is not one of success, failure, cancelled, started, rolled-back"
                )
            })?;
            filters.statuses.push(status);
        }
        if let Some(envs) = &cfg.environment {
            filters.environments = Some(globs(envs, "environment")?);
        }
        if let Some(branches) = &cfg.branch {
            filters.branches = Some(globs(branches, "branch")?);
        }
        Ok(filters)
    }

    /// `Ok(())` when the message passes, else why not.
    pub fn check(&self, ctx: &Context) -> Result<(), Skip> {
        if !self.events.is_empty() && !self.events.contains(&ctx.event) {
            return Err(Skip(format!(
                "event {} is filtered out",
                ctx.event.as_str()
            )));
        }
        if !self.statuses.is_empty() && !self.statuses.contains(&ctx.status) {
            return Err(Skip(format!(
                "status {} is filtered out",
                ctx.status.as_str()
            )));
        }
        if let Some((patterns, set)) = &self.environments {
            match ctx.environment.as_deref() {
                Some(env) if set.is_match(env) => {}
                Some(env) => {
                    return Err(Skip(format!(
                        "environment {env} is not in {}",
                        patterns.join(", ")
                    )));
                }
                None => {
                    return Err(Skip(format!(
                        "no environment (only {})",
                        patterns.join(", ")
                    )));
                }
            }
        }
        if let Some((patterns, set)) = &self.branches {
            match ctx.branch_or_tag() {
                Some(b) if set.is_match(b) => {}
                Some(b) => {
                    return Err(Skip(format!(
                        "branch {b} is not in {}",
                        patterns.join(", ")
                    )));
                }
                None => {
                    return Err(Skip(format!("no branch (only {})", patterns.join(", "))));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::Inputs;
    use crate::reports::Reports;

    fn ctx(status: Status, environment: Option<&str>, git_ref: &str) -> Context {
        let git_ref = git_ref.to_owned();
        let github = slipway_kit::GithubContext::from_lookup(move |k| {
            (k == "GITHUB_REF").then(|| git_ref.clone())
        });
        Context::build(
            EventKind::Deploy,
            status,
            &github,
            &Reports::default(),
            &Inputs {
                environment: environment.map(str::to_owned),
                ..Inputs::default()
            },
        )
    }

    fn filters(toml: &str) -> Filters {
        let cfg: ChannelConfig = toml::from_str(toml).unwrap();
        Filters::from_config(&cfg).unwrap()
    }

    #[test]
    fn only_failures_in_production_on_main() {
        let f = filters(
            r#"status = ["failure", "rolled-back"]
environment = ["prod*"]
branch = ["main"]"#,
        );
        assert!(
            f.check(&ctx(Status::Failure, Some("production"), "refs/heads/main"))
                .is_ok()
        );
        assert!(
            f.check(&ctx(
                Status::RolledBack,
                Some("production"),
                "refs/heads/main"
            ))
            .is_ok()
        );
        let skip = f
            .check(&ctx(Status::Success, Some("production"), "refs/heads/main"))
            .unwrap_err();
        assert_eq!(skip.0, "status success is filtered out");
        let skip = f
            .check(&ctx(Status::Failure, Some("staging"), "refs/heads/main"))
            .unwrap_err();
        assert!(skip.0.contains("staging"));
        let skip = f
            .check(&ctx(
                Status::Failure,
                Some("production"),
                "refs/heads/feature/x",
            ))
            .unwrap_err();
        assert!(skip.0.contains("feature/x"));
        assert!(
            f.check(&ctx(Status::Failure, None, "refs/heads/main"))
                .is_err()
        );
    }

    #[test]
    fn no_filters_let_everything_through() {
        assert!(
            Filters::default()
                .check(&ctx(Status::Started, None, ""))
                .is_ok()
        );
    }

    #[test]
    fn a_misspelt_status_is_an_error() {
        let cfg: ChannelConfig = toml::from_str(r#"status = ["failed", "broke"]"#).unwrap();
        let err = Filters::from_config(&cfg).unwrap_err();
        assert!(err.contains("\"broke\""), "{err}");
    }
}
