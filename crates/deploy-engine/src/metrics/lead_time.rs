//! Lead time for changes from the repository where the command runs: for each deployment,
//! the commits it newly brought (reachable from its commit and from no earlier deployment's:
//! `git log PREVIOUS..THIS` on a straight history), each one's deploy end minus its
//! committer time. Values of 0 or less are ignored, as Four Keys does for automated pushes.
//! The first deployment with a commit has no earlier one to diff against: only its own
//! commit counts.
//!
//! Two `git` processes whatever the history's size: `git cat-file --batch-check` drops the
//! commits this repository does not have, then one `git log --stdin` reads the graph under
//! every deployed commit.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use super::timeline::Timeline;

/// Commits known to the repository: time and parents.
#[derive(Debug, Default)]
pub struct Graph {
    commits: HashMap<String, (i64, Vec<String>)>,
}

/// What the repository gave.
#[derive(Debug)]
pub enum Source {
    /// Not in a git repository (or git is missing): no lead time.
    NoRepository(String),
    /// The graph under the deployed commits; `missing` deployed commits are not in it.
    Graph {
        /// The graph.
        graph: Graph,
        /// Deployed commits this repository does not have.
        missing: Vec<String>,
    },
}

fn git(repo: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(repo)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}

fn run_with_input(mut cmd: Command, input: &str) -> Result<String, String> {
    let mut child = cmd.spawn().map_err(|e| format!("cannot run git: {e}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin for git")?;
    let input = input.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("git failed: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn lines<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for item in items {
        out.push_str(item);
        out.push('\n');
    }
    out
}

impl Source {
    /// Reads the graph under `commits` in `repo`.
    pub fn load(repo: &Path, commits: &[String]) -> Self {
        let mut probe = git(repo);
        probe.args(["rev-parse", "--git-dir"]);
        match run_with_input(probe, "") {
            Ok(_) => {}
            Err(e) => return Self::NoRepository(e),
        }
        let unique: Vec<&String> = {
            let mut seen = HashSet::new();
            commits.iter().filter(|c| seen.insert(c.as_str())).collect()
        };
        let mut check = git(repo);
        check.args(["cat-file", "--batch-check=%(objectname) %(objecttype)"]);
        let list = lines(unique.iter().map(|c| c.as_str()));
        let checked = match run_with_input(check, &list) {
            Ok(o) => o,
            Err(e) => return Self::NoRepository(e),
        };
        let mut present = Vec::new();
        let mut missing = Vec::new();
        for (line, asked) in checked.lines().zip(&unique) {
            if line.ends_with(" commit") {
                present.push(line.split(' ').next().unwrap_or_default().to_owned());
            } else {
                missing.push((*asked).clone());
            }
        }
        let mut graph = Graph::default();
        if !present.is_empty() {
            let mut log = git(repo);
            log.args(["log", "--stdin", "--format=%H %ct %P"]);
            let text = lines(present.iter().map(String::as_str));
            match run_with_input(log, &text) {
                Ok(out) => {
                    for line in out.lines() {
                        let mut parts = line.split(' ');
                        let (Some(sha), Some(time)) = (parts.next(), parts.next()) else {
                            continue;
                        };
                        let Ok(time) = time.parse::<i64>() else {
                            continue;
                        };
                        let parents = parts.filter(|p| !p.is_empty()).map(str::to_owned).collect();
                        graph.commits.insert(sha.to_owned(), (time, parents));
                    }
                }
                Err(e) => return Self::NoRepository(e),
            }
        }
        Self::Graph { graph, missing }
    }
}

impl Graph {
    /// Resolves an abbreviated or full commit to the full id in the graph.
    fn resolve(&self, commit: &str) -> Option<&str> {
        if let Some((k, _)) = self.commits.get_key_value(commit) {
            return Some(k.as_str());
        }
        None
    }

    /// Lead times (seconds, all > 0) of each run that is a deployment, indexed like
    /// [`Timeline::runs`]; runs that are not deployments, or whose commit is unknown, get none.
    pub fn lead_times(&self, timeline: &Timeline) -> Vec<Vec<i64>> {
        let mut out = vec![Vec::new(); timeline.runs.len()];
        let mut seen: HashSet<&str> = HashSet::new();
        let mut first = true;
        for (i, run) in timeline.runs.iter().enumerate() {
            if !run.is_deployment() {
                continue;
            }
            let Some(tip) = run.commit.as_deref().and_then(|c| self.resolve(c)) else {
                continue;
            };
            let mut times = Vec::new();
            let mut stack = vec![tip];
            while let Some(sha) = stack.pop() {
                if !seen.insert(sha) {
                    continue;
                }
                let Some((time, parents)) = self.commits.get(sha) else {
                    continue;
                };
                if !first || sha == tip {
                    times.push(run.finished - time);
                }
                stack.extend(parents.iter().map(String::as_str));
            }
            first = false;
            times.retain(|t| *t > 0);
            out[i] = times;
        }
        out
    }
}
