use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use slipway_test_support::smtp::SmtpServer;

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
