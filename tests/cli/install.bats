#!/usr/bin/env bats
# make install / uninstall honour PREFIX, DESTDIR, BINDIR and MANDIR.

setup() {
	BIN=${ACFS_BIN:-$BATS_TEST_DIRNAME/../../build/awscredsfs}
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	O=$(cd "$(dirname "$BIN")" && pwd)
	DEST=$(mktemp -d)
}

teardown() {
	rm -rf "$DEST"
}

@test "install puts the program and man page under DESTDIR/PREFIX; uninstall removes them" {
	run make -s -C "$TOP" install O="$O" PREFIX=/usr DESTDIR="$DEST"
	[ "$status" -eq 0 ]
	[ -x "$DEST/usr/bin/awscredsfs" ]
	[ -f "$DEST/usr/share/man/man1/awscredsfs.1" ]
	run "$DEST/usr/bin/awscredsfs" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "awscredsfs "* ]]
	run make -s -C "$TOP" uninstall O="$O" PREFIX=/usr DESTDIR="$DEST"
	[ "$status" -eq 0 ]
	[ ! -e "$DEST/usr/bin/awscredsfs" ]
	[ ! -e "$DEST/usr/share/man/man1/awscredsfs.1" ]
}

@test "BINDIR and MANDIR override PREFIX" {
	run make -s -C "$TOP" install O="$O" PREFIX=/opt/x BINDIR=/sbin MANDIR=/man DESTDIR="$DEST"
	[ "$status" -eq 0 ]
	[ -x "$DEST/sbin/awscredsfs" ]
	[ -f "$DEST/man/man1/awscredsfs.1" ]
	[ ! -e "$DEST/opt/x/bin/awscredsfs" ]
}
