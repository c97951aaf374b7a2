//! `podwiz explain -f FILE|-`: the two real manifests of issue 11, the JSON contract, `--suggest`,
//! `--diff` and bad input, through the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const OPENSHIFT_SCC: &str = "tests/fixtures/manifests/openshift-podman-scc.yaml";
const CI_AGENT: &str = "tests/fixtures/manifests/ci-agent-socket.yaml";

fn podwiz(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_podwiz"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start podwiz");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(bytes) = stdin {
        // A reader that stops early closes the pipe: not an error here.
        let _ = input.write_all(bytes);
    }
    drop(input);
    child.wait_with_output().expect("podwiz output")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn json(args: &[&str], stdin: Option<&[u8]>) -> Value {
    let text = ok(&podwiz(args, stdin));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {v}"))
        .keys()
        .map(String::as_str)
        .collect();
    k.sort();
    k
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

fn container<'a>(pod_spec: &'a Value, name: &str) -> &'a Value {
    pod_spec["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no container {name} in {pod_spec}"))
}

#[test]
fn openshift_scc_pod_is_rootful_no_priv_with_three_extra_caps_and_a_rootless_userns_way() {
    let report = json(&["explain", "-f", OPENSHIFT_SCC, "-o", "json"], None);
    let object = &report["objects"][0];
    assert_eq!(object["kind"], "Pod");
    assert_eq!(object["name"], "image-builder");
    assert_eq!(object["namespace"], "builds");
    assert_eq!(object["mode"]["id"], "rootful-no-priv");
    assert_eq!(
        strings(&object["mode"]["differences"]),
        ["extra capabilities the mode does not need: SYS_RESOURCE, SETUID, SETGID"]
    );
    assert_eq!(object["pss"]["level"], "privileged");
    assert_eq!(object["pss"]["version"], "latest");

    let suggestion = &object["suggestion"];
    assert_eq!(
        suggestion["mode"], "userns",
        "OpenShift: the rootless userns shape"
    );
    let spec = &suggestion["manifest"]["spec"];
    let builder = container(spec, "builder");
    let caps = strings(&builder["securityContext"]["capabilities"]["add"]);
    assert_eq!(
        caps,
        ["SETUID", "SETGID"],
        "SYS_ADMIN and the extras dropped"
    );
    assert_eq!(builder["securityContext"]["runAsUser"], 1000);
    assert_eq!(builder["securityContext"]["procMount"], "Unmasked");
    assert_eq!(spec["hostUsers"], false);
    // Their names, image, args, fuse provider and service account are kept.
    assert_eq!(suggestion["manifest"]["metadata"]["name"], "image-builder");
    assert_eq!(
        suggestion["manifest"]["metadata"]["labels"]["app"],
        "image-builder"
    );
    assert_eq!(builder["image"], "quay.io/podman/stable");
    assert_eq!(strings(&builder["args"]), ["sleep", "1000000"]);
    assert_eq!(builder["resources"]["limits"]["github.com/fuse"], "1");
    assert_eq!(spec["serviceAccountName"], "image-builder");
    let changes = strings(&suggestion["changes"]);
    assert!(
        changes
            .iter()
            .any(|c| c.contains("nested-container") && c.contains("image-builder")),
        "{changes:?}"
    );
    assert_ne!(suggestion["level"], "privileged", "{suggestion}");
}

