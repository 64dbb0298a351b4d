//! Human and CI output. On a terminal: coloured lines with symbols and timings. In CI:
//! plain lines plus workflow commands (annotations, groups, masks). Results go to stdout,
//! everything else to stderr, so `$(tool ...)` captures only the answer.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{IsTerminal as _, Write as _};
use std::time::Instant;

use anstyle::{AnsiColor, Style};

use crate::outputs::StepFiles;
use crate::workflow::{self, Level, Location};

/// How output is rendered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// GitHub Actions (or any CI): plain text plus workflow commands.
    Ci,
    /// A person at a terminal or a pipe: human text, coloured when `color` is set.
    Human {
        /// Whether to emit ANSI colours.
        color: bool,
    },
}

/// The output handle every binary threads through its work.
#[derive(Debug, Clone)]
pub struct Ui {
    mode: Mode,
    files: StepFiles,
    quiet: bool,
}

impl Ui {
    /// Detects the mode: CI when `CI` or `GITHUB_ACTIONS` is `true`; colour only on a
    /// terminal without `NO_COLOR`.
    pub fn detect() -> Self {
        let is_true = |k: &str| std::env::var(k).is_ok_and(|v| v == "true" || v == "1");
        let mode = if is_true("GITHUB_ACTIONS") || is_true("CI") {
            Mode::Ci
        } else {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            Mode::Human {
                color: !no_color && std::io::stderr().is_terminal(),
            }
        };
        Self {
            mode,
            files: StepFiles::from_env(),
            quiet: false,
        }
    }

    /// A handle with an explicit mode and step files, for tests.
    pub fn with(mode: Mode, files: StepFiles) -> Self {
        Self {
            mode,
            files,
            quiet: false,
        }
    }

    /// Silences informational lines (warnings and errors still print).
    #[must_use]
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// The rendering mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// True in CI.
    pub fn is_ci(&self) -> bool {
        self.mode == Mode::Ci
    }

    /// The step's output and summary files.
    pub fn step_files(&self) -> &StepFiles {
        &self.files
    }

    fn paint(&self, style: Style, text: &str) -> String {
        match self.mode {
            Mode::Human { color: true } => {
                format!("{}{text}{}", style.render(), style.render_reset())
            }
            _ => text.to_owned(),
        }
    }

    fn err_line(line: &str) {
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{line}");
    }

    /// Prints a result line on stdout (the only thing that goes there besides JSON).
    pub fn result(&self, line: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    }

    /// Prints an informational line.
    pub fn info(&self, line: &str) {
        if !self.quiet {
            Self::err_line(line);
        }
    }

    /// Prints a line marking something done well.
    pub fn success(&self, line: &str) {
        if !self.quiet {
            let mark = self.paint(
                Style::new().fg_color(Some(AnsiColor::Green.into())).bold(),
                "✓",
            );
            Self::err_line(&format!("{mark} {line}"));
        }
    }

    /// Prints a dimmed detail line.
    pub fn detail(&self, line: &str) {
        if !self.quiet {
            Self::err_line(&self.paint(Style::new().dimmed(), &format!("  {line}")));
        }
    }

    /// A warning; an annotation in CI.
    pub fn warn(&self, message: &str) {
        self.annotate(Level::Warning, message, &Location::default());
    }

    /// A notice; an annotation in CI.
    pub fn notice(&self, message: &str) {
        self.annotate(Level::Notice, message, &Location::default());
    }

    /// An annotation at a location; on a terminal, `file:line: level: message`.
    pub fn annotate(&self, level: Level, message: &str, location: &Location) {
        match self.mode {
            Mode::Ci => Self::err_line(&workflow::annotation(level, message, location)),
            Mode::Human { .. } => {
                let (label, color) = match level {
                    Level::Error => ("error", AnsiColor::Red),
                    Level::Warning => ("warning", AnsiColor::Yellow),
                    Level::Notice => ("notice", AnsiColor::Cyan),
                };
                let label = self.paint(Style::new().fg_color(Some(color.into())).bold(), label);
                let place = match (&location.file, location.line) {
                    (Some(f), Some(l)) => format!("{f}:{l}: "),
                    (Some(f), None) => format!("{f}: "),
                    _ => String::new(),
                };
                let title = location
                    .title
                    .as_deref()
                    .map(|t| format!("{t}: "))
                    .unwrap_or_default();
                Self::err_line(&format!("{place}{label}: {title}{message}"));
            }
        }
    }

    /// The final error of a run: cause, then what to do.
    pub fn fatal(&self, cause: &str, help: Option<&str>) {
        match self.mode {
            Mode::Ci => {
                let msg = match help {
                    Some(h) => format!("{cause} — {h}"),
                    None => cause.to_owned(),
                };
                Self::err_line(&workflow::annotation(
                    Level::Error,
                    &msg,
                    &Location::default(),
                ));
            }
            Mode::Human { .. } => {
                let label = self.paint(
                    Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
                    "error",
                );
                Self::err_line(&format!("{label}: {cause}"));
                if let Some(h) = help {
                    let label = self.paint(
                        Style::new().fg_color(Some(AnsiColor::Cyan.into())).bold(),
                        "help",
                    );
                    Self::err_line(&format!("  {label}: {h}"));
                }
            }
        }
    }

