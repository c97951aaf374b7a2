//! Links the `podwiz` binary as a position-dependent executable on Linux (`-no-pie`).
//!
//! A PIE has its ~23,000 relative relocations patched at every start: about a hundred
//! copy-on-write page faults before `main`, 0.7-0.8 ms measured here, a fifth of the time to
//! the wizard's first frame (scripts/bench-first-frame.sh). This is the default of Go's linker
//! on linux/amd64, so k9s and most kubectl plugins ship the same way. Libraries, heap and stack
//! are still randomised. `PODWIZ_PIE=1 cargo build` keeps a PIE (for distributions that
//! require one).

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=PODWIZ_PIE");
    let linux = std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux");
    let keep_pie = std::env::var_os("PODWIZ_PIE").is_some_and(|v| !v.is_empty() && v != "0");
    if linux && !keep_pie {
        println!("cargo::rustc-link-arg-bins=-no-pie");
    }
}
