//! Releases and their assets.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::{Client, GithubError};

/// The fields of a release we create or update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReleaseSpec {
    /// Tag the release points at.
    pub tag_name: String,
    /// Commitish used when the tag does not exist yet.
    pub target_commitish: Option<String>,
    /// Title.
    pub name: Option<String>,
    /// Markdown notes.
    pub body: Option<String>,
    /// Draft flag.
    pub draft: bool,
    /// Prerelease flag.
    pub prerelease: bool,
}

impl ReleaseSpec {
    fn to_json(&self) -> Value {
        let mut v = json!({ "tag_name": self.tag_name, "draft": self.draft, "prerelease": self.prerelease });
        if let Some(t) = &self.target_commitish {
            v["target_commitish"] = json!(t);
        }
        if let Some(n) = &self.name {
            v["name"] = json!(n);
        }
        if let Some(b) = &self.body {
            v["body"] = json!(b);
        }
        v
    }
}

impl Client {
    /// The release for `tag`, or `None`.
    pub async fn release_by_tag(
        &self,
        owner: &str,
        repo: &str,
        tag: &str,
    ) -> Result<Option<Value>, GithubError> {
        self.get_optional(&format!(
            "/repos/{owner}/{repo}/releases/tags/{}",
            encode(tag)
        ))
        .await
    }

    /// Creates a release.
    pub async fn create_release(
        &self,
        owner: &str,
        repo: &str,
        spec: &ReleaseSpec,
    ) -> Result<Value, GithubError> {
        self.post(&format!("/repos/{owner}/{repo}/releases"), &spec.to_json())
            .await
    }

    /// Updates release `id` to match `spec`.
    pub async fn update_release(
        &self,
        owner: &str,
        repo: &str,
        id: u64,
        spec: &ReleaseSpec,
    ) -> Result<Value, GithubError> {
        self.patch(
            &format!("/repos/{owner}/{repo}/releases/{id}"),
            &spec.to_json(),
        )
        .await
    }

    /// The assets of release `id`.
    pub async fn list_release_assets(
        &self,
        owner: &str,
        repo: &str,
        id: u64,
    ) -> Result<Vec<Value>, GithubError> {
        self.get_all(&format!("/repos/{owner}/{repo}/releases/{id}/assets"), 10)
            .await
    }

    /// Deletes asset `asset_id`.
    pub async fn delete_release_asset(
        &self,
        owner: &str,
        repo: &str,
        asset_id: u64,
    ) -> Result<(), GithubError> {
        self.delete(&format!("/repos/{owner}/{repo}/releases/assets/{asset_id}"))
            .await
    }

    /// Uploads `bytes` as asset `name` of release `id`.
    pub async fn upload_release_asset(
        &self,
        owner: &str,
        repo: &str,
        id: u64,
        name: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<Value, GithubError> {
        let url = format!(
            "{}/repos/{owner}/{repo}/releases/{id}/assets?name={}",
            self.upload_url(),
            encode(name)
        );
        self.upload(&url, bytes, content_type).await
    }
}

/// Percent-encodes a path or query component.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}
