#!/usr/bin/env bash
# Benchmark: parse a 20,000-profile config + credentials pair and plan
# every profile (awscredsfs --check), against botocore loading the same
# files in the same run where Debian's python3-botocore is installed.
#   tests/bench/bench-plan.sh [BUILD_DIR] [PROFILES] [RUNS]
# Prints each run's wall time, the best and the median.  Not a test: the
# figures go to BENCHMARKS.md.
set -eu
build=${1:-build}
n=${2:-20000}
runs=${3:-7}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d /tmp/acfs-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
"$build/tests/bench/genconfig" "$n" "$tmp/config" "$tmp/credentials"
echo "config: $n profiles, $(wc -c < "$tmp/config") + $(wc -c < "$tmp/credentials") bytes"

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1e6 }'; }

times=()
for r in $(seq "$runs"); do
	t0=$(date +%s%N)
	"$build/awscredsfs" --check --config "$tmp/config" --credentials "$tmp/credentials" > "$tmp/out" 2>&1 || true
	t1=$(date +%s%N)
	times+=($((t1 - t0)))
done
ok=$(grep -c '^ok ' "$tmp/out" || true)
err=$(grep -c '^error ' "$tmp/out" || true)
echo "planned: $ok ok, $err errors (expected $n ok, 0 errors)"
sorted=($(printf '%s\n' "${times[@]}" | sort -n))
best=${sorted[0]}
median=${sorted[$((runs / 2))]}
printf 'awscredsfs parse+plan all %d profiles: best %s ms, median %s ms over %d runs\n' \
	"$n" "$(ms 0 "$best")" "$(ms 0 "$median")" "$runs"

if /usr/bin/python3 -c 'import botocore' 2>/dev/null; then
	# botocore parsing only (no planning), as a reference in the same run.
	bt=$(/usr/bin/python3 - "$tmp/config" "$tmp/credentials" <<'PY'
import sys, time
from botocore import configloader
best = None
for _ in range(3):
    t0 = time.perf_counter()
    configloader.load_config(sys.argv[1])
    configloader.raw_config_parse(sys.argv[2])
    dt = time.perf_counter() - t0
    best = dt if best is None or dt < best else best
print(int(best * 1e9))
PY
)
	printf 'botocore load_config (parse only): best %s ms; ratio botocore/awscredsfs = %s\n' \
		"$(ms 0 "$bt")" "$(awk -v a="$bt" -v b="$best" 'BEGIN { printf "%.1f", a / b }')"
else
	echo "reference skipped: Debian's python3-botocore is not installed"
fi
[ "$ok" -eq "$n" ] && [ "$err" -eq 0 ]
