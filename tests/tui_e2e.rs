//! End to end in a real terminal: tmux runs the built `podwiz`, keys walk the wizard,
//! capture-pane reads the screen; the clipboard is checked with xclip under a private Xvfb, and
//! OSC 52 by the raw bytes the pane wrote. Needs tmux, Xvfb and xclip
//! (`apt-get install -y tmux xvfb xclip`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_podwiz");

fn require(tool: &str) {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|p| p.join(tool).is_file()))
        .unwrap_or(false);
    assert!(
        found,
        "{tool} is missing: the wizard's end-to-end tests need tmux, Xvfb and xclip; install them with `apt-get install -y tmux xvfb xclip`"
    );
}

struct Tmux {
    socket: String,
    target: String,
}

impl Tmux {
    fn start(name: &str, command: &str, w: u16, h: u16) -> Tmux {
        require("tmux");
        let socket = format!("podwiz-e2e-{name}-{}", std::process::id());
        let tmux = Tmux {
            socket,
            target: format!("{name}:0.0"),
        };
        tmux.run(&[
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            &w.to_string(),
            "-y",
            &h.to_string(),
            command,
        ]);
        tmux
    }

    fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("run tmux");
        assert!(
            out.status.success(),
            "tmux {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", &self.target, key]);
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    fn capture(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.target])
    }

    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.capture();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "'{needle}' never appeared; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Xvfb {
        require("Xvfb");
        let n = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let child = Command::new("Xvfb")
            .args([
                &format!(":{n}"),
                "-screen",
                "0",
                "640x480x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start Xvfb");
        let socket = PathBuf::from(format!("/tmp/.X11-unix/X{n}"));
        let deadline = Instant::now() + Duration::from_secs(10);
        while !socket.exists() {
            assert!(Instant::now() < deadline, "Xvfb :{n} did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Xvfb {
            child,
            display: format!(":{n}"),
        }
    }

    fn clipboard(&self) -> String {
        require("xclip");
        let out = Command::new("xclip")
            .args(["-o", "-selection", "clipboard"])
            .env("DISPLAY", &self.display)
            .output()
            .expect("run xclip");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn set_clipboard(&self, text: &str) {
        let mut child = Command::new("xclip")
            .args(["-i", "-selection", "clipboard", "-loops", "1"])
            .env("DISPLAY", &self.display)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("run xclip");
        if let Some(mut stdin) = child.stdin.take() {
            use std::io::Write;
            let _ = stdin.write_all(text.as_bytes());
        }
        let _ = child.wait();
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn generate(mode: &str) -> String {
    let out = Command::new(BIN)
        .args(["generate", mode])
        .output()
        .expect("podwiz generate");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The command tmux runs: podwiz without SSH or a kube context, then its exit code.
fn wizard_command(env: &str) -> String {
    format!(
        "env -u SSH_CONNECTION -u SSH_TTY KUBECONFIG=/nonexistent/podwiz-e2e {env} {BIN}; echo PODWIZ-EXIT=$?; sleep 600"
    )
}

/// Start → rootless → not privileged → options → review.
const WALK: &[&str] = &["Enter", "Down", "Enter", "Down", "Enter", "r"];

#[test]
fn walk_to_rootless_no_priv_and_copy_to_the_x11_clipboard() {
    require("tmux");
    require("Xvfb");
    require("xclip");
    let x = Xvfb::start();
    let tmux = Tmux::start(
        "walk",
        &wizard_command(&format!("DISPLAY={}", x.display)),
        120,
        40,
    );
    let screen = tmux.wait_for("cluster: no kube context: you can still generate and copy");
    assert!(screen.contains("What podwiz does"), "{screen}");
    tmux.keys(WALK);
    let screen = tmux.wait_for("[ BASELINE ]");
    assert!(screen.contains("mode: rootless-no-priv"), "{screen}");
    tmux.keys(&["Tab", "Tab"]);
    let screen = tmux.wait_for("[Pod no-priv]");
    for line in ["kind: Pod", "name: no-priv", "runAsUser: 1000"] {
        assert!(screen.contains(line), "{line} not on screen:\n{screen}");
    }
    assert!(screen.contains("Pod Security level"), "{screen}");
    assert!(screen.contains("[ BASELINE ] policy latest"), "{screen}");

    tmux.keys(&["BTab", "BTab", "c"]);
    tmux.wait_for("copied 2 documents to the X11 clipboard");
    let expected = generate("rootless-no-priv");
    assert!(expected.contains("kind: Pod"));
    assert_eq!(x.clipboard(), expected);

    // q quits, the terminal comes back, and the clipboard outlives podwiz.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("PODWIZ-EXIT=0");
    assert!(
        !screen.contains("[ BASELINE ]"),
        "alternate screen left:\n{screen}"
    );
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(x.clipboard(), expected, "kept after exit");
    // Taking the clipboard back ends the keeper.
    x.set_clipboard("done");
}

#[test]
fn osc52_over_ssh_writes_the_exact_sequence() {
    require("tmux");
    let dir = tempfile::tempdir().expect("tempdir");
    let raw = dir.path().join("pane.raw");
    let tmux = Tmux::start(
        "osc",
        &format!(
            "env -u DISPLAY -u WAYLAND_DISPLAY KUBECONFIG=/nonexistent/podwiz-e2e SSH_CONNECTION='10.0.0.1 50000 10.0.0.2 22' {BIN}; echo PODWIZ-EXIT=$?; sleep 600"
        ),
        120,
        40,
    );
    tmux.run(&[
        "pipe-pane",
        "-O",
        "-t",
        &tmux.target,
        &format!("cat >> '{}'", raw.display()),
    ]);
    tmux.wait_for("What podwiz does");
    tmux.keys(WALK);
    tmux.wait_for("[ BASELINE ]");
    tmux.keys(&["c"]);
    tmux.wait_for("sent 2 documents via OSC 52 over SSH");
    let expected = podwiz::tui::clipboard::osc52(&generate("rootless-no-priv"));
    assert!(expected.starts_with("\x1b]52;c;") && expected.ends_with('\x07'));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let bytes = std::fs::read(&raw).unwrap_or_default();
        if bytes
            .windows(expected.len())
            .any(|w| w == expected.as_bytes())
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the pane never received the OSC 52 sequence ({} bytes captured)",
            bytes.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    tmux.keys(&["C-c"]);
    tmux.wait_for("PODWIZ-EXIT=0");
}

#[test]
fn sigterm_restores_the_terminal_and_small_terminals_get_a_clear_screen() {
    require("tmux");
    let tmux = Tmux::start("term", &wizard_then_stty(""), 70, 20);
    tmux.wait_for("Enlarge the terminal");
    tmux.run(&["resize-window", "-t", "term", "-x", "100", "-y", "30"]);
    tmux.wait_for("What podwiz does");
    signal_podwiz(&tmux, "-TERM");
    let screen = tmux.wait_for("TTY:");
    assert!(screen.contains("PODWIZ-EXIT=0"), "{screen}");
    assert_terminal_given_back(&tmux, &screen);
}

#[test]
fn an_unknown_theme_is_a_usage_error() {
    let out = Command::new(BIN)
        .args(["--theme", "solarized"])
        .output()
        .expect("podwiz");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "podwiz: --theme: unknown theme 'solarized'; the themes are: dark, light, high-contrast, mono"
    );
}

/// The wizard, then its exit code and whether the terminal is back in cooked mode with echo
/// (`stty` prints `icanon`/`-icanon` and `echo`/`-echo`).
fn wizard_then_stty(env: &str) -> String {
    format!(
        "env -u SSH_CONNECTION -u SSH_TTY KUBECONFIG=/nonexistent/podwiz-e2e {env} {BIN}; echo PODWIZ-EXIT=$?; \
         echo TTY: $(stty -a | tr ' ;' '\\n\\n' | grep -x -e '-\\?icanon' -e '-\\?echo'); sleep 600"
    )
}

/// Sends `signal` (`-TERM`, `-INT`) to the podwiz running in the pane.
fn signal_podwiz(tmux: &Tmux, signal: &str) {
    let status = Command::new("kill")
        .args([signal, &podwiz_pid(tmux)])
        .status()
        .expect("kill");
    assert!(status.success());
}

fn podwiz_pid(tmux: &Tmux) -> String {
    let shell = tmux.run(&["display", "-p", "-t", &tmux.target, "#{pane_pid}"]);
    let out = Command::new("pgrep")
        .args(["-P", shell.trim()])
        .output()
        .expect("pgrep");
    let pid = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!pid.is_empty(), "podwiz is running");
    pid
}

fn assert_terminal_given_back(tmux: &Tmux, screen: &str) {
    assert!(
        screen.contains("TTY: icanon echo"),
        "cooked mode with echo:\n{screen}"
    );
    let alternate = tmux.run(&["display", "-p", "-t", &tmux.target, "#{alternate_on}"]);
    assert_eq!(
        alternate.trim(),
        "0",
        "left the alternate screen:\n{screen}"
    );
    assert!(!screen.contains("What podwiz does"), "{screen}");
}

#[test]
fn sigint_restores_the_terminal() {
    require("tmux");
    let tmux = Tmux::start("sigint", &wizard_then_stty(""), 100, 30);
    tmux.wait_for("What podwiz does");
    signal_podwiz(&tmux, "-INT");
    let screen = tmux.wait_for("TTY:");
    assert!(screen.contains("PODWIZ-EXIT=0"), "{screen}");
    assert_terminal_given_back(&tmux, &screen);
}

#[test]
fn a_panic_restores_the_terminal_before_its_message() {
    require("tmux");
    let tmux = Tmux::start(
        "panic",
        &wizard_then_stty(&format!("{}=1", podwiz::tui::PANIC_FOR_TESTS)),
        100,
        30,
    );
    let screen = tmux.wait_for("TTY:");
    assert!(screen.contains("PODWIZ-EXIT=101"), "{screen}");
    // The message is on the main screen, after the restore, so it can be read.
    assert!(
        screen.contains("panicking after the first frame"),
        "{screen}"
    );
    assert_terminal_given_back(&tmux, &screen);
}

#[test]
fn quitting_with_q_restores_the_terminal() {
    require("tmux");
    let tmux = Tmux::start("quit", &wizard_then_stty(""), 100, 30);
    tmux.wait_for("What podwiz does");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("TTY:");
    assert!(screen.contains("PODWIZ-EXIT=0"), "{screen}");
    assert_terminal_given_back(&tmux, &screen);
}

/// Steps 2 and 3 show each choice's price on its own line (the level as a word, root on the
/// node as yes/no), and the Options footer tells the truth about Enter.
#[test]
fn each_choice_shows_its_price_and_the_options_footer_is_true() {
    require("tmux");
    let tmux = Tmux::start("price", &wizard_command(""), 120, 40);
    tmux.wait_for("What podwiz does");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("How does Podman run inside the pod?");
    for price in [
        "at best [ PRIVILEGED ]",
        "root on the node: yes, except userns",
        "at best [ BASELINE ]",
    ] {
        assert!(screen.contains(price), "{price}:\n{screen}");
    }
    tmux.keys(&["Down", "Enter"]);
    let screen = tmux.wait_for("Podman rootless: privileged, or not");
    for price in [
        "[ PRIVILEGED ] · root on the node: yes",
        "[ BASELINE ] · root on the node: no",
    ] {
        assert!(screen.contains(price), "{price}:\n{screen}");
    }
    // Not privileged → Options. Enter edits the highlighted row there; it does not move on.
    tmux.keys(&["Down", "Enter"]);
    let screen = tmux.wait_for("4 Options");
    assert!(screen.contains("Enter edit field"), "{screen}");
    assert!(screen.contains("r on to Review"), "{screen}");
    assert!(!screen.contains("Enter next"), "{screen}");
    // Enter edits the name (the typing cursor shows), Enter again ends the edit: still Options.
    tmux.keys(&["Enter"]);
    tmux.wait_for("Enter done");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("[4 Options]");
    assert!(!screen.contains("[5 Review]"), "{screen}");
    tmux.keys(&["r"]);
    let screen = tmux.wait_for("[5 Review]");
    assert!(screen.contains("[ BASELINE ]"), "{screen}");
    tmux.keys(&["q"]);
    tmux.wait_for("PODWIZ-EXIT=0");
}

/// In a real terminal: on rootless-no-priv's options, AppArmor unconfined takes the pod out of
/// baseline (the live badge says privileged, Review agrees), back to the default brings baseline
/// back; the token row mounts the token and Review lists its finding.
#[test]
fn apparmor_unconfined_leaves_baseline_and_the_token_row_adds_its_finding() {
    require("tmux");
    let tmux = Tmux::start("apparmor", &wizard_command(""), 120, 40);
    tmux.wait_for("What podwiz does");
    // Start → rootless → not privileged → Options.
    tmux.keys(&["Enter", "Down", "Enter", "Down", "Enter"]);
    let screen = tmux.wait_for("Mode rootless-no-priv [ BASELINE ]");
    assert!(
        screen.contains("AppArmor         ‹ default: runtime-default ›"),
        "{screen}"
    );
    // Name, Namespace, Image, Storage, /dev/fuse, SELinux, then AppArmor.
    tmux.keys(&["Down"; 6]);
    let screen = tmux.wait_for("AppArmor: runtime default");
    assert!(screen.contains("denies mount"), "{screen}");
    tmux.keys(&["Right", "Right"]);
    let screen = tmux.wait_for("Mode rootless-no-priv [ PRIVILEGED ]");
    assert!(screen.contains("‹ unconfined ›"), "{screen}");
    assert!(screen.contains("leaves Pod"), "{screen}");
    tmux.keys(&["r"]);
    let screen = tmux.wait_for("[5 Review]");
    assert!(screen.contains("[ PRIVILEGED ] policy latest"), "{screen}");
    assert!(screen.contains("AppArmor unconfined"), "{screen}");
    assert!(!screen.contains("mounts an API"), "no token yet:\n{screen}");
    // Back: the choice is kept; two more steps (localhost, then the default) restore baseline.
    tmux.keys(&["Escape"]);
    tmux.wait_for("‹ unconfined ›");
    tmux.keys(&["Right"]);
    let screen = tmux.wait_for("profile name");
    assert!(
        screen.contains("Mode rootless-no-priv [ BASELINE ]"),
        "{screen}"
    );
    assert!(screen.contains("Not verified"), "{screen}");
    tmux.keys(&["Right"]);
    tmux.wait_for("‹ default: runtime-default ›");
    // The token row: off by default, Enter turns it on.
    let screen = tmux.capture();
    assert!(screen.contains("‹ not mounted ›"), "{screen}");
    // AppArmor, Platform, Workload, then the token.
    tmux.keys(&["Down", "Down", "Down"]);
    tmux.wait_for("ServiceAccount API token");
    tmux.keys(&["Enter"]);
    tmux.wait_for("‹ mounted ›");
    tmux.keys(&["r"]);
    let screen = tmux.wait_for("[5 Review]");
    // The panel wraps the title after "API".
    assert!(
        screen.contains("medium   Container engine pod mounts an API"),
        "{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("PODWIZ-EXIT=0");
}

const SCC_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/manifests/openshift-podman-scc.yaml"
);

fn explain_fixture(flag: &str) -> String {
    let out = Command::new(BIN)
        .args(["explain", "-f", SCC_FIXTURE, flag])
        .output()
        .expect("podwiz explain");
    assert!(out.status.success(), "explain {flag}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// `podwiz -f FILE` opens Review on that manifest; Tab reaches the safer rewrite and the diff,
/// `c` copies each (the same text `explain -f FILE --suggest` / `--diff` prints) to the X11
/// clipboard; bad input is one line and exit 2 on a terminal left as it was.
#[test]
fn a_manifest_opens_on_review_and_its_rewrite_and_diff_are_copied() {
    require("tmux");
    require("Xvfb");
    require("xclip");
    let x = Xvfb::start();
    let tmux = Tmux::start(
        "manifest",
        &format!(
            "env -u SSH_CONNECTION -u SSH_TTY KUBECONFIG=/nonexistent/podwiz-e2e DISPLAY={} {BIN} -f {SCC_FIXTURE}; echo PODWIZ-EXIT=$?; sleep 600",
            x.display
        ),
        120,
        40,
    );
    let screen = tmux.wait_for("[Yours]");
    for text in [
        "[Review] pod/image-builder (namespace builds) · object 1/1 · from",
        "- SYS_ADMIN",
        "[ PRIVILEGED ] policy latest",
        "A safer way: userns (rootless shape)",
    ] {
        assert!(screen.contains(text), "{text} not on screen:\n{screen}");
    }
    tmux.keys(&["Tab"]);
    let screen = tmux.wait_for("[Safer rewrite (userns)]");
    assert!(!screen.contains("SYS_ADMIN"), "{screen}");
    assert!(screen.contains("hostUsers: false"), "{screen}");
    assert!(screen.contains("[ PRIVILEGED ] → [ BASELINE ]"), "{screen}");
    tmux.keys(&["c"]);
    tmux.wait_for("copied the safer rewrite of pod/image-builder to the X11 clipboard");
    assert_eq!(x.clipboard(), explain_fixture("--suggest"));

    tmux.keys(&["Tab"]);
    let screen = tmux.wait_for("[Diff]");
    assert!(screen.contains("-        - SYS_ADMIN"), "{screen}");
    tmux.keys(&["c"]);
    tmux.wait_for("copied the diff of pod/image-builder to its safer rewrite");
    assert_eq!(x.clipboard(), explain_fixture("--diff"));

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("PODWIZ-EXIT=0");
    assert!(
        !screen.contains("[Diff]"),
        "alternate screen left:\n{screen}"
    );
    x.set_clipboard("done");

    // Bad input: one line on stderr and exit 2, before the terminal changes.
    let bad = Tmux::start(
        "manifest-bad",
        &format!(
            "{BIN} -f /nonexistent/pod.yaml; echo PODWIZ-EXIT=$?; {BIN} -f /etc/hostname; echo PODWIZ-EXIT=$?; echo STTY=$(stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'); sleep 600"
        ),
        120,
        40,
    );
    let screen = bad.wait_for("STTY=");
    assert!(
        screen.contains("podwiz: cannot read /nonexistent/pod.yaml: No such file or directory"),
        "{screen}"
    );
    assert!(
        screen.contains("podwiz: /etc/hostname: the input is not a Kubernetes manifest"),
        "{screen}"
    );
    assert_eq!(screen.matches("PODWIZ-EXIT=2").count(), 2, "{screen}");
    assert!(screen.contains("STTY=icanon"), "raw mode left:\n{screen}");

    // `-f -`: the manifest from a pipe; keys still come from the terminal.
    let piped = Tmux::start(
        "manifest-stdin",
        &format!(
            "cat {SCC_FIXTURE} | env KUBECONFIG=/nonexistent/podwiz-e2e {BIN} -f -; echo PODWIZ-EXIT=$?; sleep 600"
        ),
        120,
        40,
    );
    piped.wait_for("· from standard input");
    piped.keys(&["Tab"]);
    piped.wait_for("[Safer rewrite (userns)]");
    piped.keys(&["q"]);
    piped.wait_for("PODWIZ-EXIT=0");

    // A live object without a kube context: the page says why it could not be read.
    let live = Tmux::start(
        "manifest-nocontext",
        &format!(
            "env KUBECONFIG=/nonexistent/podwiz-e2e {BIN} deploy/ci-agent; echo PODWIZ-EXIT=$?; sleep 600"
        ),
        120,
        40,
    );
    let screen = live.wait_for("deploy/ci-agent could not be read");
    assert!(screen.contains("/nonexistent/podwiz-e2e"), "{screen}");
    live.keys(&["q"]);
    live.wait_for("PODWIZ-EXIT=0");
}
