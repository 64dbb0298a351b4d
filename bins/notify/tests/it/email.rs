//! Email through a real SMTP server (aiosmtpd): one message with a text and an HTML part.

use std::time::Duration;

use slipway_test_support::smtp::{SmtpMode, SmtpServer};

use crate::common::{Project, run};

#[test]
fn a_failure_email_arrives_with_text_and_html_parts() {
    let smtp = SmtpServer::start();
    let project = Project::new(&format!(
        r#"
[notify.channels.mail]
type = "email"
host = "127.0.0.1"
port = {}
tls = "none"
from = "Slipway CI <ci@acme.dev>"
to = ["ops@acme.dev", "lead@acme.dev"]
"#,
        smtp.port()
    ));
    let (code, out, err) = run(project.notify().args([
        "--status",
        "failure",
        "--field",
        "Stage=Unit Tests",
        "--field",
        "Error=Test timeout",
    ]));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("delivered  mail (email)"), "{out}");
    let messages = smtp.wait_for_messages(1, Duration::from_secs(10));
    let mail = &messages[0];
    assert!(
        mail.contains("X-RcptTo: ops@acme.dev, lead@acme.dev")
            || mail.contains("X-RcptTo: ops@acme.dev,lead@acme.dev"),
        "{mail}"
    );
    assert!(
        mail.contains("Subject: =?utf-8?") || mail.contains("Subject: ❌"),
        "{mail}"
    );
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(
        mail.contains("Content-Type: text/plain; charset=utf-8"),
        "{mail}"
    );
    assert!(
        mail.contains("Content-Type: text/html; charset=utf-8"),
        "{mail}"
    );
    assert!(mail.contains("Stage: Unit Tests"), "{mail}");
    assert!(
        mail.contains("<th align=3D\"left\"") || mail.contains("<th align=\"left\""),
        "{mail}"
    );
}

#[test]
fn smtp_url_on_the_command_line_and_plain_smtp_refused_off_loopback() {
    let smtp = SmtpServer::start();
    let project = Project::new("");
    let (code, out, err) =
        run(project
            .notify()
            .args(["--status", "success", "--to"])
            .arg(format!(
                "smtp+plain://127.0.0.1:{}?from=ci@acme.dev&to=ops@acme.dev",
                smtp.port()
            )));
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(smtp.wait_for_messages(1, Duration::from_secs(10)).len(), 1);

    let (code, _, err) = run(project.notify().args([
        "--status",
        "success",
        "--to",
        "smtp+plain://mail.acme.dev?from=a@acme.dev&to=b@acme.dev",
    ]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("only allowed to a loopback host"), "{err}");
}

#[test]
fn starttls_is_required_and_never_downgraded_to_plain_text() {
    // aiosmtpd here offers no STARTTLS: a channel that asks for it must fail, not send
    // the mail (and a password) in clear text.
    let smtp = SmtpServer::start();
    let project = Project::new(&format!(
        r#"
[notify.channels.mail]
type = "email"
host = "127.0.0.1"
port = {}
from = "ci@acme.dev"
to = ["ops@acme.dev"]
"#,
        smtp.port()
    ));
    let (code, out, err) = run(project
        .notify()
        .args(["--status", "failure", "--fail-on-error"]));
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("failed     mail (email)"), "{out}");
    std::thread::sleep(Duration::from_millis(200));
    assert!(smtp.messages().is_empty(), "nothing may arrive without TLS");
}

/// `ca_file = "…"` for a TOML string.
fn ca_line(smtp: &SmtpServer) -> String {
    let ca = smtp.ca_cert_path().expect("a TLS fixture has a CA");
    format!("ca_file = {:?}", ca.display().to_string())
}