#[test]
fn the_same_pod_on_kubernetes_gets_rootless_no_priv() {
    let yaml = std::fs::read_to_string(OPENSHIFT_SCC).expect("fixture");
    let kubernetes = yaml.replace(
        "    openshift.io/scc: image-builder-scc\n",
        "    note: plain\n",
    );
    assert_ne!(yaml, kubernetes);
    let report = json(
        &["explain", "-f", "-", "-o", "json"],
        Some(kubernetes.as_bytes()),
    );
    let object = &report["objects"][0];
    assert_eq!(object["mode"]["id"], "rootful-no-priv");
    let suggestion = &object["suggestion"];
    assert_eq!(suggestion["mode"], "rootless-no-priv");
    let builder = container(&suggestion["manifest"]["spec"], "builder");
    // rootless-no-priv's own capabilities replace theirs (SYS_ADMIN, MKNOD, ... gone): only
    // what newuidmap/newgidmap need, everything else dropped (proven on the test node).
    assert_eq!(
        builder["securityContext"]["capabilities"],
        serde_json::json!({"add": ["SETUID", "SETGID"], "drop": ["ALL"]}),
        "{builder}"
    );
    assert_eq!(builder["securityContext"]["runAsUser"], 1000);
    assert_eq!(builder["resources"]["limits"]["github.com/fuse"], "1");
    assert_eq!(suggestion["level"], "baseline");
}

#[test]
fn ci_agent_podman_container_is_remote_plus_privileged_and_the_agent_is_untouched() {
    let report = json(&["explain", "-f", CI_AGENT, "-o", "json"], None);
    let object = &report["objects"][0];
    assert_eq!(object["mode"]["id"], "remote");
    let differences = strings(&object["mode"]["differences"]).join("\n");
    assert!(
        differences.contains("privileged: true on top of the engine socket"),
        "{differences}"
    );
    assert!(
        differences.contains("hostPath.type: Socket"),
        "{differences}"
    );
    assert!(
        differences.contains("Podman ignores DOCKER_HOST")
            && differences.contains("CONTAINER_HOST=unix:///run/podman/podman.sock"),
        "{differences}"
    );

    // Per container: the agent runs no engine and carries no socket; podman carries both risks.
    let containers = object["containers"].as_array().expect("containers");
    let by_name = |name: &str| {
        containers
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    assert_eq!(by_name("jnlp")["mode"], Value::Null);
    assert_eq!(by_name("podman")["mode"], "remote");
    let podman_findings = strings(&by_name("podman")["findings"]);
    assert!(
        podman_findings.contains(&"engine-socket".to_string()),
        "{podman_findings:?}"
    );
    assert!(
        podman_findings.contains(&"privileged".to_string()),
        "{podman_findings:?}"
    );
    let jnlp_findings = strings(&by_name("jnlp")["findings"]);
    assert!(!jnlp_findings.contains(&"engine-socket".to_string()));
    assert!(!jnlp_findings.contains(&"privileged".to_string()));
    let socket = object["findings"]
        .as_array()
        .and_then(|f| f.iter().find(|f| f["id"] == "engine-socket"))
        .expect("engine-socket finding");
    assert_eq!(socket["severity"], "critical");
    assert_eq!(object["pss"]["level"], "privileged");

    let suggestion = &object["suggestion"];
    assert_eq!(suggestion["mode"], "rootless-no-priv");
    let original: Value = {
        let out = podwiz(
            &["explain", "-f", CI_AGENT, "--suggest", "-o", "json"],
            None,
        );
        let list: Value = serde_json::from_str(&ok(&out)).expect("json list");
        assert_eq!(list["kind"], "List");
        list["items"][0].clone()
    };
    assert_eq!(
        original, suggestion["manifest"],
        "--suggest -o json prints the same rewrite"
    );
    let spec = &suggestion["manifest"]["spec"];
    let jnlp = container(spec, "jnlp");
    assert_eq!(jnlp["image"], "jenkins/inbound-agent:3283.v92c105e0f819-7");
    assert_eq!(jnlp["env"][0]["name"], "JENKINS_AGENT_WORKDIR");
    assert_eq!(jnlp["resources"]["requests"]["cpu"], "100m");
    assert!(
        jnlp.get("securityContext").is_none(),
        "agent untouched: {jnlp}"
    );
    let podman = container(spec, "podman");
    assert!(
        podman["securityContext"].get("privileged").is_none(),
        "{podman}"
    );
    assert_eq!(podman["tty"], true);
    assert_eq!(strings(&podman["command"]), ["cat"]);
    let volumes = spec["volumes"].as_array().expect("volumes");
    assert_eq!(
        volumes.len(),
        1,
        "socket volume removed, storage kept: {volumes:?}"
    );
    assert_eq!(volumes[0]["name"], "containers-storage");
    assert_eq!(podman["volumeMounts"][0]["name"], "containers-storage");
    assert_eq!(
        podman["volumeMounts"][0]["mountPath"],
        "/home/podman/.local/share/containers/storage"
    );
    assert_eq!(suggestion["level"], "baseline");
}

#[test]
fn json_contract_has_exactly_the_issue_keys() {
    let manifest = format!(
        "{}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web}}\nspec: {{}}\n",
        std::fs::read_to_string(CI_AGENT).expect("fixture")
    );
    let report = json(
        &["explain", "-f", "-", "-o", "json"],
        Some(manifest.as_bytes()),
    );
    assert_eq!(keys(&report), ["objects", "skipped"]);
    let object = &report["objects"][0];
    assert_eq!(
        keys(object),
        [
            "containers",
            "findings",
            "kind",
            "mode",
            "name",
            "namespace",
            "pss",
            "suggestion"
        ]
    );
    assert_eq!(keys(&object["mode"]), ["differences", "id"]);
    assert_eq!(keys(&object["pss"]), ["level", "version", "violations"]);
    assert_eq!(
        keys(&object["suggestion"]),
        ["changes", "level", "manifest", "mode"]
    );
    assert_eq!(
        report["skipped"],
        serde_json::json!([{"kind": "Service", "name": "web", "reason": "a Service has no pod template"}])
    );
    // Findings are as in `explain MODE -o json`.
    let mode_report = json(&["explain", "remote", "-o", "json"], None);
    let finding_keys = keys(&mode_report["findings"][0]);
    for f in object["findings"].as_array().expect("findings") {
        assert_eq!(keys(f), finding_keys);
    }
    // An object without an engine: mode id null, no suggestion.
    let plain = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: nginx, image: nginx:1.27.0}]\n";
    let report = json(
        &["explain", "-f", "-", "-o", "json"],
        Some(plain.as_bytes()),
    );
    let object = &report["objects"][0];
    assert_eq!(object["kind"], "Deployment");
    assert_eq!(object["namespace"], Value::Null);
    assert_eq!(
        object["mode"],
        serde_json::json!({"id": null, "differences": []})
    );
    assert_eq!(object["suggestion"], Value::Null);
}

