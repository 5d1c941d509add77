#!/usr/bin/env bash
# Runs every libFuzzer target in DIR for SECONDS each.
#   tests/fuzz/run-fuzz.sh build-fuzz 300 [TARGET]
# New corpus entries go to DIR/corpus/<target>; the seed corpus is read in
# place from ../shared/conformance (never copied).  Exits non-zero when a
# target finds a crash, leak or UB; the reproducer is left in DIR/.
set -u
dir=${1:?usage: run-fuzz.sh DIR SECONDS}
secs=${2:-60}
only=${3:-}
cd "$(dirname "$0")/../.." || exit 2
conf=${ACFS_CONFORMANCE:-../shared/conformance}
status=0
for bin in "$dir"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	[ -z "$only" ] || [ "$only" = "$name" ] || continue
	seeds=()
	case $name in
	fuzz_profile)
		if [ -d "$conf/profile-fuzz-seeds-aws-c-auth/parse_config_profile" ]; then
			seeds=("$conf/profile-fuzz-seeds-aws-c-auth/parse_config_profile")
		else
			echo "SKIP seeds for $name: $conf is absent; fuzzing from an empty corpus"
		fi ;;
	fuzz_stsxml)
		if [ -d "$conf/sts-responses" ]; then
			seeds=("$conf/sts-responses/botocore" "$conf/sts-responses/smithy-rs-traffic")
		else
			echo "SKIP seeds for $name: $conf is absent; fuzzing from an empty corpus"
		fi ;;
	fuzz_sigv4)
		# libFuzzer reads these trees recursively: the request.txt and
		# .req files, and the expected outputs next to them.
		for d in "$conf/sigv4-aws-c-auth/v4" \
			 "$conf/sigv4-legacy-2015-botocore/aws4_testsuite"; do
			[ -d "$d" ] && seeds+=("$d")
		done
		if [ ${#seeds[@]} -eq 0 ]; then
			echo "SKIP seeds for $name: $conf has no SigV4 suite; fuzzing from an empty corpus"
		fi ;;
	fuzz_container_json|fuzz_process_json)
		# Our own seeds (IMDS, error and credential_process documents,
		# which the conformance data has no files of), then the
		# recorded container bodies.
		seeds=("tests/fuzz/seeds/credjson")
		if [ -d "$conf/container-credentials/responses-from-traffic" ]; then
			seeds+=("$conf/container-credentials/responses-from-traffic")
		else
			echo "SKIP conformance seeds for $name: $conf is absent"
		fi ;;
	esac
	mkdir -p "$dir/corpus/$name"
	echo "=== $name for ${secs}s"
	log="$dir/$name.log"
	# -max_len 8192: long enough for multi-profile chains; long lines are
	# covered by the unit and CLI tests.
	"$bin" -max_total_time="$secs" -print_final_stats=1 -max_len=8192 \
		-rss_limit_mb=2048 -timeout=10 -artifact_prefix="$dir/$name-" \
		"$dir/corpus/$name" "${seeds[@]}" > "$log" 2>&1
	rc=$?
	grep -E 'stat::number_of_executed_units|stat::peak_rss_mb|cov:' "$log" | tail -n 3
	if [ "$rc" -ne 0 ]; then
		echo "$name: FAILED (exit $rc); see $log"
		tail -n 40 "$log"
		status=1
	else
		echo "$name: no finding in ${secs}s"
	fi
done
exit $status
