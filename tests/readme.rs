//! The README shows the wizard as a test renders it, and starts with the two commands.

use std::path::Path;

const START: &str = "<!-- review-screen:start -->\n```text\n";
const END: &str = "```\n<!-- review-screen:end -->";

#[test]
fn the_readme_shows_the_current_review_screen() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let capture = std::fs::read_to_string(root.join("assets/review-screen.txt"))
        .expect("assets/review-screen.txt");
    let readme_path = root.join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let start = readme
        .find(START)
        .expect("README has the review-screen start marker")
        + START.len();
    let end = start
        + readme[start..]
            .find(END)
            .expect("README has the review-screen end marker");
    let mut wanted = capture.clone();
    if !wanted.ends_with('\n') {
        wanted.push('\n');
    }
    if readme[start..end] != wanted {
        if std::env::var_os("PODWIZ_UPDATE_SCREENSHOT").is_some() {
            let updated = format!("{}{}{}", &readme[..start], wanted, &readme[end..]);
            std::fs::write(&readme_path, updated).expect("write README.md");
        } else {
            panic!(
                "README.md's wizard picture is stale; run PODWIZ_UPDATE_SCREENSHOT=1 cargo test --test tui_screens --test readme"
            );
        }
    }
}

#[test]
fn the_readme_starts_with_the_run_and_test_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).expect("README.md");
    let first_block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block");
    let commands: Vec<&str> = first_block
        .lines()
        .map(|l| l.split('#').next().unwrap_or_default().trim())
        .collect();
    assert_eq!(commands, ["cargo run --release", "scripts/test"]);
    let ci = std::fs::read_to_string(root.join(".ci/run")).expect(".ci/run");
    assert!(
        ci.lines().any(|l| l.trim() == "bash scripts/test"),
        ".ci/run must call the README's test command"
    );
    assert!(root.join("scripts/test").is_file());
}
