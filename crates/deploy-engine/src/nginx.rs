//! The nginx router: rewrite the upstream file, `nginx -t`, graceful reload, restore the
//! previous file on any failure, then poll a URL through nginx until the switch is seen.
//!
//! Measured (DESIGN.md §3): a reload is seen 30 to 190 ms after it returns, so the engine
//! polls, never assumes; idle keep-alive connections can be reset during a reload, so a
//! probe retries once on a reset. The upstream file carries the routing as a comment (read
//! back by [`Nginx::current`]) and a `map` that sets `$slipway_generation_NAME`: add
//! `add_header X-Slipway-Generation $slipway_generation_NAME always;` to the proxied
//! location and the probe observes the exact generation, even when versions are mixed.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::NginxConfig;
use crate::http;
use crate::router::{Router, Routing};
use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};
use crate::template::Vars;

const MARKER: &str = "# slipway-routing: ";
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
/// Consecutive matching probe responses that count as "switched".
pub const OBSERVE_CONSECUTIVE: u32 = 3;

/// nginx on a target.
pub struct Nginx {
    config: NginxConfig,
    target: Arc<dyn Target>,
    environment: String,
}

impl std::fmt::Debug for Nginx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Nginx")
            .field("upstream_file", &self.config.upstream_file)
            .field("host", &self.target.name())
            .finish_non_exhaustive()
    }
}

impl Nginx {
    /// nginx as configured, on `target`.
    pub fn new(config: NginxConfig, target: Arc<dyn Target>, environment: &str) -> Self {
        Self {
            config,
            target,
            environment: environment.to_owned(),
        }
    }

    fn file(&self) -> String {
        quote(&self.config.upstream_file)
    }

    fn previous(&self) -> String {
        quote(&format!("{}.slipway-previous", self.config.upstream_file))
    }

    /// The variable holding the generation (`$slipway_generation_NAME`).
    pub fn generation_variable(&self) -> String {
        format!(
            "slipway_generation_{}",
            self.config
                .upstream_name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect::<String>()
        )
    }

    /// The upstream file for `routing`.
    pub fn render(&self, routing: &Routing) -> String {
        let mut text = String::from("# Written by slipway deploy; changes here are overwritten.\n");
        let json = serde_json::to_string(routing).unwrap_or_default();
        let _ = writeln!(text, "{MARKER}{json}");
        let _ = writeln!(text, "upstream {} {{", self.config.upstream_name);
        for b in &routing.backends {
            let _ = writeln!(
                text,
                "    server {}:{} weight={}; # {} {} {}",
                b.address,
                b.port,
                b.weight.max(1),
                b.host,
                b.slot,
                b.version
            );
        }
        text.push_str("}\n");
        let _ = writeln!(
            text,
            "map $host ${} {{ default \"{}\"; }}",
            self.generation_variable(),
            routing.generation
        );
        text
    }

    fn nginx(&self, args: &str) -> String {
        format!("{} {args}", self.config.command)
    }

