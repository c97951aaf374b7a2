#!/usr/bin/env bash
# Round trips, measured: podwiz and kubectl against the test control plane, directly and through
# a loopback proxy that delays each direction 12.5 ms (a 25 ms round trip, as a cluster in the
# next region). (delayed median - direct median) / 25 ms = the sequential round trips. The proxy
# is a TCP endpoint of its own: it completes the client's TCP handshake at once, so the TCP round
# trip of a real network is not in the numbers (for podwiz and kubectl alike).
#
#   bash scripts/bench-round-trips.sh                  # RUNS=7
#   RUNS=11 PODWIZ_BIN=path/to/podwiz bash scripts/bench-round-trips.sh
#
# Three cases:
#   bundle: podwiz apply of the five-object OpenShift bundle (Namespace, ServiceAccount,
#           RoleBinding, DaemonSet, Pod) into a new namespace, vs kubectl apply --server-side -f;
#   pod:    podwiz apply of one Pod into an existing namespace, vs the same with kubectl;
#   doctor: podwiz doctor, vs kubectl get ns (the floor: one request).
# Then podwiz's requests on the critical path, wave by wave (PODWIZ_REQUEST_TRACE).
#
# The proxy and the control plane run in the ignored test `bench_delay_proxy` of
# tests/round_trips.rs (tests/support/delay_proxy.rs): loopback only, and it ends by itself
# after PODWIZ_BENCH_SECONDS (default 900) should this script be killed.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
runs="${RUNS:-7}"
delay_us=12500

log() { printf 'bench-round-trips: %s\n' "$*" >&2; }

podwiz="${PODWIZ_BIN:-}"
if [[ -z "$podwiz" ]]; then
    log "building podwiz (release)"
    cargo build --quiet --release --bin podwiz
    podwiz="${CARGO_TARGET_DIR:-$repo/target}/release/podwiz"
fi

log "building the test binary"
testbin="$(cargo test --test round_trips --no-run --message-format=json 2>/dev/null |
    sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | grep '/round_trips-' | tail -n 1)"
[[ -x "$testbin" ]] || { log "cannot find the tests/round_trips.rs binary"; exit 1; }

work="$(mktemp -d)"
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

