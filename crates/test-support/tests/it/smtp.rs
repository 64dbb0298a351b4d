use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use slipway_test_support::smtp::{SmtpMode, SmtpServer};

/// Sends one line and checks the reply code, reading multi-line replies.
fn say(reader: &mut BufReader<TcpStream>, line: &str, code: &str) {
    if !line.is_empty() {
        reader
            .get_mut()
            .write_all(format!("{line}\r\n").as_bytes())
            .expect("send an SMTP line");
    }
    loop {
        let mut reply = String::new();
        reader.read_line(&mut reply).expect("read an SMTP reply");
        assert!(
            reply.starts_with(code),
            "after {line:?} expected {code}, got {reply:?}"
        );
        if reply.as_bytes().get(3) != Some(&b'-') {
            return;
        }
    }
}

#[test]
fn receives_a_mail_sent_by_a_plain_smtp_dialogue() {
    let smtp = SmtpServer::start();
    let stream = TcpStream::connect((smtp.host(), smtp.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    say(&mut reader, "", "220");
    say(&mut reader, "EHLO tests.slipway.invalid", "250");
    say(&mut reader, "MAIL FROM:<ci@slipway.invalid>", "250");
    say(&mut reader, "RCPT TO:<oncall@slipway.invalid>", "250");
    say(&mut reader, "DATA", "354");
    say(
        &mut reader,
        "From: ci@slipway.invalid\r\nTo: oncall@slipway.invalid\r\nSubject: Deployed 1.2.3\r\n\r\nproduction is on 1.2.3\r\n.",
        "250",
    );
    say(&mut reader, "QUIT", "221");

    let messages = smtp.wait_for_messages(1, Duration::from_secs(5));
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert!(message.contains("Subject: Deployed 1.2.3"), "{message}");
    assert!(
        message.contains("X-RcptTo: oncall@slipway.invalid"),
        "{message}"
    );
    assert!(message.contains("production is on 1.2.3"), "{message}");
}

/// Sends one mail with Python's smtplib (an independent client), verifying the
/// server's certificate against `ca` for `127.0.0.1`.
fn send_with_python_smtplib(smtp: &SmtpServer, smtps: bool, ca: &std::path::Path) {
    let script = r#"
import smtplib, ssl, sys
port, smtps, ca = int(sys.argv[1]), sys.argv[2] == "smtps", sys.argv[3]
ctx = ssl.create_default_context(cafile=ca)
if smtps:
    client = smtplib.SMTP_SSL("127.0.0.1", port, context=ctx, timeout=5)
else:
    client = smtplib.SMTP("127.0.0.1", port, timeout=5)
    client.starttls(context=ctx)
client.sendmail("ci@slipway.invalid", ["oncall@slipway.invalid"],
                "Subject: Deployed over TLS\r\n\r\nsecret payload\r\n")
client.quit()
"#;
    let output = std::process::Command::new(slipway_test_support::program::venv_python())
        .args(["-c", script])
        .arg(smtp.port().to_string())
        .arg(if smtps { "smtps" } else { "starttls" })
        .arg(ca)
        .output()
        .expect("run the venv python");
    assert!(
        output.status.success(),
        "smtplib failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        smtp.log()
    );
}

#[test]
fn starttls_server_requires_tls_and_its_certificate_verifies_against_its_ca() {
    let smtp = SmtpServer::start_with(SmtpMode::StartTls);
    let stream = TcpStream::connect((smtp.host(), smtp.port())).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    say(&mut reader, "", "220");
    say(&mut reader, "EHLO tests.slipway.invalid", "250");
    say(&mut reader, "MAIL FROM:<ci@slipway.invalid>", "530");
    say(&mut reader, "QUIT", "221");

    send_with_python_smtplib(&smtp, false, &smtp.ca_cert_path().unwrap());
    let messages = smtp.wait_for_messages(1, Duration::from_secs(5));
    assert!(
        messages[0].contains("Subject: Deployed over TLS"),
        "{}",
        messages[0]
    );
}

#[test]
fn implicit_tls_server_speaks_tls_from_the_first_byte() {
    let smtp = SmtpServer::start_with(SmtpMode::ImplicitTls);
    assert_eq!(smtp.mode(), SmtpMode::ImplicitTls);
    send_with_python_smtplib(&smtp, true, &smtp.ca_cert_path().unwrap());
    let messages = smtp.wait_for_messages(1, Duration::from_secs(5));
    assert!(messages[0].contains("secret payload"), "{}", messages[0]);
    assert!(SmtpServer::start().ca_cert_path().is_none());
}
