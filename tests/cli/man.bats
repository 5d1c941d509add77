#!/usr/bin/env bats
# The man page builds, renders without groff warnings, and documents every
# option that --help lists.

setup() {
	BIN=${ACFS_BIN:-$BATS_TEST_DIRNAME/../../build/awscredsfs}
	PAGE=$(dirname "$BIN")/man/awscredsfs.1
}

@test "man page renders with man -l and no warnings" {
	[ -f "$PAGE" ]
	run bash -c "MANWIDTH=80 man --warnings -l '$PAGE' 2>&1 >/dev/null"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	run bash -c "MANWIDTH=80 man -l '$PAGE' 2>/dev/null"
	[[ "$output" == *"SYNOPSIS"* ]]
	[[ "$output" == *"CAVEATS"* ]]
}

@test "every long option in --help is documented in the man page" {
	run "$BIN" --help
	[ "$status" -eq 0 ]
	opts=$(grep -oE -- '--[a-z][a-z-]+' <<<"$output" | sort -u)
	[ -n "$opts" ]
	page=$(MANWIDTH=200 man -l "$PAGE" 2>/dev/null)
	for o in $opts; do
		if ! grep -q -- "$o" <<<"$page"; then
			echo "missing from the man page: $o"
			return 1
		fi
	done
}
