//! The Kubernetes client: the `kubectl` the runners already have, always with JSON in and
//! out (`-o json`, `-f -`, `-p JSON`), never scraping its human output for state. It brings
//! the user's kubeconfig, contexts and exec auth plugins (EKS, GKE, AKS) exactly as they
//! work by hand. Every call goes through [`Run::exec`], so under `--dry-run` each change
//! prints as the kubectl command it would be, and reads still run.
//!
//! The one thing read from stderr is the API's reason on a refused write, which kubectl
//! prints as `Error from server (Reason): …` (`Conflict`, `AlreadyExists`, `NotFound`):
//! optimistic concurrency needs to tell a conflict from any other failure.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;

use crate::run::{Error, Mode, Result, Run};
use crate::shell::{Local, Target as _, quote};

const TIMEOUT: Duration = Duration::from_secs(60);

/// A write the API refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    /// The API's reason (`Conflict`, `AlreadyExists`, `NotFound`, `Invalid`, …), when given.
    pub reason: Option<String>,
    /// kubectl's message.
    pub message: String,
}

impl Refused {
    /// Whether the API answered with `reason`.
    pub fn is(&self, reason: &str) -> bool {
        self.reason.as_deref() == Some(reason)
    }

    /// The error of a refused patch of `kind` `name` in `namespace`.
    fn patching(&self, kind: &str, name: &str, namespace: &str) -> Error {
        Error::failed(format!(
            "patching {kind} {name} in {namespace}: {}",
            self.message
        ))
    }
}

/// kubectl with the environment's kubeconfig, context and namespace.
#[derive(Debug, Clone)]
pub struct Kubectl {
    base: String,
    namespace: Option<String>,
    context: Option<String>,
}

impl Kubectl {
    /// kubectl `program` with these optional settings (defaults: kubectl's own).
    pub fn new(
        program: &str,
        kubeconfig: Option<&str>,
        context: Option<&str>,
        namespace: Option<&str>,
    ) -> Self {
        let mut base = quote(program);
        if let Some(k) = kubeconfig {
            let _ = write!(base, " --kubeconfig {}", quote(k));
        }
        if let Some(c) = context {
            let _ = write!(base, " --context {}", quote(c));
        }
        if let Some(n) = namespace {
            let _ = write!(base, " --namespace {}", quote(n));
        }
        Self {
            base,
            namespace: namespace.map(str::to_owned),
            context: context.map(str::to_owned),
        }
    }

    /// `context NAME` for messages: the configured one, else the kubeconfig's current
    /// context (asked of kubectl, on the error path only).
    pub fn context_label(&self) -> String {
        if let Some(c) = &self.context {
            return format!("context {c}");
        }
        let current = Local
            .run(&self.command("config current-context"), None, TIMEOUT, None)
            .ok()
            .filter(crate::shell::Output::success)
            .map(|o| o.stdout.trim().to_owned())
            .filter(|c| !c.is_empty());
        match current {
            Some(c) => format!("context {c} (the kubeconfig's current context)"),
            None => "the kubeconfig's current context".to_owned(),
        }
    }

    /// The namespace, for messages (`the context's namespace` when unset).
    pub fn namespace(&self) -> &str {
        self.namespace
            .as_deref()
            .unwrap_or("the context's namespace")
    }

    /// The command line of `args` (already quoted), each request bounded by 30 s.
    pub fn command(&self, args: &str) -> String {
        format!("{} --request-timeout=30s {args}", self.base)
    }

    /// The command line of a watch `args`: no request timeout (the wait has its deadline).
    pub fn streaming(&self, args: &str) -> String {
        format!("{} --request-timeout=0 {args}", self.base)
    }

    /// The error of a call that reached the API and failed: `WHAT in NAMESPACE: stderr`.
    fn failed(&self, what: &str, out: &Output) -> Error {
        Error::failed(format!(
            "{what} in {}: {}",
            self.namespace(),
            one_line(&out.stderr)
        ))
    }

    fn exec(&self, run: &Run, args: &str, stdin: Option<&[u8]>, mode: Mode) -> Result<Output> {
        let out = run.exec(&Local, &self.command(args), stdin, TIMEOUT, mode)?;
        let out = Output {
            ok: out.success(),
            stdout: out.stdout,
            stderr: out.stderr,
        };
        if !out.ok && unreachable(&out.stderr) {
            return Err(self.cannot_reach(&out.stderr));
        }
        Ok(out)
    }