#[test]
fn the_safer_way_is_a_fixed_point() {
    let suggested = ok(&podwiz(&["explain", "-f", CI_AGENT, "--suggest"], None));
    let report = json(
        &["explain", "-f", "-", "-o", "json"],
        Some(suggested.as_bytes()),
    );
    let object = &report["objects"][0];
    assert_eq!(object["mode"]["id"], "rootless-no-priv");
    assert_eq!(object["suggestion"], Value::Null, "{object}");
}

#[test]
fn diff_shows_what_changes_and_nothing_else() {
    let diff = ok(&podwiz(&["explain", "-f", CI_AGENT, "--diff"], None));
    assert!(
        diff.starts_with("--- a/pod/ci-agent-x7k2p\n+++ b/pod/ci-agent-x7k2p (rootless-no-priv)\n"),
        "{diff}"
    );
    let removed: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('-') && !l.starts_with("---"))
        .collect();
    let added: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert!(
        removed.iter().any(|l| l.contains("privileged: true")),
        "{diff}"
    );
    assert!(
        removed
            .iter()
            .any(|l| l.contains("/run/podman/podman.sock")),
        "{diff}"
    );
    assert!(
        added.iter().any(|l| l.contains("runAsUser: 1000")),
        "{diff}"
    );
    assert!(
        !diff.contains("jenkins/inbound-agent")
            || !removed.iter().chain(&added).any(|l| l.contains("jenkins")),
        "{diff}"
    );
}

