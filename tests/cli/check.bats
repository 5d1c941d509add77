#!/usr/bin/env bats
# --check: every profile as ok/error, exit status, and no secrets.

load helpers

write_mixed() {
	write_good_credentials "$T/creds"
	cat >> "$T/creds" <<INI
[partial]
aws_access_key_id = $ACCESS_KEY
aws_session_token = $SESSION_TOKEN
INI
	write_irsa_config "$T/config"
	cat >> "$T/config" <<'INI'

[profile loop_a]
role_arn = arn:aws:iam::1:role/a
source_profile = loop_b

[profile loop_b]
role_arn = arn:aws:iam::1:role/b
source_profile = loop_a

[profile orphan]
role_arn = arn:aws:iam::1:role/orphan
source_profile = missing_profile

[profile badsource]
role_arn = arn:aws:iam::1:role/x
credential_source = Somewhere

[profile tainted]
region = us-east-1
this line is not a property

[profile chained]
role_arn = arn:aws:iam::1:role/chained
source_profile = good
INI
}

@test "--check on a mixed config lists each profile and exits 1" {
	write_mixed
	run --separate-stderr "$ACFS_BIN" --check --config "$T/config" \
		--credentials "$T/creds"
	assert_status 1
	grep -q '^ok     account_b_role: web-identity -> assume-role$' <<<"$output"
	grep -q '^ok     account_a_role: web-identity$' <<<"$output"
	grep -q '^ok     good: static$' <<<"$output"
	grep -q '^ok     chained: static -> assume-role$' <<<"$output"
	grep -q '^error  loop_a: .*loop_a -> loop_b -> loop_a' <<<"$output"
	grep -q '^error  loop_b: .*loop_b -> loop_a -> loop_b' <<<"$output"
	grep -q "^error  orphan: $T/config line 19: .*'missing_profile'.*'orphan'" <<<"$output"
	grep -q '^error  badsource: .*Somewhere' <<<"$output"
	grep -q "^error  tainted: .*$T/config line 27" <<<"$output"
	grep -q '^error  partial: .*aws_secret_access_key' <<<"$output"
	# each profile exactly once
	[ "$(grep -cE '^(ok|error) ' <<<"$output")" -eq 10 ]
	grep -q '^10 profiles: 4 ok, 6 with errors; 1 problems in the files$' <<<"$output"
	# the syntax problem itself goes to stderr, with file and line
	assert_contains "$stderr" "$T/config line 27"
}

@test "--check never prints a secret" {
	write_mixed
	run "$ACFS_BIN" --check --config "$T/config" --credentials "$T/creds"
	assert_status 1
	assert_not_contains "$output" "$SECRET_KEY"
	assert_not_contains "$output" "$SESSION_TOKEN"
	assert_not_contains "$output" "K7MDENG"
	refute_grep -F -- "$SECRET_KEY" "$output"
	refute_grep -F -- "$SESSION_TOKEN" "$output"
}

@test "--check of clean files exits 0" {
	write_irsa_config "$T/config"
	write_good_credentials "$T/creds"
	run --separate-stderr "$ACFS_BIN" --check --config "$T/config" \
		--credentials "$T/creds"
	assert_status 0
	[ -z "$stderr" ]
	grep -q '^3 profiles: 3 ok, 0 with errors; 0 problems in the files$' <<<"$output"
}

@test "--check reports an unreadable file as a problem and exits 1" {
	mkdir "$T/config"
	write_good_credentials "$T/creds"
	run --separate-stderr "$ACFS_BIN" --check --config "$T/config" \
		--credentials "$T/creds"
	assert_status 1
	grep -q '^ok     good: static$' <<<"$output"
	grep -q '1 problems in the files$' <<<"$output"
	assert_contains "$stderr" "$T/config"
}

@test "--check lists the environment's default profile" {
	write_good_credentials "$T/creds"
	AWS_ROLE_ARN=arn:aws:iam::1:role/env AWS_WEB_IDENTITY_TOKEN_FILE=/t \
		run --separate-stderr "$ACFS_BIN" --check --config "$T/none" \
		--credentials "$T/creds"
	assert_status 0
	grep -q '^ok     default: from the environment$' <<<"$output"
}

@test "--check marks names that cannot be directories" {
	printf '[profile team/dev]\naws_access_key_id = A\naws_secret_access_key = s\n' > "$T/config"
	run "$ACFS_BIN" --check --config "$T/config" --credentials "$T/none"
	assert_status 0
	grep -q "^ok     team/dev: static (not shown in the mount" <<<"$output"
}
