#!/usr/bin/env bats
# Tab completion of subcommands and of the profile names in the mount:
# bash through its completion function (COMP_WORDS/COMP_CWORD), zsh
# through compinit's registry, its completion function with compadd
# captured, and a real Tab press in an interactive zsh on a pseudo-terminal
# (zsh/zpty).

load helpers

# What completion offers: the subcommands, and the fake mount's profiles
# (sorted in the C locale).
SUBCOMMANDS=$'env\nhelp\nls\noff\nuse\nwhich'
PROFILES=$'.dot\nalpha\nbeta\ndelta\ngamma\nit\'s x\nold\nstatic'
# bash offers them quoted for its command line: it\'s\ x
PROFILES_QUOTED=$'.dot\nalpha\nbeta\ndelta\ngamma\nit\\\'s\\ x\nold\nstatic'

# bash_complete WORD...: the last WORD is the one being completed; prints
# COMPREPLY, one per line.
bash_complete() {
	local words="" w
	for w in "$@"; do
		words="$words $(printf %q "$w")"
	done
	sh_run bash "
COMP_WORDS=($words)
COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
_awscreds_complete || exit 1
printf '%s\n' \"\${COMPREPLY[@]}\" | LC_ALL=C sort"
}

@test "bash: complete -F _awscreds_complete is registered for awscreds" {
	sh_run bash 'complete -p awscreds'
	assert_status 0
	assert_equal "$output" "complete -F _awscreds_complete awscreds"
}

@test "bash: the first word completes to the subcommands" {
	bash_complete awscreds ""
	assert_status 0
	assert_equal "$output" "$SUBCOMMANDS"
	bash_complete awscreds w
	assert_equal "$output" "which"
}

@test "bash: use and env complete the mounted profile names" {
	bash_complete awscreds use ""
	assert_status 0
	assert_equal "$output" "$PROFILES_QUOTED"
	bash_complete awscreds use a
	assert_equal "$output" "alpha"
	bash_complete awscreds env --refresh g
	assert_equal "$output" "gamma"
	bash_complete awscreds use -r -- it
	assert_equal "$output" "it\\'s\\ x"
	bash_complete awscreds use nothing-like-this
	assert_equal "$output" ""
}

@test "bash: options, and nothing after the profile or for other commands" {
	bash_complete awscreds use --
	assert_equal "$output" "--refresh"
	bash_complete awscreds env -
	assert_equal "$output" "--refresh"
	bash_complete awscreds use alpha ""
	assert_equal "$output" ""
	bash_complete awscreds ls ""
	assert_equal "$output" ""
	bash_complete awscreds off a
	assert_equal "$output" ""
}

@test "bash: completion follows AWSCREDS_MOUNT and lists nothing without a mount" {
	local m=$T/other
	mkdir -p "$m"
	make_profile "$m" zeta '{"state":"fresh"}'
	AWSCREDS_MOUNT=$m bash_complete awscreds use ""
	assert_equal "$output" "zeta"
	AWSCREDS_MOUNT=$T/none bash_complete awscreds use ""
	assert_status 0
	assert_equal "$output" ""
	assert_equal "$stderr" ""
}

@test "bash: completion keeps the user's glob options" {
	sh_run bash '
shopt -s failglob; set -f
COMP_WORDS=(awscreds use al); COMP_CWORD=2
_awscreds_complete; printf "%s\n" "${COMPREPLY[@]}"
shopt -q failglob && ! shopt -q nullglob && ! shopt -q dotglob && [[ $- == *f* ]] && echo kept'
	assert_status 0
	assert_equal "$output" "alpha
kept"
}

# --- zsh -----------------------------------------------------------------------

@test "zsh: with compinit run first, sourcing registers _awscreds" {
	sh_run zsh '
autoload -Uz compinit && compinit -u -D
. "$ACFS_PLUGIN"
print -r -- "$_comps[awscreds]"'
	assert_status 0
	assert_equal "$output" "_awscreds"
}

@test "zsh: sourced before compinit, _awscreds is registered at the next prompt" {
	sh_run zsh '
print -r -- "${(j: :)precmd_functions}"
autoload -Uz compinit && compinit -u -D
print -r -- "[$_comps[awscreds]]"
for f in $precmd_functions; do $f; done
print -r -- "$_comps[awscreds] [${(j: :)precmd_functions}]"
. "$ACFS_PLUGIN"
print -r -- "[${(j: :)precmd_functions}]"'
	assert_status 0
	assert_equal "$output" "_awscreds_compdef
[]
_awscreds []
[]"
}

# zsh_complete CURRENT WORD...: runs _awscreds with words/CURRENT set and
# compadd replaced by a function that prints its candidates.
zsh_complete() {
	local cur=$1 words="" w
	shift
	for w in "$@"; do
		words="$words ${w@Q}"
	done
	sh_run zsh "
compadd() { [[ \$1 == -- ]] && shift; print -rl -- \"\$@\"; }
words=($words)
CURRENT=$cur
_awscreds | LC_ALL=C sort"
}

@test "zsh: _awscreds offers the subcommands, then the mounted profiles" {
	zsh_complete 2 awscreds ""
	assert_status 0
	assert_equal "$output" "$SUBCOMMANDS"
	zsh_complete 3 awscreds use ""
	assert_equal "$output" "$PROFILES"
	zsh_complete 4 awscreds env --refresh g
	assert_contains "$output" "gamma"
	zsh_complete 3 awscreds use --r
	assert_equal "$output" "--refresh"
	zsh_complete 4 awscreds use alpha ""
	assert_equal "$output" ""
	zsh_complete 3 awscreds ls ""
	assert_equal "$output" ""
}

# zpty_tab TYPED: types TYPED and a Tab into an interactive zsh (on a
# pseudo-terminal, compinit run, the plugin sourced) and prints what zle
# drew, control characters stripped.
zpty_tab() {
	need_shell zsh || return 1
	run --separate-stderr zsh -f -c '
zmodload zsh/zpty || exit 3
zpty -b z "TERM=dumb zsh -f -i"
zpty -w z "PS1=\"> \"; autoload -Uz compinit; compinit -u -D; . \"\$ACFS_PLUGIN\"; print RE\"\"ADY"
out=""
integer deadline=$(( SECONDS + 15 ))
while (( SECONDS < deadline )); do
	zpty -rt z chunk 2>/dev/null && out+=$chunk
	[[ $out == *READY* ]] && break
	sleep 0.05
done
[[ $out == *READY* ]] || { print -r -- "no prompt: $out"; exit 4; }
out=""
zpty -n -w z "$1"$'"'"'\t'"'"'
deadline=$(( SECONDS + 5 ))
while (( SECONDS < deadline )); do
	zpty -rt z chunk 2>/dev/null && out+=$chunk
	[[ $out == *"$2"* ]] && break
	sleep 0.05
done
zpty -n -w z $'"'"'\C-u'"'"'"exit"$'"'"'\n'"'"'
zpty -d z
print -r -- "${out//[[:cntrl:]]/}"' zsh "$1" "$2"
}

@test "zsh: a real Tab press completes a profile name, quoted" {
	zpty_tab "awscreds use al" "awscreds use alpha "
	assert_status 0
	assert_contains "$output" "awscreds use alpha "
	zpty_tab "awscreds use it" "awscreds use it\\'s\\ x "
	assert_contains "$output" "awscreds use it\\'s\\ x "
	zpty_tab "awscreds wh" "awscreds which "
	assert_contains "$output" "awscreds which "
}
