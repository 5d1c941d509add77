#!/usr/bin/env bats
# Bad input: each gives a clear error naming the file (and line), never a
# crash, and never loses the other profiles.

load helpers

# plan_good CONFIG CREDS [PROFILE]: --plan of a good profile still works
# despite the damage, and the damage is reported on stderr.
plan_good() {
	run --separate-stderr timeout 20 "$ACFS_BIN" --plan "${3:-good}" \
		--config "$1" --credentials "$2"
	assert_status 0
	assert_contains "$output" "profile ${3:-good}"
	assert_contains "$output" "1. static"
}

# check_reports CONFIG CREDS TEXT...: --check exits 1 and its output
# names each TEXT.
check_reports() {
	local cfg=$1 creds=$2 want
	shift 2
	run timeout 20 "$ACFS_BIN" --check --config "$cfg" --credentials "$creds"
	assert_status 1
	for want in "$@"; do
		assert_contains "$output" "$want" || return 1
	done
}

@test "a binary config file: problems with the path and line, other file still used" {
	{ head -c 4096 /dev/urandom; head -c 100 /dev/zero; head -c 4096 /dev/urandom; } > "$T/config"
	write_good_credentials "$T/creds"
	plan_good "$T/config" "$T/creds"
	assert_contains "$stderr" "$T/config line "
	check_reports "$T/config" "$T/creds" "$T/config line " "ok     good:"
}

@test "a binary config file followed by a good profile in the same file" {
	{ head -c 4096 /dev/urandom; head -c 64 /dev/zero; printf '\n'
	  printf '[profile good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = s\n'
	} > "$T/config"
	plan_good "$T/config" "$T/none"
	assert_contains "$stderr" "$T/config line "
	# the NULs are reported as such
	run "$ACFS_BIN" --check --config "$T/config" --credentials "$T/none"
	assert_status 1
	assert_contains "$output" "NUL"
	grep -q '^ok     good:' <<<"$output"
}

@test "a config with a 10 MB line, then a valid profile" {
	{ printf '[profile before]\nregion = us-east-1\nlong = '
	  head -c 10485760 /dev/zero | tr '\0' x
	  printf '\n[profile good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = s\n'
	} > "$T/config"
	write_good_credentials "$T/creds"
	plan_good "$T/config" "$T/none"
	assert_contains "$stderr" "$T/config line 3"
	assert_contains "$stderr" "longer than"
	# the long line's own profile cannot be used, and says why
	run --separate-stderr "$ACFS_BIN" --plan before --config "$T/config" \
		--credentials "$T/none"
	assert_status 1
	assert_contains "$stderr" "'before'"
	assert_contains "$stderr" "$T/config line 3"
	check_reports "$T/config" "$T/none" "$T/config line 3" "ok     good:" "error  before:"
	# the other file is not lost either
	plan_good "$T/config" "$T/creds"
}