log "starting the control plane and the delay proxy"
PODWIZ_BENCH_INFO="$work/info" PODWIZ_BENCH_DELAY_US="$delay_us" PODWIZ_BENCH_SECONDS=900 \
    "$testbin" --ignored --exact bench_delay_proxy --nocapture >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
    [[ -s "$work/info" ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.5
done
[[ -s "$work/info" ]] || { log "control plane did not start"; cat "$work/server.log" >&2; exit 1; }
direct="$(sed -n 's/^kubeconfig=//p' "$work/info")"
delayed="$(sed -n 's/^delayed=//p' "$work/info")"
kubectl="$(sed -n 's/^kubectl=//p' "$work/info")"

now_ns() { date +%s%N; }
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# Called in $(...) subshells: a counter would not survive, the clock does.
fresh() { echo "rt-$1-$$-$(date +%s%N)"; }
must() { "$@" >"$work/last.out" 2>&1 || { log "failed: $*"; cat "$work/last.out" >&2; exit 1; }; }
bundle_args=(rootless-no-priv --platform openshift --fuse generic-device-plugin --create-namespace)

# Each case: <kubeconfig> → prints the milliseconds of the timed command (set-up untimed).
case_bundle_podwiz() {
    local ns start end; ns="$(fresh bp)"
    start="$(now_ns)"
    must "$podwiz" apply "${bundle_args[@]}" -n "$ns" --yes --wait 0 --kubeconfig "$1"
    end="$(now_ns)"; echo $(((end - start) / 1000))
}
case_bundle_kubectl() {
    local ns start end; ns="$(fresh bk)"
    "$podwiz" generate "${bundle_args[@]}" -n "$ns" >"$work/$ns.yaml"
    start="$(now_ns)"
    must "$kubectl" --kubeconfig "$1" --cache-dir "$work/kube-cache" apply --server-side -f "$work/$ns.yaml"
    end="$(now_ns)"; echo $(((end - start) / 1000))
}
case_pod_podwiz() {
    local ns start end; ns="$(fresh pp)"
    must "$kubectl" --kubeconfig "$direct" create namespace "$ns"
    start="$(now_ns)"
    must "$podwiz" apply rootful-priv -n "$ns" --yes --wait 0 --kubeconfig "$1"
    end="$(now_ns)"; echo $(((end - start) / 1000))
}
case_pod_kubectl() {
    local ns start end; ns="$(fresh pk)"
    must "$kubectl" --kubeconfig "$direct" create namespace "$ns"
    "$podwiz" generate rootful-priv -n "$ns" >"$work/$ns.yaml"
    start="$(now_ns)"
    must "$kubectl" --kubeconfig "$1" --cache-dir "$work/kube-cache" apply --server-side -f "$work/$ns.yaml"
    end="$(now_ns)"; echo $(((end - start) / 1000))
}
case_doctor_podwiz() {
    local start end
    start="$(now_ns)"
    "$podwiz" doctor -n default --kubeconfig "$1" >"$work/last.out" 2>&1 || true
    grep -q 'podwiz:' "$work/last.out" && { cat "$work/last.out" >&2; exit 1; }
    end="$(now_ns)"; echo $(((end - start) / 1000))
}
case_doctor_kubectl() {
    local start end
    start="$(now_ns)"
    must "$kubectl" --kubeconfig "$1" --cache-dir "$work/kube-cache" get ns
    end="$(now_ns)"; echo $(((end - start) / 1000))
}

log "warm-up (kubectl discovery cache, page cache)"
for c in bundle pod doctor; do
    for tool in podwiz kubectl; do
        "case_${c}_${tool}" "$direct" >/dev/null
        "case_${c}_${tool}" "$delayed" >/dev/null
    done
done

printf '%-7s %-8s %12s %12s %10s\n' case tool "direct ms" "+25ms/RT ms" "round trips"
for c in bundle pod doctor; do
    for tool in podwiz kubectl; do
        : >"$work/d"; : >"$work/l"
        for i in $(seq 1 "$runs"); do
            # Alternate the order so drift hits both columns alike.
            if ((i % 2)); then
                "case_${c}_${tool}" "$direct" >>"$work/d"
                "case_${c}_${tool}" "$delayed" >>"$work/l"
            else
                "case_${c}_${tool}" "$delayed" >>"$work/l"
                "case_${c}_${tool}" "$direct" >>"$work/d"
            fi
        done
        d="$(median <"$work/d")"; l="$(median <"$work/l")"
        awk -v c="$c" -v t="$tool" -v d="$d" -v l="$l" -v us="$delay_us" 'BEGIN {
            printf "%-7s %-8s %12.1f %12.1f %10.1f\n", c, t, d / 1000, l / 1000, (l - d) / (2 * us) }'
    done
done

log "podwiz's requests on the critical path (through the delay proxy)"
ns="$(fresh trace)"
PODWIZ_REQUEST_TRACE=1 "$podwiz" apply "${bundle_args[@]}" -n "$ns" --yes --wait 0 \
    --kubeconfig "$delayed" 2>&1 >/dev/null | sed -n 's/^podwiz trace: /bundle: /p'
ns="$(fresh trace)"
"$kubectl" --kubeconfig "$direct" create namespace "$ns" >/dev/null
PODWIZ_REQUEST_TRACE=1 "$podwiz" apply rootful-priv -n "$ns" --yes --wait 0 \
    --kubeconfig "$delayed" 2>&1 >/dev/null | sed -n 's/^podwiz trace: /pod:    /p'
PODWIZ_REQUEST_TRACE=1 "$podwiz" doctor -n default --kubeconfig "$delayed" 2>&1 >/dev/null |
    sed -n 's/^podwiz trace: /doctor: /p'
echo "round trips = TLS 1.3 (1, the first HTTP/2 requests ride behind the client Finished) + waves;"
echo "a real network adds the TCP handshake (1); this user-space proxy answers it itself, undelayed"
