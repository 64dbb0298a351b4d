//! Throwaway certificate authorities for TLS fixtures, made with `openssl`.
//!
//! [`Certificates::make`] writes a CA (`ca.pem`, named after a label so that two
//! fixtures' CAs differ by name as well as key) and a server certificate signed by it for
//! `127.0.0.1` and `localhost` (`server.pem`, `server.key`), valid two days, into a
//! directory. Trust [`Certificates::ca`] in the client; a client that does not trust it
//! sees an unknown issuer. [`Certificates::nginx_server`] is an nginx `server` block that
//! terminates TLS with them, for [`crate::nginx::NginxConfig::http_extra`].
//!
//! ```no_run
//! use slipway_test_support::tls::Certificates;
//! let dir = tempfile::tempdir().unwrap();
//! let certs = Certificates::make(dir.path(), 1);
//! let block = certs.nginx_server(8443, "proxy_pass http://127.0.0.1:$arg_port;");
//! ```

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::process::run_checked;
use crate::program;

/// A throwaway CA and a server certificate it signed.
#[derive(Debug, Clone)]
pub struct Certificates {
    /// The CA certificate (PEM).
    pub ca: PathBuf,
    /// The server certificate for `127.0.0.1` and `localhost` (PEM).
    pub cert: PathBuf,
    /// The server's private key (PEM).
    pub key: PathBuf,
}

impl Certificates {
    /// Makes the CA and the server certificate in `dir`; `label` goes into the CA's name.
    pub fn make(dir: &Path, label: u32) -> Self {
        Self::make_for(dir, label, "IP:127.0.0.1,DNS:localhost", 2)
    }

    /// Like [`Certificates::make`], with the server certificate for `names` (a
    /// `subjectAltName` value, e.g. `DNS:elsewhere.example`) and valid `days` from now: a
    /// negative number makes one that has already expired.
    pub fn make_for(dir: &Path, label: u32, names: &str, days: i32) -> Self {
        let openssl = program::require("openssl");
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"];
        run_checked(
            "openssl: make the test CA",
            Command::new(&openssl)
                .current_dir(dir)
                .args(["req", "-x509", "-nodes", "-days", "2"])
                .args(ec)
                .args(["-keyout", "ca.key", "-out", "ca.pem"])
                .arg("-subj")
                .arg(format!(
                    "/CN=Slipway test CA {}",
                    std::process::id() ^ label
                ))
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
        );
        run_checked(
            "openssl: make the server key and request",
            Command::new(&openssl)
                .current_dir(dir)
                .args(["req", "-nodes"])
                .args(ec)
                .args(["-keyout", "server.key", "-out", "server.csr"])
                .args(["-subj", "/CN=localhost"]),
        );
        std::fs::write(
            dir.join("server.ext"),
            format!(
                "subjectAltName={names}\n\
                 basicConstraints=critical,CA:FALSE\n\
                 keyUsage=critical,digitalSignature\n\
                 extendedKeyUsage=serverAuth\n"
            ),
        )
        .expect("write the certificate extensions");
        run_checked(
            "openssl: sign the server certificate",
            Command::new(&openssl)
                .current_dir(dir)
                .args(["x509", "-req", "-in", "server.csr"])
                .arg("-days")
                .arg(days.to_string())
                .args(["-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"])
                .args(["-extfile", "server.ext", "-out", "server.pem"]),
        );
        Self {
            ca: dir.join("ca.pem"),
            cert: dir.join("server.pem"),
            key: dir.join("server.key"),
        }
    }

    /// An nginx `server` block listening with TLS on `127.0.0.1:port` whose `location /`
    /// holds `location` (e.g. `proxy_pass http://NAME;`).
    pub fn nginx_server(&self, port: u16, location: &str) -> String {
        format!(
            "server {{\n\
             \x20   listen 127.0.0.1:{port} ssl;\n\
             \x20   ssl_certificate {cert};\n\
             \x20   ssl_certificate_key {key};\n\
             \x20   location / {{\n\
             \x20     {location}\n\
             \x20     proxy_http_version 1.1;\n\
             \x20     proxy_set_header Connection \"\";\n\
             \x20   }}\n\
             \x20 }}\n",
            cert = self.cert.display(),
            key = self.key.display(),
        )
    }
}
