//! The wizard's Review of someone's own manifest (`podwiz -f FILE`, `podwiz TYPE/NAME`): every
//! tab and state rendered with ratatui's TestBackend and snapshotted as text, and the keys
//! driven through `update` (tabs, objects, copy, save, apply's refusals and its plan).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use podwiz::cluster::context::ContextInfo;
use podwiz::manifest::{self, WorkloadKind};
use podwiz::scenario::Object;
use podwiz::security::pss::PolicyVersion;
use podwiz::tui::keymap::{self, Context};
use podwiz::tui::manifest::{Fetch, Load, ManifestReview, ReviewTab};
use podwiz::tui::msg::{Effect, Msg};
use podwiz::tui::state::{ClusterStatus, StatusKind};
use podwiz::tui::update::{context, update};
use podwiz::tui::{App, Theme, view};

const SCC: &str = include_str!("fixtures/manifests/openshift-podman-scc.yaml");
const CI_AGENT: &str = include_str!("fixtures/manifests/ci-agent-socket.yaml");
const NGINX: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n";
const CONFIG_MAP: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n";

fn review_of(source: &str, yaml: &str) -> ManifestReview {
    let manifests = manifest::read_manifests(yaml.as_bytes()).expect("the manifest reads");
    ManifestReview::from_manifests(source.into(), &manifests, PolicyVersion::Latest)
        .expect("a pod template")
}

fn app_of(review: ManifestReview) -> App {
    let mut app = App::for_manifest(Theme::mono(), review);
    update(
        &mut app,
        Msg::Cluster(ClusterStatus::NoContext("no kubeconfig".into())),
    );
    app
}

fn scc_app() -> App {
    app_of(review_of("openshift-podman-scc.yaml", SCC))
}

fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))).1
}

fn text(app: &mut App, w: u16, h: u16) -> String {
    update(app, Msg::Resize(w, h));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("test backend");
    terminal
        .draw(|f| view::draw(f, app))
        .expect("draw into the test backend");
    view::buffer_text(terminal.backend().buffer())
}

/// `podwiz pod/image-builder -n builds` right after its first frame: the kube context is read,
/// its API server not answered yet.
fn live_loading() -> App {
    let mut app = App::for_manifest(
        Theme::mono(),
        ManifestReview::loading(
            "pod/image-builder".into(),
            Fetch {
                kind: WorkloadKind::Pod,
                name: "image-builder".into(),
                namespace: Some("builds".into()),
            },
            None,
        ),
    );
    update(
        &mut app,
        Msg::Cluster(ClusterStatus::Context {
            context: "kind-ci".into(),
            namespace: "builds".into(),
            server: "https://127.0.0.1:6443".into(),
        }),
    );
    app
}

type Setup = fn() -> App;

const SCREENS: &[(&str, Setup)] = &[
    ("manifest_yours", scc_app),
    ("manifest_yours_risk", || {
        let mut app = scc_app();
        press(&mut app, KeyCode::Char('n'));
        app
    }),
    ("manifest_rewrite", || {
        let mut app = scc_app();
        press(&mut app, KeyCode::Tab);
        app
    }),
    ("manifest_diff", || {
        let mut app = scc_app();
        press(&mut app, KeyCode::Tab);
        press(&mut app, KeyCode::Tab);
        app
    }),
    ("manifest_no_rewrite", || {
        let mut app = app_of(review_of("web.yaml", NGINX));
        press(&mut app, KeyCode::Tab);
        app
    }),
    ("manifest_second_object_and_skipped", || {
        let yaml = format!("{SCC}\n---\n{CONFIG_MAP}---\n{CI_AGENT}");
        let mut app = app_of(review_of("three.yaml", &yaml));
        press(&mut app, KeyCode::Char('o'));
        app
    }),
    ("manifest_loading", live_loading),
    ("manifest_failed", || {
        let mut app = live_loading();
        update(
            &mut app,
            Msg::ManifestFetched(Err(
                "get pods/image-builder in namespace builds: pods \"image-builder\" not found (404 NotFound)".into(),
            )),
        );
        app
    }),
    ("manifest_help", || {
        let mut app = scc_app();
        press(&mut app, KeyCode::Char('?'));
        app
    }),
];

