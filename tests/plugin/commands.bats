#!/usr/bin/env bats
# The shell plugin's commands in bash and in zsh, against a fake mount:
# use, use --refresh, off, env, which, help, and what a mistake leaves
# behind (nothing).

load helpers

# --- use -------------------------------------------------------------------

t_use_exports() {
	sh_run "$1" '
export AWS_PROFILE=account_b_role AWS_DEFAULT_PROFILE=d AWS_ACCESS_KEY_ID=AKIA
export AWS_SECRET_ACCESS_KEY=s AWS_SESSION_TOKEN=t AWS_SECURITY_TOKEN=t
export AWS_ROLE_ARN=arn:aws:iam::1:role/r AWS_WEB_IDENTITY_TOKEN_FILE=/tok
AWS_ROLE_SESSION_NAME=not-exported AWS_REGION=us-east-1
export AWS_DEFAULT_REGION=us-west-2
awscreds use alpha || exit 1
env | LC_ALL=C sort | grep "^AWS_"
for v in '"$MANAGED"'; do
	eval "[ -z \"\${$v+x}\" ] || echo \"set: \$v\""
done'
	assert_status 0
	assert_equal "$output" "AWS_CONFIG_FILE=$MNT/alpha/config
AWS_DEFAULT_REGION=eu-west-1
AWS_REGION=eu-west-1
AWS_SHARED_CREDENTIALS_FILE=$MNT/alpha/credentials
set: AWS_SHARED_CREDENTIALS_FILE
set: AWS_CONFIG_FILE
set: AWS_REGION
set: AWS_DEFAULT_REGION"
	assert_equal "$stderr" ""
}
@test "bash: use exports the files and the region, unsets every shadowing variable" { t_use_exports bash; }
@test "zsh: use exports the files and the region, unsets every shadowing variable" { t_use_exports zsh; }

t_default_region_leftover() {
	# botocore 1.29 (Debian 12's boto3, AWS CLI v1) reads only
	# AWS_DEFAULT_REGION, ahead of the config file: a leftover one must
	# not win over the profile's region, and off puts it back.
	sh_run "$1" '
export AWS_DEFAULT_REGION=us-west-2
awscreds use alpha || exit 1
echo "$AWS_REGION $AWS_DEFAULT_REGION"
env | grep "^AWS_DEFAULT_REGION="
awscreds off || exit 2
echo "${AWS_REGION-unset} ${AWS_DEFAULT_REGION-unset}"
env | grep "^AWS_DEFAULT_REGION="
awscreds use alpha && awscreds use delta || exit 3
echo "${AWS_REGION-unset} ${AWS_DEFAULT_REGION-unset}"
awscreds off || exit 4
echo "${AWS_REGION-unset} ${AWS_DEFAULT_REGION-unset}"'
	assert_status 0
	assert_equal "$output" "eu-west-1 eu-west-1
AWS_DEFAULT_REGION=eu-west-1
unset us-west-2
AWS_DEFAULT_REGION=us-west-2
unset us-west-2
unset us-west-2"
	assert_equal "$stderr" ""
}
@test "bash: use overrides a leftover AWS_DEFAULT_REGION with the profile's region; off restores it" { t_default_region_leftover bash; }
@test "zsh: use overrides a leftover AWS_DEFAULT_REGION with the profile's region; off restores it" { t_default_region_leftover zsh; }

t_use_no_region() {
	# show: AWS_REGION|AWS_DEFAULT_REGION|how many of them are exported
	sh_run "$1" '
show() {
	printf "%s|%s|%s\n" "${AWS_REGION-unset}" "${AWS_DEFAULT_REGION-unset}" \
		"$(env | grep -cE "^AWS_(DEFAULT_)?REGION=")"
}
export AWS_REGION="my region" AWS_DEFAULT_REGION="my default"
awscreds use delta || exit 1
printf "%s\n" "$AWS_CONFIG_FILE"
show
unset AWS_REGION AWS_DEFAULT_REGION
awscreds use delta || exit 1
show
# alpha'"'"'s region does not stay behind when delta has none: the values it
# replaced come back (exported or not, as they were), each unless it was
# changed in between.
AWS_REGION=mine AWS_DEFAULT_REGION=mine-too
awscreds use alpha && awscreds use delta || exit 1
show
awscreds use alpha && AWS_REGION=changed && awscreds use delta || exit 1
show
awscreds use alpha && unset AWS_DEFAULT_REGION && awscreds use delta || exit 1
show
awscreds use alpha && awscreds use static || exit 1
show
awscreds off && show'
	assert_status 0
	assert_equal "$output" "$MNT/delta/config
my region|my default|2
unset|unset|0
mine|mine-too|0
changed|mine-too|1
changed|unset|1
ap-south-1|ap-south-1|2
my region|my default|2"
}
@test "bash: use leaves AWS_REGION and AWS_DEFAULT_REGION alone when the profile has no region" { t_use_no_region bash; }
@test "zsh: use leaves AWS_REGION and AWS_DEFAULT_REGION alone when the profile has no region" { t_use_no_region zsh; }

