# helpers.bash - shared setup for the shell plugin tests (load with
# `load helpers`).
#
# bats runs in bash; every test drives bash or zsh through `SHELL -c`
# scripts that source plugin/awscreds.sh, against a fake mount: a
# temporary directory laid out like an awscredsfs mount (=status, one
# directory per profile with config and status), named by AWSCREDS_MOUNT.
# Nothing here needs the daemon or root.

# assert_status, assert_contains and assert_not_contains come from the CLI
# tests' helpers; setup and teardown below replace theirs.
load ../cli/helpers

TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PLUGIN=$TOP/plugin/awscreds.sh
: "${ACFS_BIN:=$TOP/build/awscredsfs}"

# The variables `awscreds use` manages (common/sessionenv.h).
MANAGED='AWS_SHARED_CREDENTIALS_FILE AWS_CONFIG_FILE AWS_REGION AWS_DEFAULT_REGION AWS_PROFILE AWS_DEFAULT_PROFILE AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE AWS_ROLE_SESSION_NAME'

setup() {
	T=$(mktemp -d "${TMPDIR:-/tmp}/acfs-plugin.XXXXXX")
	local v
	for v in $(compgen -e); do
		case $v in AWS_* | AWSCREDS_*) unset "$v" ;; esac
	done
	export HOME=$T/home
	mkdir -p "$HOME"
	NOW=$(date +%s)
	MNT=$T/mnt
	make_mount "$MNT"
	export AWSCREDS_MOUNT=$MNT
	export ACFS_PLUGIN=$PLUGIN ACFS_T=$T
}

teardown() {
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		chmod -R u+rwX "$T" 2>/dev/null
		rm -rf "$T"
	fi
}

iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# need_shell NAME: the shell must be there (a Debian package of the test
# stack): a missing one fails, with the fix.
need_shell() {
	if ! command -v "$1" >/dev/null 2>&1; then
		echo "$1 is missing: apt-get install $1 (or make deps)" >&2
		return 1
	fi
}

# shell_cmd SHELL: the command line that starts SHELL without rc files.
shell_cmd() {
	case $1 in
	bash) echo "bash --norc --noprofile" ;;
	zsh) echo "zsh -f" ;;
	*) echo "$1" ;;
	esac
}

# in_shell SHELL SCRIPT: runs SCRIPT in bash or zsh (no rc files) after
# sourcing the plugin.  SCRIPT can use dump FILE (the exported environment
# and the declaration of each managed variable, for before/after compares).
in_shell() {
	local sh=$1 script=$2 pre
	pre='. "$ACFS_PLUGIN" || exit 99
dump() {
	{ env -0 | LC_ALL=C sort -z | od -An -c
	  for _v in '"$MANAGED"'; do
		typeset -p "$_v" 2>/dev/null || echo "unset $_v"
	  done; } > "$1"
}
'
	case $sh in
	bash) bash --norc --noprofile -c "$pre$script" ;;
	zsh) zsh -f -c "$pre$script" ;;
	*) echo "unknown shell $sh" >&2; return 2 ;;
	esac
}

# sh_run SHELL SCRIPT: in_shell under bats' run, stderr apart.
sh_run() {
	need_shell "$1" || return 1
	run --separate-stderr in_shell "$1" "$2"
}

# --- the fake mount --------------------------------------------------------

# make_profile MOUNT NAME STATUS_JSON [REGION]
make_profile() {
	local d=$1/$2
	mkdir -p "$d"
	{
		echo '[default]'
		[ -z "${4:-}" ] || echo "region = $4"
		echo
		echo '[profile refresh]'
		[ -z "${4:-}" ] || echo "region = $4"
		echo "credential_process = cat '$d'/process.json"
	} > "$d/config"
	printf '%s\n' "$3" > "$d/status"
	# The credential-bearing files exist too; the plugin never opens them.
	: > "$d/credentials"
	: > "$d/expiration"
	: > "$d/process.json"
	: > "$d/env"
}

