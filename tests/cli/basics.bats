#!/usr/bin/env bats
# The command line itself: help, version, usage errors.

load helpers

@test "--help prints usage on stdout and exits 0" {
	run --separate-stderr "$ACFS_BIN" --help
	assert_status 0
	assert_contains "$output" "usage: awscredsfs"
	assert_contains "$output" "--plan PROFILE"
	assert_contains "$output" "--check"
	assert_contains "$output" "--json"
	assert_contains "$output" "--config FILE"
	assert_contains "$output" "--credentials FILE"
	[ -z "$stderr" ]
}

@test "-h is --help" {
	run --separate-stderr "$ACFS_BIN" -h
	assert_status 0
	assert_contains "$output" "usage: awscredsfs"
}

@test "--version prints the version and exits 0" {
	run --separate-stderr "$ACFS_BIN" --version
	assert_status 0
	[[ "$output" =~ ^awscredsfs\ [0-9]+\.[0-9]+\.[0-9]+$ ]]
	if [ -n "${ACFS_VERSION:-}" ]; then
		[ "$output" = "awscredsfs $ACFS_VERSION" ]
	fi
	[ -z "$stderr" ]
}

@test "-V is --version" {
	run "$ACFS_BIN" -V
	assert_status 0
	[[ "$output" =~ ^awscredsfs\ [0-9] ]]
}

@test "an unknown option exits 2 with usage on stderr" {
	run --separate-stderr "$ACFS_BIN" --no-such-option
	assert_status 2
	assert_contains "$stderr" "no-such-option"
	assert_contains "$stderr" "usage: awscredsfs"
	[ -z "$output" ]
}

@test "an unknown short option exits 2" {
	run "$ACFS_BIN" -Z
	assert_status 2
	assert_contains "$output" "usage:"
}

@test "no mode at all exits 2" {
	run --separate-stderr "$ACFS_BIN"
	assert_status 2
	assert_contains "$stderr" "usage:"
}

@test "--plan without a profile exits 2" {
	run --separate-stderr "$ACFS_BIN" --plan
	assert_status 2
	assert_contains "$stderr" "usage:"
}

@test "a stray argument exits 2" {
	run --separate-stderr "$ACFS_BIN" --check extra
	assert_status 2
	assert_contains "$stderr" "usage:"
}
