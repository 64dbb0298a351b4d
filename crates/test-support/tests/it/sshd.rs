use std::process::Command;

use slipway_test_support::sshd::Sshd;

#[test]
fn runs_echo_hello_over_ssh() {
    let sshd = Sshd::start();
    let output = sshd.ssh_command("echo hello").output().unwrap();
    assert!(
        output.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&output.stderr),
        sshd.log()
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "hello\n");
}

#[test]
fn the_generated_client_config_reaches_the_host_alias() {
    let sshd = Sshd::start();
    let output = Command::new("ssh")
        .arg("-F")
        .arg(sshd.ssh_config_file())
        .arg(sshd.host_alias())
        .arg("printf %s \"$((6 * 7))\"")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout), "42");
    assert!(
        std::fs::read_to_string(sshd.known_hosts())
            .unwrap()
            .starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", sshd.port()))
    );
}

#[test]
fn a_service_started_in_the_background_over_ssh_stops_with_the_fixture() {
    let sshd = Sshd::start();
    let status = sshd
        .ssh_command("nohup sleep 300 >/dev/null 2>&1 &")
        .status()
        .unwrap();
    assert!(status.success());
    let reaper_value = sshd.reaper().value().to_owned();
    // The background shell may still be exec'ing nohup and then sleep when ssh returns
    // (its environ reads empty mid-exec): look again until a deadline.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while sshd.reaper().pids().len() != 1 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(
        sshd.reaper().pids().len(),
        1,
        "the background sleep carries the marker"
    );
    drop(sshd);
    let leftover = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            std::fs::read(e.path().join("environ")).is_ok_and(|env| {
                String::from_utf8_lossy(&env)
                    .contains(&format!("SLIPWAY_TEST_REAPER={reaper_value}"))
            })
        })
        .count();
    assert_eq!(leftover, 0);
}
