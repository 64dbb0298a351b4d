//! Files for fixtures: copying a checked-in tree into a test's temporary directory.

use std::io;
use std::path::Path;

/// Names left out of a copy: Python's caches and coverage data from local runs.
const SKIPPED: [&str; 3] = ["__pycache__", ".pytest_cache", ".coverage"];

/// Copies the directory `from` to `to` (created as needed), leaving out Python caches; an
/// error names the path it failed on.
pub fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    let named =
        |path: &Path, e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    std::fs::create_dir_all(to).map_err(|e| named(to, e))?;
    for entry in std::fs::read_dir(from).map_err(|e| named(from, e))? {
        let entry = entry.map_err(|e| named(from, e))?;
        let name = entry.file_name();
        if SKIPPED.iter().any(|s| name == *s) {
            continue;
        }
        let target = to.join(&name);
        if entry
            .file_type()
            .map_err(|e| named(&entry.path(), e))?
            .is_dir()
        {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|e| named(&entry.path(), e))?;
        }
    }
    Ok(())
}
