#!/usr/bin/env bash
# What `msgen diff --against main` costs (release build), whole command, against reading the
# old spec out of git alone (`git show main:./msgen.yaml`, which it does first): N runs of
# each, alternated, in a git repository holding one spec at `main`.
#
#   bench/diff.sh [N]          (default N=21; run from anywhere inside the repository)
#
# Cases, each measured against `git show` in the same run:
#   payment, unchanged   examples/payment-service.yaml, the working tree as committed
#   payment, changed     the same with one field removed (a report of 3 changes)
#   50, changed          the 50-entity spec of bench/spec50.py with one field removed
#   400, changed         bench/spec50.py 400, one field removed
# Wall time from nanosecond timestamps around each command; prints the median of each and the
# ratio. Needs: cargo, git, python3.
set -euo pipefail

N=${1:-21}
REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d -p "${TMPDIR:-/tmp}" msgen-diff.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

echo "building msgen (release) ..." >&2
(cd "$REPO" && cargo build -q --release --bin msgen)
MSGEN=${CARGO_TARGET_DIR:-$REPO/target}/release/msgen

# A repository holding `spec` as msgen.yaml at `main`; with `edit`, a sed expression, the
# working tree's spec changed by it.
repository() {
    local dir=$1 spec=$2 edit=${3:-}
    mkdir -p "$dir"
    cp "$spec" "$dir/msgen.yaml"
    git -C "$dir" init -q -b main
    git -C "$dir" add msgen.yaml
    git -C "$dir" -c user.name=bench -c user.email=bench@example.com commit -qm spec
    if [ -n "$edit" ]; then
        sed -i "$edit" "$dir/msgen.yaml"
        git -C "$dir" diff --quiet && { echo "the edit changed nothing in $dir" >&2; exit 2; }
    fi
    return 0
}

python3 "$REPO/bench/spec50.py" > "$WORK/bench-50.yaml"
python3 "$REPO/bench/spec50.py" 400 > "$WORK/bench-400.yaml"
PAYMENT="$REPO/examples/payment-service.yaml"
repository "$WORK/unchanged" "$PAYMENT"
repository "$WORK/changed" "$PAYMENT" '/      note: { type: string, optional: true }/d'
# The second field of the first entity: every entity has one.
FIRST_FIELD='0,/^      f1_/{/^      f1_/d}'
repository "$WORK/fifty" "$WORK/bench-50.yaml" "$FIRST_FIELD"
repository "$WORK/four-hundred" "$WORK/bench-400.yaml" "$FIRST_FIELD"

# median of N alternated runs of `msgen diff` and `git show`, in milliseconds
measure() {
    local dir=$1
    python3 - "$dir" "$MSGEN" "$N" <<'EOF'
import statistics, subprocess, sys, time
dir, msgen, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
commands = {
    "msgen diff": [msgen, "diff", "--against", "main", "--fail-on", "never"],
    "git show": ["git", "show", "main:./msgen.yaml"],
}
times = {name: [] for name in commands}
for run in range(n + 1):
    for name, command in commands.items():
        start = time.perf_counter_ns()
        subprocess.run(command, cwd=dir, stdout=subprocess.DEVNULL, check=True)
        if run > 0:  # the first round warms the caches
            times[name].append((time.perf_counter_ns() - start) / 1e6)
diff, show = (statistics.median(times[k]) for k in ("msgen diff", "git show"))
print(f"{diff:8.1f} ms {show:8.1f} ms {diff / show:6.2f}")
EOF
}

printf '%-22s %11s %11s %6s\n' case "msgen diff" "git show" ratio
for case in "payment, unchanged:unchanged" "payment, changed:changed" "50, changed:fifty" \
    "400, changed:four-hundred"; do
    printf '%-22s %s\n' "${case%%:*}" "$(measure "$WORK/${case#*:}")"
done