    /// Masks a secret in CI logs (one command per line); nothing on a terminal.
    pub fn mask(&self, secret: &str) {
        if self.is_ci() {
            for line in workflow::add_mask(secret) {
                Self::err_line(&line);
            }
        }
    }

    /// Runs `work` inside a `::group::` in CI, under a bold heading on a terminal.
    pub fn group<T>(&self, title: &str, work: impl FnOnce() -> T) -> T {
        match self.mode {
            Mode::Ci => Self::err_line(&workflow::group(title)),
            Mode::Human { .. } => {
                if !self.quiet {
                    Self::err_line(&self.paint(Style::new().bold(), &format!("▸ {title}")));
                }
            }
        }
        let out = work();
        if self.is_ci() {
            Self::err_line(&workflow::end_group());
        }
        out
    }

    /// Starts a timed step; finish it with [`Step::done`] or [`Step::failed`].
    pub fn step(&self, name: &str) -> Step {
        if !self.quiet {
            match self.mode {
                Mode::Ci => Self::err_line(&format!("▸ {name}")),
                Mode::Human { .. } => {
                    Self::err_line(&self.paint(Style::new().bold(), &format!("▸ {name}")));
                }
            }
        }
        Step {
            ui: self.clone(),
            name: name.to_owned(),
            started: Instant::now(),
        }
    }

    /// Sets a step output (no-op outside Actions); an I/O error is a warning, not fatal.
    pub fn set_output(&self, name: &str, value: &str) {
        if let Err(e) = self.files.set_output(name, value) {
            self.warn(&format!(
                "could not write step output {name} to $GITHUB_OUTPUT: {e}"
            ));
        }
    }

    /// Appends Markdown to the step summary (no-op outside Actions), kept under 1 MiB.
    pub fn summary(&self, markdown: &str) {
        match self.files.append_summary(markdown) {
            Ok(true) => self.warn("step summary truncated at GitHub's 1 MiB limit"),
            Ok(false) => {}
            Err(e) => self.warn(&format!("could not write $GITHUB_STEP_SUMMARY: {e}")),
        }
    }
}

/// A running step, printed with its elapsed time when it ends.
#[derive(Debug)]
pub struct Step {
    ui: Ui,
    name: String,
    started: Instant,
}

impl Step {
    /// Seconds since the step started.
    pub fn elapsed_ms(&self) -> u128 {
        self.started.elapsed().as_millis()
    }

    /// Marks the step done and returns its duration in milliseconds.
    pub fn done(self) -> u128 {
        let ms = self.elapsed_ms();
        self.ui
            .success(&format!("{} ({})", self.name, format_ms(ms)));
        ms
    }

    /// Marks the step failed and returns its duration in milliseconds.
    pub fn failed(self, why: &str) -> u128 {
        let ms = self.elapsed_ms();
        let mark = self.ui.paint(
            Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
            "✗",
        );
        Ui::err_line(&format!("{mark} {} ({}): {why}", self.name, format_ms(ms)));
        ms
    }
}

/// Formats milliseconds for people: `850ms`, `2.4s`, `3m05s`.
pub fn format_ms(ms: u128) -> String {
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m{:02}s", ms / 60_000, (ms % 60_000) / 1000)
    }
}

/// Formats a span of seconds for people, two units at most: `45s`, `12m`, `3h05m`,
/// `2d04h`.
pub fn format_seconds(secs: f64) -> String {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let s = secs.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s}s"),
        60..3600 if s.is_multiple_of(60) => format!("{}m", s / 60),
        60..3600 => format!("{}m{:02}s", s / 60, s % 60),
        3600..86_400 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_of_seconds_read_naturally() {
        assert_eq!(format_seconds(45.0), "45s");
        assert_eq!(format_seconds(720.0), "12m");
        assert_eq!(format_seconds(3780.0), "1h03m");
        assert_eq!(format_seconds(187_200.0), "2d04h");
        assert_eq!(format_seconds(90.4), "1m30s");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_ms(850), "850ms");
        assert_eq!(format_ms(2400), "2.4s");
        assert_eq!(format_ms(185_000), "3m05s");
    }

    #[test]
    fn colour_only_in_human_mode_with_colour() {
        let plain = Ui::with(Mode::Human { color: false }, StepFiles::default());
        assert_eq!(plain.paint(Style::new().bold(), "x"), "x");
        let ci = Ui::with(Mode::Ci, StepFiles::default());
        assert_eq!(ci.paint(Style::new().bold(), "x"), "x");
        let color = Ui::with(Mode::Human { color: true }, StepFiles::default());
        assert!(color.paint(Style::new().bold(), "x").contains("\u{1b}["));
    }
}
