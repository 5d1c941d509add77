#!/usr/bin/env bats
# awscreds ls (states and times from each profile's status JSON) and the
# prompt helper, in bash and in zsh, against a fake mount.

load helpers

# assert_row TEXT REGEX: one line of TEXT matches the extended REGEX.
assert_row() {
	if ! grep -qE -- "$2" <<<"$1"; then
		echo "no line matches: $2" >&2
		echo "in:" >&2
		printf '%s\n' "$1" >&2
		return 1
	fi
}

t_ls() {
	sh_run "$1" 'awscreds ls'
	assert_status 0
	assert_equal "$stderr" ""
	local lines
	lines=$(printf '%s\n' "$output" | wc -l)
	# A header, 8 profiles, one hidden profile, one problem.
	assert_equal "$lines" 11
	assert_equal "$(head -n 1 <<<"$output")" "PROFILE  STATE        EXPIRES IN"
	assert_row "$output" '^alpha +fresh +1h02m$'
	assert_row "$output" '^\.dot +fresh +1h02m$'
	assert_row "$output" "^it's x +fresh +1h02m$"
	# The message holds "state":"fresh": only the top-level state counts.
	assert_row "$output" '^beta +error +- +remote error: AccessDenied: role "x" said "state":"fresh" \\\\ no\\nmore$'
	assert_row "$output" '^gamma +stale-valid +2d03h +remote error: Throttling: Rate exceeded$'
	assert_row "$output" '^delta +unresolved +-$'
	assert_row "$output" '^static +fresh +never$'
	assert_row "$output" '^old +fresh +expired$'
	assert_row "$output" '^hidden: a/b \(the name holds a "/"\)$'
	assert_row "$output" '^problem: /etc/aws/config:12: a line outside any section$'
	# The columns line up.
	assert_equal "$(grep -E '^(PROFILE|alpha|gamma) ' <<<"$output" | awk '{ print index($0, $2) }' | sort -u)" 10
}
@test "bash: ls lists every profile with its state, time to expiry and last error" { t_ls bash; }
@test "zsh: ls lists every profile with its state, time to expiry and last error" { t_ls zsh; }

t_ls_durations() {
	local m=$T/m2
	mkdir -p "$m"
	cp "$MNT/=status" "$m/"
	make_profile "$m" s45 "{\"state\":\"fresh\",\"expiration\":\"$(iso $((NOW + 45)))\"}"
	make_profile "$m" m10 "{\"state\":\"refreshing\",\"expiration\":\"$(iso $((NOW + 605)))\"}"
	make_profile "$m" h1 "{\"state\":\"fresh\",\"expiration\":\"$(iso $((NOW + 3600 + 1805)))\"}"
	make_profile "$m" d1 "{\"state\":\"fresh\",\"expiration\":\"$(iso $((NOW + 86400 + 7300)))\"}"
	make_profile "$m" bad '{"state":"fresh","expiration":"soon"}'
	make_profile "$m" broken '{"state":'
	make_profile "$m" empty ''
	make_profile "$m" nostatus '{}'
	rm "$m/nostatus/status"
	make_profile "$m" unicode '{"state":"error","last_error":{"kind":"k","message":"caf\u00e9 \u0041\t\"x\""}}'
	sh_run "$1" 'AWSCREDS_MOUNT=$ACFS_T/m2 awscreds ls'
	assert_status 0
	assert_row "$output" '^s45 +fresh +4[0-5]s$'
	assert_row "$output" '^m10 +refreshing +(10m0[0-5]s|9m5[0-9]s)$'
	assert_row "$output" '^h1 +fresh +1h30m$'
	assert_row "$output" '^d1 +fresh +1d02h$'
	assert_row "$output" '^bad +fresh +\?$'
	assert_row "$output" '^broken +unknown +-$'
	assert_row "$output" '^empty +unknown +-$'
	assert_row "$output" '^nostatus +unreadable +-$'
	assert_row "$output" '^unicode +error +- +k: caf\? A "x"$'
}
@test "bash: ls formats times and survives bad, empty and missing status files" { t_ls_durations bash; }
@test "zsh: ls formats times and survives bad, empty and missing status files" { t_ls_durations zsh; }