    /// The error of a kubectl that could not reach or authenticate to the API server: bad
    /// input (exit 2) naming the context, since the request never got to the cluster.
    fn cannot_reach(&self, stderr: &str) -> Error {
        let context = self.context_label();
        Error::BadInput(
            slipway_kit::Failure::bad_input(format!(
                "kubectl cannot reach the cluster of {context}: {}",
                one_line(stderr)
            ))
            .help(format!(
                "check the kubeconfig and the credentials of {context} (its exec plugin, token or certificate), e.g. with `kubectl get namespaces`"
            )),
        )
    }

    /// Runs the read `args -o json`: the JSON printed (`None` when kubectl printed nothing,
    /// as `--ignore-not-found` does); a failure names `what` and the namespace.
    fn read(&self, run: &Run, args: &str, what: &str) -> Result<Option<Value>> {
        let out = self.exec(run, &format!("{args} -o json"), None, Mode::Read)?;
        if !out.ok {
            return Err(self.failed(&format!("kubectl {what}"), &out));
        }
        if out.stdout.trim().is_empty() {
            return Ok(None);
        }
        parse(&out.stdout, what).map(Some)
    }

    /// `get KIND NAME -o json`; `None` when it does not exist.
    pub fn get(&self, run: &Run, kind: &str, name: &str) -> Result<Option<Value>> {
        let args = format!("get {kind} {} --ignore-not-found", quote(name));
        self.read(run, &args, &format!("get {kind} {name}"))
    }

    /// `get KIND -l SELECTOR -o json` (every object of KIND with an empty selector): the items.
    pub fn list(&self, run: &Run, kind: &str, selector: &str) -> Result<Vec<Value>> {
        let args = if selector.is_empty() {
            format!("get {kind}")
        } else {
            format!("get {kind} -l {}", quote(selector))
        };
        let list = self.read(run, &args, &args)?.unwrap_or(Value::Null);
        Ok(items(list))
    }

    /// `get KIND/NAME KIND/NAME… --ignore-not-found -o json`: those of `objects` that
    /// exist, read in one call.
    pub fn get_all(&self, run: &Run, objects: &[String]) -> Result<Vec<Value>> {
        if objects.is_empty() {
            return Ok(Vec::new());
        }
        let names: Vec<String> = objects.iter().map(|o| quote(o)).collect();
        let args = format!("get {} --ignore-not-found", names.join(" "));
        let answer = self.read(run, &args, &format!("get {}", objects.join(" ")))?;
        Ok(answer.map(items).unwrap_or_default())
    }

    /// `patch KIND NAME --type TYPE -p PATCH -o json` (`strategic`, `merge` or `json`): the
    /// object as the API stored it, read in the same call (`Null` under `--dry-run`).
    pub fn patch(
        &self,
        run: &Run,
        kind: &str,
        name: &str,
        patch_type: &str,
        patch: &Value,
        mode: Mode,
    ) -> Result<std::result::Result<Value, Refused>> {
        let out = self.exec(
            run,
            &format!(
                "patch {kind} {} --type {patch_type} -p {} -o json",
                quote(name),
                quote(&patch.to_string())
            ),
            None,
            mode,
        )?;
        if !out.ok {
            return Ok(Err(refused(&out)));
        }
        if out.stdout.trim().is_empty() {
            return Ok(Ok(Value::Null));
        }
        parse(&out.stdout, &format!("patch {kind} {name}")).map(Ok)
    }

    /// [`Kubectl::patch`], failing on a refusal with a message naming the object.
    pub fn patch_ok(
        &self,
        run: &Run,
        kind: &str,
        name: &str,
        patch_type: &str,
        patch: &Value,
        mode: Mode,
    ) -> Result<Value> {
        self.patch(run, kind, name, patch_type, patch, mode)?
            .map_err(|r| r.patching(kind, name, self.namespace()))
    }

    /// `create -f -` (or `replace -f -` with `verb = "replace"`) of `object`: the object
    /// as the API stored it (`Null` under `--dry-run`), or the refusal.
    pub fn write(
        &self,
        run: &Run,
        verb: &str,
        object: &Value,
        mode: Mode,
    ) -> Result<std::result::Result<Value, Refused>> {
        let body = object.to_string();
        let out = self.exec(
            run,
            &format!("{verb} -f - -o json"),
            Some(body.as_bytes()),
            mode,
        )?;
        if !out.ok {
            return Ok(Err(refused(&out)));
        }
        if out.stdout.trim().is_empty() {
            return Ok(Ok(Value::Null));
        }
        parse(&out.stdout, verb).map(Ok)
    }

