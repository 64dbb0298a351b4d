//! Headless Chromium (Debian `chromium`) to look at the HTML reports the binaries write:
//! [`screenshot`] renders a local page to a PNG with a fresh empty profile and nothing
//! reaching the network, and [`Picture`] says how much of it is not background, so a
//! test can tell a drawn page from a blank one.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::process::ServerProcess;
use crate::program;

/// Renders `page` (a local HTML file) at 1280x900 into `DIR/screenshot.png` and returns
/// that path. Panics, with Chromium's log, when it fails or takes over 120 s.
pub fn screenshot(page: &Path, dir: &Path) -> PathBuf {
    let chromium = program::require("chromium");
    let profile = dir.join("chromium-profile");
    std::fs::create_dir_all(&profile).expect("create the Chromium profile directory");
    let out = dir.join("screenshot.png");
    let page = std::fs::canonicalize(page)
        .unwrap_or_else(|e| panic!("cannot resolve {}: {e}", page.display()));
    let mut command = Command::new(chromium);
    command
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", out.display()))
        .arg("--window-size=1280,900")
        .arg(format!("file://{}", page.display()))
        .env("HOME", dir);
    let mut process = ServerProcess::spawn("chromium", command, &dir.join("chromium.log"));
    match process.wait_for_exit(Duration::from_secs(120)) {
        Some(status) if status.success() && out.exists() => out,
        Some(status) => process.fail(&format!("exited with {status} without a screenshot")),
        None => {
            process.kill();
            process.fail("took over 120 s to render the page")
        }
    }
}

/// What a screenshot shows, roughly.
#[derive(Debug, Clone, PartialEq)]
pub struct Picture {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Share of pixels (0..1) that differ from the top-left pixel, the page's background.
    pub drawn: f64,
    /// Distinct colours (capped at 4096).
    pub colours: usize,
}

impl Picture {
    /// Decodes the PNG at `path`.
    pub fn open(path: &Path) -> Self {
        let file = std::fs::File::open(path)
            .unwrap_or_else(|e| panic!("cannot open {}: {e}", path.display()));
        let mut decoder = png::Decoder::new(std::io::BufReader::new(file));
        decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
        let mut reader = decoder
            .read_info()
            .unwrap_or_else(|e| panic!("{} is not a PNG: {e}", path.display()));
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader
            .next_frame(&mut buf)
            .unwrap_or_else(|e| panic!("cannot decode {}: {e}", path.display()));
        let channels = info.color_type.samples();
        let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
        let background = pixels.first().copied().unwrap_or_default();
        let differing = pixels.iter().filter(|p| **p != background).count();
        let mut colours = std::collections::HashSet::new();
        for p in &pixels {
            if colours.len() >= 4096 {
                break;
            }
            colours.insert(p.to_vec());
        }
        #[allow(clippy::cast_precision_loss)]
        let drawn = differing as f64 / pixels.len().max(1) as f64;
        Self {
            width: info.width,
            height: info.height,
            drawn,
            colours: colours.len(),
        }
    }
}