t_use_refresh() {
	sh_run "$1" '
export AWS_PROFILE=account_b_role AWS_ACCESS_KEY_ID=AKIA
awscreds use --refresh alpha || exit 1
env | LC_ALL=C sort | grep "^AWS_"
awscreds use -r -- delta || exit 1
echo "$AWS_PROFILE $AWS_CONFIG_FILE"'
	assert_status 0
	assert_equal "$output" "AWS_CONFIG_FILE=$MNT/alpha/config
AWS_DEFAULT_REGION=eu-west-1
AWS_PROFILE=refresh
AWS_REGION=eu-west-1
AWS_SHARED_CREDENTIALS_FILE=$MNT/alpha/credentials
refresh $MNT/delta/config"
}
@test "bash: use --refresh sets AWS_PROFILE=refresh for credential_process" { t_use_refresh bash; }
@test "zsh: use --refresh sets AWS_PROFILE=refresh for credential_process" { t_use_refresh zsh; }

# Values that a careless save/restore would lose: set vs unset, exported
# vs not, empty, spaces, quotes, $, backslashes, trailing newlines.
TRICKY='nl="
"
export AWS_PROFILE="a b \"c\" \$d '"'"'e\\f"
AWS_ACCESS_KEY_ID="x  y"
export AWS_REGION=
AWS_DEFAULT_REGION="us-west-2 "
AWS_SECURITY_TOKEN=
export AWS_SESSION_TOKEN="line1${nl}line2${nl}${nl}"
export AWS_ROLE_ARN="${nl}"
export AWS_SHARED_CREDENTIALS_FILE=/home/u/.aws/credentials
unset AWS_CONFIG_FILE AWS_DEFAULT_PROFILE
'

saved_left() {
	# The plugin'"'"'s record of the old values, after off: none.
	if [ -n "${ZSH_VERSION-}" ]; then
		eval 'print -rl -- ${(k)parameters}'
	else
		compgen -v
	fi | grep -E '^_awscreds_(orig_|prev_|saved$|region_)'
}

t_use_off_restores() {
	sh_run "$1" "$TRICKY"'
dump "$ACFS_T/before"
awscreds use alpha || exit 1
[ "$AWS_CONFIG_FILE" = "$AWSCREDS_MOUNT/alpha/config" ] || exit 2
awscreds off || exit 3
dump "$ACFS_T/after"
'"$(declare -f saved_left)"'
saved_left && exit 4
exit 0'
	assert_status 0
	same_dump "$T/before" "$T/after"
	assert_equal "$stderr" ""
}
@test "bash: use then off restores the exact environment" { t_use_off_restores bash; }
@test "zsh: use then off restores the exact environment" { t_use_off_restores zsh; }

t_repeated_use() {
	sh_run "$1" "$TRICKY"'
dump "$ACFS_T/before"
awscreds use alpha && awscreds use --refresh beta && awscreds use delta &&
	awscreds use --refresh "it'"'"'s x" && awscreds use gamma || exit 1
[ "$AWS_CONFIG_FILE" = "$AWSCREDS_MOUNT/gamma/config" ] || exit 2
[ -z "$AWS_REGION" ] || exit 5
[ "$AWS_DEFAULT_REGION" = "us-west-2 " ] || exit 6
awscreds off || exit 3
dump "$ACFS_T/after"
awscreds off && exit 4
dump "$ACFS_T/after2"
exit 0'
	assert_status 0
	same_dump "$T/before" "$T/after"
	same_dump "$T/before" "$T/after2"
	assert_contains "$stderr" "awscreds: no profile in use"
}
@test "bash: repeated use, then one off, restores the state before the first use" { t_repeated_use bash; }
@test "zsh: repeated use, then one off, restores the state before the first use" { t_repeated_use zsh; }

