//! Every wait ends by its bound: a switch nginx never shows, a pause nobody resolves.

use crate::canary_site::{CanarySite, Front, doc as canary_doc, succeeded};
use crate::common::{deploy_version, deployed, doc, stderr};
use slipway_deploy_engine::testing::Site;

#[test]
fn a_switch_never_observed_through_nginx_ends_by_switch_timeout() {
    let site = Site::local();
    deployed(&site, "v1");
    // The probe URL now points at a port nothing listens on: the switch can never be seen.
    let config = std::fs::read_to_string(&site.config).unwrap();
    let probe = format!("probe_url = \"{}/version\"", site.nginx.url());
    assert!(config.contains(&probe), "{config}");
    std::fs::write(
        &site.config,
        config.replace(
            &probe,
            "probe_url = \"http://127.0.0.1:1/version\"\nswitch_timeout = \"2s\"",
        ),
    )
    .unwrap();
    let out = deploy_version(&site, "v2", &[]);
    let err = stderr(&out);
    // Routing back cannot be observed either: a person must look (exit 3), but it ends.
    assert_eq!(out.status.code(), Some(3), "{err}");
    let d = doc(&out);
    assert_eq!(d["status"], "failed");
    assert!(
        d["error"]
            .as_str()
            .unwrap()
            .contains("the switch was not observed through http://127.0.0.1:1/version within 2s"),
        "{d}"
    );
    assert!(!site.locked(), "the lock is released all the same");
}

#[test]
fn a_pause_nobody_resolves_aborts_after_pause_timeout() {
    let site = CanarySite::start(
        Front::Haproxy,
        "",
        "[deploy.environments.test.canary]\nstep_duration = \"500ms\"\npause_timeout = \"2s\"\n\
         [deploy.environments.test.analysis]\nmin_samples = 5\nmax_p95 = \"10s\"\n\
         [deploy.environments.test.analysis.probe]\ninterval = \"10ms\"\n",
    );
    succeeded(&site.deploy(&["--version", "v1"]));
    let out = site.deploy(&["--version", "v2", "--pause-at", "30"]);
    assert_eq!(out.status.code(), Some(1));
    let d = canary_doc(&out);
    assert_eq!(d["status"], "rolled-back");
    assert!(
        d["error"]
            .as_str()
            .unwrap()
            .contains("nobody promoted the canary paused at 30% within 2s"),
        "{d}"
    );
    assert_eq!(site.serving().as_deref(), Some("v1"));
    assert!(!site.paused());
}
