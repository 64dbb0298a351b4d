//! kube-linter JSON (`kube-linter lint --format json manifests/`): one finding per
//! report (a check failed on a Kubernetes object), located at the manifest file and
//! named `namespace/Kind/name` in the message.
//!
//! Severity: kube-linter gives none; every failed check counts as medium (a
//! misconfiguration, as DefectDojo maps it). `"Reports": null` is a clean run.

use std::io::BufRead;
use std::path::Path;

use serde::Deserialize;

use crate::error::ParseError;
use crate::model::{Finding, FindingsReport, Severity};

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Doc {
    reports: Option<Vec<Lint>>,
    summary: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Lint {
    #[serde(default)]
    check: String,
    diagnostic: Option<Diagnostic>,
    object: Option<Object>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Diagnostic {
    #[serde(default)]
    message: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Object {
    metadata: Option<Metadata>,
    k8s_object: Option<K8sObject>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Metadata {
    #[serde(default)]
    file_path: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct K8sObject {
    #[serde(default)]
    namespace: String,
    #[serde(default)]
    name: String,
    group_version_kind: Option<Gvk>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Gvk {
    #[serde(default)]
    kind: String,
}

/// Parses a kube-linter JSON report.
pub fn parse(input: impl BufRead, path: &Path) -> Result<FindingsReport, ParseError> {
    let doc: Doc = crate::json::read(input, path)?;
    if doc.summary.is_none() && doc.reports.is_none() {
        return Err(ParseError::whole(
            path,
            "not a kube-linter JSON report: no \"Reports\" or \"Summary\"",
        ));
    }
    let mut report = FindingsReport::default();
    for r in doc.reports.unwrap_or_default() {
        let object = r.object.as_ref();
        let file = object
            .and_then(|o| o.metadata.as_ref())
            .map(|m| m.file_path.trim_start_matches('/').to_owned())
            .unwrap_or_default();
        let k8s = object.and_then(|o| o.k8s_object.as_ref());
        let name = k8s.map_or_else(String::new, |k| {
            let kind = k
                .group_version_kind
                .as_ref()
                .map_or("", |g| g.kind.as_str());
            let ns = if k.namespace.is_empty() {
                "default"
            } else {
                &k.namespace
            };
            format!("{ns}/{kind}/{}", k.name)
        });
        let message = r.diagnostic.map(|d| d.message).unwrap_or_default();
        let mut f =
            Finding::new(r.check, Severity::Medium, file).message(&format!("{name}: {message}"));
        f.package = (!name.is_empty()).then_some(name);
        report.push(f);
    }
    Ok(report)
}