t_off_nothing() {
	sh_run "$1" "$TRICKY"'
dump "$ACFS_T/before"
awscreds off; rc=$?
dump "$ACFS_T/after"
exit $rc'
	assert_status 1
	same_dump "$T/before" "$T/after"
	assert_equal "$stderr" "awscreds: no profile in use"
}
@test "bash: off with no profile in use fails and changes nothing" { t_off_nothing bash; }
@test "zsh: off with no profile in use fails and changes nothing" { t_off_nothing zsh; }

t_off_session() {
	# What the PAM module or --exec set, with no use in this shell.
	sh_run "$1" '
export AWS_SHARED_CREDENTIALS_FILE=$AWSCREDS_MOUNT/alpha/credentials
export AWS_CONFIG_FILE=$AWSCREDS_MOUNT/alpha/config AWS_PROFILE=refresh
export AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
awscreds which || exit 1
awscreds off || exit 2
env | grep "^AWS_" | LC_ALL=C sort'
	assert_status 0
	assert_equal "$output" "alpha (refresh mode) on $MNT: fresh, expires in 1h02m
AWS_DEFAULT_REGION=eu-west-1
AWS_REGION=eu-west-1"
	assert_contains "$stderr" "alpha was set before this shell: unset its variables (AWS_REGION and AWS_DEFAULT_REGION left as is)"
}
@test "bash: off in a session set up by PAM or --exec unsets the mount's variables" { t_off_session bash; }
@test "zsh: off in a session set up by PAM or --exec unsets the mount's variables" { t_off_session zsh; }

# --- mistakes change nothing -----------------------------------------------

# check_untouched SHELL STATUS STDERR-FRAGMENT COMMAND...: before and
# after COMMAND (with and without a profile in use) the dumps are equal.
check_untouched() {
	local sh=$1 want=$2 msg=$3 cmd=$4 pre
	for pre in ":" "awscreds use alpha"; do
		sh_run "$sh" "$TRICKY
$pre || exit 90
dump \"\$ACFS_T/before\"
$cmd
rc=\$?
dump \"\$ACFS_T/after\"
exit \$rc"
		assert_status "$want" || return 1
		same_dump "$T/before" "$T/after" || return 1
		assert_contains "$stderr" "$msg" || return 1
		assert_equal "$output" "" || return 1
	done
}

t_unknown_profile() {
	check_untouched "$1" 1 "awscreds: no profile 'nope' in $MNT (awscreds ls lists them)" "awscreds use nope"
	check_untouched "$1" 1 "no profile 'nope'" "awscreds use --refresh nope"
	check_untouched "$1" 1 "no profile 'nope'" "awscreds env nope"
	check_untouched "$1" 1 "no profile '=status'" "awscreds use '=status'"
	local bad
	for bad in ../alpha alpha/ . .. "''" '"a$(printf "\001")b"'; do
		check_untouched "$1" 1 "is not a profile name" "awscreds use $bad"
	done
}
@test "bash: an unknown or invalid profile fails, says so, and changes nothing" { t_unknown_profile bash; }
@test "zsh: an unknown or invalid profile fails, says so, and changes nothing" { t_unknown_profile zsh; }

t_missing_mount() {
	local none=$T/none plain=$T/plain
	mkdir -p "$plain/alpha"
	cp "$MNT/alpha/config" "$plain/alpha/config"
	local m
	for m in "$none" "$plain"; do
		sh_run "$1" "$TRICKY"'
dump "$ACFS_T/before"
AWSCREDS_MOUNT='"'$m'"' awscreds use alpha; rc1=$?
AWSCREDS_MOUNT='"'$m'"' awscreds env alpha; rc2=$?
AWSCREDS_MOUNT='"'$m'"' awscreds ls; rc3=$?
dump "$ACFS_T/after"
echo "$rc1 $rc2 $rc3"'
		assert_status 0
		assert_equal "$output" "1 1 1"
		same_dump "$T/before" "$T/after"
		assert_contains "$stderr" "awscreds: no awscredsfs mount at $m (is the daemon running? mount it with: awscredsfs $m; or set AWSCREDS_MOUNT)"
	done
}
@test "bash: a missing mount fails with a clear message and changes nothing" { t_missing_mount bash; }
@test "zsh: a missing mount fails with a clear message and changes nothing" { t_missing_mount zsh; }

