//! MiniJinja templates: built-in defaults per event and channel (`src/templates/`),
//! overridable by files of the same name in the repository's template directory, or per
//! event in a sub-directory named after the event (`deploy/slack.json.j2`).
//!
//! Every template sees the [`crate::event::Context`] fields plus `title` and `summary`
//! (the rendered `title.txt.j2` and `summary.txt.j2`). JSON templates must produce valid
//! JSON (checked before anything is sent).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use minijinja::{AutoEscape, Environment, Value};
use slipway_kit::Failure;

use crate::event::Context;

/// The built-in templates, by name.
pub const BUILTIN: &[(&str, &str)] = &[
    ("title.txt.j2", include_str!("templates/title.txt.j2")),
    ("summary.txt.j2", include_str!("templates/summary.txt.j2")),
    ("slack.json.j2", include_str!("templates/slack.json.j2")),
    ("teams.json.j2", include_str!("templates/teams.json.j2")),
    ("discord.json.j2", include_str!("templates/discord.json.j2")),
    (
        "google-chat.json.j2",
        include_str!("templates/google-chat.json.j2"),
    ),
    ("webhook.json.j2", include_str!("templates/webhook.json.j2")),
    ("mqtt.json.j2", include_str!("templates/mqtt.json.j2")),
    (
        "mqtt-state.json.j2",
        include_str!("templates/mqtt-state.json.j2"),
    ),
    (
        "email-subject.txt.j2",
        include_str!("templates/email-subject.txt.j2"),
    ),
    ("email.txt.j2", include_str!("templates/email.txt.j2")),
    ("email.html.j2", include_str!("templates/email.html.j2")),
    (
        "github-issue-title.txt.j2",
        include_str!("templates/github-issue-title.txt.j2"),
    ),
    ("github.md.j2", include_str!("templates/github.md.j2")),
];

/// The template environment: built-ins, then overrides.
pub struct Renderer {
    env: Environment<'static>,
    overridden: Vec<String>,
}

impl std::fmt::Debug for Renderer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Renderer")
            .field("overridden", &self.overridden)
            .finish_non_exhaustive()
    }
}

/// A rendered context: the template context with `title` and `summary` filled in.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// The one-line title.
    pub title: String,
    /// The plain-text summary.
    pub summary: String,
    value: BTreeMap<String, serde_json::Value>,
}

impl Rendered {
    /// The context as JSON (for `--json` output and the webhook payload).
    pub fn value(&self) -> &BTreeMap<String, serde_json::Value> {
        &self.value
    }
}

fn auto_escape(name: &str) -> AutoEscape {
    let lower = name.to_ascii_lowercase();
    let html = [".html.j2", ".htm.j2", ".html"];
    if html.iter().any(|suffix| lower.ends_with(suffix)) {
        AutoEscape::Html
    } else {
        AutoEscape::None
    }
}

