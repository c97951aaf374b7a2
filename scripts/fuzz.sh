#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz, nightly Rust) of podwiz's readers of
# untrusted input: manifests (read_manifests), kubeconfigs (read_kubeconfig) and pasted logs
# (troubleshoot_log). Not part of `scripts/test` (the stable proptest fuzz in
# tests/manifest_reader.rs is); run it after changing a reader:
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   # default 120
#
# Needs the nightly toolchain (rustup) and cargo-fuzz (installed under the cache on first use).
# Seeds come from tests/fixtures; the corpus and any crash are kept under
# ${PODWIZ_TEST_CACHE:-~/.cache/podwiz-test}/fuzz, out of the clone. Exits non-zero on a crash,
# with the reproducing input's path.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-120}"
cache="${PODWIZ_TEST_CACHE:-$HOME/.cache/podwiz-test}"
export CARGO_TARGET_DIR="$cache/target-fuzz"
tools="$cache/cargo-fuzz"
if [ ! -x "$tools/bin/cargo-fuzz" ]; then
    cargo install cargo-fuzz --locked --root "$tools"
fi
export PATH="$tools/bin:$PATH"
rustup run nightly rustc --version >/dev/null 2>&1 || {
    echo "scripts/fuzz.sh: needs the nightly toolchain (rustup toolchain install nightly)" >&2
    exit 1
}

seed() {
    local target="$1" corpus="$cache/fuzz/corpus/$1"
    mkdir -p "$corpus"
    case "$target" in
        read_manifests) cp -n "$repo"/tests/fixtures/manifests/*.yaml "$corpus"/ 2>/dev/null || true ;;
        read_kubeconfig)
            [ -f "$corpus/seed" ] || printf '%s\n' 'apiVersion: v1' 'kind: Config' 'current-context: c' \
                'clusters:' '- name: k' '  cluster: {server: "https://127.0.0.1:6443", certificate-authority: ca.crt, tls-server-name: api}' \
                'contexts:' '- name: c' '  context: {cluster: k, user: u, namespace: ns}' \
                'users:' '- name: u' '  user:' '    tokenFile: token' \
                '    exec: {command: ./cred, apiVersion: client.authentication.k8s.io/v1, args: [a], env: [{name: A, value: b}]}' \
                >"$corpus/seed" ;;
        troubleshoot_log)
            # The runtime's own error lines from the node matrix, one file each.
            python3 -c 'import json,sys
for i, r in enumerate(json.load(open(sys.argv[1]))["rows"]):
    if r.get("detail"): open(f"{sys.argv[2]}/matrix-{i}", "w").write(r["detail"])' \
                "$repo/assets/runtime-matrix.json" "$corpus" ;;
    esac
    echo "$corpus"
}

cd "$repo/fuzz"
status=0
for target in read_manifests read_kubeconfig troubleshoot_log; do
    corpus="$(seed "$target")"
    artifacts="$cache/fuzz/artifacts/$target/"
    mkdir -p "$artifacts"
    echo "== $target: ${seconds}s, corpus $corpus" >&2
    # -rss_limit_mb: the readers must stay bounded; 2 GiB is far above what they may use.
    if ! cargo +nightly fuzz run "$target" "$corpus" -- \
        -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
        -artifact_prefix="$artifacts" -print_final_stats=1 2>&1 | tail -n 25; then
        echo "scripts/fuzz.sh: $target found a crash: see $artifacts" >&2
        status=1
    fi
done
exit "$status"