#[test]
fn starttls_with_the_servers_ca_delivers_text_and_html_parts() {
    let smtp = SmtpServer::start_with(SmtpMode::StartTls);
    let project = Project::new(&format!(
        r#"
[notify.channels.mail]
type = "email"
host = "127.0.0.1"
port = {}
tls = "starttls"
{}
from = "ci@acme.dev"
to = ["ops@acme.dev"]
"#,
        smtp.port(),
        ca_line(&smtp)
    ));
    let (code, out, err) = run(project.notify().args([
        "--status",
        "failure",
        "--field",
        "Stage=Deploy",
        "--fail-on-error",
    ]));
    assert_eq!(code, 0, "{out}\n{err}\n{}", smtp.log());
    assert!(out.contains("delivered  mail (email)"), "{out}");
    let mail = &smtp.wait_for_messages(1, Duration::from_secs(10))[0];
    assert!(mail.contains("X-RcptTo: ops@acme.dev"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(
        mail.contains("Content-Type: text/plain; charset=utf-8"),
        "{mail}"
    );
    assert!(
        mail.contains("Content-Type: text/html; charset=utf-8"),
        "{mail}"
    );
    assert!(mail.contains("Stage: Deploy"), "{mail}");
}

#[test]
fn implicit_tls_on_a_given_port_delivers() {
    let smtp = SmtpServer::start_with(SmtpMode::ImplicitTls);
    let project = Project::new(&format!(
        r#"
[notify.channels.mail]
type = "email"
url = "smtps://127.0.0.1:{}?from=ci@acme.dev&to=ops@acme.dev"
{}
"#,
        smtp.port(),
        ca_line(&smtp)
    ));
    let (code, out, err) = run(project
        .notify()
        .args(["--status", "success", "--fail-on-error"]));
    assert_eq!(code, 0, "{out}\n{err}\n{}", smtp.log());
    assert!(out.contains("delivered  mail (email)"), "{out}");
    let mail = &smtp.wait_for_messages(1, Duration::from_secs(10))[0];
    assert!(mail.contains("X-RcptTo: ops@acme.dev"), "{mail}");
    assert!(
        mail.contains("Content-Type: text/html; charset=utf-8"),
        "{mail}"
    );
}

#[test]
fn a_certificate_from_another_ca_fails_the_channel_and_sends_nothing() {
    let smtp = SmtpServer::start_with(SmtpMode::StartTls);
    let other = SmtpServer::start_with(SmtpMode::ImplicitTls);
    let password = "hunter2-smtp-Secret";
    let project = Project::new(&format!(
        r#"
[notify.channels.mail]
type = "email"
host = "127.0.0.1"
port = {}
{}
username = "ci"
password_env = "SMTP_PASSWORD"
from = "ci@acme.dev"
to = ["ops@acme.dev"]
"#,
        smtp.port(),
        ca_line(&other)
    ));
    let (code, out, err) = run(project
        .notify()
        .env("SMTP_PASSWORD", password)
        .args(["--status", "failure"]));
    assert_eq!(code, 0, "a failed channel only warns: {out}\n{err}");
    assert!(out.contains("failed     mail (email)"), "{out}");
    assert!(
        err.contains("warning: notify: channel mail (email) failed"),
        "{err}"
    );
    let both = format!("{out}\n{err}");
    let line = both
        .lines()
        .find(|l| l.contains("certificate"))
        .unwrap_or_else(|| panic!("no certificate error in:\n{both}"));
    assert!(line.contains("127.0.0.1"), "{line}");
    assert!(line.contains("TLS certificate was refused"), "{line}");
    assert!(line.contains("UnknownIssuer"), "{line}");
    assert!(
        !line.contains("gave up after"),
        "no retry of a refused certificate: {line}"
    );
    assert!(!both.contains(password), "{both}");

    let (code, out, err) = run(project.notify().env("SMTP_PASSWORD", password).args([
        "--status",
        "failure",
        "--fail-on-error",
    ]));
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(!format!("{out}{err}").contains(password));
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        smtp.messages().is_empty(),
        "nothing may arrive over an untrusted TLS"
    );
}

#[test]
fn a_ca_file_that_is_missing_or_not_pem_is_bad_input() {
    let project = Project::new(
        r#"
[notify.channels.mail]
type = "email"
host = "127.0.0.1"
ca_file = "certs/none.pem"
from = "ci@acme.dev"
to = ["ops@acme.dev"]
"#,
    );
    let (code, _, err) = run(project.notify().args(["--status", "success"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("[notify.channels.mail]: ca_file certs/none.pem"),
        "{err}"
    );
    project.write("certs/none.pem", "not a certificate\n");
    let (code, _, err) = run(project.notify().args(["--status", "success"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no PEM certificate"), "{err}");
}
