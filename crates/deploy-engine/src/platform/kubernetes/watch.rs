//! Waiting on the API's own change stream instead of polling: a child
//! `kubectl get KIND --field-selector metadata.name=NAME -w -o json --output-watch-events`
//! prints the object as it is (an `ADDED` event; nothing when it does not exist), then
//! every change as a JSON watch event (`{"type": "MODIFIED", "object": {…}}`), which a
//! thread parses as it arrives. A wait started before the change it waits for misses
//! nothing, and it ends the moment the awaited state is written, not up to a poll
//! interval later.
//!
//! Why a list and not `kubectl get KIND NAME -w`: for one named object kubectl reads it,
//! then watches from resource version 0 and drops the watch's first event, taking it for
//! the object it just printed. A change that lands between the read and the watch is that
//! first event, so it was dropped, and the wait saw nothing until its deadline (a Service
//! switch timed out with the endpoints already moved). A list is read and then watched
//! from the list's own resource version, which loses nothing in between.
//!
//! Every wait has a deadline; the child is killed when the wait ends for any reason
//! (done, failed, deadline, signal). A watch the server closes (its own timeout, a
//! restart) is started again until the deadline.

use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::platform::kubernetes::kubectl::Kubectl;
use crate::run::{Error, Result, Run};
use crate::shell::quote;

/// How often a wait looks at the deadline and at signals while no event arrives.
const TICK: Duration = Duration::from_millis(100);
/// The pause before a closed watch is started again.
const RESTART: Duration = Duration::from_millis(200);

/// What the stream said.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// The object as it is now (`ADDED`, `MODIFIED`).
    Object(Value),
    /// The object was deleted.
    Deleted,
    /// The stream ended (kubectl exited): its message, if any.
    Ended(String),
}

/// A running watch on one object; the child is killed on drop.
#[derive(Debug)]
pub struct Watch {
    child: Child,
    events: Receiver<Event>,
}

impl Watch {
    /// Starts watching `kind` `name` (returns at once; events arrive as kubectl reads them).
    pub fn start(kubectl: &Kubectl, kind: &str, name: &str) -> Result<Self> {
        let script = format!(
            "exec {}",
            kubectl.streaming(&format!(
                "get {kind} --field-selector {} -w -o json --output-watch-events",
                quote(&format!("metadata.name={name}"))
            ))
        );
        tracing::debug!(host = "local", "{script}");
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(&script)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command.spawn().map_err(|e| {
            Error::failed(format!("cannot start kubectl to watch {kind} {name}: {e}"))
        })?;
        let (tx, events) = channel();
        let stdout = child.stdout.take();
        let mut stderr = child.stderr.take();
        std::thread::spawn(move || {
            let err = std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(s) = stderr.as_mut() {
                    let _ = s.read_to_string(&mut text);
                }
                text
            });
            if let Some(out) = stdout {
                for value in serde_json::Deserializer::from_reader(out).into_iter::<Value>() {
                    let Ok(mut value) = value else { break };
                    let event = match value["type"].as_str() {
                        Some("ADDED" | "MODIFIED") => Event::Object(value["object"].take()),
                        Some("DELETED") => Event::Deleted,
                        Some("ERROR") => Event::Ended(
                            value["object"]["message"]
                                .as_str()
                                .unwrap_or("the watch failed")
                                .to_owned(),
                        ),
                        _ => continue,
                    };
                    if tx.send(event).is_err() {
                        return;
                    }
                }
            }
            let text = err.join().unwrap_or_default();
            let _ = tx.send(Event::Ended(
                text.lines()
                    .filter(|l| !l.starts_with("Warning:"))
                    .collect::<Vec<_>>()
                    .join(" ")
                    .trim()
                    .to_owned(),
            ));
        });
        Ok(Self { child, events })
    }

    /// The next event, waiting at most until `until`; `None` at the deadline. Fails with
    /// [`Error::Cancelled`] when a signal arrives (unless the run is cleaning up).
    pub fn next(&self, run: &Run, until: Instant) -> Result<Option<Event>> {
        loop {
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            match self.events.recv_timeout(left.min(TICK)) {
                Ok(event) => return Ok(Some(event)),
                Err(RecvTimeoutError::Timeout) => run.checkpoint()?,
                Err(RecvTimeoutError::Disconnected) => {
                    return Ok(Some(Event::Ended(String::new())));
                }
            }
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // `exec` made kubectl the child itself: killing it ends the stream.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What a wait's test says of one state of the object.
#[derive(Debug, Clone, PartialEq)]
pub enum Check<T> {
    /// The awaited state: the wait returns this.
    Done(T),
    /// Not yet: why, for the deadline's message.
    Waiting(String),
    /// It will not get there: the wait fails with this.
    Failed(String),
}

/// Waits until `check` says `Done` of a state of `kind` `name`, at most `deadline`.
/// `watch` is one started before the change being waited for (so no event is missed);
/// without it a watch starts now. `check` sees `Value::Null` once the object is deleted
/// (an object absent from the start gives no state until it is created).
/// The deadline's error is `what did not finish within Ns: WHY`.
pub fn until<T>(
    run: &Run,
    kubectl: &Kubectl,
    (kind, name): (&str, &str),
    deadline: Duration,
    watch: Option<Watch>,
    what: &str,
    mut check: impl FnMut(&Value) -> Check<T>,
) -> Result<T> {
    let end = Instant::now() + deadline;
    let mut why = "no state seen yet".to_owned();
    let mut watch = match watch {
        Some(w) => w,
        None => Watch::start(kubectl, kind, name)?,
    };
    loop {
        let seen = match watch.next(run, end)? {
            None => {
                return Err(Error::failed(format!(
                    "{what} did not finish within {}s: {why}",
                    deadline.as_secs()
                )));
            }
            Some(Event::Object(v)) => v,
            Some(Event::Deleted) => Value::Null,
            Some(Event::Ended(message)) => {
                if !message.is_empty() {
                    why = format!("watching {kind} {name}: {message}");
                }
                // The server closed the stream, or kubectl failed: look again until the end.
                std::thread::sleep(RESTART.min(end.saturating_duration_since(Instant::now())));
                if Instant::now() >= end {
                    continue;
                }
                watch = Watch::start(kubectl, kind, name)?;
                continue;
            }
        };
        match check(&seen) {
            Check::Done(t) => return Ok(t),
            Check::Failed(m) => return Err(Error::failed(m)),
            Check::Waiting(w) => why = w,
        }
    }
}
