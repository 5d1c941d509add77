# awscreds.sh - point an interactive shell at one profile of an awscredsfs
# mount.  Sourced by bash and zsh alike:
#
#     . /usr/share/awscredsfs/awscreds.sh
#     awscreds use account_b_role
#
# `awscreds help` and awscreds(1) describe the commands.  The mount is
# $AWSCREDS_MOUNT, else /run/awscreds for root, else
# $XDG_RUNTIME_DIR/awscreds (/run/awscreds without XDG_RUNTIME_DIR), as
# the daemon, the PAM module and `awscredsfs --exec` choose it.
#
# What `use` sets is exactly what common/sessionenv.h documents for the PAM
# module and --exec: AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE into
# the profile's directory, AWS_REGION and AWS_DEFAULT_REGION when the
# profile's config has a region (else both are left alone), AWS_PROFILE
# unset (or "refresh" with --refresh), and the variables that would shadow
# the files unset.  Both region variables, because older SDKs (botocore
# 1.29 of Debian 12: boto3, AWS CLI v1) read only AWS_DEFAULT_REGION, and
# ahead of the config file's region.
#
# Nothing here opens a credential-bearing file (credentials, expiration,
# process.json, env), so no command calls STS: the mount is recognised by
# its top-level "=status" file, profiles are directories, the region comes
# from the profile's `config`, and the state from its `status`.
#
# `status` is JSON and has no line-oriented twin.  It is read by one small
# awk tokenizer (_awscreds_awk below): strings with their escapes, nesting
# and arrays are tracked, so a value is picked by its path ("state",
# "last_error.message") and never by its look.  The daemon writes the JSON
# with json-c; the tokenizer does not depend on its layout.
#
# Internal names start with _awscreds; `off` removes the saved values.
# External commands go through `command`, past the aliases that an
# interactive shell would expand in these bodies.
# shellcheck shell=bash

# The variables `use` manages (saved on the first `use`, restored by `off`)
# and, of them, those it always unsets and those that get the profile's
# region.  Keep in sync with common/sessionenv.h.
_awscreds_unsets='AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME'
_awscreds_regions='AWS_REGION AWS_DEFAULT_REGION'
_awscreds_vars="AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE $_awscreds_regions AWS_PROFILE $_awscreds_unsets"

_awscreds_usage() {
	command cat <<'EOF'
usage: awscreds use [--refresh] PROFILE   point this shell at PROFILE's files
       awscreds off                       restore the variables from before `use`
       awscreds ls                        profiles, their state, time to expiry
       awscreds env [--refresh] PROFILE   print what `use` sets, for eval
       awscreds which                     the profile in use, and its mount
       awscreds help                      this text

--refresh sets AWS_PROFILE=refresh: SDK clients then read credentials
through credential_process (cat PROFILE/process.json) and refresh them by
themselves, which long-running programs need.

The mount: $AWSCREDS_MOUNT, else /run/awscreds for root, else
$XDG_RUNTIME_DIR/awscreds.  awscreds_prompt prints the profile in use for
PS1/PROMPT.  See awscreds(1).
EOF
}

# --- the mount and its profiles -------------------------------------------