t_ls_empty() {
	local m=$T/empty
	mkdir -p "$m"
	printf '{"hidden_profiles":[{"name":"..","reason":"not a directory name"}]}\n' > "$m/=status"
	sh_run "$1" 'AWSCREDS_MOUNT=$ACFS_T/empty awscreds ls'
	assert_status 0
	assert_equal "$output" "hidden: .. (not a directory name)"
	assert_equal "$stderr" "awscreds: no profiles in $m"
	sh_run "$1" 'AWSCREDS_MOUNT=$ACFS_T/none awscreds ls'
	assert_status 1
	assert_equal "$output" ""
	assert_contains "$stderr" "no awscredsfs mount at $T/none"
}
@test "bash: ls of an empty mount says so; of a missing mount fails" { t_ls_empty bash; }
@test "zsh: ls of an empty mount says so; of a missing mount fails" { t_ls_empty zsh; }

t_ls_many() {
	# 300 profiles, one awk process: quick.
	local m=$T/many i
	mkdir -p "$m"
	cp "$MNT/=status" "$m/"
	local st
	st=$(pretty_status p fresh $((NOW + 3750)))
	for ((i = 0; i < 300; i++)); do
		mkdir "$m/p$i"
		printf '%s\n' "${st/\"p\"/\"p$i\"}" > "$m/p$i/status"
	done
	sh_run "$1" 'AWSCREDS_MOUNT=$ACFS_T/many; SECONDS=0; awscreds ls; echo "took $SECONDS"'
	assert_status 0
	assert_equal "$(grep -cE "^p[0-9]+ +fresh +1h02m$" <<<"$output")" 300 || { head -5 <<<"$output"; tail -3 <<<"$output"; return 1; }
	[[ "$output" =~ took\ ([0-9]+) ]]
	[ "${BASH_REMATCH[1]}" -le 5 ]
}
@test "bash: ls of 300 profiles" { t_ls_many bash; }
@test "zsh: ls of 300 profiles" { t_ls_many zsh; }

# --- the prompt helper -----------------------------------------------------------

t_prompt() {
	sh_run "$1" '
p() { printf "[%s]\n" "$(awscreds_prompt "$@")"; }
p
awscreds use alpha && p && p "<%s> " && p "%s"
awscreds use --refresh beta && p
awscreds use gamma && p
awscreds use delta && p
awscreds use old && p
awscreds use "it'"'"'s x" && p
awscreds use alpha
mv "$AWSCREDS_MOUNT/alpha/status" "$ACFS_T/st" && p && mv "$ACFS_T/st" "$AWSCREDS_MOUNT/alpha/status"
mv "$AWSCREDS_MOUNT/=status" "$ACFS_T/st" && p && mv "$ACFS_T/st" "$AWSCREDS_MOUNT/=status"
awscreds off && p'
	assert_status 0
	assert_equal "$output" "[]
[(aws:alpha) ]
[<alpha> ]
[alpha]
[(aws:beta!) ]
[(aws:gamma~) ]
[(aws:delta) ]
[(aws:old) ]
[(aws:it's x) ]
[(aws:alpha!) ]
[(aws:alpha!) ]
[]"
	assert_equal "$stderr" ""
}
@test "bash: the prompt helper shows the profile, ! on error and ~ when stale" { t_prompt bash; }
@test "zsh: the prompt helper shows the profile, ! on error and ~ when stale" { t_prompt zsh; }

t_prompt_session() {
	# Variables from PAM or --exec count; ~/.aws/{credentials,config}
	# (the same shape, but no mount) do not.
	sh_run "$1" '
export AWS_SHARED_CREDENTIALS_FILE=$AWSCREDS_MOUNT/beta/credentials
export AWS_CONFIG_FILE=$AWSCREDS_MOUNT/beta/config
printf "[%s]\n" "$(awscreds_prompt)"
export AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials AWS_CONFIG_FILE=$HOME/.aws/config
printf "[%s]\n" "$(awscreds_prompt)"
awscreds which'
	assert_status 1
	assert_equal "$output" "[(aws:beta!) ]
[]"
	assert_equal "$stderr" "awscreds: no profile in use"
}
@test "bash: the prompt helper sees a session set up by PAM; not ~/.aws" { t_prompt_session bash; }
@test "zsh: the prompt helper sees a session set up by PAM; not ~/.aws" { t_prompt_session zsh; }

@test "bash: awscreds_prompt in PS1" {
	sh_run bash '
PS1='"'"'$(awscreds_prompt)\w> '"'"'
cd /
awscreds use gamma
printf "%s\n" "${PS1@P}"'
	assert_status 0
	assert_equal "$output" "(aws:gamma~) /> "
}

@test "zsh: awscreds_prompt in PROMPT with prompt_subst" {
	sh_run zsh '
setopt prompt_subst
PROMPT='"'"'$(awscreds_prompt)%~> '"'"'
cd /
awscreds use gamma
print -r -- "${(%%)PROMPT}"'
	assert_status 0
	assert_equal "$output" "(aws:gamma~) /> "
}
