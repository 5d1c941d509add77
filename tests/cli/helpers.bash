# helpers.bash - shared setup for the CLI tests (load with `load helpers`).
#
# ACFS_BIN is the binary under test (tests/run-checks.sh sets it to an
# absolute path); by default the normal build's.

bats_require_minimum_version 1.5.0

: "${ACFS_BIN:=$BATS_TEST_DIRNAME/../../build/awscredsfs}"
PY=/usr/bin/python3

# Every test gets its own directory, HOME and an environment without any
# AWS_* variable, so nothing from the machine leaks in.
setup() {
	[ -x "$ACFS_BIN" ] || {
		echo "ACFS_BIN=$ACFS_BIN is not an executable: run make first" >&2
		return 1
	}
	T=$(mktemp -d "${TMPDIR:-/tmp}/acfs-cli.XXXXXX")
	local v
	for v in $(compgen -e); do
		case $v in AWS_*) unset "$v" ;; esac
	done
	export HOME=$T/home
	mkdir -p "$HOME"
}

teardown() {
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		chmod -R u+rwX "$T" 2>/dev/null
		rm -rf "$T"
	fi
}

# A process killed by a signal exits >= 128: that is a crash, not an
# error report.
assert_no_crash() {
	if [ "$status" -ge 128 ]; then
		echo "exit status $status: the CLI crashed" >&2
		printf '%s\n' "$output" >&2
		return 1
	fi
}

assert_status() {
	assert_no_crash || return 1
	if [ "$status" -ne "$1" ]; then
		echo "exit status $status, expected $1" >&2
		printf 'stdout: %s\n' "$output" >&2
		printf 'stderr: %s\n' "${stderr:-}" >&2
		return 1
	fi
}

# assert_contains HAYSTACK NEEDLE: fixed-string match, with a message.
assert_contains() {
	if [[ "$1" != *"$2"* ]]; then
		echo "expected to find: $2" >&2
		echo "in: $1" >&2
		return 1
	fi
}

assert_not_contains() {
	if [[ "$1" == *"$2"* ]]; then
		echo "must not contain: $2" >&2
		echo "in: $1" >&2
		return 1
	fi
}

# refute_grep [GREP OPTIONS...] PATTERN TEXT: fails when TEXT matches.
# (A bare `! grep` does not fail a bats test.)
refute_grep() {
	local text=${*: -1}
	if grep -q "${@:1:$#-1}" <<<"$text"; then
		echo "unexpected match for: ${*:1:$#-1}" >&2
		echo "in: $text" >&2
		return 1
	fi
}

# The seed IRSA chain of SPEC.md section 1.
write_irsa_config() {
	cat > "$1" <<'INI'
[profile account_b_role]
source_profile = account_a_role
role_arn = arn:aws:iam::444455556666:role/account-b-role

[profile account_a_role]
web_identity_token_file = /var/run/secrets/eks.amazonaws.com/serviceaccount/token
role_arn = arn:aws:iam::111122223333:role/account-a-role
INI
}

SECRET_KEY='wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY'
SESSION_TOKEN='IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN0123456789abcdef'
ACCESS_KEY='AKIAIOSFODNN7EXAMPLE'

# A credentials file with one good static profile, "good".
write_good_credentials() {
	cat > "$1" <<INI
[good]
aws_access_key_id = $ACCESS_KEY
aws_secret_access_key = $SECRET_KEY
aws_session_token = $SESSION_TOKEN
INI
}

# The plan of "good" (from write_good_credentials) was printed on stdout.
assert_good_planned() {
	assert_contains "$output" "profile good" || return 1
	assert_contains "$output" "1. static" || return 1
	assert_contains "$output" "AKIA..." || return 1
}