# Sets _awscreds_mnt: the mount point, absolute, without trailing slashes.
_awscreds_mount() {
	_awscreds_mnt=${AWSCREDS_MOUNT-}
	if [ -z "$_awscreds_mnt" ]; then
		if [ "${EUID:-$(command id -u)}" = 0 ] ||
		   [ "${XDG_RUNTIME_DIR-}" = "${XDG_RUNTIME_DIR#/}" ]; then
			_awscreds_mnt=/run/awscreds
		else
			_awscreds_mnt=$XDG_RUNTIME_DIR/awscreds
		fi
	fi
	case $_awscreds_mnt in
	/*) ;;
	*) _awscreds_mnt=$PWD/$_awscreds_mnt ;;
	esac
	while [ "$_awscreds_mnt" != / ] &&
	      [ "${_awscreds_mnt%/}" != "$_awscreds_mnt" ]; do
		_awscreds_mnt=${_awscreds_mnt%/}
	done
}

# Whether $1 is an awscredsfs mount (its top-level =status file: a stat,
# never an STS call); says why not on stderr.
_awscreds_check_mount() {
	[ -f "$1/=status" ] && return 0
	printf 'awscreds: no awscredsfs mount at %s (is the daemon running? mount it with: awscredsfs %s; or set AWSCREDS_MOUNT)\n' "$1" "$1" >&2
	return 1
}

# Whether $1 can be a profile directory: what common/sessionenv.h accepts
# (1..255 bytes, no '/', not "." or "..", no control character).
_awscreds_name_ok() {
	case $1 in
	'' | . | .. | */* | *[[:cntrl:]]*) return 1 ;;
	esac
	[ "${#1}" -le 255 ]
}

# Sets _awscreds_names_out: the profile names of mount $1, one per line
# (names with control characters are left out: they cannot be used).
_awscreds_names() {
	[ -z "${ZSH_VERSION-}" ] || emulate -L sh
	local d n fg=0 ng=0 dg=0
	_awscreds_names_out=
	if [ -n "${ZSH_VERSION-}" ]; then
		setopt localoptions glob nullglob globdots
	elif [ -n "${BASH_VERSION-}" ]; then
		local -
		set +f
		shopt -q failglob && fg=1
		shopt -q nullglob && ng=1
		shopt -q dotglob && dg=1
		shopt -u failglob
		shopt -s nullglob dotglob
	fi
	for d in "$1"/*; do
		n=${d##*/}
		case $n in
		=* | *[[:cntrl:]]*) continue ;;
		esac
		[ -d "$d" ] || continue
		_awscreds_names_out=$_awscreds_names_out$n'
'
	done
	if [ -n "${BASH_VERSION-}" ] && [ -z "${ZSH_VERSION-}" ]; then
		[ "$fg" = 1 ] && shopt -s failglob
		[ "$ng" = 1 ] || shopt -u nullglob
		[ "$dg" = 1 ] || shopt -u dotglob
	fi
	return 0
}

# Reads the profile's config file $1 as common/sessionenv.c does: sets
# _awscreds_region and _awscreds_has_region from the region of [default]
# (the daemon writes "region = X" there), and _awscreds_has_refresh when
# [profile refresh] has a credential_process.  Fails, saying why, when the
# file cannot be read or the region is not a region name.
_awscreds_read_config() {
	local line key sect=''
	_awscreds_region='' _awscreds_has_region=0 _awscreds_has_refresh=0
	if [ ! -r "$1" ]; then
		printf 'awscreds: cannot read %s\n' "$1" >&2
		return 1
	fi
	while IFS= read -r line || [ -n "$line" ]; do
		line=${line#"${line%%[![:space:]]*}"}
		line=${line%"${line##*[![:space:]]}"}
		case $line in
		'['*']')
			sect=${line#?}
			sect=${sect%?}
			sect=${sect#"${sect%%[![:space:]]*}"}
			sect=${sect%"${sect##*[![:space:]]}"}
			;;
		*=*)
			key=${line%%=*}
			key=${key%"${key##*[![:space:]]}"}
			line=${line#*=}
			line=${line#"${line%%[![:space:]]*}"}
			case $sect:$key in
			default:region | 'profile default:region')
				_awscreds_region=$line
				;;
			'profile refresh:credential_process')
				_awscreds_has_refresh=1
				;;
			esac
			;;
		esac
	done < "$1"
	[ -n "$_awscreds_region" ] || return 0
	case $_awscreds_region in
	*[!A-Za-z0-9._-]*) ;;
	*)
		if [ "${#_awscreds_region}" -le 64 ]; then
			_awscreds_has_region=1
			return 0
		fi
		;;
	esac
	printf "awscreds: %s: the region of profile '%s' is not a region name\n" "$1" "$2" >&2
	return 1
}