t_default_mount() {
	# Without AWSCREDS_MOUNT: /run/awscreds for root, else
	# $XDG_RUNTIME_DIR/awscreds, as common/sessionenv.h.
	need_shell "$1" || return 1
	local want run=()
	if [ "$(id -u)" = 0 ]; then
		[ -e /run/awscreds/=status ] && skip "a real mount at /run/awscreds"
		run --separate-stderr env -u AWSCREDS_MOUNT XDG_RUNTIME_DIR="$T/xdg" \
			$(shell_cmd "$1") -c '. "$ACFS_PLUGIN"; awscreds use alpha'
		assert_status 1
		assert_contains "$stderr" "no awscredsfs mount at /run/awscreds "
		run=(setpriv --reuid=65534 --regid=65534 --clear-groups)
		chmod 0755 "$T"
		if ! "${run[@]}" test -r "$PLUGIN"; then
			skip "uid 65534 cannot read $PLUGIN: the non-root default is not checked"
		fi
	fi
	want=$T/xdg/awscreds
	run --separate-stderr "${run[@]}" env -u AWSCREDS_MOUNT HOME=/ \
		XDG_RUNTIME_DIR="$T/xdg" $(shell_cmd "$1") -c '. "$ACFS_PLUGIN"; awscreds use alpha'
	assert_status 1
	assert_contains "$stderr" "no awscredsfs mount at $want "
	run --separate-stderr "${run[@]}" env -u AWSCREDS_MOUNT -u XDG_RUNTIME_DIR \
		HOME=/ $(shell_cmd "$1") -c '. "$ACFS_PLUGIN"; awscreds use alpha'
	assert_contains "$stderr" "no awscredsfs mount at /run/awscreds "
}
@test "bash: the default mount is /run/awscreds for root, else \$XDG_RUNTIME_DIR/awscreds" { t_default_mount bash; }
@test "zsh: the default mount is /run/awscreds for root, else \$XDG_RUNTIME_DIR/awscreds" { t_default_mount zsh; }

t_relative_mount() {
	sh_run "$1" '
cd "$ACFS_T" && AWSCREDS_MOUNT=mnt/// awscreds use alpha || exit 1
echo "$AWS_SHARED_CREDENTIALS_FILE"'
	assert_status 0
	assert_equal "$output" "$MNT/alpha/credentials"
}
@test "bash: a relative AWSCREDS_MOUNT is made absolute" { t_relative_mount bash; }
@test "zsh: a relative AWSCREDS_MOUNT is made absolute" { t_relative_mount zsh; }

t_no_credential_file_opened() {
	# The credential-bearing files are FIFOs: opening one would block
	# (on a real mount, reading or even stat-ing one may call STS).
	local p f
	for p in alpha beta delta; do
		for f in credentials expiration process.json env; do
			rm -f "$MNT/$p/$f"
			mkfifo "$MNT/$p/$f"
		done
	done
	need_shell "$1" || return 1
	run --separate-stderr timeout 30 $(shell_cmd "$1") -c '. "$ACFS_PLUGIN"
awscreds ls >/dev/null && awscreds env alpha >/dev/null &&
awscreds use alpha && awscreds which >/dev/null && awscreds_prompt >/dev/null &&
awscreds use --refresh beta && awscreds off && echo done'
	assert_status 0
	assert_equal "$output" "done"
}
@test "bash: no command opens a credential-bearing file" { t_no_credential_file_opened bash; }
@test "zsh: no command opens a credential-bearing file" { t_no_credential_file_opened zsh; }

# --- env -------------------------------------------------------------------

t_env() {
	sh_run "$1" 'awscreds env alpha && awscreds env --refresh delta'
	assert_status 0
	assert_equal "$output" "unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME
export AWS_SHARED_CREDENTIALS_FILE='$MNT/alpha/credentials'
export AWS_CONFIG_FILE='$MNT/alpha/config'
export AWS_REGION='eu-west-1'
export AWS_DEFAULT_REGION='eu-west-1'
unset AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME
export AWS_PROFILE=refresh
export AWS_SHARED_CREDENTIALS_FILE='$MNT/delta/credentials'
export AWS_CONFIG_FILE='$MNT/delta/config'"
	assert_equal "$stderr" ""
}
@test "bash: env prints the unset and export lines" { t_env bash; }
@test "zsh: env prints the unset and export lines" { t_env zsh; }

