#!/usr/bin/env bats
# Secrets are never printed, whatever the mode.

load helpers

setup_files_with_secrets() {
	write_good_credentials "$T/creds"
	cat > "$T/config" <<INI
[profile good]
region = eu-west-1

[profile role]
role_arn = arn:aws:iam::444455556666:role/tagged-role
source_profile = good
role_session_name = my-session
external_id = ExtIdValue-1234567890
session_tags = Project=blue, Team=infra

[profile proc]
credential_process = /usr/local/bin/get-creds --password hunter2-pass

[profile broken]
aws_access_key_id = $ACCESS_KEY
aws_session_token = $SESSION_TOKEN
INI
}

assert_no_secret() {
	assert_not_contains "$1" "$SECRET_KEY" || return 1
	assert_not_contains "$1" "$SESSION_TOKEN" || return 1
	assert_not_contains "$1" "ExtIdValue-1234567890" || return 1
	assert_not_contains "$1" "hunter2-pass" || return 1
	# the secret's distinctive middle, in case it was cut or escaped
	assert_not_contains "$1" "K7MDENG" || return 1
	assert_not_contains "$1" "EXAMPLESESSIONTOKEN" || return 1
	# the full access key id is not shown either, only its prefix
	assert_not_contains "$1" "$ACCESS_KEY" || return 1
}

@test "--plan of a static profile prints neither the secret nor the token" {
	setup_files_with_secrets
	run "$ACFS_BIN" --plan good --config "$T/config" --credentials "$T/creds"
	assert_status 0
	assert_good_planned
	assert_contains "$output" "with session token"
	assert_no_secret "$output"
}

@test "--plan --json of a static profile prints neither the secret nor the token" {
	setup_files_with_secrets
	run "$ACFS_BIN" --plan good --json --config "$T/config" --credentials "$T/creds"
	assert_status 0
	assert_no_secret "$output"
	# and the JSON escaping of '/' cannot hide it: decode and look again
	run --separate-stderr "$ACFS_BIN" --plan good --json --config "$T/config" \
		--credentials "$T/creds"
	printf '%s' "$output" | SECRET_KEY=$SECRET_KEY SESSION_TOKEN=$SESSION_TOKEN "$PY" -c '
import json, os, sys
text = json.dumps(json.load(sys.stdin))
assert os.environ["SECRET_KEY"] not in text
assert os.environ["SESSION_TOKEN"] not in text
'
}

@test "--plan of a role shows the ARN, session name and tag keys but not the external id" {
	setup_files_with_secrets
	for json in "" --json; do
		run "$ACFS_BIN" --plan role $json --config "$T/config" --credentials "$T/creds"
		assert_status 0
		assert_contains "$output" "arn:aws:iam::444455556666:role/tagged-role"
		assert_contains "$output" "my-session"
		assert_contains "$output" "Project"
		assert_contains "$output" "Team"
		assert_no_secret "$output"
	done
}

@test "--plan of credential_process shows the command name, not its arguments" {
	setup_files_with_secrets
	run "$ACFS_BIN" --plan proc --config "$T/config" --credentials "$T/creds"
	assert_status 0
	assert_contains "$output" "/usr/local/bin/get-creds"
	assert_no_secret "$output"
}

@test "an error about a profile with secrets does not print them" {
	setup_files_with_secrets
	run "$ACFS_BIN" --plan broken --config "$T/config" --credentials "$T/creds"
	assert_status 1
	assert_contains "$output" "broken"
	assert_contains "$output" "aws_secret_access_key"
	assert_no_secret "$output"
}

@test "a syntax error on a line holding a secret does not print it" {
	printf '[good]\naws_secret_access_key %s\n' "$SECRET_KEY" > "$T/creds"
	printf '[bad]\n  %s\n' "$SESSION_TOKEN" >> "$T/creds"
	run "$ACFS_BIN" --check --config "$T/none" --credentials "$T/creds"
	assert_status 1
	assert_contains "$output" "$T/creds line 2"
	assert_no_secret "$output"
}