# _awscreds_plan MOUNT PROFILE REFRESH: checks the mount and the profile,
# then sets _awscreds_dir and the region.  Says why on stderr when they
# cannot be used.
_awscreds_plan() {
	if ! _awscreds_name_ok "$2"; then
		printf "awscreds: '%s' is not a profile name\n" "$2" >&2
		return 1
	fi
	case $1 in
	*[[:cntrl:]]*)
		printf 'awscreds: the mount point contains a control character\n' >&2
		return 1
		;;
	esac
	_awscreds_check_mount "$1" || return 1
	if [ ! -d "$1/$2" ]; then
		printf "awscreds: no profile '%s' in %s (awscreds ls lists them)\n" "$2" "$1" >&2
		return 1
	fi
	_awscreds_dir=$1/$2
	_awscreds_read_config "$_awscreds_dir/config" "$2" || return 1
	if [ "$3" = 1 ] && [ "$_awscreds_has_refresh" != 1 ]; then
		printf "awscreds: %s has no [profile refresh] with a credential_process: this awscredsfs cannot serve refresh mode for profile '%s'\n" "$_awscreds_dir/config" "$2" >&2
		return 1
	fi
	return 0
}

# The profile the environment points at: sets _awscreds_a_profile,
# _awscreds_a_mnt and _awscreds_a_refresh.  Returns 0 when the variables
# point into an awscredsfs mount, 2 when they have the shape but the mount
# is gone, 1 when no profile is in use.  Works for a `use` of this shell
# and for what the PAM module or --exec set.
_awscreds_active() {
	local c=${AWS_SHARED_CREDENTIALS_FILE-} d
	case $c in
	/*/*/credentials) ;;
	*) return 1 ;;
	esac
	d=${c%/credentials}
	[ "${AWS_CONFIG_FILE-}" = "$d/config" ] || return 1
	_awscreds_a_profile=${d##*/}
	_awscreds_a_mnt=${d%/*}
	_awscreds_a_refresh=0
	[ "${AWS_PROFILE-}" = refresh ] && _awscreds_a_refresh=1
	[ -f "$_awscreds_a_mnt/=status" ] || return 2
	return 0
}

# --- reading status JSON ---------------------------------------------------

# stdin: profile names, one per line.  ENVIRON: _AWSCREDS_MNT (the mount),
# _AWSCREDS_NOW (epoch seconds), _AWSCREDS_MODE:
#   ls     a table of every profile (state, time to expiry, last error),
#          then the hidden profiles and config problems of =status;
#   state  the state of the first profile ("unreadable" when its status
#          cannot be read);
#   brief  "STATE, expires in 59m58s" for the first profile.
# jparse() fills J[path] with every scalar of a JSON text: object members
# joined with ".", array elements by index ("chain.0.state").
# shellcheck disable=SC2016
_awscreds_awk='
function jstr(t,   out, i, c) {
	t = substr(t, 2, length(t) - 2)
	out = ""
	while ((i = index(t, "\\")) > 0) {
		out = out substr(t, 1, i - 1)
		c = substr(t, i + 1, 1)
		if (c == "u") {
			out = out uchar(substr(t, i + 2, 4))
			t = substr(t, i + 6)
			continue
		}
		if (c == "n" || c == "r" || c == "t" || c == "b" || c == "f")
			c = " "
		out = out c
		t = substr(t, i + 2)
	}
	return out t
}
function uchar(h,   v, k, x) {
	v = 0
	for (k = 1; k <= 4; k++) {
		x = index("0123456789abcdef", tolower(substr(h, k, 1)))
		if (x == 0)
			return "?"
		v = v * 16 + x - 1
	}
	return (v >= 32 && v < 127) ? sprintf("%c", v) : "?"
}
function jpath(d,   p, k) {
	p = ""
	for (k = 1; k <= d; k++)
		p = p (k > 1 ? "." : "") (kind[k] == "{" ? key[k] : idx[k])
	return p
}
function jdone(d) {
	if (d < 1)
		return
	if (kind[d] == "{")
		wantkey[d] = 1
	else
		idx[d]++
}
function jparse(s,   d, t) {
	split("", J)
	d = 0
	while (match(s, /^[ \t\r\n]*("([^"\\]|\\.)*"|[][{}:,]|[^] \t\r\n[{}:,"]+)/)) {
		t = substr(s, RSTART, RLENGTH)
		s = substr(s, RLENGTH + 1)
		sub(/^[ \t\r\n]+/, "", t)
		if (t == "{" || t == "[") {
			d++
			kind[d] = t
			key[d] = ""
			idx[d] = 0
			wantkey[d] = (t == "{")
			continue
		}
		if (t == "}" || t == "]") {
			if (d > 0)
				d--
			jdone(d)
			continue
		}
		if (t == ":" || t == ",")
			continue
		if (substr(t, 1, 1) == "\"")
			t = jstr(t)
		if (d > 0 && kind[d] == "{" && wantkey[d]) {
			key[d] = t
			wantkey[d] = 0
			continue
		}
		J[jpath(d)] = t
		jdone(d)
	}
}
function slurp(path,   line, text, rc) {
	text = ""
	while ((rc = (getline line < path)) > 0)
		text = text line "\n"
	close(path)
	if (rc < 0)
		return 0
	SLURPED = text
	return 1
}
function days(y, m, d,   era, yoe, doy, doe) {
	y -= (m <= 2)
	era = int(y / 400)
	yoe = y - era * 400
	doy = int((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1
	doe = yoe * 365 + int(yoe / 4) - int(yoe / 100) + doy
	return era * 146097 + doe - 719468
}
function epoch(s) {
	if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]/)
		return -1
	return days(substr(s, 1, 4) + 0, substr(s, 6, 2) + 0, substr(s, 9, 2) + 0) * 86400 + \
		substr(s, 12, 2) * 3600 + substr(s, 15, 2) * 60 + substr(s, 18, 2)
}
function dur(s) {
	if (s >= 86400)
		return sprintf("%dd%02dh", int(s / 86400), int((s % 86400) / 3600))
	if (s >= 3600)
		return sprintf("%dh%02dm", int(s / 3600), int((s % 3600) / 60))
	if (s >= 60)
		return sprintf("%dm%02ds", int(s / 60), s % 60)
	return sprintf("%ds", s)
}
function expires(state, when,   e) {
	if (when == "")
		return (state == "fresh" || state == "stale-valid") ? "never" : "-"
	e = epoch(when)
	if (e < 0)
		return "?"
	if (e <= now)
		return "expired"
	return dur(e - now)
}
function load(name) {
	if (!slurp(mnt "/" name "/status")) {
		split("", J)
		J["state"] = "unreadable"
		return
	}
	jparse(SLURPED)
	if (J["state"] == "")
		J["state"] = "unknown"
}
BEGIN {
	mnt = ENVIRON["_AWSCREDS_MNT"]
	now = ENVIRON["_AWSCREDS_NOW"] + 0
	mode = ENVIRON["_AWSCREDS_MODE"]
	n = 0
	w1 = length("PROFILE")
	w2 = length("STATE")
	w3 = length("EXPIRES IN")
}
$0 == "" { next }
mode == "state" { load($0); print J["state"]; done = 1; exit }
mode == "brief" {
	load($0)
	t = expires(J["state"], J["expiration"])
	line = J["state"]
	if (t == "never" || t == "expired")
		line = line ", " t
	else if (t != "-" && t != "?")
		line = line ", expires in " t
	print line
	done = 1
	exit
}
{
	load($0)
	n++
	nm[n] = $0
	st[n] = J["state"]
	ex[n] = expires(J["state"], J["expiration"])
	note[n] = ""
	if ((st[n] == "error" || st[n] == "stale-valid") && \
	    ("last_error.message" in J)) {
		note[n] = J["last_error.message"]
		if (J["last_error.kind"] != "")
			note[n] = J["last_error.kind"] ": " note[n]
		if (length(note[n]) > 120)
			note[n] = substr(note[n], 1, 117) "..."
	}
	if (length(nm[n]) > w1) w1 = length(nm[n])
	if (length(st[n]) > w2) w2 = length(st[n])
	if (length(ex[n]) > w3) w3 = length(ex[n])
}
END {
	if (done || mode != "ls")
		exit
	if (n > 0)
		printf "%-" w1 "s  %-" w2 "s  %s\n", "PROFILE", "STATE", "EXPIRES IN"
	for (i = 1; i <= n; i++) {
		if (note[i] != "")
			printf "%-" w1 "s  %-" w2 "s  %-" w3 "s  %s\n", nm[i], st[i], ex[i], note[i]
		else
			printf "%-" w1 "s  %-" w2 "s  %s\n", nm[i], st[i], ex[i]
	}
	if (n == 0)
		printf "awscreds: no profiles in %s\n", mnt > "/dev/stderr"
	if (!slurp(mnt "/=status"))
		exit
	jparse(SLURPED)
	for (i = 0; ("hidden_profiles." i ".name") in J; i++)
		printf "hidden: %s (%s)\n", J["hidden_profiles." i ".name"], \
			J["hidden_profiles." i ".reason"]
	for (i = 0; ("problems." i) in J; i++)
		printf "problem: %s\n", J["problems." i]
}
'

# Sets _awscreds_t to the time in epoch seconds.
_awscreds_now() {
	if [ -n "${ZSH_VERSION-}" ]; then
		zmodload -F zsh/datetime p:EPOCHSECONDS 2>/dev/null
	fi
	_awscreds_t=${EPOCHSECONDS-}
	[ -n "$_awscreds_t" ] || _awscreds_t=$(command date +%s)
}

# _awscreds_read_status MODE MOUNT NAMES: runs the tokenizer above.
_awscreds_read_status() {
	_awscreds_now
	_AWSCREDS_MODE=$1 _AWSCREDS_MNT=$2 _AWSCREDS_NOW=$_awscreds_t \
		command awk "$_awscreds_awk" <<EOF
$3
EOF
}

# --- saving and restoring the environment --------------------------------

# _awscreds_keep TAG VAR: records whether VAR is unset (u), set (s) or set
# and exported (x), and its value, as _awscreds_TAG_how_VAR and
# _awscreds_TAG_val_VAR.
_awscreds_keep() {
	local how=u a
	if eval "[ -n \"\${$2+x}\" ]"; then
		eval "_awscreds_$1_val_$2=\${$2}"
		how=s
		if [ -n "${ZSH_VERSION-}" ]; then
			eval "a=\${(t)$2}"
		else
			eval "a=\${$2@a}"
		fi
		case $a in
		*export* | *x*) how=x ;;
		esac
	fi
	eval "_awscreds_$1_how_$2=\$how"
}

# _awscreds_put TAG VAR [forget]: puts VAR back as _awscreds_keep recorded
# it; with "forget", drops the record.
_awscreds_put() {
	local how
	eval "how=\${_awscreds_$1_how_$2-u}"
	unset "$2"
	case $how in
	s | x)
		eval "$2=\${_awscreds_$1_val_$2}"
		[ "$how" = s ] || export "${2?}"
		;;
	esac
	[ "${3-}" != forget ] || unset "_awscreds_$1_val_$2" "_awscreds_$1_how_$2"
}

# The first `use` records every managed variable ("orig"); `off` puts them
# back.  A later `use` keeps that record.  Every managed variable is
# overwritten or unset by each `use`, except AWS_REGION and
# AWS_DEFAULT_REGION, which a profile without a region leaves alone: so a
# `use` that sets them records the values they replace ("prev"), and the
# next `use` puts each back first, unless that variable was changed in
# between.
_awscreds_save() {
	local v
	for v in $_awscreds_vars; do
		_awscreds_keep orig "$v"
	done
	_awscreds_saved=1
}

_awscreds_restore() {
	local v
	for v in $_awscreds_vars; do
		_awscreds_put orig "$v" forget
	done
	for v in $_awscreds_regions; do
		unset "_awscreds_prev_how_$v" "_awscreds_prev_val_$v"
	done
	unset _awscreds_saved _awscreds_region_set _awscreds_region_val
	return 0
}

# Whether variable $1 is set (exported or not) to the value $2.
_awscreds_set_to() {
	eval "[ -n \"\${$1+x}\" ] && [ \"\${$1}\" = \"\$2\" ]"
}

# Sets _awscreds_q to $1 quoted for sh, bash and zsh: '...' with each
# quote written as '\''.
_awscreds_quote() {
	local s=$1 out=
	while :; do
		case $s in
		*\'*)
			out=$out${s%%\'*}\'\\\'\'
			s=${s#*\'}
			;;
		*) break ;;
		esac
	done
	_awscreds_q="'$out$s'"
}

# --- the commands ----------------------------------------------------------

# Parses [--refresh] PROFILE into _awscreds_refresh and _awscreds_prof.
_awscreds_args() {
	_awscreds_refresh=0 _awscreds_prof=
	while [ $# -gt 0 ]; do
		case $1 in
		--refresh | -r) _awscreds_refresh=1 ;;
		--) shift; break ;;
		-?*)
			printf 'awscreds: unknown option: %s\n' "$1" >&2
			return 2
			;;
		*) break ;;
		esac
		shift
	done
	if [ $# -ne 1 ]; then
		printf 'awscreds: %s\n' "name one profile: awscreds $_awscreds_cmd [--refresh] PROFILE" >&2
		return 2
	fi
	_awscreds_prof=$1
}

_awscreds_cmd_use() {
	local v
	_awscreds_args "$@" || return
	_awscreds_mount
	_awscreds_plan "$_awscreds_mnt" "$_awscreds_prof" "$_awscreds_refresh" || return 1
	# Nothing fails from here on.
	[ "${_awscreds_saved-}" = 1 ] || _awscreds_save
	if [ "${_awscreds_region_set-}" = 1 ]; then
		for v in $_awscreds_regions; do
			if _awscreds_set_to "$v" "${_awscreds_region_val-}"; then
				_awscreds_put prev "$v"
			fi
		done
	fi
	_awscreds_region_set=0
	for v in $_awscreds_unsets; do
		unset "$v"
	done
	if [ "$_awscreds_refresh" = 1 ]; then
		export AWS_PROFILE=refresh
	else
		unset AWS_PROFILE
	fi
	export AWS_SHARED_CREDENTIALS_FILE="$_awscreds_dir/credentials"
	export AWS_CONFIG_FILE="$_awscreds_dir/config"
	if [ "$_awscreds_has_region" = 1 ]; then
		_awscreds_keep prev AWS_REGION
		_awscreds_keep prev AWS_DEFAULT_REGION
		export AWS_REGION="$_awscreds_region"
		export AWS_DEFAULT_REGION="$_awscreds_region"
		_awscreds_region_set=1
		_awscreds_region_val=$_awscreds_region
	fi
	return 0
}

_awscreds_cmd_env() {
	_awscreds_args "$@" || return
	_awscreds_mount
	_awscreds_plan "$_awscreds_mnt" "$_awscreds_prof" "$_awscreds_refresh" || return 1
	if [ "$_awscreds_refresh" = 1 ]; then
		printf 'unset %s\nexport AWS_PROFILE=refresh\n' "$_awscreds_unsets"
	else
		printf 'unset AWS_PROFILE %s\n' "$_awscreds_unsets"
	fi
	_awscreds_quote "$_awscreds_dir/credentials"
	printf 'export AWS_SHARED_CREDENTIALS_FILE=%s\n' "$_awscreds_q"
	_awscreds_quote "$_awscreds_dir/config"
	printf 'export AWS_CONFIG_FILE=%s\n' "$_awscreds_q"
	if [ "$_awscreds_has_region" = 1 ]; then
		_awscreds_quote "$_awscreds_region"
		printf 'export AWS_REGION=%s\nexport AWS_DEFAULT_REGION=%s\n' "$_awscreds_q" "$_awscreds_q"
	fi
}

_awscreds_cmd_off() {
	if [ $# -ne 0 ]; then
		printf 'awscreds: off takes no argument\n' >&2
		return 2
	fi
	if [ "${_awscreds_saved-}" = 1 ]; then
		_awscreds_restore
		return 0
	fi
	if _awscreds_active || [ $? = 2 ]; then
		# Set before this shell (PAM, --exec): nothing to go back to.
		unset AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE
		[ "$_awscreds_a_refresh" = 1 ] && unset AWS_PROFILE
		printf 'awscreds: %s was set before this shell: unset its variables (AWS_REGION and AWS_DEFAULT_REGION left as is)\n' "$_awscreds_a_profile" >&2
		return 0
	fi
	printf 'awscreds: no profile in use\n' >&2
	return 1
}

_awscreds_cmd_ls() {
	if [ $# -ne 0 ]; then
		printf 'awscreds: ls takes no argument\n' >&2
		return 2
	fi
	_awscreds_mount
	_awscreds_check_mount "$_awscreds_mnt" || return 1
	_awscreds_names "$_awscreds_mnt"
	_awscreds_read_status ls "$_awscreds_mnt" "$_awscreds_names_out"
}

_awscreds_cmd_which() {
	local rc=0 mode=
	if [ $# -ne 0 ]; then
		printf 'awscreds: which takes no argument\n' >&2
		return 2
	fi
	_awscreds_active || rc=$?
	# The shape of a mount path but no mount: only this shell's `use`
	# makes that a profile in use (~/.aws/credentials has the shape too).
	[ "$rc" != 2 ] || [ "${_awscreds_saved-}" = 1 ] || rc=1
	if [ "$rc" = 1 ]; then
		printf 'awscreds: no profile in use\n' >&2
		return 1
	fi
	[ "$_awscreds_a_refresh" = 1 ] && mode=' (refresh mode)'
	if [ "$rc" = 2 ]; then
		printf '%s%s on %s: the mount is gone\n' "$_awscreds_a_profile" "$mode" "$_awscreds_a_mnt"
		return 1
	fi
	printf '%s%s on %s: ' "$_awscreds_a_profile" "$mode" "$_awscreds_a_mnt"
	_awscreds_read_status brief "$_awscreds_a_mnt" "$_awscreds_a_profile"
}

awscreds() {
	[ -z "${ZSH_VERSION-}" ] || emulate -L sh
	local _awscreds_cmd=${1-}
	[ $# -gt 0 ] && shift
	case $_awscreds_cmd in
	use) _awscreds_cmd_use "$@" ;;
	off) _awscreds_cmd_off "$@" ;;
	ls) _awscreds_cmd_ls "$@" ;;
	env) _awscreds_cmd_env "$@" ;;
	which) _awscreds_cmd_which "$@" ;;
	help | -h | --help) _awscreds_usage ;;
	'')
		_awscreds_usage >&2
		return 2
		;;
	*)
		printf 'awscreds: unknown command: %s\n' "$_awscreds_cmd" >&2
		_awscreds_usage >&2
		return 2
		;;
	esac
}

# awscreds_prompt [FORMAT]: for PS1 (bash) or PROMPT with prompt_subst
# (zsh).  Prints FORMAT (printf, default "(aws:%s) ") with the profile in
# use, followed by "!" when its state is error, its status is unreadable or
# the mount is gone, and "~" when it is stale-valid.  Prints nothing when no
# profile is in use.
awscreds_prompt() {
	[ -z "${ZSH_VERSION-}" ] || emulate -L sh
	local rc=0 mark='' state
	_awscreds_active || rc=$?
	case $rc in
	0)
		state=$(_awscreds_read_status state "$_awscreds_a_mnt" "$_awscreds_a_profile")
		case $state in
		error | unreadable | unknown) mark='!' ;;
		stale-valid) mark='~' ;;
		esac
		;;
	2)
		# The shape of a mount path, but no mount: warn only when this
		# shell's `use` set it.
		[ "${_awscreds_saved-}" = 1 ] || return 0
		mark='!'
		;;
	*) return 0 ;;
	esac
	# shellcheck disable=SC2059
	printf "${1-(aws:%s) }" "$_awscreds_a_profile$mark"
}

# --- completion --------------------------------------------------------------

_awscreds_subcommands='use off ls env which help'

# bash: complete -F.
_awscreds_complete() {
	local cur=${COMP_WORDS[COMP_CWORD]-} n q i opt=--refresh
	COMPREPLY=()
	if [ "$COMP_CWORD" -le 1 ]; then
		for n in $_awscreds_subcommands; do
			case $n in "$cur"*) COMPREPLY+=("$n") ;; esac
		done
		return 0
	fi
	case ${COMP_WORDS[1]-} in
	use | env) ;;
	*) return 0 ;;
	esac
	for ((i = 2; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) return 0 ;;
		esac
	done
	case $cur in
	-*)
		case $opt in "$cur"*) COMPREPLY+=("$opt") ;; esac
		return 0
		;;
	esac
	_awscreds_mount
	_awscreds_names "$_awscreds_mnt"
	while IFS= read -r n; do
		[ -n "$n" ] || continue
		case $n in
		"$cur"*)
			printf -v q %q "$n"
			COMPREPLY+=("$q")
			;;
		esac
	done <<EOF
$_awscreds_names_out
EOF
	return 0
}

# zsh: a completion function for compdef (compinit).
# shellcheck disable=SC2154
_awscreds() {
	emulate -L zsh
	local n i
	if ((CURRENT <= 2)); then
		compadd -- use off ls env which help
		return
	fi
	case ${words[2]} in
	use | env) ;;
	*) return 1 ;;
	esac
	for ((i = 3; i < CURRENT; i++)); do
		[[ ${words[i]} == -* ]] || return 1
	done
	if [[ ${words[CURRENT]} == -* ]]; then
		compadd -- --refresh
		return
	fi
	_awscreds_mount
	_awscreds_names "$_awscreds_mnt"
	while IFS= read -r n; do
		[[ -n $n ]] && compadd -- "$n"
	done <<EOF
$_awscreds_names_out
EOF
	return 0
}

# zsh: registers _awscreds once compinit has run (now, or before the next
# prompt when this file is sourced before compinit).
_awscreds_compdef() {
	emulate -L zsh
	local f
	local -a keep
	type compdef >/dev/null 2>&1 || return 0
	compdef _awscreds awscreds
	for f in "${precmd_functions[@]}"; do
		[[ $f == _awscreds_compdef ]] || keep+=("$f")
	done
	precmd_functions=("${keep[@]}")
}

if [ -n "${ZSH_VERSION-}" ]; then
	if type compdef >/dev/null 2>&1; then
		compdef _awscreds awscreds
	else
		case " ${precmd_functions[*]-} " in
		*" _awscreds_compdef "*) ;;
		*) precmd_functions+=(_awscreds_compdef) ;;
		esac
	fi
elif [ -n "${BASH_VERSION-}" ]; then
	complete -F _awscreds_complete awscreds
fi
