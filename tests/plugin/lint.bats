#!/usr/bin/env bats
# The plugin file itself: shellcheck, both shells parse it, its variable
# lists agree with the C side (common/sessionenv.[ch]), its man page, and
# make install / uninstall.

load helpers

@test "shellcheck -s bash finds nothing" {
	if ! command -v shellcheck >/dev/null; then
		echo "shellcheck is missing: apt-get install shellcheck (or make deps)" >&2
		return 1
	fi
	run shellcheck -s bash "$PLUGIN"
	assert_status 0
	assert_equal "$output" ""
}

@test "zsh -n and bash -n parse it" {
	need_shell zsh
	run zsh -n "$PLUGIN"
	assert_status 0
	assert_equal "$output" ""
	run bash -n "$PLUGIN"
	assert_status 0
	assert_equal "$output" ""
}

# The plugin's lists, from a bash that sourced it: managed, then unset.
plugin_lists() {
	bash --norc --noprofile -c '. "$1" && printf "%s\n" "$_awscreds_vars" "$_awscreds_unsets"' sh "$PLUGIN"
}

@test "use manages exactly the variables common/sessionenv.h names" {
	local h=$TOP/common/sessionenv.h
	[ -f "$h" ] || skip "common/sessionenv.h is not there: nothing to agree with"
	local want got
	want=$(grep -oE 'AWS_[A-Z_]+' "$h" | LC_ALL=C sort -u)
	got=$(plugin_lists | head -n 1 | tr ' ' '\n' | LC_ALL=C sort -u)
	assert_equal "$got" "$want"
	assert_equal "$(tr ' ' '\n' <<<"$MANAGED" | LC_ALL=C sort -u)" "$want"
}

@test "use manages the same variables, in the same order, as common/sessionenv.c adds them" {
	local c=$TOP/common/sessionenv.c
	[ -f "$c" ] || skip "common/sessionenv.c is not there: nothing to agree with"
	local want got
	# The add() calls of acfs_session_env_build, then shadowing[].
	want=$( { grep -oE '\<add\(out, "AWS_[A-Z_]+"' "$c" | grep -oE 'AWS_[A-Z_]+'
		sed -n '/^static const char \*const shadowing\[\] = {/,/^};/p' "$c" |
			grep -oE '"AWS_[A-Z_]+"' | tr -d '"'; } | tr '\n' ' ')
	[ -n "$want" ] || { echo "no add() calls in $c" >&2; return 1; }
	got=$(plugin_lists | head -n 1)
	assert_equal "$got" "${want% }"
	assert_equal "$MANAGED" "${want% }"
}

@test "use unsets the same variables, in the same order, as common/sessionenv.c" {
	local c=$TOP/common/sessionenv.c
	[ -f "$c" ] || skip "common/sessionenv.c is not there: nothing to agree with"
	local want got
	want=$(sed -n '/^static const char \*const shadowing\[\] = {/,/^};/p' "$c" |
		grep -oE '"AWS_[A-Z_]+"' | tr -d '"' | tr '\n' ' ')
	[ -n "$want" ] || { echo "no shadowing[] list in $c" >&2; return 1; }
	got=$(plugin_lists | tail -n 1)
	assert_equal "$got" "${want% }"
	# And env prints them.
	sh_run bash 'awscreds env --refresh alpha | head -n 1'
	assert_equal "$output" "unset ${want% }"
}

@test "the man page builds, renders without warnings and documents every command and variable" {
	local page
	page=$(cd "$(dirname "$ACFS_BIN")" && pwd)/man/awscreds.1
	if [ ! -f "$page" ]; then
		echo "$page is missing: run make (it builds man/awscreds.1.rst)" >&2
		return 1
	fi
	[ "$page" -nt "$TOP/man/awscreds.1.rst" ] || {
		echo "$page is older than man/awscreds.1.rst: run make" >&2
		return 1
	}
	run bash -c "MANWIDTH=80 man --warnings -l '$page' 2>&1 >/dev/null"
	assert_status 0
	assert_equal "$output" ""
	local text w
	text=$(MANWIDTH=300 man -l "$page" 2>/dev/null)
	for w in SYNOPSIS DESCRIPTION COMMANDS FILES ENVIRONMENT CAVEATS "SEE ALSO" \
		"awscreds use [--refresh] PROFILE" "awscreds off" "awscreds ls" \
		"awscreds env [--refresh] PROFILE" "awscreds which" "awscreds help" \
		"awscreds_prompt [FORMAT]" AWSCREDS_MOUNT $MANAGED; do
		assert_contains "$text" "$w" || return 1
	done
}

@test "make install puts the plugin into DATADIR/awscredsfs, mode 0644; uninstall removes it" {
	local o dest=$T/dest
	o=$(cd "$(dirname "$ACFS_BIN")" && pwd)
	run make -s -C "$TOP" install O="$o" PREFIX=/usr DESTDIR="$dest"
	assert_status 0
	local f=$dest/usr/share/awscredsfs/awscreds.sh
	[ -f "$f" ]
	assert_equal "$(stat -c %a "$f")" 644
	cmp "$PLUGIN" "$f"
	[ -f "$dest/usr/share/man/man1/awscreds.1" ]
	# The installed file works from where it is.
	run bash --norc --noprofile -c '. "$1" && awscreds ls >/dev/null && echo ok' sh "$f"
	assert_equal "$output" ok
	run make -s -C "$TOP" uninstall O="$o" PREFIX=/usr DESTDIR="$dest"
	assert_status 0
	[ ! -e "$f" ]
	[ ! -e "$dest/usr/share/awscredsfs" ]
	[ ! -e "$dest/usr/share/man/man1/awscreds.1" ]
}

@test "DATADIR overrides PREFIX for the plugin" {
	local o dest=$T/dest
	o=$(cd "$(dirname "$ACFS_BIN")" && pwd)
	run make -s -C "$TOP" install O="$o" PREFIX=/opt/x DATADIR=/data DESTDIR="$dest"
	assert_status 0
	[ -f "$dest/data/awscredsfs/awscreds.sh" ]
	[ ! -e "$dest/opt/x/share/awscredsfs" ]
}