#[test]
fn text_report_says_which_container_carries_which_risk() {
    let text = ok(&podwiz(&["explain", "-f", CI_AGENT], None));
    let podman = text
        .find("    podman (quay.io/podman/stable): remote")
        .expect(&text);
    let jnlp = text
        .find("    jnlp (jenkins/inbound-agent:3283.v92c105e0f819-7): no container engine")
        .expect(&text);
    let socket = text
        .find("Container engine socket mounted (Podman)")
        .expect(&text);
    assert!(
        jnlp < podman && podman < socket,
        "socket listed under podman:\n{text}"
    );
    assert!(text.contains("Closest mode: remote (podman)"), "{text}");
    assert!(text.contains("A safer way: rootless-no-priv"), "{text}");
    assert!(
        text.contains("Pod Security: privileged -> baseline"),
        "{text}"
    );
    assert!(text.contains("--suggest prints the rewritten"), "{text}");
}

#[test]
fn policy_version_flag_is_used() {
    let report = json(
        &[
            "explain",
            "-f",
            CI_AGENT,
            "--policy-version",
            "v1.25",
            "-o",
            "json",
        ],
        None,
    );
    assert_eq!(report["objects"][0]["pss"]["version"], "v1.25");
    let out = podwiz(
        &["explain", "-f", CI_AGENT, "--policy-version", "2.0"],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bad_input_is_a_one_line_error_with_exit_2() {
    let dir = tempfile::tempdir().expect("tempdir");
    let big = dir.path().join("big.yaml");
    let file = std::fs::File::create(&big).expect("create");
    file.set_len(50 * 1024 * 1024).expect("50 MB sparse file");
    let big = big.to_string_lossy().into_owned();
    /// Arguments, standard input, what the error says.
    type Case<'a> = (Vec<&'a str>, Option<&'a [u8]>, &'a str);
    let cases: Vec<Case> = vec![
        (
            vec!["explain", "-f", &big],
            None,
            "podwiz reads manifests up to",
        ),
        (
            vec!["explain", "-f", "-"],
            Some(b"\x7fELF\x02\x01\x01\x00\x00"),
            "binary data",
        ),
        (
            vec!["explain", "-f", "-"],
            Some(b"services:\n  web:\n    image: nginx\n"),
            "not a Kubernetes manifest",
        ),
        (vec!["explain", "-f", "-"], Some(b""), "empty"),
        (
            vec!["explain", "-f", "/nonexistent/pod.yaml"],
            None,
            "cannot read /nonexistent/pod.yaml",
        ),
        (vec!["explain", "svc/web"], None, "not \"svc\""),
    ];
    for (args, stdin, expected) in cases {
        let out = podwiz(&args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert_eq!(stderr.trim_end().lines().count(), 1, "{args:?}: {stderr}");
    }
    // 50 MB on standard input: refused after the cap, not read to the end.
    let out = podwiz(&["explain", "-f", "-"], Some(&vec![b'a'; 50 * 1024 * 1024]));
    assert_eq!(out.status.code(), Some(2));
}

/// The ci-agent pod spec as the template of every kind that has one.
fn every_kind() -> String {
    let yaml = std::fs::read_to_string(CI_AGENT).expect("fixture");
    let pod = podwiz::manifest::read_manifests(yaml.as_bytes())
        .expect("reads")
        .workloads[0]
        .to_value();
    let spec = pod["spec"].clone();
    let template = serde_json::json!({"metadata": {"labels": {"app": "a"}}, "spec": spec});
    let mut job_template = template.clone();
    job_template["spec"]["restartPolicy"] = "Never".into();
    let selector = serde_json::json!({"matchLabels": {"app": "a"}});
    let docs = [
        serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": selector, "template": template}}),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"}, "spec": {"selector": selector, "serviceName": "s", "template": template}}),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "ds"}, "spec": {"selector": selector, "template": template}}),
        serde_json::json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs"}, "spec": {"selector": selector, "template": template}}),
        serde_json::json!({"apiVersion": "v1", "kind": "ReplicationController", "metadata": {"name": "rc"}, "spec": {"selector": {"app": "a"}, "template": template}}),
        serde_json::json!({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"}, "spec": {"template": job_template}}),
        serde_json::json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "cj"}, "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": job_template}}}}),
        serde_json::json!({"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "pt"}, "template": template}),
    ];
    docs.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("\n---\n")
}