/// Cuts text to `n` characters, ending with `…` when cut.
fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_owned()
    } else {
        let mut out: String = text.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Escapes `&`, `<` and `>` for Slack's mrkdwn.
fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

impl Renderer {
    /// Built-in templates only.
    pub fn builtin() -> Self {
        let mut env = Environment::new();
        env.set_auto_escape_callback(auto_escape);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_keep_trailing_newline(false);
        env.set_trim_blocks(true);
        env.set_lstrip_blocks(true);
        env.add_filter("clip", |text: String, n: usize| clip(&text, n));
        env.add_filter("slack_escape", |text: String| slack_escape(&text));
        env.add_filter("merge_map", merge_map);
        for (name, source) in BUILTIN {
            env.add_template(name, source)
                .unwrap_or_else(|e| panic!("built-in template {name} is broken: {e:#}"));
        }
        Self {
            env,
            overridden: Vec::new(),
        }
    }

    /// Built-ins plus every `*.j2` file in `dir` (and its event sub-directories).
    pub fn with_overrides(dir: Option<&Path>) -> Result<Self, Failure> {
        let mut renderer = Self::builtin();
        let Some(dir) = dir else {
            return Ok(renderer);
        };
        let mut files: Vec<(String, PathBuf)> = Vec::new();
        let list = |sub: &Path, prefix: &str, files: &mut Vec<(String, PathBuf)>| {
            let Ok(entries) = std::fs::read_dir(sub) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let name = entry.file_name().to_string_lossy().into_owned();
                if path.is_file()
                    && path
                        .extension()
                        .is_some_and(|e| e.eq_ignore_ascii_case("j2"))
                {
                    files.push((format!("{prefix}{name}"), path));
                }
            }
        };
        list(dir, "", &mut files);
        for event in ["pipeline", "deploy", "release", "gate", "summary"] {
            list(&dir.join(event), &format!("{event}/"), &mut files);
        }
        files.sort();
        for (name, path) in files {
            let base = name.rsplit('/').next().unwrap_or(&name);
            if !BUILTIN.iter().any(|(b, _)| *b == base) {
                return Err(Failure::bad_input(format!(
                    "{}: no built-in template is called {base}",
                    path.display()
                ))
                .help(format!(
                    "template names are: {}",
                    BUILTIN
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            renderer.add_file(&name, &path)?;
        }
        Ok(renderer)
    }

    /// Adds (or replaces) template `name` from `path`.
    pub fn add_file(&mut self, name: &str, path: &Path) -> Result<(), Failure> {
        let source = std::fs::read_to_string(path).map_err(|e| {
            Failure::bad_input(format!("cannot read template {}: {e}", path.display()))
        })?;
        self.env
            .add_template_owned(name.to_owned(), source)
            .map_err(|e| template_failure(&path.display().to_string(), &e))?;
        self.overridden.push(name.to_owned());
        Ok(())
    }

    /// Renders `title` and `summary` for `ctx`.
    pub fn prepare(&self, ctx: &Context) -> Result<Rendered, Failure> {
        let serde_json::Value::Object(map) = serde_json::to_value(ctx)
            .map_err(|e| Failure::bad_input(format!("cannot serialise the context: {e}")))?
        else {
            unreachable!("a struct serialises to an object")
        };
        let mut value: BTreeMap<String, serde_json::Value> = map.into_iter().collect();
        let event = ctx.event.as_str();
        let title = self
            .render_raw(event, "title.txt.j2", &value)?
            .trim()
            .to_owned();
        value.insert("title".into(), title.clone().into());
        let summary = self
            .render_raw(event, "summary.txt.j2", &value)?
            .trim()
            .to_owned();
        value.insert("summary".into(), summary.clone().into());
        Ok(Rendered {
            title,
            summary,
            value,
        })
    }

    /// Renders template `name` (or its per-event override) with extra variables.
    pub fn render(
        &self,
        rendered: &Rendered,
        name: &str,
        extra: &[(&str, serde_json::Value)],
    ) -> Result<String, Failure> {
        let event = rendered
            .value
            .get("event")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("pipeline")
            .to_owned();
        if extra.is_empty() {
            return self.render_raw(&event, name, &rendered.value);
        }
        let mut value = rendered.value.clone();
        for (k, v) in extra {
            value.insert((*k).to_owned(), v.clone());
        }
        self.render_raw(&event, name, &value)
    }

    /// Renders a JSON template and parses the result.
    pub fn render_json(
        &self,
        rendered: &Rendered,
        name: &str,
        extra: &[(&str, serde_json::Value)],
    ) -> Result<serde_json::Value, Failure> {
        let text = self.render(rendered, name, extra)?;
        serde_json::from_str(&text).map_err(|e| {
            Failure::bad_input(format!(
                "template {name} did not produce valid JSON: {e} (line {}, column {})",
                e.line(),
                e.column()
            ))
            .help("check the template's quoting; use the `tojson` filter for values")
        })
    }

    /// Renders a template given as a string (MQTT topics).
    pub fn render_str(&self, source: &str, rendered: &Rendered) -> Result<String, Failure> {
        self.env
            .render_str(source, Value::from_serialize(&rendered.value))
            .map_err(|e| template_failure(source, &e))
    }

    fn render_raw(
        &self,
        event: &str,
        name: &str,
        value: &BTreeMap<String, serde_json::Value>,
    ) -> Result<String, Failure> {
        let per_event = format!("{event}/{name}");
        let template = match self.env.get_template(&per_event) {
            Ok(t) => t,
            Err(_) => self
                .env
                .get_template(name)
                .map_err(|e| template_failure(name, &e))?,
        };
        let mut with_ctx = value.clone();
        with_ctx.insert(
            "ctx".to_owned(),
            serde_json::Value::Object(value.clone().into_iter().collect()),
        );
        template
            .render(Value::from_serialize(&with_ctx))
            .map_err(|e| template_failure(template.name(), &e))
    }
}

/// `a | merge_map(b)`: a map with b's entries added (b wins).
#[allow(clippy::needless_pass_by_value)] // MiniJinja filters take values
fn merge_map(a: Value, b: Value) -> Result<Value, minijinja::Error> {
    let mut out: BTreeMap<String, Value> = BTreeMap::new();
    for map in [&a, &b] {
        let keys = map.try_iter().map_err(|_| {
            minijinja::Error::new(
                minijinja::ErrorKind::InvalidOperation,
                "merge_map works on maps",
            )
        })?;
        for key in keys {
            let value = map.get_item(&key)?;
            out.insert(key.to_string(), value);
        }
    }
    Ok(Value::from_serialize(&out))
}

fn template_failure(name: &str, err: &minijinja::Error) -> Failure {
    let mut msg = format!("template {name}: {err}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    Failure::bad_input(msg).help("fix the template; docs/notify.md lists the variables")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{EventKind, Inputs, Status};
    use crate::reports::Reports;

    fn ctx(event: EventKind, status: Status) -> Context {
        Context::build(
            event,
            status,
            &slipway_kit::GithubContext::default(),
            &Reports::default(),
            &Inputs::default(),
        )
    }

    #[test]
    fn every_builtin_json_template_renders_valid_json_for_every_event_and_status() {
        let r = Renderer::builtin();
        for event in [
            EventKind::Pipeline,
            EventKind::Deploy,
            EventKind::Release,
            EventKind::Gate,
            EventKind::Summary,
        ] {
            for status in [
                Status::Success,
                Status::Failure,
                Status::Cancelled,
                Status::Started,
                Status::RolledBack,
            ] {
                let rendered = r.prepare(&ctx(event, status)).unwrap();
                assert!(!rendered.title.is_empty());
                for (name, _) in BUILTIN.iter().filter(|(n, _)| n.ends_with(".json.j2")) {
                    r.render_json(&rendered, name, &[])
                        .unwrap_or_else(|e| panic!("{name} for {event:?}/{status:?}: {e}"));
                }
            }
        }
    }

    #[test]
    fn an_override_directory_replaces_a_template_and_per_event_files_win() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("title.txt.j2"), "T {{ status }}").unwrap();
        std::fs::create_dir(dir.path().join("deploy")).unwrap();
        std::fs::write(dir.path().join("deploy/title.txt.j2"), "D {{ status }}").unwrap();
        let r = Renderer::with_overrides(Some(dir.path())).unwrap();
        let t = r
            .prepare(&ctx(EventKind::Pipeline, Status::Failure))
            .unwrap();
        assert_eq!(t.title, "T failure");
        let t = r.prepare(&ctx(EventKind::Deploy, Status::Success)).unwrap();
        assert_eq!(t.title, "D success");
    }

    #[test]
    fn an_unknown_template_name_or_broken_syntax_is_bad_input() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("slak.json.j2"), "{}").unwrap();
        let err = Renderer::with_overrides(Some(dir.path())).unwrap_err();
        assert!(err.cause.contains("slak.json.j2"), "{}", err.cause);
        std::fs::remove_file(dir.path().join("slak.json.j2")).unwrap();
        std::fs::write(dir.path().join("slack.json.j2"), "{{ oops").unwrap();
        let err = Renderer::with_overrides(Some(dir.path())).unwrap_err();
        assert!(err.cause.contains("slack.json.j2"), "{}", err.cause);
    }

    #[test]
    fn clip_marks_cut_text() {
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(clip("abc", 4), "abc");
    }
}
