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
}

/// kubectl with the environment's kubeconfig, context and namespace.
#[derive(Debug, Clone)]
pub struct Kubectl {
    base: String,
    namespace: Option<String>,
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
        base.push_str(" --request-timeout=30s");
        Self {
            base,
            namespace: namespace.map(str::to_owned),
        }
    }

    /// The namespace, for messages (`the context's namespace` when unset).
    pub fn namespace(&self) -> &str {
        self.namespace
            .as_deref()
            .unwrap_or("the context's namespace")
    }

    /// The command line of `args` (already quoted).
    pub fn command(&self, args: &str) -> String {
        format!("{} {args}", self.base)
    }

    fn exec(&self, run: &Run, args: &str, stdin: Option<&[u8]>, mode: Mode) -> Result<Output> {
        let out = run.exec(&Local, &self.command(args), stdin, TIMEOUT, mode)?;
        Ok(Output {
            ok: out.success(),
            stdout: out.stdout,
            stderr: out.stderr,
        })
    }

    /// `get KIND NAME -o json`; `None` when it does not exist.
    pub fn get(&self, run: &Run, kind: &str, name: &str) -> Result<Option<Value>> {
        let out = self.exec(
            run,
            &format!("get {kind} {} --ignore-not-found -o json", quote(name)),
            None,
            Mode::Read,
        )?;
        if !out.ok {
            return Err(Error::failed(format!(
                "kubectl get {kind} {name} in {}: {}",
                self.namespace(),
                out.stderr.trim()
            )));
        }
        if out.stdout.trim().is_empty() {
            return Ok(None);
        }
        parse(&out.stdout, &format!("{kind} {name}")).map(Some)
    }

    /// `get KIND -l SELECTOR -o json`: the items.
    pub fn list(&self, run: &Run, kind: &str, selector: &str) -> Result<Vec<Value>> {
        let out = self.exec(
            run,
            &format!("get {kind} -l {} -o json", quote(selector)),
            None,
            Mode::Read,
        )?;
        if !out.ok {
            return Err(Error::failed(format!(
                "kubectl get {kind} -l {selector} in {}: {}",
                self.namespace(),
                out.stderr.trim()
            )));
        }
        let list = parse(&out.stdout, kind)?;
        Ok(list["items"].as_array().cloned().unwrap_or_default())
    }

    /// `patch KIND NAME --type TYPE -p PATCH` (`strategic`, `merge` or `json`).
    pub fn patch(
        &self,
        run: &Run,
        kind: &str,
        name: &str,
        patch_type: &str,
        patch: &Value,
        mode: Mode,
    ) -> Result<std::result::Result<(), Refused>> {
        let out = self.exec(
            run,
            &format!(
                "patch {kind} {} --type {patch_type} -p {}",
                quote(name),
                quote(&patch.to_string())
            ),
            None,
            mode,
        )?;
        Ok(if out.ok { Ok(()) } else { Err(refused(&out)) })
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
    ) -> Result<()> {
        self.patch(run, kind, name, patch_type, patch, mode)?
            .map_err(|r| {
                Error::failed(format!(
                    "patching {kind} {name} in {}: {}",
                    self.namespace(),
                    r.message
                ))
            })
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
            Err(Error::failed(format!(
                "deleting {kind} {name} in {}: {}",
                self.namespace(),
                out.stderr.trim()
            )))
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
            Err(Error::failed(format!(
                "kubectl rollout undo deployment/{name} --to-revision={revision} in {}: {}",
                self.namespace(),
                out.stderr.trim()
            )))
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

struct Output {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn parse(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text)
        .map_err(|e| Error::failed(format!("kubectl answered {what} with invalid JSON: {e}")))
}

/// The reason in `Error from server (Reason): message`.
fn refused(out: &Output) -> Refused {
    let message = out.stderr.trim().to_owned();
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
