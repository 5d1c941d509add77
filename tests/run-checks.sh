#!/usr/bin/env bash
# Runs every test suite of one or more build directories and ends with one
# summary line, "N passed, N failed, N skipped", alone on its line.
#
#   tests/run-checks.sh BUILD_DIR [BUILD_DIR...]
#
# Suites:
#   BUILD/tests/unit/test_*          Check unit tests (fork mode)
#   tests/emulator/test_*.py         emulator self-tests (Debian's python3)
#   tests/integration/test_*.py      integration tests against the emulators
#   BUILD/tests/conformance/run_*    data-driven runners over ../shared/conformance
#   tests/cli/*.bats                 CLI tests, through prove (bats TAP)
# Every runner reports its own counts; a runner that crashes or exits
# non-zero without reporting counts as one failure, so nothing is lost.
# Set ACFS_SUITES to a regex to run only matching suites.
set -u
cd "$(dirname "$0")/.." || exit 2
top=$PWD
results=$(mktemp /tmp/acfs-results.XXXXXX)
logdir=$(mktemp -d /tmp/acfs-logs.XXXXXX)
trap 'rm -f "$results"; rm -rf "$logdir"' EXIT
export ACFS_RESULTS=$results
filter=${ACFS_SUITES:-.}
crashed=0

# run_one LABEL CMD...: runs one suite; checks that it reported counts.
run_one() {
	local label=$1; shift
	local before after rc
	[[ $label =~ $filter ]] || return 0
	before=$(wc -l < "$results")
	echo "=== $label"
	"$@"
	rc=$?
	after=$(wc -l < "$results")
	if [ "$after" -eq "$before" ]; then
		echo "suite $label: exited $rc without reporting results: counted as 1 failure"
		echo "$label 0 1 0" >> "$results"
		crashed=$((crashed + 1))
	elif [ "$rc" -ne 0 ]; then
		# It reported, but exited non-zero: make sure that shows as a failure.
		if ! tail -n $((after - before)) "$results" | awk '$3 > 0 {f=1} END {exit !f}'; then
			echo "suite $label: exited $rc with no failure counted: counted as 1 failure"
			echo "$label 0 1 0" >> "$results"
		fi
	fi
}

# bats through prove; the TAP lines are counted here.
run_bats() {
	local label=$1 file=$2 bin=$3 log
	log=$logdir/$(basename "$file").tap
	ACFS_BIN=$bin prove -v --exec bats "$file" > "$log" 2>&1
	local rc=$?
	cat "$log"
	local pass fail skip
	pass=$(grep -cE '^ok [0-9]+' "$log" | tr -d ' ')
	skip=$(grep -cE '^ok [0-9]+ .*# [Ss][Kk][Ii][Pp]' "$log" | tr -d ' ')
	fail=$(grep -cE '^not ok [0-9]+' "$log" | tr -d ' ')
	pass=$((pass - skip))
	if [ "$rc" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
	echo "suite $label: passed=$pass failed=$fail skipped=$skip"
	echo "$label $pass $fail $skip" >> "$results"
	return $rc
}

for build in "$@"; do
	case $build in
	build) tag="" ;;
	*) tag="${build#build-}/" ;;
	esac
	if [ ! -x "$build/awscredsfs" ]; then
		echo "$build/awscredsfs is missing: run make first" >&2
		echo "${tag}build 0 1 0" >> "$results"
		continue
	fi
	export ACFS_SUITE_PREFIX=$tag
	# Sanitizer builds: fail hard on any report.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
	for t in "$build"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		run_one "${tag}unit/$(basename "$t")" "$t"
	done
	for t in "$build"/tests/conformance/run_*; do
		[ -x "$t" ] || continue
		run_one "${tag}conformance/$(basename "$t")" "$t"
	done
	# Integration tests drive this build's programs (ACFS_BUILD) against
	# the emulators, with Debian's python3.
	for t in tests/integration/test_*.py; do
		[ -f "$t" ] || continue
		ACFS_BUILD=$top/$build run_one "${tag}py/$(basename "$t" .py)" \
			/usr/bin/python3 "$t"
	done
	for t in tests/cli/*.bats; do
		[ -f "$t" ] || continue
		run_one "${tag}cli/$(basename "$t" .bats)" run_bats "${tag}cli/$(basename "$t" .bats)" "$t" "$top/$build/awscredsfs"
	done
done

# The emulators' self-tests do not depend on a build: run them once, with
# Debian's python3.  They report through $ACFS_RESULTS like tl_report.
export ACFS_SUITE_PREFIX=
export ACFS_BUILD=$top/${1:-build}
for t in tests/emulator/test_*.py; do
	[ -f "$t" ] || continue
	run_one "py/$(basename "$t" .py)" /usr/bin/python3 "$t"
done
# The shell plugin's suites (tests/plugin/*.bats) need no daemon: once,
# with the first build directory's man page and make install.
for t in tests/plugin/*.bats; do
	[ -f "$t" ] || continue
	run_one "plugin/$(basename "$t" .bats)" run_bats "plugin/$(basename "$t" .bats)" "$t" "$ACFS_BUILD/awscredsfs"
done

# Optional fuzz smoke run: ACFS_FUZZ_DIR=build-fuzz ACFS_FUZZ_SECONDS=N.
run_fuzz() {
	local dir=$1 secs=$2 bin name pass=0 fail=0
	for bin in "$dir"/fuzz_*; do
		[ -x "$bin" ] || continue
		name=$(basename "$bin")
		if tests/fuzz/run-fuzz.sh "$dir" "$secs" "$name"; then
			pass=$((pass + 1))
		else
			fail=$((fail + 1))
		fi
	done
	echo "suite fuzz-smoke: passed=$pass failed=$fail skipped=0"
	echo "fuzz-smoke $pass $fail 0" >> "$results"
}
if [ -n "${ACFS_FUZZ_DIR:-}" ]; then
	run_one fuzz-smoke run_fuzz "$ACFS_FUZZ_DIR" "${ACFS_FUZZ_SECONDS:-20}"
fi

echo
echo "=== summary"
awk '{ printf "  %-45s %5d passed %3d failed %3d skipped\n", $1, $2, $3, $4 }' "$results"
read -r P F S < <(awk '{p+=$2; f+=$3; s+=$4} END {print p+0, f+0, s+0}' "$results")
echo "$P passed, $F failed, $S skipped"
[ "$F" -eq 0 ] && [ "$P" -gt 0 ]