t_env_eval() {
	# A mount path with a space, quotes, $, a backslash and a backquote:
	# eval'd by sh, bash and zsh, env gives what use gives.
	local odd="$T/o d'd \"\$x\\y\`" p f
	make_mount "$odd"
	need_shell "$1" || return 1
	for p in alpha "it's x" delta; do
		for f in "" --refresh; do
			run --separate-stderr $(shell_cmd "$1") -c '. "$ACFS_PLUGIN"
export AWSCREDS_MOUNT="$1" AWS_PROFILE=p AWS_SESSION_TOKEN=t AWS_REGION=r AWS_DEFAULT_REGION=dr
lines=$(awscreds env '"$f"' "$2") || exit 1
awscreds use '"$f"' "$2" || exit 2
env | grep "^AWS_" | LC_ALL=C sort > "$ACFS_T/use"
grep -qxF "AWS_CONFIG_FILE=$1/$2/config" "$ACFS_T/use" || exit 5
for sh in sh bash zsh; do
	env -i PATH="$PATH" AWS_PROFILE=p AWS_SESSION_TOKEN=t AWS_REGION=r AWS_DEFAULT_REGION=dr \
		"$sh" -c "eval \"\$1\"; env | grep ^AWS_ | LC_ALL=C sort" sh "$lines" > "$ACFS_T/$sh" || exit 3
	cmp -s "$ACFS_T/use" "$ACFS_T/$sh" || { diff "$ACFS_T/use" "$ACFS_T/$sh"; exit 4; }
done
echo ok' sh "$odd" "$p"
			assert_status 0 || return 1
			assert_equal "$output" ok || return 1
		done
	done
}
@test "bash: env output is quoted for eval by sh, bash and zsh" { t_env_eval bash; }
@test "zsh: env output is quoted for eval by sh, bash and zsh" { t_env_eval zsh; }

# --- which -----------------------------------------------------------------

t_which() {
	sh_run "$1" '
awscreds which; echo "rc=$?"
awscreds use alpha && awscreds which
awscreds use --refresh static && awscreds which
awscreds use beta && awscreds which
awscreds use old && awscreds which
awscreds use alpha
mv "$AWSCREDS_MOUNT/=status" "$ACFS_T/status.away"
awscreds which; echo "rc=$?"
mv "$ACFS_T/status.away" "$AWSCREDS_MOUNT/=status"'
	assert_status 0
	assert_equal "$output" "rc=1
alpha on $MNT: fresh, expires in 1h02m
static (refresh mode) on $MNT: fresh, never
beta on $MNT: error
old on $MNT: fresh, expired
alpha on $MNT: the mount is gone
rc=1"
	assert_equal "$stderr" "awscreds: no profile in use"
}
@test "bash: which shows the profile in use, its mode, mount and state" { t_which bash; }
@test "zsh: which shows the profile in use, its mode, mount and state" { t_which zsh; }

# --- usage -----------------------------------------------------------------

t_usage() {
	sh_run "$1" 'awscreds help'
	assert_status 0
	assert_contains "$output" "usage: awscreds use [--refresh] PROFILE"
	assert_contains "$output" "awscreds ls"
	assert_equal "$stderr" ""
	local c
	for c in "" "bogus" "use" "use a b" "use --bogus alpha" "env" "off x" "ls x" "which x"; do
		sh_run "$1" "awscreds $c"
		assert_status 2 || return 1
		assert_equal "$output" "" || return 1
		[ -n "$stderr" ] || return 1
	done
	sh_run "$1" 'awscreds bogus'
	assert_contains "$stderr" "awscreds: unknown command: bogus"
	assert_contains "$stderr" "usage: awscreds"
	sh_run "$1" 'awscreds use --bogus alpha'
	assert_contains "$stderr" "awscreds: unknown option: --bogus"
	sh_run "$1" 'awscreds'
	assert_contains "$stderr" "usage: awscreds"
}
@test "bash: help prints usage; an unknown command or a bad argument exits 2" { t_usage bash; }
@test "zsh: help prints usage; an unknown command or a bad argument exits 2" { t_usage zsh; }

# --- shell options -------------------------------------------------------------