#[test]
fn every_manifest_screen_at_both_sizes() {
    for (name, setup) in SCREENS {
        for (w, h) in [(120u16, 40u16), (80, 24)] {
            let mut app = setup();
            let screen = text(&mut app, w, h);
            assert!(!screen.contains("Enlarge the terminal"), "{name} {w}x{h}");
            insta::assert_snapshot!(format!("{name}_{w}x{h}"), screen);
        }
    }
}

#[test]
fn the_tabs_show_theirs_the_rewrite_and_the_diff() {
    let mut app = scc_app();
    assert_eq!(context(&app), Context::Manifest);
    let yours = text(&mut app, 120, 40);
    assert!(
        yours.contains("[Yours]") && yours.contains("- SYS_ADMIN"),
        "{yours}"
    );
    assert!(yours.contains("[ PRIVILEGED ]"), "{yours}");
    assert!(
        yours.contains("Closest mode: rootful-no-priv (builder)"),
        "{yours}"
    );
    press(&mut app, KeyCode::Tab);
    let rewrite = text(&mut app, 120, 40);
    assert!(rewrite.contains("[Safer rewrite (userns)]"), "{rewrite}");
    assert!(!rewrite.contains("SYS_ADMIN"), "{rewrite}");
    assert!(rewrite.contains("hostUsers: false"), "{rewrite}");
    assert!(
        rewrite.contains("[ PRIVILEGED ] → [ BASELINE ]"),
        "{rewrite}"
    );
    press(&mut app, KeyCode::Tab);
    let diff = text(&mut app, 120, 40);
    assert!(
        diff.contains("[Diff]") && diff.contains("-        - SYS_ADMIN"),
        "{diff}"
    );
    // Tab wraps to Yours; S-Tab goes back to the diff.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.manifest.as_ref().map(|m| m.tab), Some(ReviewTab::Yours));
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.manifest.as_ref().map(|m| m.tab), Some(ReviewTab::Diff));
}

#[test]
fn o_moves_between_objects_and_says_when_there_is_one() {
    let yaml = format!("{SCC}\n---\n{CONFIG_MAP}---\n{CI_AGENT}");
    let mut app = app_of(review_of("three.yaml", &yaml));
    let m = app.manifest.as_ref().expect("review");
    assert_eq!(m.objects.len(), 2);
    assert_eq!(m.skipped.len(), 1);
    press(&mut app, KeyCode::Char('o'));
    let m = app.manifest.as_ref().expect("review");
    assert_eq!(
        m.current().map(|o| o.report.reference.as_str()),
        Some("pod/ci-agent-x7k2p")
    );
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(app.manifest.as_ref().map(|m| m.object), Some(0));
    press(&mut app, KeyCode::Char('O'));
    assert_eq!(app.manifest.as_ref().map(|m| m.object), Some(1));

    let mut one = scc_app();
    press(&mut one, KeyCode::Char('o'));
    assert_eq!(
        one.status,
        Some((
            StatusKind::Info,
            "openshift-podman-scc.yaml holds one pod template".into()
        ))
    );
}

fn copied(effects: &[Effect]) -> (String, String) {
    match effects {
        [Effect::Copy { text, what }] => (text.clone(), what.clone()),
        other => panic!("expected one copy, got {other:?}"),
    }
}

#[test]
fn c_copies_what_the_tab_shows_and_capital_c_every_rewrite() {
    let mut app = scc_app();
    let (theirs, what) = copied(&press(&mut app, KeyCode::Char('c')));
    assert!(theirs.contains("- SYS_ADMIN"), "{theirs}");
    assert_eq!(what, "your manifest (pod/image-builder)");
    press(&mut app, KeyCode::Tab);
    let (rewrite, what) = copied(&press(&mut app, KeyCode::Char('c')));
    assert_eq!(what, "the safer rewrite of pod/image-builder");
    assert!(!rewrite.contains("SYS_ADMIN"));
    // What is copied is a manifest the reader takes back, and it is the rewrite.
    let back = manifest::read_manifests(rewrite.as_bytes()).expect("the copy reads");
    assert_eq!(back.workloads.len(), 1);
    press(&mut app, KeyCode::Tab);
    let (diff, _) = copied(&press(&mut app, KeyCode::Char('c')));
    assert!(
        diff.starts_with("--- a/pod/image-builder\n+++ b/pod/image-builder (userns)\n"),
        "{diff}"
    );
    let (all, what) = copied(&press(&mut app, KeyCode::Char('C')));
    assert_eq!(all, rewrite);
    assert_eq!(what, "the safer rewrite (1 object)");

    // Without a rewrite, the rewrite tab copies nothing and says why.
    let mut web = app_of(review_of("web.yaml", NGINX));
    press(&mut web, KeyCode::Tab);
    assert!(press(&mut web, KeyCode::Char('c')).is_empty());
    let (kind, status) = web.status.clone().expect("a status");
    assert_eq!(kind, StatusKind::Error);
    assert!(
        status.starts_with("nothing copied: pod/web: A safer way: none needed"),
        "{status}"
    );
}

