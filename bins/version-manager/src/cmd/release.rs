//! `release`: create or update the GitHub release of a tag with generated notes, the
//! prerelease flag, and uploaded assets with SHA-256 checksums. Re-running it updates the
//! release in place and skips assets that are already there with the same content.

use std::path::PathBuf;

use sha2::{Digest as _, Sha256};
use slipway_github::{Client, ReleaseSpec};
use slipway_kit::{Exit, Failure, GithubContext};

use super::{Ctx, Document};
use crate::changelog::Links;
use crate::cli::{Checksums, ReleaseArgs};

/// A file to upload.
#[derive(Debug, Clone)]
pub struct Asset {
    /// Asset name on the release.
    pub name: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// MIME type: always `application/octet-stream`, the only one GitHub's upload
    /// contract lists.
    pub content_type: &'static str,
}

/// What happened to an asset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AssetAction {
    /// Uploaded for the first time.
    Uploaded,
    /// Already there with the same content.
    Unchanged,
    /// Already there with other content: deleted and uploaded again.
    Replaced,
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

fn is_checksum_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".sha256")
        || lower.ends_with(".sha256sum")
        || lower.contains("checksums")
        || lower == "sha256sums"
}

/// Expands the globs into assets plus their checksums. Every glob must match a file.
pub fn collect_assets(
    root: &std::path::Path,
    globs: &[String],
    checksums: Checksums,
) -> Result<Vec<Asset>, Failure> {
    let mut paths: Vec<PathBuf> = Vec::new();
    for pattern in globs {
        let full = if std::path::Path::new(pattern).is_absolute() {
            pattern.clone()
        } else {
            root.join(pattern).to_string_lossy().into_owned()
        };
        let matches: Vec<PathBuf> = glob::glob(&full)
            .map_err(|e| Failure::bad_input(format!("bad asset glob '{pattern}': {e}")))?
            .filter_map(Result::ok)
            .filter(|p| p.is_file())
            .collect();
        if matches.is_empty() {
            return Err(Failure::bad_input(format!("asset glob '{pattern}' matches no file"))
                .help("build the assets first, or fix the path (globs are relative to the repository root)"));
        }
        for m in matches {
            if !paths.contains(&m) {
                paths.push(m);
            }
        }
    }
    let mut assets = Vec::new();
    let mut sums = String::new();
    for path in &paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::bad_input(format!("cannot read {}: {e}", path.display())))?;
        if !is_checksum_file(&name) {
            let line = format!("{}  {name}\n", sha256_hex(&bytes));
            match checksums {
                Checksums::PerFile => assets.push(Asset {
                    name: format!("{name}.sha256"),
                    bytes: line.into_bytes(),
                    content_type: "application/octet-stream",
                }),
                Checksums::File => sums.push_str(&line),
                Checksums::None => {}
            }
        }
        assets.push(Asset {
            name,
            bytes,
            content_type: "application/octet-stream",
        });
    }
    if !sums.is_empty() && !assets.iter().any(|a| a.name == "checksums.txt") {
        assets.push(Asset {
            name: "checksums.txt".to_owned(),
            bytes: sums.into_bytes(),
            content_type: "application/octet-stream",
        });
    }
    assets.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(assets)
}

/// Whether an existing asset already holds `bytes` (GitHub's `digest`, else the size).
pub fn same_asset(existing: &serde_json::Value, bytes: &[u8]) -> bool {
    if let Some(digest) = existing.get("digest").and_then(serde_json::Value::as_str) {
        return digest.strip_prefix("sha256:") == Some(sha256_hex(bytes).as_str());
    }
    existing.get("size").and_then(serde_json::Value::as_u64) == Some(bytes.len() as u64)
}

fn owner_repo(
    args: &ReleaseArgs,
    gh: &GithubContext,
    repo: &git2::Repository,
) -> Result<(String, String), Failure> {
    let from_remote = || {
        Links::detect(&GithubContext::default(), repo)
            .repo_url
            .and_then(|u| u.strip_prefix("https://github.com/").map(str::to_owned))
    };
    let full = args
        .repo
        .clone()
        .or_else(|| gh.repository.clone())
        .or_else(from_remote)
        .ok_or_else(|| {
            Failure::bad_input("cannot tell which GitHub repository to release to")
                .help("pass --repo OWNER/NAME (GITHUB_REPOSITORY sets it in Actions)")
        })?;
    match full.split_once('/') {
        Some((o, n)) if !o.is_empty() && !n.is_empty() && !n.contains('/') => {
            Ok((o.to_owned(), n.to_owned()))
        }
        _ => Err(Failure::bad_input(format!(
            "--repo '{full}' is not OWNER/NAME"
        ))),
    }
}

