//! No panic on any input: every seed of the fuzz corpus (`fuzz/seeds/`), truncated and
//! with bytes overwritten at many places, goes through detection and the parser for its
//! format and for every other format. Each run either parses or returns an error that
//! names the file. (The same seeds feed `cargo fuzz`, see `fuzz/README.md`.)

use std::path::{Path, PathBuf};

use slipway_reports::{Kind, Options, detect, parse_reader};

fn seeds() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

#[allow(clippy::match_wild_err_arm)] // a panic payload has nothing to print
fn run(kind: Kind, bytes: &[u8], name: &Path) {
    let outcome = std::panic::catch_unwind(|| {
        parse_reader(
            kind,
            bytes,
            name,
            &Options::default().keep_line_hits(|_| true),
        )
    });
    match outcome {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => assert_eq!(e.file, name, "error does not name the file: {e}"),
        Err(_panic) => panic!(
            "{kind} parser panicked on a mutation of {} ({} bytes): {:?}",
            name.display(),
            bytes.len(),
            String::from_utf8_lossy(&bytes[..bytes.len().min(200)])
        ),
    }
}

#[test]
fn every_seed_parses_as_its_detected_format() {
    for seed in seeds() {
        let bytes = std::fs::read(&seed).unwrap();
        let kind = detect(&bytes, &seed).unwrap_or_else(|e| panic!("{e}"));
        parse_reader(kind, bytes.as_slice(), &seed, &Options::default())
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn inputs_found_by_the_fuzzer_never_panic_any_parser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/regressions");
    let name = Path::new("fuzzed");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let bytes = std::fs::read(entry.path()).unwrap();
        let _ = detect(&bytes, name);
        for &kind in Kind::ALL {
            run(kind, &bytes, name);
        }
        n += 1;
    }
    assert!(n >= 100, "only {n} fuzzer inputs");
}

#[test]
fn truncated_and_corrupted_seeds_never_panic() {
    let name = Path::new("mutated");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for seed in seeds() {
        let bytes = std::fs::read(&seed).unwrap();
        let own = detect(&bytes, &seed).unwrap();
        for cut in 0..24 {
            let at = bytes.len() * cut / 24;
            run(own, &bytes[..at], name);
        }
        for _ in 0..120 {
            let mut m = bytes.clone();
            let at = next(m.len());
            m[at] = [
                0u8, b'<', b'>', b'"', b'{', b'}', b']', 0xFF, b'9', b'-', b'\n', b'&',
            ][next(12)];
            let _ = detect(&m, name);
            run(own, &m, name);
        }
        for &other in Kind::ALL {
            run(other, &bytes, name);
        }
    }
}