#[test]
fn s_saves_the_rewrite_its_diff_and_a_readme() {
    let mut app = scc_app();
    press(&mut app, KeyCode::Char('s'));
    assert_eq!(
        app.save.as_ref().map(|s| s.dir.as_str()),
        Some("./podwiz-safer-image-builder")
    );
    let effects = press(&mut app, KeyCode::Enter);
    let [Effect::Save { dir, files, force }] = effects.as_slice() else {
        panic!("expected a save, got {effects:?}");
    };
    assert_eq!(dir, "./podwiz-safer-image-builder");
    assert!(!force);
    let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        names,
        [
            "pod-image-builder.yaml",
            "pod-image-builder.diff",
            "README.md"
        ]
    );
    assert!(!files[0].content.contains("SYS_ADMIN"));
    assert!(
        files[2].content.contains("privileged -> baseline"),
        "{}",
        files[2].content
    );
}

fn connect(app: &mut App) {
    let info = ContextInfo {
        context: "kind-ci".into(),
        cluster: "kind-ci".into(),
        server: "https://127.0.0.1:6443".into(),
        user: "admin".into(),
        namespace: "default".into(),
    };
    update(app, Msg::KubeContext(info.clone()));
    update(
        app,
        Msg::Cluster(ClusterStatus::Connected {
            context: info.context,
            namespace: info.namespace,
            server: info.server,
        }),
    );
}

#[test]
fn a_applies_the_rewrite_through_the_engine_and_refuses_otherwise() {
    // No kube context: nothing is applied, and the status says so.
    let mut app = scc_app();
    assert!(press(&mut app, KeyCode::Char('a')).is_empty());
    assert!(app.apply.is_none());
    let (_, status) = app.status.clone().expect("a status");
    assert!(status.starts_with("apply: no kube context"), "{status}");

    // Nothing to rewrite: podwiz does not apply their manifest as it is.
    let mut web = app_of(review_of("web.yaml", NGINX));
    connect(&mut web);
    assert!(press(&mut web, KeyCode::Char('a')).is_empty());
    let (_, status) = web.status.clone().expect("a status");
    assert!(
        status.contains("podwiz applies only its rewrite"),
        "{status}"
    );

    // Connected: the dry-run of the rewrite starts; the plan keeps the object's namespace.
    connect(&mut app);
    let effects = press(&mut app, KeyCode::Char('a'));
    let [Effect::Apply { plan, dry_run, .. }] = effects.as_slice() else {
        panic!("expected an apply, got {effects:?}");
    };
    assert!(dry_run);
    assert_eq!(plan.namespace, "builds");
    assert_eq!(plan.objects.len(), 1);
    let Object::Pod(pod) = &plan.objects[0] else {
        panic!("the rewrite of a pod is a pod");
    };
    let spec = pod.spec.as_ref().expect("spec");
    assert_eq!(spec.host_users, Some(false));
    let caps = spec.containers[0]
        .security_context
        .as_ref()
        .and_then(|s| s.capabilities.as_ref())
        .and_then(|c| c.add.clone())
        .unwrap_or_default();
    assert_eq!(caps, ["SETUID", "SETGID"]);
    assert_eq!(context(&app), Context::Apply);
    // The confirmation names the risk of the rewritten pod in words.
    assert_eq!(
        podwiz::security::apply_risk(&plan.objects),
        "user-namespaced pod: an escape is not root on the node"
    );
}