pub(super) fn run(ctx: &Ctx<'_>, args: &ReleaseArgs) -> anyhow::Result<Exit> {
    let ui = ctx.ui;
    let project = ctx.project()?;
    let gh = GithubContext::from_env();
    let tags = project.tags(ui)?;
    let tag_name = match args.tag.clone().or_else(|| {
        gh.tag()
            .filter(|t| project.matcher.version(t).is_some())
            .map(str::to_owned)
    }) {
        Some(t) => t,
        None => {
            let head = project.head()?;
            match tags.best(head) {
                Some(t) => t.name.clone(),
                None => project.state(ui, &tags)?.current_tag.ok_or_else(|| {
                    Failure::bad_input("no version tag to release")
                        .help("tag a release first (prepare-release --tag) or pass --tag")
                })?,
            }
        }
    };
    let links = Links::detect(&gh, &project.repo);
    let (version, notes) = super::changelog::notes_for_tag(&project, &tags, &tag_name, &links)?;
    let (owner, name) = owner_repo(args, &gh, &project.repo)?;
    let assets = collect_assets(&project.root, &args.assets, args.checksums)?;
    let spec = ReleaseSpec {
        tag_name: tag_name.clone(),
        target_commitish: None,
        name: Some(tag_name.clone()),
        body: Some(notes.clone()),
        draft: args.draft,
        prerelease: !version.pre.is_empty(),
    };
    let mut doc = Document {
        schema: super::SCHEMA,
        command: "release",
        package: project.target.name.clone(),
        current: version.to_string(),
        current_tag: Some(tag_name.clone()),
        source: crate::analysis::Source::Tag,
        next: None,
        version: Some(version.to_string()),
        tag: Some(tag_name.clone()),
        bump: crate::version::Level::None,
        released: false,
        dry_run: args.dry_run,
        commits: crate::analysis::Stats::default(),
        changes: Vec::new(),
        non_conventional: Vec::new(),
        changelog: Some(notes),
        files: Vec::new(),
        extra: serde_json::Map::new(),
    };
    doc.extra
        .insert("repository".into(), format!("{owner}/{name}").into());
    doc.extra
        .insert("prerelease".into(), spec.prerelease.into());
    if args.dry_run {
        ui.info(&format!(
            "would create or update the release {tag_name} on {owner}/{name} (prerelease: {})",
            spec.prerelease
        ));
        for a in &assets {
            ui.info(&format!(
                "would upload {} ({} bytes)",
                a.name,
                a.bytes.len()
            ));
        }
        doc.extra.insert(
            "assets".into(),
            assets
                .iter()
                .map(|a| serde_json::json!({ "name": a.name, "action": "planned" }))
                .collect(),
        );
        if !ctx.emit(&doc)? {
            ui.result(&tag_name);
        }
        return Ok(Exit::Success);
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::unsafe_state(format!("cannot start the async runtime: {e}")))?;
    let (url, actions) = runtime.block_on(async {
        let client = Client::from_env(&gh, ui)?.ok_or_else(|| {
            Failure::bad_input("GITHUB_TOKEN is not set: release needs a token with contents: write")
                .help("in a workflow pass `token: ${{ secrets.GITHUB_TOKEN }}` and grant `permissions: contents: write`")
        })?;
        publish(&client, &owner, &name, &spec, &assets).await
    })?;
    for (asset, action) in &actions {
        ui.info(&format!(
            "{asset}: {}",
            serde_json::to_value(action)
                .unwrap_or_default()
                .as_str()
                .unwrap_or("")
        ));
    }
    ui.success(&format!(
        "released {tag_name}{}",
        url.as_deref().map(|u| format!(": {u}")).unwrap_or_default()
    ));
    doc.released = true;
    ui.summary(&format!(
        "## GitHub release {tag_name}\n\n{}\n",
        url.as_deref().unwrap_or("")
    ));
    if let Some(u) = &url {
        doc.extra.insert("url".into(), u.clone().into());
        ui.set_output("url", u);
    }
    doc.extra.insert(
        "assets".into(),
        actions
            .iter()
            .map(|(n, a)| serde_json::json!({ "name": n, "action": a }))
            .collect(),
    );
    ui.set_output("version", &version.to_string());
    if !ctx.emit(&doc)? {
        ui.result(&tag_name);
    }
    Ok(Exit::Success)
}

