//! `podwiz explain` JSON for every mode × fitting variant, and the Pod Security levels the issue
//! pins down.

mod common;

use podwiz::scenario::{self, Mode, Options, Storage};
use podwiz::security::pss::Level;
use podwiz::security::{self, Scope, Severity};

#[test]
fn explain_json_for_every_mode_and_variant() {
    let cases = common::variant_matrix();
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    for (name, mode, options) in cases {
        let bundle = scenario::build(mode, &options).expect("matrix holds valid cases");
        let report = security::assess(&bundle);
        insta::assert_json_snapshot!(name, report);
    }
}

#[test]
fn the_six_article_manifests_are_privileged() {
    for mode in Mode::ALL {
        let bundle = scenario::build(mode, &Options::article(mode)).expect("valid");
        let report = security::assess(&bundle);
        assert_eq!(
            report.pss.level,
            Level::Privileged,
            "{mode}: {:#?}",
            report.pss
        );
    }
}

#[test]
fn rootless_no_priv_with_emptydir_storage_is_baseline() {
    let bundle = scenario::build(Mode::RootlessNoPriv, &Options::default()).expect("valid");
    assert_eq!(
        bundle.options.storage,
        Some(Storage::Emptydir),
        "emptyDir is the default"
    );
    assert_eq!(security::assess(&bundle).pss.level, Level::Baseline);
    let pvc = Options {
        storage: Some(Storage::Pvc("store".into())),
        ..Options::default()
    };
    let bundle = scenario::build(Mode::RootlessNoPriv, &pvc).expect("valid");
    assert_eq!(security::assess(&bundle).pss.level, Level::Baseline);
}

#[test]
fn json_has_the_documented_shape() {
    for mode in Mode::ALL {
        let bundle = scenario::build(mode, &Options::default()).expect("valid");
        let json = serde_json::to_value(security::assess(&bundle)).expect("json");
        assert_eq!(json["mode"], mode.id());
        for key in ["level", "version"] {
            assert!(json["pss"][key].is_string(), "{mode}: pss.{key}");
        }
        for key in ["baseline", "restricted"] {
            assert!(
                json["pss"]["violations"][key].is_array(),
                "{mode}: violations.{key}"
            );
        }
        for key in [
            "findings",
            "grants",
            "host_changes",
            "requirements",
            "works_inside",
        ] {
            assert!(json[key].is_array(), "{mode}: {key}");
        }
        for finding in json["findings"].as_array().into_iter().flatten() {
            for key in ["id", "severity", "field", "title", "detail", "source"] {
                assert!(
                    finding[key].as_str().is_some_and(|s| !s.is_empty()),
                    "{mode}: finding.{key}"
                );
            }
        }
        for grant in json["grants"].as_array().into_iter().flatten() {
            assert!(matches!(grant["scope"].as_str(), Some("pod" | "node")));
            assert!(grant["source"].as_str().is_some_and(|s| !s.is_empty()));
        }
    }
}

#[test]
fn every_mode_says_what_an_attacker_gets_in_the_pod_and_on_the_node() {
    for (name, mode, options) in common::variant_matrix() {
        let report = security::assess(&scenario::build(mode, &options).expect("valid"));
        for scope in [Scope::Pod, Scope::Node] {
            assert!(
                report.grants.iter().any(|g| g.scope == scope),
                "{name}: no {scope:?} grant"
            );
        }
        assert!(!report.works_inside.is_empty(), "{name}");
        assert!(!report.requirements.is_empty(), "{name}");
    }
}

#[test]
fn the_podman_socket_of_mode_remote_is_critical() {
    let report =
        security::assess(&scenario::build(Mode::Remote, &Options::default()).expect("valid"));
    let first = report.findings.first().expect("findings");
    assert_eq!(
        (first.id.as_str(), first.severity),
        ("engine-socket", Severity::Critical)
    );
    assert_eq!(first.field, "spec.volumes[0].hostPath.path");
}

#[test]
fn host_changes_follow_the_bundle_host_steps() {
    for (name, mode, options) in common::variant_matrix() {
        let bundle = scenario::build(mode, &options).expect("valid");
        let report = security::assess(&bundle);
        assert_eq!(report.host_changes.len(), bundle.host_steps.len(), "{name}");
    }
}
