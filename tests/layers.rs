//! The layers point one way (src/lib.rs): scenario → security → render, save, cluster → the
//! front doors. Checked on the source text, so a new import against the arrows fails here.

use std::path::Path;

fn sources(dir: &str) -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                out.push((path.display().to_string(), text));
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir), &mut out);
    out
}

fn assert_no_import(dir: &str, forbidden: &[&str]) {
    for (path, text) in sources(dir) {
        for (n, line) in text.lines().enumerate() {
            // Doc comments may name other layers; code may not use them.
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for module in forbidden {
                assert!(
                    !code.contains(&format!("crate::{module}")),
                    "{path}:{}: {dir} must not use crate::{module}: {line}",
                    n + 1
                );
            }
        }
    }
}

#[test]
fn scenario_is_the_bottom_layer() {
    assert_no_import(
        "src/scenario",
        &[
            "security", "render", "save", "cluster", "commands", "tui", "cli",
        ],
    );
}

#[test]
fn security_uses_only_scenario() {
    assert_no_import(
        "src/security",
        &["render", "save", "cluster", "commands", "tui", "cli"],
    );
}

#[test]
fn the_wizard_does_not_call_the_command_line_front_door() {
    assert_no_import("src/tui", &["commands"]);
    // Both front doors write saved bundles through one module.
    let generate = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands/generate.rs"),
    )
    .expect("generate.rs");
    assert!(generate.contains("crate::save::write_dir"));
    assert!(
        !generate.contains("fs::write"),
        "file writing lives in src/save.rs"
    );
}

/// pss is split like upstream's policy/check_*.go: one file per check, each naming its file.
#[test]
fn each_pod_security_check_sits_in_its_own_file() {
    let files = sources("src/security/pss");
    let checks: Vec<&(String, String)> = files
        .iter()
        .filter(|(p, _)| p.contains("/check_"))
        .collect();
    assert_eq!(checks.len(), 18, "one file per upstream check");
    for (path, text) in checks {
        assert!(
            text.lines()
                .next()
                .is_some_and(|l| l.contains("policy/check_") && l.contains(".go")),
            "{path} names its upstream file on its first line"
        );
    }
}