#[test]
fn every_pod_template_kind_is_read_judged_and_rewritten() {
    let input = every_kind();
    let report = json(
        &["explain", "-f", "-", "-o", "json"],
        Some(input.as_bytes()),
    );
    let objects = report["objects"].as_array().expect("objects");
    let kinds: Vec<&str> = objects
        .iter()
        .map(|o| o["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "Pod",
            "Deployment",
            "StatefulSet",
            "DaemonSet",
            "ReplicaSet",
            "ReplicationController",
            "Job",
            "CronJob",
            "PodTemplate"
        ]
    );
    for o in objects {
        let kind = o["kind"].as_str().unwrap_or_default();
        let prefix = match kind {
            "Pod" => "spec.",
            "PodTemplate" => "template.spec.",
            "CronJob" => "spec.jobTemplate.spec.template.spec.",
            _ => "spec.template.spec.",
        };
        assert_eq!(o["mode"]["id"], "remote", "{kind}");
        assert_eq!(o["pss"]["level"], "privileged", "{kind}");
        for f in o["findings"].as_array().expect("findings") {
            let field = f["field"].as_str().unwrap_or_default();
            assert!(field.starts_with(prefix), "{kind}: {field}");
        }
        assert_eq!(o["suggestion"]["mode"], "rootless-no-priv", "{kind}");
        assert_eq!(o["suggestion"]["level"], "baseline", "{kind}");
        assert_eq!(o["suggestion"]["manifest"]["kind"], kind);
    }
    // The rewrite of all nine reads back as nine objects already in the safer shape.
    let suggested = ok(&podwiz(
        &["explain", "-f", "-", "--suggest"],
        Some(input.as_bytes()),
    ));
    let again = json(
        &["explain", "-f", "-", "-o", "json"],
        Some(suggested.as_bytes()),
    );
    let again = again["objects"].as_array().expect("objects");
    assert_eq!(again.len(), 9);
    for o in again {
        assert_eq!(o["mode"]["id"], "rootless-no-priv", "{}", o["kind"]);
        assert_eq!(o["suggestion"], Value::Null, "{}", o["kind"]);
        assert_eq!(o["pss"]["level"], "baseline");
    }
}

/// The README's `explain -f` example is what the binary prints today.
#[test]
fn readme_shows_the_current_explain_output() {
    let readme = std::fs::read_to_string("README.md").expect("README.md");
    let block = |name: &str, fence: &str| {
        let start = format!("<!-- {name}:start -->\n```{fence}\n");
        let end = format!("```\n<!-- {name}:end -->");
        let from = readme
            .find(&start)
            .unwrap_or_else(|| panic!("README lacks {start}"))
            + start.len();
        let to = from
            + readme[from..]
                .find(&end)
                .unwrap_or_else(|| panic!("README lacks {end}"));
        readme[from..to].to_string()
    };
    assert_eq!(
        block("explain-ci-agent", "text"),
        ok(&podwiz(&["explain", "-f", CI_AGENT], None)),
        "README.md's explain example is stale: paste `podwiz explain -f {CI_AGENT}`"
    );
    assert_eq!(
        block("diff-ci-agent", "diff"),
        ok(&podwiz(&["explain", "-f", CI_AGENT, "--diff"], None)),
        "README.md's --diff example is stale"
    );
}

#[test]
fn the_wizard_form_says_it_cannot_open_a_manifest_yet() {
    let out = podwiz(&["-f", CI_AGENT], None);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("use podwiz explain -f FILE"), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1);
}
