#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filesystem integration tests: the daemon's lifecycle.  SIGTERM/SIGINT
unmount cleanly; after a SIGKILL the next start on the same mount point
recovers or says how to; without -f the daemon returns once the mount is
ready.

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_fs_lifecycle.py [-v] [-k PAT]

Needs root and /dev/fuse (see fslib.py).  Ends with "suite
integration-fs-lifecycle: passed=N failed=M skipped=S" (and $ACFS_RESULTS).
"""

import errno
import glob
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    ACFS, MOUNT_TIMEOUT, SANITIZED, SLOW, TOP, Daemon, FsCase,
    find_daemon_pids, in_proc_mounts, main, mounts_at, pid_alive,
    sanitizer_report, seed_config, unmount)

PROFILES = {"account_a_role", "account_b_role"}


class TestSignals(FsCase):
    """Acceptance: SIGTERM (and SIGINT) leave no mount behind."""

    def setUp(self):
        super().setUp()
        self.write(self.config, seed_config(self.token_path))

    def stop_with(self, sig, hold_open):
        d = self.start(name="mnt-%d-%d" % (sig, hold_open))
        creds = os.path.join(d.mnt, "account_b_role", "credentials")
        self.assertCredentialsIni(self.read(creds), "account_b_role")
        held = []
        if hold_open:
            # An open descriptor and a process whose cwd is in the mount.
            held.append(open(creds, "rb"))
            sleeper = subprocess.Popen(["sleep", "30"],
                                       cwd=os.path.join(d.mnt,
                                                        "account_b_role"))
            self.addCleanup(lambda: (sleeper.kill(), sleeper.wait()))
        t0 = time.monotonic()
        d.signal(sig)
        try:
            rc = d.wait(10 * SLOW)
        except subprocess.TimeoutExpired:
            self.fail("the daemon did not exit within %ds of signal %d:\n%s"
                      % (10 * SLOW, sig, d.text()[-3000:]))
        took = time.monotonic() - t0
        for f in held:
            f.close()
        self.assertEqual(rc, 0, d.text()[-3000:])
        self.assertFalse(in_proc_mounts(d.mnt), "a mount remains after "
                         "signal %d" % sig)
        self.assertEqual(mounts_at(d.mnt), [])
        self.assertLess(took, 5 * SLOW)
        # The mount point is an ordinary empty directory again.
        self.assertEqual(os.listdir(d.mnt), [])
        self.finish(d)

    def test_sigterm(self):
        self.stop_with(signal.SIGTERM, False)

    def test_sigint(self):
        self.stop_with(signal.SIGINT, False)

    def test_sigterm_while_in_use(self):
        self.stop_with(signal.SIGTERM, True)


class TestKilled(FsCase):
    """Acceptance: after a SIGKILL the next start on the same mount point
    recovers (mounts and serves), or exits with an instruction naming
    fusermount3."""

    def test_restart_after_sigkill(self):
        self.write(self.config, seed_config(self.token_path))
        d = self.start()
        creds = os.path.join(d.mnt, "account_b_role", "credentials")
        self.assertCredentialsIni(self.read(creds), "account_b_role")
        d.kill(signal.SIGKILL)
        d.wait(10)
        # The mount is dead: still listed, or stat says ENOTCONN.
        try:
            os.stat(d.mnt)
            dead = in_proc_mounts(d.mnt)
        except OSError as e:
            self.assertEqual(e.errno, errno.ENOTCONN, e)
            dead = True
        self.assertTrue(dead, "after SIGKILL: neither listed nor ENOTCONN")

        d2 = Daemon(d.mnt, ["config=%s" % self.config,
                            "credentials=%s" % self.creds],
                    self.daemon_env(), os.path.join(self.tmp, "daemon2.err"))
        self.daemons.append(d2)
        self.addCleanup(self._stop_daemon, d2)
        deadline = time.monotonic() + MOUNT_TIMEOUT
        outcome = None
        while time.monotonic() < deadline:
            ms = mounts_at(d.mnt)
            # Recovered when the mount point serves again: the stale
            # mount answers ENOTCONN.  (The new mount may get the same
            # device number: the kernel reuses the one the detached,
            # dead mount gave back.)
            if ms and ms[-1][1].startswith("fuse"):
                try:
                    os.listdir(d.mnt)
                    d2.dev = ms[-1][0]
                    outcome = "recovered"
                    break
                except OSError as e:
                    if e.errno != errno.ENOTCONN:
                        raise
            if d2.proc.poll() is not None:
                outcome = "refused"
                break
            time.sleep(0.02)
        self.assertIsNotNone(outcome, "the second daemon neither mounted nor "
                             "exited:\n" + d2.text()[-3000:])
        if outcome == "recovered":
            self.assertEqual(len(mounts_at(d.mnt)), 1,
                             "the stale mount is still stacked below: %r"
                             % mounts_at(d.mnt))
            self.assertCredentialsIni(self.read(creds), "account_b_role")
            self.assertEqual(PROFILES | set(TOP), set(self.listdir(d.mnt)))
            self.finish(d2)
        else:
            self.assertNotEqual(d2.proc.returncode, 0)
            self.assertIn("fusermount3", d2.text(), d2.text()[-3000:])
            self.finish(d2, want_rc=None)
        sys.stderr.write("[after SIGKILL: %s] " % outcome)


class TestDaemonize(FsCase):
    """Without -f the daemon returns once the mount is ready."""

    def detached_env(self, tag):
        env = self.daemon_env()
        if SANITIZED:
            # Its stderr goes to /dev/null once ready: reports go to files.
            for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS"):
                env[k] = ":".join(x for x in (
                    env.get(k, ""), "log_path=%s" % os.path.join(
                        self.tmp, "san-%s-%s" % (tag, k[:4].lower()))) if x)
        return env

    def san_reports(self):
        out = []
        for p in glob.glob(os.path.join(self.tmp, "san-*")):
            with open(p, errors="replace") as f:
                rep = sanitizer_report(f.read())
            if rep:
                out.append("%s:\n%s" % (p, rep))
        return out

    def kill_pid(self, pid):
        if pid_alive(pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def wait_gone(self, pid, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not pid_alive(pid):
                return True
            time.sleep(0.02)
        return False

    def mount_detached(self, mnt, tag):
        self.addCleanup(unmount, mnt)
        script = '"$1" "$2" -o "$3" && ls -1A "$2"'
        opts = "config=%s,credentials=%s" % (self.config, self.creds)
        t0 = time.monotonic()
        p = self.runp(["sh", "-c", script, "sh", ACFS, mnt, opts],
                      env=self.detached_env(tag), timeout=30 * SLOW)
        took = time.monotonic() - t0
        pids = find_daemon_pids(mnt)
        for pid in pids:
            self.addCleanup(self.kill_pid, pid)
        self.assertEqual(p.returncode, 0, p.stderr.decode()[-3000:])
        self.assertEqual(set(p.stdout.decode().split()), PROFILES | set(TOP),
                         "ls right after the daemon returned: %r" % p.stdout)
        self.assertEqual(len(pids), 1, pids)
        self.assertLess(took, 10 * SLOW)
        return pids[0]

    def test_returns_when_ready(self):
        self.write(self.config, seed_config(self.token_path))
        mnt = self.mnt_path()
        pid = self.mount_detached(mnt, "a")
        self.assertTrue(in_proc_mounts(mnt))
        self.assertCredentialsIni(
            self.read(os.path.join(mnt, "account_b_role", "credentials")),
            "account_b_role")
        # Stopped by its PID.
        os.kill(pid, signal.SIGTERM)
        self.assertTrue(self.wait_gone(pid, 10 * SLOW), "still running")
        self.assertFalse(in_proc_mounts(mnt), "a mount remains")

        # fusermount3 -u ends it too.
        pid = self.mount_detached(mnt, "b")
        p = self.runp(["fusermount3", "-u", mnt], timeout=15)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertTrue(self.wait_gone(pid, 10 * SLOW),
                        "still running after fusermount3 -u")
        self.assertFalse(in_proc_mounts(mnt))
        self.assertEqual(self.san_reports(), [])

        # A start that fails reports it in the exit status.
        p = self.runp([ACFS, mnt, "-o", "config=%s/x/config" % mnt],
                      env=self.detached_env("c"), timeout=30 * SLOW)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("inside", p.stderr.decode())
        self.assertFalse(in_proc_mounts(mnt))
        self.assertEqual(find_daemon_pids(mnt), [])


if __name__ == "__main__":
    sys.exit(main("integration-fs-lifecycle", sys.modules[__name__],
                  sys.argv[1:]))