# The daemon's layout: json-c's pretty print, a chain whose hop states
# differ from the profile's own.
pretty_status() { # NAME STATE EXPIRATION-EPOCH-or-empty
	local exp=""
	[ -z "$3" ] || exp=$(iso "$3")
	cat <<EOF
{
  "profile":"$1",
  "state":"$2",
  "chain":[
    {
      "type":"web-identity",
      "profile":"src",
      "state":"expired",
      "expiration":"2001-01-01T00:00:00Z",
      "calls":1
    }
  ],
  "sts_endpoint":"http://127.0.0.1:1"$( [ -z "$exp" ] || printf ',\n  "expiration":"%s"' "$exp" ),
  "refresh_window_seconds":1200
}
EOF
}

# make_mount DIR: the standard fake mount.
#   alpha    fresh, expires in 1h02m (30 s to spare), region eu-west-1 (pretty JSON)
#   beta     error, with a last_error whose message holds a JSON-looking
#            trap ("state":"fresh") and escapes (compact JSON)
#   gamma    stale-valid, expires in 2d03h (odd spacing, keys reordered)
#   delta    unresolved, no region
#   static   fresh, no expiration (long-lived keys)
#   old      fresh but expired already
#   it's x   fresh, a name with a quote and a space
#   .dot     a dot name, fresh
make_mount() {
	local m=$1
	mkdir -p "$m"
	cat > "$m/=status" <<'EOF'
{
  "version":"0.1.0",
  "files":[
    "/etc/aws/config"
  ],
  "profiles":{
    "visible":8,
    "hidden":1,
    "unresolved":1,
    "fresh":5,
    "refreshing":0,
    "stale-valid":1,
    "error":1
  },
  "hidden_profiles":[
    {
      "name":"a/b",
      "reason":"the name holds a \"/\""
    }
  ],
  "problems":[
    "/etc/aws/config:12: a line outside any section"
  ],
  "sts":{
    "calls":3
  },
  "reloads":1
}
EOF
	: > "$m/=metrics"
	make_profile "$m" alpha "$(pretty_status alpha fresh $((NOW + 3750)))" eu-west-1
	make_profile "$m" beta '{"profile":"beta","state":"error","chain":[{"state":"fresh"}],"last_error":{"kind":"remote error","message":"AccessDenied: role \"x\" said \"state\":\"fresh\" \\\\ no\\nmore","time":"2026-01-01T00:00:00Z"}}' us-west-2
	make_profile "$m" gamma "$(printf '{\n\t"chain" : [ { "state" : "fresh" , "expiration" : "%s" } ] ,\n\t"expiration" :\n "%s",\n\t"state" : "stale-valid",\n\t"last_error" : { "kind" : "remote error", "message" : "Throttling: Rate exceeded" }\n}' "$(iso $((NOW + 10)))" "$(iso $((NOW + 2 * 86400 + 3 * 3600 + 100)))")"
	make_profile "$m" delta "$(pretty_status delta unresolved "")"
	make_profile "$m" static "$(pretty_status static fresh "")" ap-south-1
	make_profile "$m" old "$(pretty_status old fresh $((NOW - 100)))"
	make_profile "$m" "it's x" "$(pretty_status "it's x" fresh $((NOW + 3750)))" "eu-north-1"
	make_profile "$m" .dot "$(pretty_status .dot fresh $((NOW + 3750)))"
}

assert_equal() {
	if [ "$1" != "$2" ]; then
		echo "expected: $(printf %q "$2")" >&2
		echo "got:      $(printf %q "$1")" >&2
		return 1
	fi
}

# same_dump BEFORE AFTER: the two dumps are identical (shows the diff).
same_dump() {
	if ! cmp -s "$1" "$2"; then
		echo "the environment changed:" >&2
		diff "$1" "$2" >&2
		return 1
	fi
}
