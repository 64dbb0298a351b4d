//! `slipway-demo`: runs the whole Slipway chain on this machine (see `scripts/demo.sh`) and
//! prints what each stage did.
#![allow(clippy::print_stdout)] // a demo prints its story

use std::path::PathBuf;
use std::process::ExitCode;

use slipway_e2e::chain::{Chain, ENVIRONMENT, Options, PREVIOUS_RELEASE};

fn main() -> ExitCode {
    let bin_dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/release"), PathBuf::from);
    match demo(bin_dir) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            println!("demo failed: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn demo(bin_dir: PathBuf) -> anyhow::Result<bool> {
    println!(
        "== preparing: a scratch repository with a Python shop service, nginx in front of blue/green slots,"
    );
    println!("   a webhook standing in for Slack; {ENVIRONMENT} already serves {PREVIOUS_RELEASE}");
    let chain = Chain::prepare(&Options {
        bin_dir,
        failing_gate: false,
    })?;
    println!("   repository: {}", chain.repo().display());
    println!("\n== running .github/workflows/chain.yml with act");
    let run = chain.run()?;
    let o = |k: &str| run.output(k).to_owned();
    println!(
        "\n1. version-manager   next version {} (bump {}, tag {})",
        o("version_next"),
        o("version_bump"),
        o("version_tag")
    );
    println!(
        "2. quality-gate      verdict {}: {}",
        o("gate_verdict"),
        o("gate_totals")
    );
    println!(
        "3. deploy            {} -> {}: {} (slot {})",
        PREVIOUS_RELEASE,
        o("version_tag"),
        o("deploy_status"),
        o("deploy_slot")
    );
    println!(
        "4. notify            delivered to: {}",
        o("notify_delivered").replace('\n', ", ")
    );
    println!(
        "5. deploy (hotfix)   {}: smoke test failed, traffic restored by deploy itself",
        o("bad_deploy_status")
    );
    println!(
        "6. rollback          {} -> now serving {}",
        o("rollback_status"),
        o("rollback_to")
    );
    println!(
        "7. notify            failure delivered to: {}",
        o("notify_fail_delivered").replace('\n', ", ")
    );
    println!(
        "\n{ENVIRONMENT} serves {} through nginx; the webhook received {} messages.",
        chain.serving().unwrap_or_else(|| "nothing".into()),
        chain.messages().len()
    );
    if run.succeeded {
        println!("\nchain finished: every stage ran as designed");
    } else {
        println!("\nchain did not finish; act's log follows\n{}", run.log);
    }
    Ok(run.succeeded)
}