    /// Polls the probe URL until [`OBSERVE_CONSECUTIVE`] responses in a row show `routing`.
    fn observe(&self, run: &Run, routing: &Routing) -> Result<Duration> {
        let started = Instant::now();
        let Some(url) = &self.config.probe_url else {
            run.ui
                .warn("nginx.probe_url is not set: the switch cannot be observed through nginx");
            return Ok(started.elapsed());
        };
        let vars = Vars::new()
            .with("environment", &self.environment)
            .with("version", routing.single_version().unwrap_or_default());
        let url = vars.render(url);
        let expect = routing
            .single_version()
            .map(|_| vars.render(&self.config.probe_expect));
        let deadline = started + self.config.switch_timeout.as_std();
        let settle = self.config.settle.as_std();
        let mut streak = 0;
        let mut first_seen: Option<Instant> = None;
        let mut last = String::from("no answer yet");
        while streak < OBSERVE_CONSECUTIVE || first_seen.is_none_or(|t| t.elapsed() < settle) {
            if Instant::now() >= deadline {
                return Err(Error::failed(format!(
                    "the switch was not observed through {url} within {:?} (last: {last})",
                    self.config.switch_timeout.as_std()
                )));
            }
            if run.interrupted() {
                return Err(Error::Cancelled);
            }
            let ca = self.config.ca_file.as_deref();
            let response = match http::get(&url, Duration::from_secs(2), ca) {
                Err(e) if e.is_reset() => http::get(&url, Duration::from_secs(2), ca),
                other => other,
            };
            let seen = match response {
                Err(e) => {
                    last = e.to_string();
                    false
                }
                Ok(r) => {
                    last = format!(
                        "{} {}",
                        r.status,
                        r.body.trim().chars().take(80).collect::<String>()
                    );
                    r.status < 500
                        && match r.header("x-slipway-generation") {
                            Some(generation) => generation == routing.generation,
                            None => expect.as_ref().is_none_or(|e| r.body.contains(e.as_str())),
                        }
                }
            };
            if seen {
                streak += 1;
                first_seen.get_or_insert_with(Instant::now);
            } else {
                streak = 0;
                first_seen = None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        Ok(first_seen.map_or_else(|| started.elapsed(), |t| t.duration_since(started)))
    }
}

impl Router for Nginx {
    fn describe(&self) -> String {
        format!(
            "nginx on {} ({})",
            self.target.name(),
            self.config.upstream_file
        )
    }

    fn current(&self, run: &Run) -> Result<Option<Routing>> {
        let out = run.exec(
            &*self.target,
            &format!("cat {} 2>/dev/null || true", self.file()),
            None,
            COMMAND_TIMEOUT,
            Mode::Read,
        )?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot read {} on {}: {}",
                self.config.upstream_file,
                self.target.name(),
                out.combined()
            )));
        }
        Ok(out
            .stdout
            .lines()
            .find_map(|l| l.strip_prefix(MARKER))
            .and_then(|json| serde_json::from_str(json).ok()))
    }

    fn apply(&self, run: &Run, routing: &Routing) -> Result<()> {
        if routing.backends.is_empty() {
            return Err(Error::failed("refusing to route to no backend at all"));
        }
        let text = self.render(routing);
        // One round trip: write atomically, test, reload; on any failure put the previous
        // file back (and reload it) so nginx keeps serving the last good routing.
        let script = format!(
            "if [ -f {f} ]; then cp -p {f} {p}; else rm -f {p}; fi && cat > {f}.slipway-tmp && mv -f {f}.slipway-tmp {f} || exit 10\n\
             restore() {{ if [ -f {p} ]; then cp -p {p} {f}; fi; }}\n\
             if ! out=$({test} 2>&1); then restore; echo \"nginx -t failed, previous upstream file restored: $out\" >&2; exit 11; fi\n\
             if ! out=$({reload} 2>&1); then restore; {reload} >/dev/null 2>&1; echo \"nginx reload failed, previous upstream file restored: $out\" >&2; exit 12; fi",
            f = self.file(),
            p = self.previous(),
            test = self.nginx("-t"),
            reload = self.nginx("-s reload"),
        );
        if run.dry_run {
            run.ui.detail(&format!(
                "would write {} on {}: {}",
                self.config.upstream_file,
                self.target.name(),
                routing.describe()
            ));
        }
        run.exec_ok(
            &*self.target,
            "switching nginx",
            &script,
            Some(text.as_bytes()),
            COMMAND_TIMEOUT,
            Mode::Change,
        )?;
        if run.dry_run {
            if let Some(url) = &self.config.probe_url {
                run.ui
                    .detail(&format!("would poll {url} until the switch is observed"));
            }
            return Ok(());
        }
        let seen = self.observe(run, routing)?;
        run.ui.detail(&format!(
            "switch observed through nginx {} ms after the reload, then steady for {} ms",
            seen.as_millis(),
            self.config.settle.as_std().as_millis()
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::router::Backend;

    #[test]
    fn upstream_file_carries_the_routing_and_the_generation() {
        let nginx = Nginx::new(
            NginxConfig {
                upstream_name: "app-staging".into(),
                upstream_file: "/tmp/u.conf".into(),
                ..NginxConfig::default()
            },
            Arc::new(crate::shell::Local),
            "staging",
        );
        let routing = Routing::new(vec![Backend {
            host: "local".into(),
            slot: "green".into(),
            version: "v2".into(),
            address: "127.0.0.1".into(),
            port: 8082,
            weight: 1,
        }]);
        let text = nginx.render(&routing);
        assert!(
            text.contains(
                "upstream app-staging {\n    server 127.0.0.1:8082 weight=1; # local green v2\n}"
            ),
            "{text}"
        );
        assert!(text.contains(&format!(
            "map $host $slipway_generation_app_staging {{ default \"{}\"; }}",
            routing.generation
        )));
        let json = text.lines().find_map(|l| l.strip_prefix(MARKER)).unwrap();
        let back: Routing = serde_json::from_str(json).unwrap();
        assert_eq!(back, routing);
    }
}
