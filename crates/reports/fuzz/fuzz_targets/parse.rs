//! Any bytes through format detection and then through every parser: none may panic.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use slipway_reports::{detect, parse_reader, Kind, Options};

fuzz_target!(|data: &[u8]| {
    let name = Path::new("fuzz");
    if let Ok(kind) = detect(data, name) {
        let _ = parse_reader(kind, data, name, &Options::default().keep_line_hits(|_| true));
    }
    // The first byte picks a parser too, so each format sees arbitrary input.
    if let Some((&pick, rest)) = data.split_first() {
        let kind = Kind::ALL[usize::from(pick) % Kind::ALL.len()];
        let _ = parse_reader(kind, rest, name, &Options::default());
    }
});