    /// `delete KIND NAME --ignore-not-found`.
    pub fn delete(&self, run: &Run, kind: &str, name: &str, mode: Mode) -> Result<()> {
        let out = self.exec(
            run,
            &format!(
                "delete {kind} {} --ignore-not-found --wait=false",
                quote(name)
            ),
            None,
            mode,
        )?;
        if out.ok {
            Ok(())
        } else {
            Err(self.failed(&format!("deleting {kind} {name}"), &out))
        }
    }

    /// A `patch KIND NAME --type TYPE` started now that waits on its stdin for the patch:
    /// kubectl's start-up (most of a call's time) overlaps the reads that decide the patch,
    /// and [`Prepared::patch`] then costs little more than the API round trip. Under
    /// `--dry-run`, or when kubectl cannot start, nothing starts and `patch` runs the
    /// ordinary [`Kubectl::patch`].
    pub fn prepare_patch(&self, run: &Run, kind: &str, name: &str, patch_type: &str) -> Prepared {
        let args = format!(
            "patch {kind} {} --type {patch_type} --patch-file /dev/stdin -o json",
            quote(name)
        );
        Prepared {
            kubectl: self.clone(),
            kind: kind.to_owned(),
            name: name.to_owned(),
            patch_type: patch_type.to_owned(),
            started: Started::spawn(self, &args, !run.dry_run),
        }
    }

    /// A `get -f /dev/stdin --ignore-not-found -o json` started now, to be told later which
    /// objects to read ([`PreparedRead::read`]): kubectl's start-up happens before the
    /// read is needed (between two steps of a run), not on its critical path.
    pub fn prepare_read(&self) -> PreparedRead {
        PreparedRead {
            kubectl: self.clone(),
            started: Started::spawn(self, "get -f /dev/stdin --ignore-not-found -o json", true),
        }
    }

    /// `rollout undo deployment/NAME --to-revision=REVISION`.
    pub fn rollout_undo(&self, run: &Run, name: &str, revision: u64, mode: Mode) -> Result<()> {
        let out = self.exec(
            run,
            &format!(
                "rollout undo deployment/{} --to-revision={revision}",
                quote(name)
            ),
            None,
            mode,
        )?;
        if out.ok {
            Ok(())
        } else {
            Err(self.failed(
                &format!("kubectl rollout undo deployment/{name} --to-revision={revision}"),
                &out,
            ))
        }
    }

    /// Runs `args` outside any run (the Lease renewer's thread): a JSON patch whose `test`
    /// operations make it conditional. `true` when the API applied it.
    pub fn patch_detached(&self, kind: &str, name: &str, patch: &Value) -> bool {
        let script = self.command(&format!(
            "patch {kind} {} --type json -p {}",
            quote(name),
            quote(&patch.to_string())
        ));
        Local
            .run(&script, None, TIMEOUT, None)
            .is_ok_and(|o| o.success())
    }
}

/// A kubectl started ahead, waiting on its stdin; killed on drop when unused.
#[derive(Debug)]
struct Started {
    child: Option<std::process::Child>,
}

impl Started {
    /// `kubectl ARGS` with a piped stdin (`None` when `start` is false or it cannot start:
    /// the caller then runs the ordinary call).
    fn spawn(kubectl: &Kubectl, args: &str, start: bool) -> Self {
        if !start {
            return Self { child: None };
        }
        let script = format!("exec {}", kubectl.command(args));
        tracing::debug!(host = "local", "{script}");
        let mut command = std::process::Command::new("sh");
        command
            .arg("-c")
            .arg(&script)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        Self {
            child: command.spawn().ok(),
        }
    }