#[test]
fn a_live_object_loads_without_blocking_and_keys_wait_for_it() {
    let mut app = live_loading();
    let screen = text(&mut app, 120, 40);
    assert!(
        screen.contains("Reading pod/image-builder from the cluster (namespace builds)"),
        "{screen}"
    );
    assert!(press(&mut app, KeyCode::Char('c')).is_empty());
    assert_eq!(
        app.status,
        Some((
            StatusKind::Info,
            "still reading pod/image-builder from the cluster…".into()
        ))
    );
    let value: serde_json::Value = serde_saphyr::from_str(SCC).expect("one document");
    let (changed, _) = update(
        &mut app,
        Msg::ManifestFetched(Ok((value, PolicyVersion::V(33)))),
    );
    assert!(changed);
    let m = app.manifest.as_ref().expect("review");
    assert_eq!(m.load, Load::Ready);
    assert_eq!(m.version, PolicyVersion::V(33));
    assert_eq!(
        app.policy_version(),
        PolicyVersion::V(33),
        "compare judges there too"
    );
    let screen = text(&mut app, 120, 40);
    assert!(screen.contains("[ PRIVILEGED ] policy v1.33"), "{screen}");
}

#[test]
fn footer_and_help_come_from_the_one_table() {
    let hints = keymap::hints(Context::Manifest);
    for (key, label) in [
        ("Tab", "next tab"),
        ("q", "quit"),
        ("c", "copy"),
        ("a", "apply rewrite"),
        ("o", "next object"),
    ] {
        assert!(
            hints.contains(&(key.to_string(), label)),
            "{key} {label}: {hints:?}"
        );
    }
    let help = keymap::help_sections();
    let (_, rows) = help
        .iter()
        .find(|(title, _)| title.starts_with("Review of your manifest"))
        .expect("a help section");
    assert!(
        rows.iter()
            .any(|(k, d)| k == "c" && d.contains("the safer rewrite"))
    );
    assert!(rows.iter().any(|(k, d)| k == "a" && d.contains("dry-run")));
}

#[test]
fn a_rewrite_is_not_applied_over_an_object_that_exists() {
    use podwiz::cluster::apply::{ApplyReport, ObjectResult, Outcome};
    use podwiz::tui::state::{ApplyPhase, ObjectState};
    let mut app = scc_app();
    connect(&mut app);
    assert_eq!(press(&mut app, KeyCode::Char('a')).len(), 1);
    let report = |existed| ApplyReport {
        dry_run: true,
        objects: vec![ObjectResult {
            reference: "pod/image-builder".into(),
            namespace: Some("builds".into()),
            existed,
            warnings: Vec::new(),
            outcome: Outcome::Validated,
        }],
        pod: None,
        usage: Vec::new(),
    };
    update(&mut app, Msg::ApplyDone(Ok(report(true))));
    let panel = app.apply.as_ref().expect("panel");
    assert_eq!(panel.phase, ApplyPhase::Rejected);
    assert!(matches!(panel.objects[0].state, ObjectState::Rejected(_)));
    let error = panel.error.clone().unwrap_or_default();
    assert!(
        error.starts_with("pod/image-builder exists already: server-side apply would keep what the rewrite removes"),
        "{error}"
    );
    // Confirming is refused: no write starts.
    assert!(press(&mut app, KeyCode::Char('y')).is_empty());
    let screen = text(&mut app, 120, 40);
    assert!(
        screen.contains("A running Pod cannot change its spec in place"),
        "{screen}"
    );

    // A new object: the confirmation as usual.
    press(&mut app, KeyCode::Esc);
    assert!(app.apply.is_none());
    assert_eq!(press(&mut app, KeyCode::Char('a')).len(), 1);
    update(&mut app, Msg::ApplyDone(Ok(report(false))));
    assert_eq!(
        app.apply.as_ref().map(|p| p.phase),
        Some(ApplyPhase::Confirm)
    );
}