/// Creates or updates the release and brings its assets in line.
pub async fn publish(
    client: &Client,
    owner: &str,
    repo: &str,
    spec: &ReleaseSpec,
    assets: &[Asset],
) -> Result<(Option<String>, Vec<(String, AssetAction)>), Failure> {
    let existing = client
        .release_by_tag(owner, repo, &spec.tag_name)
        .await
        .map_err(Failure::from)?;
    let release = match existing.as_ref().and_then(|r| r["id"].as_u64()) {
        Some(id) => client
            .update_release(owner, repo, id, spec)
            .await
            .map_err(Failure::from)?,
        None => client
            .create_release(owner, repo, spec)
            .await
            .map_err(Failure::from)?,
    };
    let id = release["id"].as_u64().ok_or_else(|| {
        Failure::unsafe_state(format!(
            "GitHub answered without a release id for {}",
            spec.tag_name
        ))
    })?;
    let url = release["html_url"].as_str().map(str::to_owned);
    let current = if assets.is_empty() {
        Vec::new()
    } else {
        client
            .list_release_assets(owner, repo, id)
            .await
            .map_err(Failure::from)?
    };
    let mut actions = Vec::new();
    for asset in assets {
        let found = current
            .iter()
            .find(|a| a["name"].as_str() == Some(asset.name.as_str()));
        let action = match found {
            Some(a) if same_asset(a, &asset.bytes) => AssetAction::Unchanged,
            Some(a) => {
                if let Some(asset_id) = a["id"].as_u64() {
                    client
                        .delete_release_asset(owner, repo, asset_id)
                        .await
                        .map_err(Failure::from)?;
                }
                AssetAction::Replaced
            }
            None => AssetAction::Uploaded,
        };
        if action != AssetAction::Unchanged {
            client
                .upload_release_asset(
                    owner,
                    repo,
                    id,
                    &asset.name,
                    asset.bytes.clone(),
                    asset.content_type,
                )
                .await
                .map_err(Failure::from)?;
        }
        actions.push((asset.name.clone(), action));
    }
    Ok((url, actions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_get_per_file_checksums_or_one_checksums_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("dist")).unwrap();
        std::fs::write(dir.path().join("dist/app.tar.gz"), b"abc").unwrap();
        std::fs::write(dir.path().join("dist/app-checksums.txt"), b"x").unwrap();
        let a = collect_assets(dir.path(), &["dist/*".into()], Checksums::PerFile).unwrap();
        let names: Vec<&str> = a.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(
            names,
            vec!["app-checksums.txt", "app.tar.gz", "app.tar.gz.sha256"]
        );
        let sum = String::from_utf8(a[2].bytes.clone()).unwrap();
        assert_eq!(
            sum,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  app.tar.gz\n"
        );
        let a = collect_assets(dir.path(), &["dist/*.gz".into()], Checksums::File).unwrap();
        assert_eq!(
            a.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
            vec!["app.tar.gz", "checksums.txt"]
        );
        let err = collect_assets(dir.path(), &["nothing/*".into()], Checksums::None).unwrap_err();
        assert!(err.cause.contains("matches no file"));
    }

    #[test]
    fn an_asset_with_the_same_digest_or_size_is_unchanged() {
        let bytes = b"abc";
        assert!(same_asset(
            &serde_json::json!({"digest": "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}),
            bytes
        ));
        assert!(!same_asset(
            &serde_json::json!({"digest": "sha256:00"}),
            bytes
        ));
        assert!(same_asset(&serde_json::json!({"size": 3}), bytes));
        assert!(!same_asset(&serde_json::json!({"size": 4}), bytes));
    }
}
