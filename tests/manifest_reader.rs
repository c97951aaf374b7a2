//! The manifest reader: same objects as kubectl's own reader on tricky YAML, and a fuzz of
//! arbitrary bytes and structured mutations of real manifests (never a panic, always bounded).

mod common;

use podwiz::manifest::{self, Workload, read_manifests, value_to_workload};
use podwiz::security::pss::PolicyVersion;
use podwiz::security::workload::assess_manifests;
use proptest::prelude::*;

const FIXTURES: [&str; 2] = [
    include_str!("fixtures/manifests/openshift-podman-scc.yaml"),
    include_str!("fixtures/manifests/ci-agent-socket.yaml"),
];

/// YAML that trips readers: anchors and merge keys, YAML 1.1 booleans and octal, flow style,
/// comments everywhere, document end markers, lists, quantities as numbers.
const TRICKY: &[&str] = &[
    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: anchors\n  labels: &labels {app: web, tier: \"1\"}\nspec:\n  containers:\n  - &base\n    name: a\n    image: busybox\n    securityContext: {privileged: yes, runAsNonRoot: off}\n  - <<: *base\n    name: b\n  volumes:\n  - name: cfg\n    configMap: {name: cfg, defaultMode: 0644}\n",
    "# leading comment\n---\napiVersion: apps/v1 # trailing\nkind: Deployment\nmetadata: {name: flow, annotations: {a: 'x: y'}}\nspec: {selector: {matchLabels: {a: b}}, template: {metadata: {labels: {a: b}}, spec: {hostNetwork: on, containers: [{name: c, image: 'quay.io/podman/stable', resources: {limits: {github.com/fuse: 1, memory: 1Gi}}}]}}}\n...\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: batch/v1\n  kind: Job\n  metadata: {name: j}\n  spec:\n    template:\n      spec:\n        restartPolicy: Never\n        containers: [{name: j, image: quay.io/buildah/stable, args: [\"bud\", \"-t\", \"x\", \".\"]}]\n",
    "apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: nightly\nspec:\n  schedule: \"0 3 * * *\"\n  jobTemplate:\n    spec:\n      backoffLimit: 0x2\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - name: build\n            image: quay.io/podman/stable:v5.4.2\n            command:\n            - sh\n            - -c\n            - |\n              podman build -t img .\n              podman push img\n            securityContext:\n              capabilities:\n                add: [\"SYS_ADMIN\", MKNOD]\n",
];

#[test]
fn reads_tricky_yaml_like_kubectl() {
    for yaml in TRICKY {
        let ours = read_manifests(yaml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
        let mut theirs: Vec<Workload> = Vec::new();
        for doc in common::kubectl_read(yaml) {
            collect_kubectl(doc, &mut theirs);
        }
        assert_eq!(ours.workloads, theirs, "{yaml}");
        assert!(!ours.workloads.is_empty());
    }
}

fn collect_kubectl(doc: serde_json::Value, out: &mut Vec<Workload>) {
    if doc.is_null() {
        return;
    }
    if doc["kind"] == "List" {
        for item in doc["items"].as_array().cloned().unwrap_or_default() {
            collect_kubectl(item, out);
        }
        return;
    }
    let (workload, _) = value_to_workload(doc).expect("kubectl's object decodes");
    out.push(workload);
}

#[test]
fn fixtures_read_like_kubectl() {
    for yaml in FIXTURES {
        let ours = read_manifests(yaml.as_bytes()).expect("fixture reads");
        let theirs: Vec<Workload> = common::kubectl_read(yaml)
            .into_iter()
            .map(|d| value_to_workload(d).expect("decodes").0)
            .collect();
        assert_eq!(ours.workloads, theirs);
        assert!(ours.warnings.is_empty(), "{:?}", ours.warnings);
    }
}

/// Read, assess and (when there is one) re-read the rewrite: none of it may panic.
fn exercise(bytes: &[u8]) {
    let Ok(manifests) = read_manifests(bytes) else {
        return;
    };
    let report = assess_manifests(&manifests, PolicyVersion::Latest);
    for object in &report.objects {
        if let Some(s) = &object.suggestion {
            let yaml = serde_saphyr::to_string(&s.workload).expect("rewrite serialises");
            let again = read_manifests(yaml.as_bytes()).expect("the rewrite reads back");
            assert_eq!(again.workloads.len(), 1);
        }
    }
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    DuplicateLine(usize),
    Replace(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b": ".to_vec()),
                Just(b"\n- ".to_vec()),
                Just(b"&a ".to_vec()),
                Just(b"*a".to_vec()),
                Just(b"<<: *a\n".to_vec()),
                Just(b"[".to_vec()),
                Just(b"{".to_vec()),
                Just(b"\n---\n".to_vec()),
                Just(b"\t".to_vec()),
                Just(b"!!binary ".to_vec()),
                Just(b"kind: List\nitems:\n".to_vec()),
                proptest::collection::vec(any::<u8>(), 1..8),
            ]
        )
            .prop_map(|(a, b)| Mutation::Insert(a, b)),
        any::<usize>().prop_map(Mutation::DuplicateLine),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Mutation::Replace(a, b)),
    ]
}

fn apply(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        let len = bytes.len().max(1);
        match m {
            Mutation::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                if at < end {
                    bytes.drain(at..end);
                }
            }
            Mutation::Insert(at, what) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, what.iter().copied());
            }
            Mutation::DuplicateLine(at) => {
                let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
                let i = at % lines.len();
                let mut out = Vec::new();
                for (j, line) in lines.iter().enumerate() {
                    out.extend_from_slice(line);
                    out.push(b'\n');
                    if j == i {
                        out.extend_from_slice(line);
                        out.push(b'\n');
                    }
                }
                bytes = out;
            }
            Mutation::Replace(at, b) => {
                if !bytes.is_empty() {
                    let at = at % bytes.len();
                    bytes[at] = *b;
                }
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        exercise(&bytes);
    }

    #[test]
    fn mutated_manifests_never_panic(
        which in 0usize..(FIXTURES.len() + TRICKY.len()),
        mutations in proptest::collection::vec(mutation(), 1..6),
    ) {
        let base = FIXTURES.iter().chain(TRICKY).nth(which).copied().unwrap_or_default();
        exercise(&apply(base.as_bytes().to_vec(), &mutations));
    }

}

proptest! {
    // Each case parses up to ~12 MB of indentation: a few dozen cases cover the range.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn deep_nesting_is_refused_not_recursed(depth in 65usize..5000, flow in any::<bool>()) {
        let text = if flow {
            format!("{}{}", "[".repeat(depth), "]".repeat(depth))
        } else {
            (0..depth).map(|i| format!("{}k:\n", " ".repeat(i))).collect()
        };
        prop_assert!(read_manifests(text.as_bytes()).is_err());
    }
}

#[test]
fn alias_bomb_and_huge_inputs_are_bounded() {
    // A billion laughs: 10 levels of 10 aliases each would be 10^10 nodes.
    let mut bomb = String::from(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: lol}\nl0: &l0 [a, a, a, a, a, a, a, a, a, a]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let err = read_manifests(bomb.as_bytes()).expect_err("refused");
    assert!(
        err.to_string()
            .starts_with("the input exceeds podwiz's YAML limits"),
        "{err}"
    );

    let many_docs = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n".repeat(2_000);
    assert!(
        read_manifests(many_docs.as_bytes()).is_err(),
        "more than 1,024 documents"
    );

    let big = vec![b'#'; manifest::MAX_INPUT_BYTES + 1];
    assert!(read_manifests(&big).is_err());
}
