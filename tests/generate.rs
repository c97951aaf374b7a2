//! `podwiz generate` for every mode × fitting variant: golden YAML, round trips through the
//! k8s-openapi types and through kubectl's YAML 1.1 reader, and YAML-special strings.

mod common;

use k8s_openapi::api::apps::v1::DaemonSet;
use k8s_openapi::api::core::v1::{Namespace, Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::RoleBinding;
use podwiz::render;
use podwiz::scenario::{Mode, Object, Options};
use podwiz::security;
use proptest::prelude::*;

#[test]
fn golden_yaml_for_every_mode_and_variant() {
    let cases = common::variant_matrix();
    // 6 defaults + 6 article + the variants that fit: a shrinking matrix would be a regression.
    assert!(cases.len() >= 50, "only {} cases", cases.len());
    for (name, mode, options) in cases {
        let bundle = security::build(mode, &options).expect("matrix holds valid cases");
        let yaml = render::bundle_yaml(&bundle).expect("yaml");
        insta::assert_snapshot!(name, yaml);
    }
}

/// Parse one YAML document back into the typed object it came from.
fn parse_like(object: &Object, doc: &str) -> Object {
    fn parse<T: serde::de::DeserializeOwned>(doc: &str) -> T {
        serde_saphyr::from_str(doc).unwrap_or_else(|e| panic!("{e}\n{doc}"))
    }
    match object {
        Object::Namespace(_) => Object::Namespace(parse::<Namespace>(doc)),
        Object::ServiceAccount(_) => Object::ServiceAccount(parse::<ServiceAccount>(doc)),
        Object::RoleBinding(_) => Object::RoleBinding(parse::<RoleBinding>(doc)),
        Object::DaemonSet(_) => Object::DaemonSet(parse::<DaemonSet>(doc)),
        Object::Pod(_) => Object::Pod(parse::<Pod>(doc)),
        Object::Job(_) => Object::Job(parse(doc)),
        Object::Deployment(_) => Object::Deployment(parse(doc)),
        Object::StatefulSet(_) => Object::StatefulSet(parse(doc)),
        Object::CronJob(_) => Object::CronJob(parse(doc)),
    }
}

#[test]
fn every_bundle_round_trips_through_the_typed_objects_and_kubectl() {
    for (name, mode, options) in common::variant_matrix() {
        let bundle = security::build(mode, &options).expect("valid");
        let objects = bundle.objects();
        for object in &objects {
            let yaml = render::object_yaml(object).expect("yaml");
            assert_eq!(
                &parse_like(object, &yaml),
                object,
                "{name}: YAML round trip of {}",
                object.reference()
            );
            let json = serde_json::to_string(object).expect("json");
            let back = match object {
                Object::Pod(_) => Object::Pod(serde_json::from_str(&json).expect("pod json")),
                _ => parse_like(object, &json), // JSON is YAML too
            };
            assert_eq!(
                &back,
                object,
                "{name}: JSON round trip of {}",
                object.reference()
            );
        }
        let stream = render::bundle_yaml(&bundle).expect("yaml");
        let read = common::kubectl_read(&stream);
        let expected: Vec<serde_json::Value> = objects
            .iter()
            .map(|o| serde_json::to_value(o).expect("json"))
            .collect();
        assert_eq!(
            read, expected,
            "{name}: kubectl reads something else than podwiz meant"
        );
    }
}

#[test]
fn json_output_has_the_documented_shape() {
    let bundle = security::build(Mode::RootlessNoPriv, &Options::default()).expect("valid");
    let json = render::bundle_json_value(&bundle).expect("json");
    assert_eq!(json["mode"], "rootless-no-priv");
    assert_eq!(json["options"]["fuse"], "generic-device-plugin");
    assert_eq!(json["options"]["storage"]["kind"], "emptydir");
    assert_eq!(json["objects"].as_array().map(Vec::len), Some(2));
    assert_eq!(json["objects"][1]["kind"], "Pod");
    assert_eq!(
        json["host_steps"][0]["title"],
        "Load the fuse kernel module"
    );
    assert!(
        json["usage"][1]["command"]
            .as_str()
            .is_some_and(|c| c.ends_with("podman run ubi8 echo hello"))
    );
}

/// Strings that a YAML 1.1 reader turns into something else unless they are quoted.
const YAML_SPECIAL: &[&str] = &[
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "true",
    "false",
    "null",
    "~",
    "0644",
    "0o644",
    "1e3",
    "0x1f",
    "1_000",
    "12:30:00",
    ".inf",
    "-.nan",
    "2001-12-14",
    ": ",
    "a: b",
    "# not a comment",
    "a #b",
    "- item",
    "[x]",
    "{x}",
    "&anchor",
    "*alias",
    "!tag",
    "|",
    ">",
    "%",
    "@",
    "`",
    "'quoted'",
    "\"dq\"",
    "line\nbreak",
    "tab\there",
    " leading",
    "trailing ",
    "",
    "ünïcödé ✓",
    "emoji 🦭",
    "\u{feff}bom",
    "---",
    "...",
    "=",
    "<<",
];

/// Names that are valid RFC 1123 subdomains but still YAML-special.
const SPECIAL_NAMES: &[&str] = &[
    "yes", "no", "on", "off", "y", "n", "true", "null", "0644", "1e3", "123", "0x1f", "nan", "inf",
];

#[test]
fn yaml_special_strings_survive_kubectls_reader() {
    let mut streams = Vec::new();
    for (i, word) in YAML_SPECIAL.iter().enumerate() {
        let name = SPECIAL_NAMES[i % SPECIAL_NAMES.len()];
        let options = Options {
            name: Some(name.to_string()),
            namespace: Some(name.to_string()),
            command: Some(vec!["sh".into(), "-c".into(), word.to_string()]),
            create_namespace: true,
            ..Options::default()
        };
        let bundle = security::build(Mode::RootlessNoPriv, &options).expect("valid");
        streams.push((
            bundle.objects(),
            render::bundle_yaml(&bundle).expect("yaml"),
        ));
    }
    let joined: String = streams.iter().map(|(_, yaml)| yaml.as_str()).collect();
    let read = common::kubectl_read(&joined);
    let expected: Vec<serde_json::Value> = streams
        .iter()
        .flat_map(|(objects, _)| {
            objects
                .iter()
                .map(|o| serde_json::to_value(o).expect("json"))
        })
        .collect();
    assert_eq!(read.len(), expected.len());
    for (got, want) in read.iter().zip(&expected) {
        assert_eq!(got, want);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Arbitrary command words (any unicode, YAML-special or not) come back unchanged from
    /// podwiz's own reader; the batch below checks kubectl's.
    #[test]
    fn arbitrary_command_words_round_trip(words in proptest::collection::vec(
        prop_oneof![
            proptest::sample::select(YAML_SPECIAL).prop_map(str::to_string),
            any::<String>(),
            "[a-z0-9:#\\-{}\\[\\], '\"!&*|>%@`]{0,12}",
        ],
        1..5,
    )) {
        // The first word is the program and must not be blank (a validation rule); the rest is free.
        let words: Vec<String> = std::iter::once("sh".to_string()).chain(words).collect();
        let options = Options { command: Some(words.clone()), ..Options::default() };
        let bundle = security::build(Mode::RootfulPriv, &options).expect("valid");
        let yaml = render::object_yaml(&Object::Pod(bundle.pod.clone())).expect("yaml");
        let pod: Pod = serde_saphyr::from_str(&yaml).expect("parses");
        let args = pod.spec.and_then(|s| s.containers.into_iter().next()).and_then(|c| c.args);
        prop_assert_eq!(args, Some(words));
    }
}

#[test]
fn generated_arbitrary_strings_survive_kubectls_reader() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let strategy = proptest::collection::vec(any::<String>(), 1..4);
    let mut runner = TestRunner::deterministic();
    let mut pods = Vec::new();
    for _ in 0..200 {
        let words = strategy.new_tree(&mut runner).expect("tree").current();
        let words: Vec<String> = std::iter::once("sh".to_string()).chain(words).collect();
        let options = Options {
            command: Some(words),
            ..Options::default()
        };
        pods.push(
            security::build(Mode::RootfulPriv, &options)
                .expect("valid")
                .pod,
        );
    }
    let stream: String = pods
        .iter()
        .map(|p| {
            format!(
                "---\n{}",
                render::object_yaml(&Object::Pod(p.clone())).expect("yaml")
            )
        })
        .collect();
    let read = common::kubectl_read(&stream);
    assert_eq!(read.len(), pods.len());
    for (got, pod) in read.iter().zip(&pods) {
        assert_eq!(got, &serde_json::to_value(pod).expect("json"));
    }
}

#[test]
fn the_header_and_json_carry_the_level_and_top_findings() {
    let bundle = security::build(Mode::Remote, &Options::default()).expect("valid");
    let yaml = render::bundle_yaml(&bundle).expect("yaml");
    let header: Vec<&str> = yaml.lines().take_while(|l| l.starts_with('#')).collect();
    assert!(
        header
            .iter()
            .any(|l| l.starts_with("# Your pod: Pod Security level privileged")),
        "{header:#?}"
    );
    assert!(
        header
            .iter()
            .any(|l| l.contains("[critical]") && l.contains("spec.volumes[0].hostPath")),
        "{header:#?}"
    );
    let json = render::bundle_json_value(&bundle).expect("json");
    assert_eq!(json["security"]["level"], "privileged");
    assert_eq!(json["security"]["top_findings"][0]["severity"], "critical");
    assert_eq!(json["security"]["addon"], serde_json::Value::Null);
    let bundle = security::build(Mode::RootlessNoPriv, &Options::default()).expect("valid");
    let json = render::bundle_json_value(&bundle).expect("json");
    assert_eq!(json["security"]["level"], "baseline");
}

/// The device plugin DaemonSet is installed once by an admin: its findings are kept, under the
/// add-on, and the headline is the pod's own level.
#[test]
fn the_cluster_add_on_is_apart_from_your_pod() {
    let bundle = security::build(Mode::RootlessNoPriv, &Options::default()).expect("valid");
    let yaml = render::bundle_yaml(&bundle).expect("yaml");
    let header: Vec<&str> = yaml.lines().take_while(|l| l.starts_with('#')).collect();
    let pod_at = header
        .iter()
        .position(|l| l.starts_with("# Your pod: Pod Security level baseline"))
        .unwrap_or_else(|| panic!("{header:#?}"));
    let addon_at = header
        .iter()
        .position(|l| {
            l.starts_with("# Cluster add-on (installed once")
                && l.contains("daemonset/generic-device-plugin")
                && l.ends_with("Pod Security level privileged")
        })
        .unwrap_or_else(|| panic!("{header:#?}"));
    assert!(pod_at < addon_at);
    // The add-on's privileged container is listed under the add-on, not under the pod.
    let privileged = header
        .iter()
        .position(|l| l.contains("[critical] Privileged container"))
        .unwrap_or_else(|| panic!("{header:#?}"));
    assert!(privileged > addon_at, "{header:#?}");
    let json = render::bundle_json_value(&bundle).expect("json");
    assert_eq!(json["security"]["level"], "baseline");
    assert_eq!(
        json["security"]["addon"]["object"],
        "daemonset/generic-device-plugin"
    );
    assert_eq!(json["security"]["addon"]["level"], "privileged");
    assert_eq!(json["security"]["addon"]["installed_once"], true);
    assert_eq!(
        json["security"]["addon"]["top_findings"][0]["id"],
        "privileged"
    );
    assert!(
        json["security"]["top_findings"]
            .as_array()
            .is_some_and(|f| f.iter().all(|f| f["object"] == "pod/no-priv")),
        "{json:#}"
    );
}
