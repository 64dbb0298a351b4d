//! `https://` health checks, switch probes and probe analysis through TLS-terminating
//! nginx servers with a throwaway CA: trusted with `ca_file` they pass; a certificate from
//! a CA nobody trusts fails with a message that says so.

use std::fmt::Write as _;

use slipway_deploy_engine::testing::{Options, Site};

use crate::common::{deploy_version, deployed, doc, stderr};

fn tls_site(trusted: bool) -> Site {
    Site::start(Options {
        validation_window: "2s",
        smoke: false,
        tls: Some(trusted),
        ..Options::default()
    })
}

#[test]
fn https_health_check_switch_probe_and_probe_analysis_pass_with_the_ca_trusted() {
    let site = tls_site(true);
    let tls = site.tls.clone().unwrap();
    let mut config = std::fs::read_to_string(&site.config).unwrap();
    let _ = write!(
        config,
        "[deploy.environments.test.analysis]\nprovider = \"probe\"\ninterval = \"1s\"\nmin_samples = 10\nmax_p95 = \"10s\"\n\
         [deploy.environments.test.analysis.probe]\nurl = \"https://127.0.0.1:{}/?port={{port}}\"\n\
         interval = \"25ms\"\nca_file = \"{}\"\n",
        tls.slot_port,
        tls.certs.ca.display()
    );
    std::fs::write(&site.config, config).unwrap();
    deployed(&site, "v1");
    let d = deployed(&site, "v2");
    let window = d["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str().unwrap().starts_with("validation window"))
        .unwrap();
    let output = window["output"].as_str().unwrap();
    assert!(
        output.starts_with("probe analysis: error rate 0.00%"),
        "{output}"
    );
    assert_eq!(site.serving().as_deref(), Some("v2"));
    // The checks really went over TLS: nginx logged them on its TLS servers.
    let log = site.nginx.access_log();
    assert!(log.contains("\"GET /health?port="), "{log}");
    assert!(log.contains("\"GET /?port="), "{log}");
    assert!(log.contains("\"GET /version HTTP/1.1\""), "{log}");
}

#[test]
fn a_certificate_from_an_unknown_ca_fails_the_health_check_with_a_clear_message() {
    let site = tls_site(false);
    let config = std::fs::read_to_string(&site.config)
        .unwrap()
        .replace("start_timeout = \"10s\"", "start_timeout = \"2s\"");
    std::fs::write(&site.config, config).unwrap();
    let out = deploy_version(&site, "v1", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = doc(&out);
    let error = d["error"].as_str().unwrap();
    assert!(
        error.contains("signed by an unknown certificate authority"),
        "{error}"
    );
    assert!(error.contains("ca_file"), "{error}");
    assert!(error.contains("https://localhost:"), "{error}");
    assert_eq!(site.serving(), None, "nothing was switched");
}
