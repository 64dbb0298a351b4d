//! Email over SMTP (lettre): a text part and an HTML part (`email.txt.j2`,
//! `email.html.j2`, subject from `email-subject.txt.j2`). STARTTLS by default (587), TLS
//! from the first byte with `tls = "tls"` (465), and plain SMTP only to a loopback host
//! (`tls = "none"`, for a local relay or tests). The server's certificate is always
//! verified, against the public roots plus the CA certificates of `ca_file` when set.

use std::path::{Path, PathBuf};

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport as _, Message, Tokio1Executor};
use serde_json::json;
use slipway_kit::{Failure, Ui};

use super::envelope::{Delivered, SendEnv};
use crate::config::TlsMode;
use crate::redact::{Redactor, redact_url};
use crate::render::{Rendered, Renderer};
use crate::secret::SecretRef;

/// An email channel.
#[derive(Debug, Clone)]
pub struct Email {
    /// SMTP host.
    pub host: String,
    /// SMTP port.
    pub port: u16,
    /// TLS mode.
    pub tls: TlsMode,
    /// Extra CA certificates to trust (`ca_file`).
    pub ca: Option<CaFile>,
    /// Login, when the server wants one.
    pub username: Option<String>,
    /// Password.
    pub password: Option<SecretRef>,
    /// Sender.
    pub from: String,
    /// Recipients.
    pub to: Vec<String>,
}

/// A PEM file of CA certificates, read when the config is loaded.
#[derive(Debug, Clone)]
pub struct CaFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// Its PEM text.
    pub pem: Vec<u8>,
}

impl CaFile {
    /// Reads `path` and checks that it holds at least one PEM certificate that parses.
    pub fn read(path: &Path) -> Result<Self, String> {
        let shown = path.display();
        let pem = std::fs::read(path).map_err(|e| format!("ca_file {shown}: {e}"))?;
        let has_certificate = String::from_utf8_lossy(&pem).contains("-----BEGIN CERTIFICATE-----");
        if !has_certificate || Certificate::from_pem(&pem).is_err() {
            return Err(format!(
                "ca_file {shown}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
            ));
        }
        Ok(Self {
            path: path.to_owned(),
            pem,
        })
    }
}