t_sourcing() {
	need_shell "$1" || return 1
	run --separate-stderr $(shell_cmd "$1") -c '
env -0 | LC_ALL=C sort -z > "$ACFS_T/before"
. "$ACFS_PLUGIN" && . "$ACFS_PLUGIN" || exit 1
env -0 | LC_ALL=C sort -z > "$ACFS_T/after"
awscreds use alpha && awscreds off'
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$stderr" ""
	same_dump "$T/before" "$T/after"
}
@test "bash: sourcing (twice) prints nothing and changes no exported variable" { t_sourcing bash; }
@test "zsh: sourcing (twice) prints nothing and changes no exported variable" { t_sourcing zsh; }

STRICT_RUN='
awscreds use alpha && awscreds which >/dev/null && awscreds_prompt >/dev/null &&
awscreds ls | grep -q "^alpha " && awscreds env beta >/dev/null &&
awscreds use --refresh beta && awscreds off || exit 1
awscreds off 2>/dev/null && exit 2
awscreds use nope 2>/dev/null && exit 3
awscreds_prompt
echo ok'

@test "bash: works under set -u, set -f, failglob and nullglob, and leaves them set" {
	sh_run bash 'set -uf; shopt -s failglob nullglob; . "$ACFS_PLUGIN" || exit 9'"$STRICT_RUN"'
echo "$-" | grep -q u && echo "$-" | grep -q f && shopt -q failglob && shopt -q nullglob &&
	! shopt -q dotglob && echo same'
	assert_status 0
	assert_equal "$output" "ok
same"
	assert_equal "$stderr" ""
}

@test "zsh: works under nounset, noglob, ksh_arrays, sh_word_split, warn_create_global" {
	sh_run zsh 'setopt nounset noglob ksh_arrays sh_word_split warn_create_global
. "$ACFS_PLUGIN" || exit 9'"$STRICT_RUN"'
[[ -o nounset && -o noglob && -o ksh_arrays && -o warn_create_global ]] && echo same'
	assert_status 0
	assert_equal "$output" "ok
same"
	assert_equal "$stderr" ""
}

# --- the profile's config, read as common/sessionenv.c reads it ------------------

t_config_checks() {
	local m=$MNT
	printf '[default]\nregion = eu-west-1; rm -rf /\n' > "$m/delta/config"
	check_untouched "$1" 1 "$m/delta/config: the region of profile 'delta' is not a region name" "awscreds use delta"
	printf '[default]\nregion = %s\n' "$(printf 'a%.0s' {1..65})" > "$m/delta/config"
	check_untouched "$1" 1 "is not a region name" "awscreds env delta"
	# No [profile refresh]: the default mode works, --refresh does not.
	printf '# written by hand\n[ profile default ]\n  region   =   ca-central-1  \n' > "$m/delta/config"
	check_untouched "$1" 1 "$m/delta/config has no [profile refresh] with a credential_process: this awscredsfs cannot serve refresh mode for profile 'delta'" "awscreds use --refresh delta"
	sh_run "$1" 'awscreds use delta && echo "$AWS_REGION $AWS_DEFAULT_REGION"'
	assert_status 0
	assert_equal "$output" "ca-central-1 ca-central-1"
	rm "$m/delta/config"
	check_untouched "$1" 1 "awscreds: cannot read $m/delta/config" "awscreds use delta"
}
@test "bash: a bad region, no refresh profile or no config fails and changes nothing" { t_config_checks bash; }
@test "zsh: a bad region, no refresh profile or no config fails and changes nothing" { t_config_checks zsh; }

t_aliases() {
	# An interactive shell expands aliases in the function bodies it reads.
	need_shell "$1" || return 1
	local i=-i
	run --separate-stderr $(shell_cmd "$1") $i -c '
alias cat="echo ALIAS" awk="echo ALIAS" date="echo ALIAS" id="echo ALIAS"
. "$ACFS_PLUGIN" || exit 9
awscreds help | head -n 1
awscreds ls | grep "^alpha "
awscreds use alpha && awscreds_prompt && echo' </dev/null
	assert_status 0
	assert_equal "$output" "usage: awscreds use [--refresh] PROFILE   point this shell at PROFILE's files
alpha    fresh        1h02m
(aws:alpha) "
}
@test "bash: aliases of cat, awk, date and id in an interactive shell change nothing" { t_aliases bash; }
@test "zsh: aliases of cat, awk, date and id in an interactive shell change nothing" { t_aliases zsh; }
