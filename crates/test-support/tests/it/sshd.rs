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
