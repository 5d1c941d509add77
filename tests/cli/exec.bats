#!/usr/bin/env bats
# The entrypoint mode's command line: --help documents it, and a usage
# error exits 2 before anything is mounted or run.  (The mode itself, on
# real mounts: tests/integration/test_fs_exec.py.)

load helpers

@test "--help documents --exec, --refresh and the command after --" {
	run --separate-stderr "$ACFS_BIN" --help
	assert_status 0
	assert_contains "$output" "--exec PROFILE"
	assert_contains "$output" "[--refresh] -- COMMAND [ARG...]"
	assert_contains "$output" "--refresh"
	assert_contains "$output" "128+N"
	assert_contains "$output" "125"
	[ -z "$stderr" ]
}

# assert_usage_error WHAT ARGS...: exit 2, WHAT and the usage on stderr,
# nothing on stdout, no mount point created, the command not run.
assert_usage_error() {
	local what=$1
	shift
	run --separate-stderr "$ACFS_BIN" "$T/mnt" "$@"
	assert_status 2 || return 1
	assert_contains "$stderr" "$what" || return 1
	assert_contains "$stderr" "usage: awscredsfs" || return 1
	[ -z "$output" ] || { echo "stdout: $output" >&2; return 1; }
	[ ! -e "$T/mnt" ] || { echo "the mount point was created" >&2; return 1; }
	[ ! -e "$T/ran" ] || { echo "the command ran" >&2; return 1; }
}

@test "--exec without -- and a command exits 2" {
	assert_usage_error "needs the command to run after --" \
		--exec good touch "$T/ran"
}

@test "--exec with nothing after -- exits 2" {
	assert_usage_error "no command after --" --exec good --
}

@test "--exec without a profile exits 2" {
	assert_usage_error "--exec needs a PROFILE" --exec -- touch "$T/ran"
	assert_usage_error "--exec needs a PROFILE" --exec
}

@test "--refresh without --exec exits 2" {
	assert_usage_error "--refresh goes with --exec" --refresh -- touch "$T/ran"
}

@test "--exec given twice exits 2" {
	assert_usage_error "given twice" --exec a --exec=b -- touch "$T/ran"
}

@test "a profile name that cannot be a directory exits 2" {
	assert_usage_error "contains '/'" --exec a/b -- touch "$T/ran"
	assert_usage_error "is empty" --exec= -- touch "$T/ran"
}

@test "an unknown mount option with --exec exits 2" {
	assert_usage_error "unknown option" -o no_such_opt --exec good -- \
		touch "$T/ran"
}

@test "--exec after -o is not taken for the option list" {
	# "-o --exec" is an (unknown) mount option, so this is not the
	# entrypoint mode, and nothing after "--" is looked at.
	assert_usage_error "unknown option" -o --exec -- touch "$T/ran"
}