@test "an unterminated section header, then a valid profile" {
	cat > "$T/config" <<'INI'
[profile good]
aws_access_key_id = AKIAGOOD
aws_secret_access_key = s

[profile foo
region = us-east-1

[profile after]
aws_access_key_id = AKIAAFTER
aws_secret_access_key = s
INI
	plan_good "$T/config" "$T/none"
	assert_contains "$stderr" "$T/config line 5"
	assert_contains "$stderr" "]"
	plan_good "$T/config" "$T/none" after
	run --separate-stderr "$ACFS_BIN" --plan foo --config "$T/config" \
		--credentials "$T/none"
	assert_status 1
	assert_contains "$stderr" "foo"
	check_reports "$T/config" "$T/none" "$T/config line 5" "ok     good:" "ok     after:"
}

@test "an unterminated section header in the credentials file" {
	printf '[broken\naws_access_key_id = A\n[good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = s\n' > "$T/creds"
	plan_good "$T/none" "$T/creds"
	assert_contains "$stderr" "$T/creds line 1"
	check_reports "$T/none" "$T/creds" "$T/creds line 1" "ok     good:"
}

@test "a config path that is a directory" {
	mkdir "$T/config.d"
	write_good_credentials "$T/creds"
	plan_good "$T/config.d" "$T/creds"
	assert_contains "$stderr" "$T/config.d"
	assert_contains "$stderr" "directory"
	check_reports "$T/config.d" "$T/creds" "$T/config.d" "ok     good:"
}

@test "a credentials path that is a directory" {
	mkdir "$T/creds.d"
	printf '[profile good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = s\n' > "$T/config"
	plan_good "$T/config" "$T/creds.d"
	assert_contains "$stderr" "$T/creds.d"
	check_reports "$T/config" "$T/creds.d" "$T/creds.d" "ok     good:"
}

@test "an unreadable config file (run as nobody)" {
	write_good_credentials "$T/creds"
	printf '[profile x]\nregion = us-east-1\n' > "$T/config"
	chmod 000 "$T/config"
	chmod 644 "$T/creds"
	chmod 755 "$T"
	local -a as=()
	local bin=$ACFS_BIN
	if [ "$(id -u)" -eq 0 ]; then
		# root reads anything: drop to nobody, and run a copy of the
		# binary in case its own directory is closed to nobody
		as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		cp "$ACFS_BIN" "$T/awscredsfs"
		chmod 755 "$T/awscredsfs"
		bin=$T/awscredsfs
	fi
	run --separate-stderr "${as[@]}" "$bin" --plan good --config "$T/config" \
		--credentials "$T/creds"
	assert_status 0
	assert_good_planned
	assert_contains "$stderr" "Permission denied"
	assert_contains "$stderr" "$T/config"
	run "${as[@]}" "$bin" --check --config "$T/config" --credentials "$T/creds"
	assert_status 1
	assert_contains "$output" "Permission denied"
	assert_contains "$output" "$T/config"
	grep -q '^ok     good: static$' <<<"$output"
}

@test "a FIFO as the config file does not hang" {
	mkfifo "$T/config"
	write_good_credentials "$T/creds"
	plan_good "$T/config" "$T/creds"
	assert_contains "$stderr" "$T/config"
	check_reports "$T/config" "$T/creds" "$T/config" "ok     good:"
}

@test "/dev/zero as the config file is refused, not read forever" {
	write_good_credentials "$T/creds"
	plan_good /dev/zero "$T/creds"
	assert_contains "$stderr" "/dev/zero"
	check_reports /dev/zero "$T/creds" "/dev/zero" "ok     good:"
}

@test "a config file over the 16 MiB limit" {
	truncate -s 17M "$T/config"
	write_good_credentials "$T/creds"
	plan_good "$T/config" "$T/creds"
	assert_contains "$stderr" "$T/config"
	assert_contains "$stderr" "limit"
	check_reports "$T/config" "$T/creds" "$T/config" "ok     good:"
}

@test "hundreds of bad lines: the problems are capped and counted" {
	{ printf '[profile bad]\n'
	  for i in $(seq 1 200); do printf 'not a property %d\n' "$i"; done
	  printf '[profile good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = s\n'
	} > "$T/config"
	plan_good "$T/config" "$T/none"
	[ "$(grep -c "$T/config line " <<<"$stderr")" -eq 64 ]
	assert_contains "$stderr" "and 136 more problems"
	check_reports "$T/config" "$T/none" "200 problems in the files" "ok     good:" "error  bad:"
}

@test "a profile name longer than 255 bytes is reported and skipped" {
	local long
	long=$(head -c 300 /dev/zero | tr '\0' n)
	printf '[profile %s]\naws_access_key_id = A\naws_secret_access_key = s\n[profile good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = s\n' "$long" > "$T/config"
	plan_good "$T/config" "$T/none"
	assert_contains "$stderr" "$T/config line 1"
	assert_contains "$stderr" "255"
	check_reports "$T/config" "$T/none" "$T/config line 1" "ok     good:"
}
