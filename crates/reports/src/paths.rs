//! Source paths as coverage tools write them, made comparable: Windows separators,
//! `./` and `file://`, and the absolute checkout directory of a CI runner (GitHub
//! Actions on Linux, macOS and Windows, its container and Docker-action workspaces,
//! GitLab) or of this machine (`GITHUB_WORKSPACE`, the current directory) stripped, so
//! the same file from two tools and two machines is one file.

use std::path::Path;

/// [`normalise`], without allocating for a path that is already clean (relative, `/`
/// separators, no `.`/`..` or empty segments): the common case, once per file.
pub fn normalised(raw: String) -> String {
    let clean = !raw.is_empty()
        && !raw.starts_with('/')
        && !raw.contains('\\')
        && !raw.contains("//")
        && raw.as_bytes().get(1) != Some(&b':')
        && !raw.starts_with(char::is_whitespace)
        && !raw.ends_with(char::is_whitespace)
        && raw
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..");
    if clean { raw } else { normalise(&raw) }
}

/// The repository-relative form of `raw` where it can be told, else `raw` cleaned.
pub fn normalise(raw: &str) -> String {
    let mut p = raw.trim().replace('\\', "/");
    if let Some(rest) = p.strip_prefix("file://") {
        p = rest.to_owned();
    }
    // `/C:/x` (a file URI on Windows) and `c:/x` are both `C:/x`.
    if p.len() > 3 && p.as_bytes()[0] == b'/' && p.as_bytes()[2] == b':' {
        p.remove(0);
    }
    if p.len() > 2 && p.as_bytes()[1] == b':' && p.as_bytes()[0].is_ascii_alphabetic() {
        p = format!("{}{}", p[..1].to_ascii_uppercase(), &p[1..]);
    }
    let p = clean(&p);
    for root in roots() {
        if let Some(rest) = strip_dir(&p, &root) {
            return rest.to_owned();
        }
    }
    ci_relative(&p).map_or(p.clone(), str::to_owned)
}

/// Joins a report's source root (Cobertura `<source>`) and a file name relative to it.
pub fn join(root: &str, file: &str) -> String {
    let file = file.replace('\\', "/");
    if file.starts_with('/') || file.as_bytes().get(1) == Some(&b':') || root.trim().is_empty() {
        return file;
    }
    format!(
        "{}/{file}",
        root.trim().replace('\\', "/").trim_end_matches('/')
    )
}

/// Removes `.` segments, empty segments and `..` after a named segment.
fn clean(p: &str) -> String {
    let absolute = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else {
        joined
    }
}

/// `rest` when `p` lies under `dir`.
fn strip_dir<'a>(p: &'a str, dir: &str) -> Option<&'a str> {
    let dir = dir.trim_end_matches('/');
    if dir.is_empty() {
        return None;
    }
    let rest = p.strip_prefix(dir)?.strip_prefix('/')?;
    (!rest.is_empty()).then_some(rest)
}

/// This machine's checkout directories: `GITHUB_WORKSPACE` and the current directory.
fn roots() -> Vec<String> {
    let mut roots = Vec::new();
    if let Some(w) = std::env::var_os("GITHUB_WORKSPACE") {
        roots.push(clean(&w.to_string_lossy().replace('\\', "/")));
    }
    if let Ok(cwd) = std::env::current_dir() {
        roots.push(clean(&cwd.to_string_lossy().replace('\\', "/")));
    }
    roots.retain(|r| r.len() > 1);
    roots
}

/// The path inside a CI runner's checkout: `/home/runner/work/<repo>/<repo>/`,
/// `/Users/runner/work/…`, `D:/a/<repo>/<repo>/`, `/__w/<repo>/<repo>/`,
/// `/github/workspace/`, `/builds/<group>/<project>/`.
fn ci_relative(p: &str) -> Option<&str> {
    let after = |prefix: &str, segments: usize| -> Option<&str> {
        let mut rest = p.strip_prefix(prefix)?;
        for _ in 0..segments {
            rest = rest.split_once('/')?.1;
        }
        (!rest.is_empty()).then_some(rest)
    };
    after("/home/runner/work/", 2)
        .or_else(|| after("/Users/runner/work/", 2))
        .or_else(|| after("/__w/", 2))
        .or_else(|| {
            let drive = p.get(..5)?;
            (drive.get(1..) == Some(":/a/")).then_some(())?;
            after(drive, 2)
        })
        .or_else(|| after("/github/workspace/", 0))
        .or_else(|| after("/builds/", 2))
}

/// Whether `short` names the same file as `long` by trailing path components
/// (`com/acme/Foo.java` and `src/main/java/com/acme/Foo.java`).
pub fn is_suffix(short: &str, long: &str) -> bool {
    // The separator first: it rules out nearly every pair a merge compares (files with the
    // same name in other directories) without comparing the names.
    short.len() < long.len()
        && long.as_bytes()[long.len() - short.len() - 1] == b'/'
        && long.ends_with(short)
}

/// The last component of a normalised path.
pub fn file_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Whether `p` exists below the current directory (used to pick among several roots).
pub fn exists(p: &str) -> bool {
    Path::new(p).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ci_checkouts_windows_separators_and_dots_become_repository_paths() {
        assert_eq!(normalise("./src/app.py"), "src/app.py");
        assert_eq!(normalise("src\\app\\m.py"), "src/app/m.py");
        assert_eq!(
            normalise("/home/runner/work/shop/shop/src/app.py"),
            "src/app.py"
        );
        assert_eq!(normalise("D:\\a\\shop\\shop\\src\\app.py"), "src/app.py");
        assert_eq!(normalise("/__w/shop/shop/src/app.py"), "src/app.py");
        assert_eq!(normalise("/github/workspace/src/app.py"), "src/app.py");
        assert_eq!(normalise("/builds/group/shop/src/app.py"), "src/app.py");
        assert_eq!(normalise("file:///C:/code/x.c"), "C:/code/x.c");
        assert_eq!(normalise("src/./a/../b.py"), "src/b.py");
    }

    #[test]
    fn clean_paths_pass_through_and_others_are_normalised() {
        assert_eq!(normalised("src/app.py".to_owned()), "src/app.py");
        assert_eq!(normalised("./src/app.py".to_owned()), "src/app.py");
        assert_eq!(normalised("src\\app.py".to_owned()), "src/app.py");
        assert_eq!(normalised("src/../app.py".to_owned()), "app.py");
    }

    #[test]
    fn the_current_directory_is_stripped() {
        let cwd = std::env::current_dir().unwrap();
        let abs = format!("{}/src/app.py", cwd.display());
        assert_eq!(normalise(&abs), "src/app.py");
    }

    #[test]
    fn suffixes_match_on_whole_components_only() {
        assert!(is_suffix(
            "com/acme/Foo.java",
            "src/main/java/com/acme/Foo.java"
        ));
        assert!(!is_suffix("acme/Foo.java", "src/xacme/Foo.java"));
        assert!(!is_suffix("a.py", "a.py"));
        assert_eq!(join("/repo/src", "pkg/m.py"), "/repo/src/pkg/m.py");
        assert_eq!(join("/repo/src", "/abs/m.py"), "/abs/m.py");
    }
}