/// The usual port of a TLS mode.
pub fn default_port(tls: TlsMode) -> u16 {
    match tls {
        TlsMode::Starttls => 587,
        TlsMode::Tls => 465,
        TlsMode::None => 25,
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_matches(['[', ']'])
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl Email {
    /// Parses `smtp://[USER[:PASS]@]HOST[:PORT]?from=A&to=B,C` (`smtps://` for TLS,
    /// `smtp+plain://` for no TLS; `tls=` in the query overrides).
    pub fn from_url(url: &str, ui: &Ui, redactor: &Redactor) -> Result<Self, String> {
        let parsed = reqwest::Url::parse(url)
            .map_err(|e| format!("{} is not a valid URL: {e}", redact_url(url)))?;
        let mut tls = match parsed.scheme() {
            "smtp" => TlsMode::Starttls,
            "smtps" => TlsMode::Tls,
            "smtp+plain" => TlsMode::None,
            other => return Err(format!("{other}:// is not an SMTP URL")),
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("the SMTP URL has no host")?
            .to_owned();
        let mut from = String::new();
        let mut to = Vec::new();
        for (k, v) in parsed.query_pairs() {
            match k.as_ref() {
                "from" => from = v.into_owned(),
                "to" => to.extend(
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
                "tls" => {
                    tls = match v.as_ref() {
                        "starttls" => TlsMode::Starttls,
                        "tls" => TlsMode::Tls,
                        "none" => TlsMode::None,
                        other => return Err(format!("tls={other} is not starttls, tls or none")),
                    }
                }
                other => return Err(format!("unknown SMTP URL parameter {other:?}")),
            }
        }
        let username = (!parsed.username().is_empty()).then(|| percent_decode(parsed.username()));
        let password = parsed
            .password()
            .map(|p| SecretRef::inline(&percent_decode(p), "smtp password", ui, redactor));
        Ok(Self {
            port: parsed.port().unwrap_or_else(|| default_port(tls)),
            host,
            tls,
            ca: None,
            username,
            password,
            from,
            to,
        })
    }

    /// Checks sender, recipients and that plain SMTP only goes to loopback.
    pub fn validate(&self) -> Result<(), String> {
        if self.from.is_empty() {
            return Err("`from` (the sender address) is required".into());
        }
        self.from
            .parse::<Mailbox>()
            .map_err(|e| format!("`from` {:?} is not an email address: {e}", self.from))?;
        if self.to.is_empty() {
            return Err("`to` (at least one recipient) is required".into());
        }
        for to in &self.to {
            to.parse::<Mailbox>()
                .map_err(|e| format!("`to` {to:?} is not an email address: {e}"))?;
        }
        if self.tls == TlsMode::None && !is_loopback(&self.host) {
            return Err(format!(
                "tls = \"none\" sends mail and passwords in clear text: only allowed to a loopback host, not {}",
                self.host
            ));
        }
        if self.tls == TlsMode::None && self.ca.is_some() {
            return Err("ca_file is for TLS: it does nothing with tls = \"none\"".into());
        }
        if self.password.is_some() && self.username.is_none() {
            return Err("a password needs `username`".into());
        }
        Ok(())
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A rendered email.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The channel.
    pub email: Email,
    /// The message.
    pub message: Message,
}

/// Renders subject, text and HTML and builds the message.
pub fn prepare(
    email: &Email,
    renderer: &Renderer,
    rendered: &Rendered,
) -> Result<(Mail, serde_json::Value), Failure> {
    let subject = renderer.render(rendered, "email-subject.txt.j2", &[])?;
    let subject = subject.lines().next().unwrap_or_default().trim().to_owned();
    let text = renderer.render(rendered, "email.txt.j2", &[])?;
    let html = renderer.render(rendered, "email.html.j2", &[])?;
    let bad = |e: String| Failure::bad_input(format!("email: {e}"));
    let mut builder = Message::builder()
        .from(
            email
                .from
                .parse::<Mailbox>()
                .map_err(|e| bad(e.to_string()))?,
        )
        .subject(subject.clone())
        .header(lettre::message::header::UserAgent::from(format!(
            "slipway-notify/{}",
            env!("CARGO_PKG_VERSION")
        )));
    for to in &email.to {
        builder = builder.to(to.parse::<Mailbox>().map_err(|e| bad(e.to_string()))?);
    }
    let message = builder
        .multipart(MultiPart::alternative_plain_html(
            text.clone(),
            html.clone(),
        ))
        .map_err(|e| bad(e.to_string()))?;
    let preview = json!({
        "from": email.from,
        "to": email.to,
        "subject": subject,
        "text": text,
        "html": html,
    });
    Ok((
        Mail {
            email: email.clone(),
            message,
        },
        preview,
    ))
}

/// Sends the mail, retrying transient failures (connection, timeouts, SMTP 4xx).
/// STARTTLS is required in `starttls` mode: a server without it fails the channel.
pub async fn send(mail: &Mail, env: &SendEnv) -> Result<Delivered, String> {
    let e = &mail.email;
    let tls = || -> Result<TlsParameters, String> {
        let mut params = TlsParameters::builder(e.host.clone());
        if let Some(ca) = &e.ca {
            let cert = Certificate::from_pem(&ca.pem)
                .map_err(|err| format!("ca_file {}: {err}", ca.path.display()))?;
            params = params.add_root_certificate(cert);
        }
        params.build().map_err(|err| format!("{}: {err}", e.host))
    };
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&e.host);
    let builder = match e.tls {
        TlsMode::Starttls => builder.tls(Tls::Required(tls()?)),
        TlsMode::Tls => builder.tls(Tls::Wrapper(tls()?)),
        TlsMode::None => builder,
    };
    let mut builder = builder
        .port(e.port)
        .timeout(Some(env.policy.attempt_timeout));
    if let Some(user) = &e.username {
        let password = e
            .password
            .as_ref()
            .and_then(|p| p.value.as_ref())
            .map(|p| p.expose().to_owned())
            .unwrap_or_default();
        builder = builder.credentials(Credentials::new(user.clone(), password));
    }
    let transport = builder.build();
    let total = env.policy.attempts.max(1);
    let mut delay = env.policy.backoff;
    loop {
        let attempt = env.attempts.bump();
        match transport.send(mail.message.clone()).await {
            Ok(response) => {
                let detail = response.message().collect::<Vec<_>>().join(" ");
                return Ok(Delivered {
                    detail: Some(format!(
                        "mail to {} accepted by {}:{}{}",
                        e.to.join(", "),
                        e.host,
                        e.port,
                        if detail.is_empty() {
                            String::new()
                        } else {
                            format!(" ({detail})")
                        }
                    )),
                    outputs: Vec::new(),
                });
            }
            Err(err) => {
                // Retry what may pass next time (4xx, connection, timeout); not a refusal
                // (5xx), a missing STARTTLS or a certificate problem.
                let (reason, certificate) = describe(&err);
                let permanent =
                    err.is_permanent() || err.is_client() || err.is_tls() || certificate;
                let text = if certificate {
                    let hint = match &e.ca {
                        Some(ca) => format!(
                            "it is signed by none of the public CAs nor ca_file {}",
                            ca.path.display()
                        ),
                        None => "if a private CA signed it, name that CA's PEM file with ca_file"
                            .to_owned(),
                    };
                    format!(
                        "SMTP {}:{}: the server's TLS certificate was refused ({reason}): {hint}",
                        e.host, e.port
                    )
                } else {
                    format!("SMTP {}:{}: {reason}", e.host, e.port)
                };
                if permanent || attempt >= total {
                    return Err(if attempt > 1 {
                        format!("{text} (gave up after {attempt} attempts)")
                    } else {
                        text
                    });
                }
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
        }
    }
}

/// One line for an SMTP error (lettre repeats a wrapping kind, "Connection error:
/// Connection error: …": said once here), and whether the server's certificate was
/// refused (the innermost cause names it).
fn describe(err: &lettre::transport::smtp::Error) -> (String, bool) {
    let mut innermost: &dyn std::error::Error = err;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    let certificate = innermost.to_string().contains("certificate");
    let full = err.to_string();
    let mut parts: Vec<&str> = Vec::new();
    for part in full.split(": ") {
        if parts.last() != Some(&part) {
            parts.push(part);
        }
    }
    (parts.join(": ").replace('\n', " "), certificate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use slipway_kit::outputs::StepFiles;
    use slipway_kit::ui::Mode;

    fn ui() -> Ui {
        Ui::with(Mode::Human { color: false }, StepFiles::default())
    }

    #[test]
    fn smtp_urls_give_tls_mode_port_and_addresses() {
        let r = Redactor::default();
        let e = Email::from_url(
            "smtp://ci%40acme.dev:p%40ss@mail.acme.dev?from=ci@acme.dev&to=a@acme.dev,b@acme.dev",
            &ui(),
            &r,
        )
        .unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.tls),
            ("mail.acme.dev", 587, TlsMode::Starttls)
        );
        assert_eq!(e.username.as_deref(), Some("ci@acme.dev"));
        assert_eq!(e.to, ["a@acme.dev", "b@acme.dev"]);
        assert_eq!(r.redact("p@ss"), "***");
        e.validate().unwrap();
        let e = Email::from_url("smtps://mail.acme.dev?from=a@b.c&to=d@e.f", &ui(), &r).unwrap();
        assert_eq!((e.port, e.tls), (465, TlsMode::Tls));
    }

    #[test]
    fn plain_smtp_is_only_allowed_to_loopback() {
        let r = Redactor::default();
        let e =
            Email::from_url("smtp+plain://127.0.0.1:2525?from=a@b.c&to=d@e.f", &ui(), &r).unwrap();
        e.validate().unwrap();
        let e =
            Email::from_url("smtp+plain://mail.acme.dev?from=a@b.c&to=d@e.f", &ui(), &r).unwrap();
        assert!(e.validate().unwrap_err().contains("loopback"));
    }

    #[test]
    fn a_ca_file_with_tls_none_is_refused() {
        let r = Redactor::default();
        let mut e =
            Email::from_url("smtp+plain://127.0.0.1:2525?from=a@b.c&to=d@e.f", &ui(), &r).unwrap();
        e.ca = Some(CaFile {
            path: "ca.pem".into(),
            pem: Vec::new(),
        });
        assert!(e.validate().unwrap_err().contains("ca_file is for TLS"));
    }
}
