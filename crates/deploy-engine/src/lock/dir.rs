//! The lock as a directory on the primary host: `mkdir STATE_DIR/lock` is atomic, and
//! `holder.json` inside records the holder. Anything else at that path (a file, a link,
//! no permission) is reported as unexpected, never retried.

use std::sync::Arc;

use super::holder::epoch;
use super::{Found, Holder, LockError, LockStore, TIMEOUT, UNEXPECTED_HELP};
use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Target, quote};

/// The lock directory on the primary host.
#[derive(Clone)]
pub struct DirLock {
    target: Arc<dyn Target>,
    dir: String,
}

impl DirLock {
    /// `STATE_DIR/lock` on `target`.
    pub fn new(target: Arc<dyn Target>, state_dir: &str) -> Self {
        Self {
            target,
            dir: format!("{}/lock", state_dir.trim_end_matches('/')),
        }
    }

    /// Shell that reports an unexpected state of `$d` (exit 0 with `unexpected WHY`).
    fn unexpected_check() -> &'static str {
        "if [ -L \"$d\" ]; then echo 'unexpected is a symbolic link, not the directory a run creates'; exit 0; fi; \
         if [ -e \"$d\" ] && [ ! -d \"$d\" ]; then echo 'unexpected is a file, not the directory a run creates'; exit 0; fi"
    }

    /// Shell that prints `held`, the directory's age source (mtime) and `holder.json`.
    fn held_report() -> &'static str {
        "echo held; stat -c %Y \"$d\" 2>/dev/null || date +%s; cat \"$d/holder.json\" 2>/dev/null; exit 0"
    }

    fn parse(stdout: &str) -> Option<Found> {
        let mut lines = stdout.splitn(3, '\n');
        match lines.next()?.trim() {
            "acquired" => Some(Found::Acquired),
            "held" => {
                let mtime = lines.next().and_then(|l| l.trim().parse::<u64>().ok());
                let json = lines.next().unwrap_or_default().trim();
                Some(Found::Held(serde_json::from_str(json).unwrap_or_else(
                    |_| Holder::unreadable_since(mtime.unwrap_or_else(epoch)),
                )))
            }
            other => other
                .strip_prefix("unexpected ")
                .map(|why| Found::Unexpected(why.to_owned())),
        }
    }
}

impl LockStore for DirLock {
    fn location(&self) -> String {
        self.target.name().to_owned()
    }

    fn path(&self) -> String {
        self.dir.clone()
    }

    /// The holder, if the lock is held. An unexpected state of the lock path (a file, a
    /// link) is an unsafe state (exit 3) naming the host and path.
    fn holder(&self, run: &Run) -> Result<Option<Holder>> {
        let script = format!(
            "d={}; {}; if [ -d \"$d\" ]; then {}; fi",
            quote(&self.dir),
            Self::unexpected_check(),
            Self::held_report()
        );
        let out = run.exec(&*self.target, &script, None, TIMEOUT, Mode::Read)?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot read the lock {} on {}: {}",
                self.dir,
                self.target.name(),
                out.combined()
            )));
        }
        match Self::parse(&out.stdout) {
            Some(Found::Held(h)) => Ok(Some(h)),
            Some(Found::Unexpected(why)) => Err(Error::BadInput(
                slipway_kit::Failure::unsafe_state(
                    LockError::Unexpected {
                        host: self.location(),
                        path: self.dir.clone(),
                        why,
                    }
                    .to_string(),
                )
                .help(UNEXPECTED_HELP),
            )),
            Some(Found::Acquired) | None => Ok(None),
        }
    }

    /// One attempt: `mkdir`, else what is there.
    fn try_take(&self, run: &Run, holder: &Holder) -> Result<Found> {
        let json = serde_json::to_string(holder).unwrap_or_default();
        let script = format!(
            "d={d}; {check}; \
             if ! err=$(mkdir -p \"$(dirname \"$d\")\" 2>&1); then echo \"unexpected cannot be created: $err\"; exit 0; fi; \
             if mkdir \"$d\" 2>/dev/null; then \
               if cat > \"$d/holder.json\"; then echo acquired; else rm -rf \"$d\"; echo 'unexpected could not record its holder (holder.json)'; fi; exit 0; \
             fi; \
             {check}; \
             if [ -d \"$d\" ]; then {held}; fi; \
             echo \"unexpected cannot be created: $(mkdir \"$d\" 2>&1)\"",
            d = quote(&self.dir),
            check = Self::unexpected_check(),
            held = Self::held_report()
        );
        let out = run.exec(
            &*self.target,
            &script,
            Some(json.as_bytes()),
            TIMEOUT,
            Mode::Cleanup,
        )?;
        if !out.success() {
            return Err(Error::failed(format!(
                "cannot take the lock {} on {}: {}",
                self.dir,
                self.target.name(),
                out.combined()
            )));
        }
        Ok(Self::parse(&out.stdout).unwrap_or_else(|| {
            Found::Unexpected(format!(
                "answered {:?} to the attempt to take it",
                out.combined()
            ))
        }))
    }

    fn remove(&self, run: &Run, id: Option<&str>) -> Result<()> {
        let d = quote(&self.dir);
        let script = match id {
            Some(id) => format!(
                "if grep -q {} {d}/holder.json 2>/dev/null; then rm -rf {d}; fi",
                quote(&format!("\"id\":\"{id}\""))
            ),
            None => format!("rm -rf {d}"),
        };
        run.exec_ok(
            &*self.target,
            "releasing the lock",
            &script,
            None,
            TIMEOUT,
            Mode::Cleanup,
        )?;
        Ok(())
    }

    /// Rewrites `holder.json` with `holder` (its renewal time) if `holder` still holds the
    /// lock; a lock released or broken in between is left alone.
    fn renew(&self, holder: &Holder) -> std::result::Result<(), crate::shell::RunError> {
        let json = serde_json::to_string(holder).unwrap_or_default();
        let script = format!(
            "d={d}; if grep -q {id} \"$d/holder.json\" 2>/dev/null; then cat > \"$d/.holder.json.$$\" && mv -f \"$d/.holder.json.$$\" \"$d/holder.json\"; fi",
            d = quote(&self.dir),
            id = quote(&format!("\"id\":\"{}\"", holder.id))
        );
        self.target
            .run(&script, Some(json.as_bytes()), TIMEOUT, None)
            .map(|_| ())
    }
}
