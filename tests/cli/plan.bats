#!/usr/bin/env bats
# --plan: the seed IRSA chain in text and JSON, and where files are found.

load helpers

@test "--plan shows the IRSA chain with both role ARNs in order" {
	write_irsa_config "$T/config"
	run --separate-stderr "$ACFS_BIN" --plan account_b_role \
		--config "$T/config" --credentials "$T/none"
	assert_status 0
	[ -z "$stderr" ]
	assert_contains "$output" "profile account_b_role"
	local a b
	a=$(grep -n 'role arn:aws:iam::111122223333:role/account-a-role' <<<"$output" | cut -d: -f1)
	b=$(grep -n 'role arn:aws:iam::444455556666:role/account-b-role' <<<"$output" | cut -d: -f1)
	[ -n "$a" ]
	[ -n "$b" ]
	[ "$a" -lt "$b" ]
	grep -q '^  1\. web-identity .*account_a_role' <<<"$output"
	grep -q '^  2\. assume-role .*account_b_role' <<<"$output"
	assert_contains "$output" "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
	refute_grep '^  3\.' "$output"
}

@test "--plan --json of the IRSA chain is valid JSON with two hops" {
	write_irsa_config "$T/config"
	run --separate-stderr "$ACFS_BIN" --plan account_b_role --json \
		--config "$T/config" --credentials "$T/none"
	assert_status 0
	[ -z "$stderr" ]
	printf '%s' "$output" | "$PY" -c 'import json,sys; json.load(sys.stdin)'
	printf '%s' "$output" | "$PY" -c '
import json, sys
p = json.load(sys.stdin)
assert p["profile"] == "account_b_role", p
hops = p["hops"]
assert [h["type"] for h in hops] == ["web-identity", "assume-role"], hops
assert hops[0]["role_arn"] == "arn:aws:iam::111122223333:role/account-a-role", hops
assert hops[1]["role_arn"] == "arn:aws:iam::444455556666:role/account-b-role", hops
assert hops[0]["profile"] == "account_a_role"
assert hops[1]["profile"] == "account_b_role"
assert hops[0]["web_identity_token_file"] == "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
assert hops[1]["chained"] is True
assert hops[1]["external_id"] is False
'
}

@test "--plan finds the files through AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE" {
	write_irsa_config "$T/cfg"
	write_good_credentials "$T/creds"
	AWS_CONFIG_FILE=$T/cfg AWS_SHARED_CREDENTIALS_FILE=$T/creds \
		run --separate-stderr "$ACFS_BIN" --plan account_b_role
	assert_status 0
	assert_contains "$output" "account-b-role"
	AWS_CONFIG_FILE=$T/cfg AWS_SHARED_CREDENTIALS_FILE=$T/creds \
		run --separate-stderr "$ACFS_BIN" --plan good
	assert_status 0
	assert_good_planned
}

@test "--plan finds the files under HOME by default" {
	mkdir -p "$HOME/.aws"
	write_irsa_config "$HOME/.aws/config"
	write_good_credentials "$HOME/.aws/credentials"
	run --separate-stderr "$ACFS_BIN" --plan account_a_role
	assert_status 0
	assert_contains "$output" "account-a-role"
	run --separate-stderr "$ACFS_BIN" --plan good
	assert_status 0
	assert_good_planned
}

@test "--config and --credentials beat the environment" {
	write_irsa_config "$T/cfg"
	printf '[profile other]\nregion = us-east-1\n' > "$T/env-cfg"
	AWS_CONFIG_FILE=$T/env-cfg run "$ACFS_BIN" --plan account_b_role \
		--config "$T/cfg" --credentials "$T/none"
	assert_status 0
	assert_contains "$output" "account-b-role"
}

@test "--config and --credentials work without HOME or a password entry" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to switch to a uid without a password entry"
	write_good_credentials "$T/creds"
	chmod 755 "$T"
	chmod 644 "$T/creds"
	cp "$ACFS_BIN" "$T/awscredsfs"
	chmod 755 "$T/awscredsfs"
	run --separate-stderr env -u HOME setpriv --reuid=54321 --regid=54321 \
		--clear-groups "$T/awscredsfs" --plan good \
		--config "$T/none" --credentials "$T/creds"
	assert_status 0
	assert_good_planned
}

@test "--plan of an undefined profile exits 1 and names it and the files" {
	write_irsa_config "$T/config"
	run --separate-stderr "$ACFS_BIN" --plan nosuch \
		--config "$T/config" --credentials "$T/creds"
	assert_status 1
	assert_contains "$stderr" "nosuch"
	assert_contains "$stderr" "$T/config"
	[ -z "$output" ]
}

@test "--plan of a broken chain exits 1 with the file and line" {
	printf '[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = gone\n' > "$T/config"
	run --separate-stderr "$ACFS_BIN" --plan a --config "$T/config" \
		--credentials "$T/none"
	assert_status 1
	assert_contains "$stderr" "gone"
	assert_contains "$stderr" "$T/config line 3"
}

@test "--plan of a source_profile loop shows the loop" {
	cat > "$T/config" <<'INI'
[profile a]
role_arn = arn:aws:iam::1:role/a
source_profile = b
[profile b]
role_arn = arn:aws:iam::1:role/b
source_profile = a
INI
	run --separate-stderr "$ACFS_BIN" --plan a --config "$T/config" \
		--credentials "$T/none"
	assert_status 1
	assert_contains "$stderr" "a -> b -> a"
}

@test "--plan default from the environment alone (web identity)" {
	AWS_ROLE_ARN=arn:aws:iam::111122223333:role/env-role \
	AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/token \
		run --separate-stderr "$ACFS_BIN" --plan default --json \
		--config "$T/none" --credentials "$T/none2"
	assert_status 0
	printf '%s' "$output" | "$PY" -c '
import json, sys
p = json.load(sys.stdin)
assert [h["type"] for h in p["hops"]] == ["web-identity"], p
assert p["hops"][0]["role_arn"] == "arn:aws:iam::111122223333:role/env-role"
assert p["hops"][0]["from_environment"] is True
'
}

@test "--plan default from the container endpoint variables" {
	AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials \
		run --separate-stderr "$ACFS_BIN" --plan default \
		--config "$T/none" --credentials "$T/none2"
	assert_status 0
	grep -q '^  1\. container' <<<"$output"
}