#[test]
fn the_front_door_reads_the_file_before_the_terminal_and_refuses_bad_input() {
    use clap::Parser;
    use podwiz::cli::ReviewArgs;
    use podwiz::commands::review::review_of;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/manifests/openshift-podman-scc.yaml"
    );
    let parse = |args: &[&str]| {
        ReviewArgs::try_parse_from(std::iter::once("podwiz").chain(args.iter().copied()))
            .expect("parses")
    };
    let review = review_of(&parse(&["-f", fixture, "--policy-version", "v1.25"])).expect("reads");
    assert_eq!(review.load, Load::Ready);
    assert_eq!(review.version, PolicyVersion::V(25));
    assert_eq!(review.objects[0].report.pss.version, PolicyVersion::V(25));

    let live = review_of(&parse(&["deploy/ci", "-n", "ci"])).expect("a name");
    assert_eq!(
        live.load,
        Load::Loading(Fetch {
            kind: WorkloadKind::Deployment,
            name: "ci".into(),
            namespace: Some("ci".into()),
        })
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let not_k8s = dir.path().join("notes.yaml");
    std::fs::write(&not_k8s, "shopping: [milk]\n").expect("write");
    let config_map = dir.path().join("cm.yaml");
    std::fs::write(&config_map, CONFIG_MAP).expect("write");
    for (args, want) in [
        (
            vec!["-f".to_string(), "/nonexistent/pod.yaml".into()],
            "cannot read /nonexistent/pod.yaml: No such file or directory".to_string(),
        ),
        (
            vec!["-f".into(), not_k8s.display().to_string()],
            format!(
                "{}: the input is not a Kubernetes manifest",
                not_k8s.display()
            ),
        ),
        (
            vec!["-f".into(), config_map.display().to_string()],
            format!(
                "{}: no pod template in it (skipped configmap/settings: ",
                config_map.display()
            ),
        ),
        (
            vec!["svc/web".into()],
            "podwiz reads objects with a pod template, not \"svc\"".into(),
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let err = review_of(&parse(&args)).expect_err("refused");
        assert!(err.0.starts_with(&want), "{args:?}: {}", err.0);
        assert!(!err.0.contains('\n'), "one line: {}", err.0);
        let code = podwiz::exit::code_for(&anyhow::Error::from(err));
        assert_eq!(code, 2, "{args:?}");
    }
}

#[test]
fn s_writes_through_the_one_file_writer() {
    let review = review_of("openshift-podman-scc.yaml", SCC);
    let dir = tempfile::tempdir().expect("tempdir");
    let target = dir.path().join("safer");
    let files = review.save_files();
    let outcome = podwiz::tui::save_files(&target, "safer", &files, false);
    assert!(
        matches!(outcome, podwiz::tui::SaveOutcome::Wrote { files: 3, .. }),
        "{outcome:?}"
    );
    let yaml = std::fs::read_to_string(target.join("pod-image-builder.yaml")).expect("written");
    assert_eq!(yaml, review.copy_all().0);
    // The saved rewrite is what the reader takes back as the rewrite.
    let back = manifest::read_manifests(yaml.as_bytes()).expect("reads back");
    let again = podwiz::security::workload::assess_manifests(&back, PolicyVersion::Latest);
    assert_eq!(
        again.objects[0].pss.level,
        podwiz::security::pss::Level::Baseline
    );
    // A second save into the now non-empty directory asks first.
    let outcome = podwiz::tui::save_files(&target, "safer", &files, false);
    assert!(
        matches!(outcome, podwiz::tui::SaveOutcome::NotEmpty { .. }),
        "{outcome:?}"
    );
}

#[test]
fn v_after_applying_a_rewrite_verifies_in_the_engine_container() {
    use podwiz::cluster::apply::{ApplyReport, ObjectResult, Outcome};
    use podwiz::tui::state::ApplyPhase;
    // The CI agent pod: the agent container comes first, Podman runs in the second.
    let mut app = app_of(review_of("ci-agent.yaml", CI_AGENT));
    connect(&mut app);
    assert_eq!(press(&mut app, KeyCode::Char('a')).len(), 1);
    let report = |dry_run, outcome| ApplyReport {
        dry_run,
        objects: vec![ObjectResult {
            reference: "pod/ci-agent-x7k2p".into(),
            namespace: Some("default".into()),
            existed: false,
            warnings: Vec::new(),
            outcome,
        }],
        pod: None,
        usage: Vec::new(),
    };
    update(
        &mut app,
        Msg::ApplyDone(Ok(report(true, Outcome::Validated))),
    );
    assert_eq!(
        app.apply.as_ref().map(|p| p.phase),
        Some(ApplyPhase::Confirm)
    );
    assert_eq!(press(&mut app, KeyCode::Char('y')).len(), 1);
    update(
        &mut app,
        Msg::ApplyDone(Ok(report(false, Outcome::Created))),
    );
    assert_eq!(
        app.apply.as_ref().map(|p| p.phase),
        Some(ApplyPhase::Applied)
    );
    let effects = press(&mut app, KeyCode::Char('v'));
    let [Effect::Verify { target, .. }] = effects.as_slice() else {
        panic!("expected a verification, got {effects:?}");
    };
    assert_eq!(target.pod, "ci-agent-x7k2p");
    assert_eq!(target.container, "podman");
    assert_eq!(target.namespace, "default");
}
