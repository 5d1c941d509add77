#!/usr/bin/env bats
# The PAM module installs into LIBDIR/security and its man page into man8,
# and the page renders without groff warnings.

setup() {
	BIN=${ACFS_BIN:-$BATS_TEST_DIRNAME/../../build/awscredsfs}
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	O=$(cd "$(dirname "$BIN")" && pwd)
	PAGE=$O/man/pam_awscreds.8
	DEST=$(mktemp -d)
}

teardown() {
	rm -rf "$DEST"
}

@test "install puts pam_awscreds.so in LIBDIR/security and its page in man8; uninstall removes them" {
	run make -s -C "$TOP" install O="$O" PREFIX=/usr LIBDIR=/lib/x86_64-linux-gnu DESTDIR="$DEST"
	[ "$status" -eq 0 ]
	[ -f "$DEST/lib/x86_64-linux-gnu/security/pam_awscreds.so" ]
	[ "$(stat -c %a "$DEST/lib/x86_64-linux-gnu/security/pam_awscreds.so")" = 644 ]
	[ -f "$DEST/usr/share/man/man8/pam_awscreds.8" ]
	[ ! -e "$DEST/usr/share/man/man1/pam_awscreds.8" ]
	[ -f "$DEST/usr/share/man/man1/awscredsfs.1" ]
	run make -s -C "$TOP" uninstall O="$O" PREFIX=/usr LIBDIR=/lib/x86_64-linux-gnu DESTDIR="$DEST"
	[ "$status" -eq 0 ]
	[ ! -e "$DEST/lib/x86_64-linux-gnu/security/pam_awscreds.so" ]
	[ ! -e "$DEST/usr/share/man/man8/pam_awscreds.8" ]
}

@test "pam_awscreds(8) renders with man -l and no warnings, and names every option" {
	[ -f "$PAGE" ]
	run bash -c "MANWIDTH=80 man --warnings -l '$PAGE' 2>&1 >/dev/null"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	page=$(MANWIDTH=200 man -l "$PAGE" 2>/dev/null)
	for o in mount= profile= map= refresh strict debug CAVEATS /etc/pam.d; do
		if ! grep -q -- "$o" <<<"$page"; then
			echo "missing from the man page: $o"
			return 1
		fi
	done
}
