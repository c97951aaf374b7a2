#!/bin/sh
# Time from process start to the first full frame, and peak memory (VmHWM), of podwiz's wizard
# next to kdash, in a 120x40 pty. Runs alternate (podwiz, kdash, podwiz, ...); prints medians and
# the ratios. Neither gets a kube context (KUBECONFIG points nowhere), so no cluster is waited on.
#
#   scripts/bench-first-frame.sh [RUNS] [PODWIZ] [KDASH]
# Defaults: 15 runs, target/release/podwiz, kdash from PATH. Build podwiz with
# `cargo build --release`; install kdash with `cargo install kdash --locked`.
set -eu
RUNS=${1:-15}
PODWIZ=${2:-target/release/podwiz}
KDASH=${3:-$(command -v kdash || echo kdash)}
exec python3 - "$RUNS" "$PODWIZ" "$KDASH" <<'PY'
import fcntl, os, pty, select, signal, statistics, struct, sys, termios, time

runs, podwiz, kdash = int(sys.argv[1]), sys.argv[2], sys.argv[3]
# The text on the last row each program draws: once it is out, the first frame is complete.
PROGRAMS = [("podwiz", [podwiz], b"quit"), ("kdash", [kdash], b"w:wide")]

def vm_hwm_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

def one(argv, sentinel):
    env = dict(os.environ, TERM="xterm-256color", KUBECONFIG="/nonexistent/podwiz-bench",
               COLUMNS="120", LINES="40")
    env.pop("NO_COLOR", None)
    start = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        os.execvpe(argv[0], argv, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    seen, first_frame = b"", None
    deadline = start + 10
    while time.perf_counter() < deadline:
        r, _, _ = select.select([fd], [], [], 0.05)
        if not r:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
        # Answer cursor-position queries like a terminal does (kdash asks at startup).
        for _ in range(chunk.count(b"\x1b[6n")):
            os.write(fd, b"\x1b[1;1R")
        if first_frame is None and sentinel in seen:
            first_frame = time.perf_counter() - start
            settle = time.perf_counter() + 1.0
            while time.perf_counter() < settle:  # let it settle, then read its peak memory
                if select.select([fd], [], [], 0.05)[0]:
                    try:
                        os.read(fd, 65536)
                    except OSError:
                        break
            break
    hwm = vm_hwm_kib(pid)
    os.kill(pid, signal.SIGTERM)
    for _ in range(40):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    if first_frame is None:
        sys.exit(f"{argv[0]}: no full frame within 10 s (last output: {seen[-200:]!r})")
    return first_frame * 1000, hwm

results = {name: ([], []) for name, _, _ in PROGRAMS}
for i in range(runs):
    order = PROGRAMS if i % 2 == 0 else PROGRAMS[::-1]
    for name, argv, sentinel in order:
        ms, kib = one(argv, sentinel)
        results[name][0].append(ms)
        results[name][1].append(kib)

print(f"{'':8} {'first frame (median ms)':>24} {'peak RSS (median MiB)':>22}   runs={runs}")
med = {}
for name, (ms, kib) in results.items():
    med[name] = (statistics.median(ms), statistics.median(kib) / 1024)
    print(f"{name:8} {med[name][0]:24.1f} {med[name][1]:22.1f}")
r_time = med["podwiz"][0] / med["kdash"][0]
r_mem = med["podwiz"][1] / med["kdash"][1]
print(f"ratio podwiz/kdash: first frame {r_time:.2f}x (target <= 0.5), peak memory {r_mem:.2f}x (target <= 1)")
PY