    /// Writes `input` to the started kubectl and waits for it (at most [`TIMEOUT`]; a
    /// change, `Mode::Change`, is killed on a signal). `None` when nothing was started.
    fn finish(
        &mut self,
        kubectl: &Kubectl,
        run: &Run,
        input: &[u8],
        mode: Mode,
        what: &str,
    ) -> Result<Option<Output>> {
        let Some(mut child) = self.child.take() else {
            return Ok(None);
        };
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write as _;
            // A kubectl that died already shows in its exit status below.
            let _ = stdin.write_all(input);
        }
        let readers: Vec<_> = [
            child
                .stdout
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|s| Box::new(s) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .map(|stream| {
            std::thread::spawn(move || {
                let mut text = String::new();
                if let Some(mut s) = stream {
                    let _ = std::io::Read::read_to_string(&mut s, &mut text);
                }
                text
            })
        })
        .collect();
        let started = std::time::Instant::now();
        let status = loop {
            if let Ok(Some(status)) = child.try_wait() {
                break status;
            }
            let cancelled = mode == Mode::Change && run.interrupted();
            if cancelled || started.elapsed() >= TIMEOUT {
                let _ = child.kill();
                let _ = child.wait();
                return Err(if cancelled {
                    Error::Cancelled
                } else {
                    Error::failed(format!(
                        "kubectl {what} did not finish within {}s",
                        TIMEOUT.as_secs()
                    ))
                });
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let mut texts = readers.into_iter().map(|r| r.join().unwrap_or_default());
        let out = Output {
            ok: status.success(),
            stdout: texts.next().unwrap_or_default(),
            stderr: texts.next().unwrap_or_default(),
        };
        if !out.ok && unreachable(&out.stderr) {
            return Err(kubectl.cannot_reach(&out.stderr));
        }
        Ok(Some(out))
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A patch whose kubectl already started ([`Kubectl::prepare_patch`]); killed on drop
/// when unused.
#[derive(Debug)]
pub struct Prepared {
    kubectl: Kubectl,
    kind: String,
    name: String,
    patch_type: String,
    started: Started,
}

impl Prepared {
    /// Sends `patch` (a [`Kubectl::patch`] with the started kubectl): the object as the API
    /// stored it, or the refusal. A change (`Mode::Change`) is killed on a signal.
    pub fn patch(
        mut self,
        run: &Run,
        patch: &Value,
        mode: Mode,
    ) -> Result<std::result::Result<Value, Refused>> {
        let what = format!("patch {} {}", self.kind, self.name);
        let body = patch.to_string();
        let Some(out) = self
            .started
            .finish(&self.kubectl, run, body.as_bytes(), mode, &what)?
        else {
            return self
                .kubectl
                .patch(run, &self.kind, &self.name, &self.patch_type, patch, mode);
        };
        if !out.ok {
            return Ok(Err(refused(&out)));
        }
        parse(&out.stdout, &what).map(Ok)
    }

    /// [`Prepared::patch`], failing on a refusal with a message naming the object.
    pub fn patch_ok(self, run: &Run, patch: &Value, mode: Mode) -> Result<Value> {
        let (kind, name, namespace) = (
            self.kind.clone(),
            self.name.clone(),
            self.kubectl.namespace().to_owned(),
        );
        self.patch(run, patch, mode)?
            .map_err(|r| r.patching(&kind, &name, &namespace))
    }
}

/// A read whose kubectl already started ([`Kubectl::prepare_read`]); killed on drop when
/// unused.
#[derive(Debug)]
pub struct PreparedRead {
    kubectl: Kubectl,
    started: Started,
}

impl PreparedRead {
    /// Reads `objects` (`KIND/NAME`, as [`Kubectl::get_all`] takes them): those that exist.
    pub fn read(mut self, run: &Run, objects: &[String]) -> Result<Vec<Value>> {
        let refs: Vec<Value> = objects.iter().filter_map(|o| reference(o)).collect();
        if refs.len() != objects.len() {
            return self.kubectl.get_all(run, objects);
        }
        let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": refs});
        let what = format!("get {}", objects.join(" "));
        let Some(out) = self.started.finish(
            &self.kubectl,
            run,
            list.to_string().as_bytes(),
            Mode::Read,
            &what,
        )?
        else {
            return self.kubectl.get_all(run, objects);
        };
        if !out.ok {
            return Err(self.kubectl.failed(&format!("kubectl {what}"), &out));
        }
        if out.stdout.trim().is_empty() {
            return Ok(Vec::new());
        }
        parse(&out.stdout, &what).map(items)
    }
}

/// The manifest naming `KIND/NAME` for `kubectl get -f` (the kinds a snapshot reads).
fn reference(object: &str) -> Option<Value> {
    let (kind, name) = object.split_once('/')?;
    let (api_version, kind) = match kind {
        "service" => ("v1", "Service"),
        "deployment" => ("apps/v1", "Deployment"),
        "horizontalpodautoscaler.autoscaling" => ("autoscaling/v1", "HorizontalPodAutoscaler"),
        _ => return None,
    };
    Some(serde_json::json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}))
}

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// The objects of a `List` answer, or the one object answered.
fn items(answer: Value) -> Vec<Value> {
    match answer {
        Value::Null => Vec::new(),
        mut list if list["kind"] == "List" || list["items"].is_array() => list["items"]
            .as_array_mut()
            .map(std::mem::take)
            .unwrap_or_default(),
        one => vec![one],
    }
}

fn parse(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::failed(format!("kubectl answered {what} with invalid JSON: {e}")))
}

/// Whether kubectl's `stderr` says the request never reached the API: no connection, no
/// credentials (a failing exec plugin), or credentials the server refused.
fn unreachable(stderr: &str) -> bool {
    [
        "Unable to connect to the server",
        "getting credentials",
        "error: You must be logged in to the server",
        "(Unauthorized)",
        "the server has asked for the client to provide credentials",
    ]
    .iter()
    .any(|m| stderr.contains(m))
}

/// kubectl's (and its exec plugin's) error lines as one line: warnings and repeats left out.
pub fn one_line(stderr: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in stderr.lines().map(str::trim) {
        if !line.is_empty() && !line.starts_with("Warning:") && !lines.contains(&line) {
            lines.push(line);
        }
    }
    lines.join("; ")
}

/// The reason in `Error from server (Reason): message`.
fn refused(out: &Output) -> Refused {
    let message = one_line(&out.stderr);
    let reason = message
        .lines()
        .find_map(|l| l.strip_prefix("Error from server ("))
        .and_then(|rest| rest.split_once(')'))
        .map(|(r, _)| r.to_owned());
    Refused { reason, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_api_reason_is_read_from_a_refusal() {
        let out = Output {
            ok: false,
            stdout: String::new(),
            stderr: "Warning: something\nError from server (Conflict): error when replacing \"STDIN\": Operation cannot be fulfilled on configmaps \"slipway-ledger-x\": the object has been modified\n".into(),
        };
        let r = refused(&out);
        assert!(r.is("Conflict"), "{r:?}");
        let plain = Output {
            ok: false,
            stdout: String::new(),
            stderr: "error: unable to connect".into(),
        };
        assert_eq!(refused(&plain).reason, None);
    }

    #[test]
    fn a_failing_exec_plugin_is_one_line_and_counts_as_unreachable() {
        let stderr = "error: the SSO session has expired\nerror: the SSO session has expired\n\
            Unable to connect to the server: getting credentials: exec: executable get-token failed with exit code 1\n";
        assert!(unreachable(stderr));
        assert_eq!(
            one_line(stderr),
            "error: the SSO session has expired; Unable to connect to the server: getting credentials: exec: executable get-token failed with exit code 1"
        );
        assert!(!unreachable(
            "Error from server (NotFound): deployments.apps \"web\" not found"
        ));
        let k = Kubectl::new("kubectl", None, Some("shop-eks"), None);
        let Error::BadInput(f) = k.cannot_reach(stderr) else {
            panic!("bad input")
        };
        assert_eq!(f.exit, slipway_kit::Exit::BadInput);
        assert!(
            f.cause.starts_with(
                "kubectl cannot reach the cluster of context shop-eks: error: the SSO"
            ),
            "{}",
            f.cause
        );
    }

    #[test]
    fn list_answers_and_single_objects_become_items() {
        let list = serde_json::json!({"kind": "List", "items": [{"kind": "Service"}, {"kind": "Deployment"}]});
        assert_eq!(items(list).len(), 2);
        assert_eq!(items(serde_json::json!({"kind": "Service"})).len(), 1);
        assert!(items(Value::Null).is_empty());
    }

    #[test]
    fn settings_become_flags_and_are_quoted() {
        let k = Kubectl::new(
            "kubectl",
            Some("/tmp/my config"),
            Some("prod"),
            Some("shop"),
        );
        assert_eq!(
            k.command("get pods"),
            "kubectl --kubeconfig '/tmp/my config' --context prod --namespace shop --request-timeout=30s get pods"
        );
        assert_eq!(
            Kubectl::new("kubectl", None, None, None).namespace(),
            "the context's namespace"
        );
    }
}
