#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filesystem integration tests: the entrypoint mode,

    awscredsfs MNT -o ... --exec PROFILE [--refresh] -- COMMAND [ARG...]

It mounts (or reuses a live mount), runs COMMAND with the profile's
variables, forwards signals, unmounts and exits with COMMAND's status;
nothing is left behind: no mount in /proc/self/mountinfo and no process
whose command line names the test's directory (the supervisor, the daemon
it forked, the command: every command here gets that directory as an
argument, and the cleanup kills whatever still carries it, by PID).

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_fs_exec.py [-v] [-k PAT]

Needs root and /dev/fuse (see fslib.py).  Ends with "suite
integration-fs-exec: passed=N failed=M skipped=S" (and $ACFS_RESULTS).
"""

import fcntl
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import termios
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    ACCT_B, ACFS, AWS_CLI, MOUNT_TIMEOUT, PYTHON, RUN_TIMEOUT, SLOW, FsCase,
    in_proc_mounts, main, mounts_at, pid_alive, pids_where,
    sanitizer_report, seed_config)

# What acfs_session_env_build sets and unsets (common/sessionenv.h).
SET = ("AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_REGION",
       "AWS_DEFAULT_REGION")
UNSET = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ACCESS_KEY_ID",
         "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
         "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
         "AWS_ROLE_SESSION_NAME")


def children(pid):
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return None


class ExecCase(FsCase):
    def setUp(self):
        super().setUp()
        self.write(self.config, seed_config(self.token_path))
        self.mnt = self.mnt_path()
        self.d = self.tmp   # every command gets it as $0 or an argument
        self.addCleanup(self.kill_leftovers)
        self.addCleanup(self.no_sanitizer_report)

    # processes ----------------------------------------------------------
    def procs(self):
        """Live processes whose argv names the test's directory, other
        than this one."""
        tag = self.tmp.encode()
        return [pid for pid in pids_where(lambda argv: any(tag in a
                                                           for a in argv))
                if pid != os.getpid()]

    def kill_leftovers(self):
        left = self.procs()
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if left:
            raise AssertionError("processes left behind: %r" % left)

    def wait_no_procs(self, timeout=10 * SLOW):
        deadline = time.monotonic() + timeout
        while self.procs() and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.procs()

    # running ------------------------------------------------------------
    def argv(self, profile, cmd, mnt=None, mount_opts=True, extra=()):
        a = [ACFS, mnt or self.mnt]
        if mount_opts:
            a += ["-o", "config=%s,credentials=%s" % (self.config,
                                                      self.creds)]
        return a + ["--exec", profile] + list(extra) + ["--"] + list(cmd)

    def sh(self, script):
        """COMMAND: sh -c SCRIPT, with the test's directory as $0."""
        return ["sh", "-c", script, self.d]

    def run_exec(self, profile, cmd, env=None, timeout=RUN_TIMEOUT, **kw):
        p = subprocess.run(self.argv(profile, cmd, **kw),
                           stdin=subprocess.DEVNULL, capture_output=True,
                           env=env or self.daemon_env(), cwd=self.tmp,
                           timeout=timeout)
        p.err = p.stderr.decode("utf-8", "replace")
        p.out = p.stdout.decode("utf-8", "replace")
        rep = sanitizer_report(p.err)
        if rep:
            self.fail("sanitizer report:\n" + rep)
        return p

    def spawn_exec(self, profile, cmd, env=None, pre=None, argv=None):
        err = open(os.path.join(self.tmp, "exec.err"), "ab")
        self.addCleanup(err.close)
        p = subprocess.Popen(argv or self.argv(profile, cmd),
                             stdin=subprocess.DEVNULL,
                             stdout=err, stderr=err,
                             env=env or self.daemon_env(), cwd=self.tmp,
                             preexec_fn=pre)
        self.addCleanup(self.reap_popen, p)
        return p

    @staticmethod
    def reap_popen(p):
        if p.poll() is None:
            p.kill()
        p.wait(30)

    def err_text(self):
        try:
            with open(os.path.join(self.tmp, "exec.err"), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def no_sanitizer_report(self):
        rep = sanitizer_report(self.err_text())
        if rep:
            raise AssertionError("sanitizer report:\n" + rep)

    def wait_file(self, path, proc, timeout=MOUNT_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if os.path.exists(path) and os.path.getsize(path) > 0:
                return
            if proc.poll() is not None:
                self.fail("awscredsfs exited with %s before %s appeared:\n%s"
                          % (proc.returncode, path, self.err_text()[-3000:]))
            time.sleep(0.02)
        self.fail("%s did not appear within %ds:\n%s"
                  % (path, timeout, self.err_text()[-3000:]))

    def assertNothingLeft(self, mnt=None):
        mnt = mnt or self.mnt
        self.assertEqual(mounts_at(mnt), [], "a mount is left on %s" % mnt)
        self.assertFalse(in_proc_mounts(mnt))
        self.assertEqual(self.wait_no_procs(), [], "processes left behind")


class TestRun(ExecCase):
    def test_aws_cli_gets_role_b(self):
        """Acceptance: the AWS CLI in the child calls STS as role B."""
        if not os.access(AWS_CLI, os.X_OK):
            self.fail("%s is missing (apt-get install awscli)" % AWS_CLI)
        env = self.daemon_env(AWS_EC2_METADATA_DISABLED="true", AWS_PAGER="")
        p = self.run_exec("account_b_role", [
            AWS_CLI, "sts", "get-caller-identity", "--endpoint-url",
            self.emu.url, "--region", "us-east-1", "--output", "json"],
            env=env)
        self.assertEqual(p.returncode, 0, p.err[-3000:])
        who = json.loads(p.out)
        self.assertTrue(who["Arn"].startswith(
            "arn:aws:sts::%s:assumed-role/account-b-role/" % ACCT_B), who)
        self.assertEqual(who["Account"], ACCT_B)
        self.assertIn(who["Arn"], [s["arn"] for s in self.sessions().values()])
        self.assertIn("running %s" % AWS_CLI, p.err)
        self.assertNothingLeft()

    def test_exit_status(self):
        cases = [
            ("exit 3", 3),
            ("exit 0", 0),
            ("kill -USR1 $$", 128 + signal.SIGUSR1),
            ("kill -KILL $$", 128 + signal.SIGKILL),
        ]
        for script, want in cases:
            with self.subTest(script=script):
                p = self.run_exec("account_b_role", self.sh(script))
                self.assertEqual(p.returncode, want, p.err[-3000:])
                self.assertNothingLeft()

    def test_cannot_execute(self):
        notexec = os.path.join(self.tmp, "notexec")
        self.write(notexec, "#!/bin/sh\n", mode=0o644)
        cases = [
            ([os.path.join(self.tmp, "no-such-acfs-cmd")], 127,
             "No such file or directory"),
            (["no-such-acfs-cmd-%s" % os.getpid(), self.d], 127,
             "command not found"),
            ([notexec], 126, "Permission denied"),
            ([self.tmp], 126, "Permission denied"),
        ]
        for cmd, want, msg in cases:
            with self.subTest(cmd=cmd[0]):
                p = self.run_exec("account_b_role", cmd)
                self.assertEqual(p.returncode, want, p.err[-3000:])
                self.assertIn("awscredsfs: %s: %s" % (cmd[0], msg), p.err)
                self.assertNothingLeft()

    def test_unknown_profile(self):
        marker = os.path.join(self.tmp, "ran")
        p = self.run_exec("no_such_profile", self.sh("touch $0/ran"))
        self.assertEqual(p.returncode, 125, p.err[-3000:])
        self.assertIn("profile 'no_such_profile' is not in the awscredsfs "
                      "mount %s" % self.mnt, p.err)
        self.assertFalse(os.path.exists(marker), "the command ran")
        self.assertNothingLeft()

    def test_mount_fails(self):
        """A start that fails (config inside the mount) runs nothing."""
        p = subprocess.run(
            [ACFS, self.mnt, "-o", "config=%s/x/config" % self.mnt,
             "--exec", "account_b_role", "--", "touch",
             os.path.join(self.tmp, "ran")],
            stdin=subprocess.DEVNULL, capture_output=True,
            env=self.daemon_env(), timeout=RUN_TIMEOUT)
        self.assertEqual(p.returncode, 125, p.stderr[-3000:])
        self.assertIn(b"inside", p.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.tmp, "ran")))
        self.assertNothingLeft()


class TestEnvironment(ExecCase):
    def setUp(self):
        super().setUp()
        # A region for account_b_role, which the mount's config carries.
        self.write(self.config, seed_config(self.token_path).replace(
            "[profile account_b_role]\n",
            "[profile account_b_role]\nregion = eu-west-2\n"))

    def env_of_child(self, extra):
        env = self.daemon_env(
            AWS_PROFILE="other", AWS_DEFAULT_PROFILE="other2",
            AWS_ACCESS_KEY_ID="AKIAIOSFODNN7EXAMPLE",
            AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
            AWS_SESSION_TOKEN="tok", AWS_SECURITY_TOKEN="tok",
            AWS_ROLE_ARN="arn:aws:iam::%s:role/x" % ACCT_B,
            AWS_WEB_IDENTITY_TOKEN_FILE=self.token_path,
            AWS_ROLE_SESSION_NAME="s", ACFS_TEST_KEEP="kept value")
        p = self.run_exec("account_b_role", ["env", "-0"], env=env,
                          extra=extra)
        self.assertEqual(p.returncode, 0, p.err[-3000:])
        got = dict(x.split("=", 1) for x in p.out.split("\0") if x)
        self.assertNothingLeft()
        return env, got

    def expected(self, env, refresh):
        want = {k: v for k, v in env.items() if k not in UNSET}
        pdir = os.path.join(self.mnt, "account_b_role")
        want["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(pdir,
                                                           "credentials")
        want["AWS_CONFIG_FILE"] = os.path.join(pdir, "config")
        want["AWS_REGION"] = want["AWS_DEFAULT_REGION"] = "eu-west-2"
        if refresh:
            want["AWS_PROFILE"] = "refresh"
        return want

    def test_exact_variables(self):
        env, got = self.env_of_child(())
        self.assertEqual(got, self.expected(env, False))
        for k in SET:
            self.assertIn(k, got)
        for k in UNSET:
            self.assertNotIn(k, got)

    def test_refresh(self):
        env, got = self.env_of_child(("--refresh",))
        self.assertEqual(got, self.expected(env, True))


class TestProcess(ExecCase):
    def test_fds_limits_and_memory(self):
        """COMMAND gets no descriptor of ours and the core limit we were
        started with, and cannot open the daemon's (or the supervisor's)
        /proc/PID/mem.  As in a container, the whole tree runs without
        CAP_SYS_PTRACE (which overrides PR_SET_DUMPABLE); the shell
        opening its own is the control."""
        if not shutil.which("setpriv"):
            self.skipTest("no setpriv (util-linux)")
        out = os.path.join(self.tmp, "out")
        script = (
            'exec > "$0/out"; ls -m /proc/$$/fd; '
            'grep "Max core" /proc/self/limits; '
            'for p in $PPID $(cat /proc/$PPID/task/$PPID/children); do '
            '  if [ $p = $PPID ]; then k=supervisor; '
            '  elif [ $p = $$ ]; then k=self; else k=sibling; fi; '
            '  if dd if=/proc/$p/mem of=/dev/null count=0 2>/dev/null; '
            '  then echo "$k readable"; else echo "$k denied"; fi; '
            'done')
        soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        want_core = 8192 if hard == resource.RLIM_INFINITY or hard >= 8192 \
            else hard

        def pre():
            resource.setrlimit(resource.RLIMIT_CORE, (want_core, hard))
        argv = ["setpriv", "--bounding-set=-sys_ptrace",
                "--inh-caps=-sys_ptrace"] + \
            self.argv("account_b_role", self.sh(script))
        env = self.daemon_env()
        # ASan lowers the soft core limit at start unless told not to.
        env["ASAN_OPTIONS"] = ":".join(x for x in (
            env.get("ASAN_OPTIONS"), "disable_coredump=0") if x)
        p = self.spawn_exec(None, None, pre=pre, argv=argv, env=env)
        p.wait(RUN_TIMEOUT)
        self.assertEqual(p.returncode, 0, self.err_text()[-3000:])
        with open(out) as f:
            lines = f.read().splitlines()
        self.assertEqual(lines[0], "0, 1, 2", lines)
        self.assertEqual(lines[1].split()[4], str(want_core), lines[1])
        self.assertEqual(sorted(lines[2:]), [
            "self readable", "sibling denied", "supervisor denied"], lines)
        self.assertNothingLeft()

    def test_supervisor_killed(self):
        """SIGKILL of awscredsfs: its daemon unmounts (PR_SET_PDEATHSIG)."""
        started = os.path.join(self.tmp, "started")
        p = self.spawn_exec("account_b_role", self.sh(
            'echo $$ > $0/started; while :; do sleep 0.1; done'))
        self.wait_file(started, p)
        kids = children(p.pid)
        self.assertEqual(len(kids), 2, kids)
        p.kill()
        p.wait(10)
        deadline = time.monotonic() + 10 * SLOW
        while in_proc_mounts(self.mnt) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertFalse(in_proc_mounts(self.mnt), "the mount stayed")
        # The command itself lives on (as after any wrapper's SIGKILL).
        with open(started) as f:
            child = int(f.read())
        os.kill(child, signal.SIGKILL)
        self.assertNothingLeft()


class TestSignals(ExecCase):
    SCRIPT = (
        'for s in HUP INT QUIT USR1 USR2; do '
        '  trap "echo $s >> $0/got" $s; '
        'done; '
        'trap "echo TERM >> $0/got; exit 0" TERM; '
        'sh -c "sleep 0.2 & exit 0"; '   # an orphan for the supervisor
        'echo $PPID > $0/started; '
        'while :; do sleep 0.05; done')

    def got(self):
        try:
            with open(os.path.join(self.tmp, "got")) as f:
                return f.read().split()
        except OSError:
            return []

    def wait_got(self, n, p):
        deadline = time.monotonic() + 10 * SLOW
        while len(self.got()) < n and time.monotonic() < deadline:
            if p.poll() is not None:
                break
            time.sleep(0.02)
        return self.got()

    def supervise_signals(self, p, supervisor):
        self.wait_file(os.path.join(self.tmp, "started"), p)
        # The orphaned sleep ends within 0.2 s: it must not stay a zombie.
        time.sleep(1.0)
        for k in children(supervisor):
            self.assertNotEqual(proc_state(k), "Z",
                                "an unreaped child %d" % k)
        sent = []
        for sig in (signal.SIGHUP, signal.SIGINT, signal.SIGQUIT,
                    signal.SIGUSR1, signal.SIGUSR2):
            os.kill(supervisor, sig)
            sent.append(sig.name[3:])
            self.assertEqual(self.wait_got(len(sent), p), sent,
                             self.err_text()[-3000:])
        self.assertTrue(in_proc_mounts(self.mnt))
        os.kill(supervisor, signal.SIGTERM)
        p.wait(RUN_TIMEOUT)
        self.assertEqual(self.got(), sent + ["TERM"])
        self.assertEqual(p.returncode, 0, self.err_text()[-3000:])
        self.assertNothingLeft()

    def test_forwarded(self):
        """Acceptance: SIGTERM (and the others) reach the command."""
        p = self.spawn_exec("account_b_role", self.sh(self.SCRIPT))
        self.supervise_signals(p, p.pid)

    def test_forwarded_as_pid1(self):
        """The same with awscredsfs as PID 1 of a PID namespace, as in a
        container: signals from outside still arrive, orphans are
        reaped."""
        if not shutil.which("unshare"):
            self.skipTest("no unshare (util-linux)")
        argv = ["unshare", "--pid", "--fork", "--kill-child"] + \
            self.argv("account_b_role", self.sh(self.SCRIPT))
        p = self.spawn_exec(None, None, argv=argv)
        self.wait_file(os.path.join(self.tmp, "started"), p)
        with open(os.path.join(self.tmp, "started")) as f:
            self.assertEqual(f.read().strip(), "1", "not PID 1")
        kids = children(p.pid)
        self.assertEqual(len(kids), 1, kids)
        self.supervise_signals(p, kids[0])


class TestTerminal(ExecCase):
    def test_ctrl_c(self):
        """Ctrl-C on the terminal: COMMAND gets one SIGINT (from the
        terminal, not once more from awscredsfs), and the filesystem,
        in a process group of its own, keeps serving while COMMAND
        shuts down."""
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        # Every delivery writes a byte to the wakeup fd: two deliveries
        # count twice (a shell's trap would merge them).
        script = (
            "import os, signal, sys, time\n"
            "d = sys.argv[1]\n"
            "r, w = os.pipe()\n"
            "os.set_blocking(w, False)\n"
            "signal.set_wakeup_fd(w)\n"
            "signal.signal(signal.SIGINT, lambda *a: None)\n"
            "open(d + '/started', 'w').write('1')\n"
            "got = os.read(r, 16)\n"
            "time.sleep(1.0)\n"
            "os.set_blocking(r, False)\n"
            "try:\n"
            "    got += os.read(r, 16)\n"
            "except BlockingIOError:\n"
            "    pass\n"
            "open(d + '/got', 'w').write(' '.join(\n"
            "    signal.Signals(b).name for b in got))\n"
            "c = open(os.environ['AWS_SHARED_CREDENTIALS_FILE']).read()\n"
            "open(d + '/creds', 'w').write(c)\n")
        err = open(os.path.join(self.tmp, "exec.err"), "ab")
        self.addCleanup(err.close)
        p = subprocess.Popen(
            self.argv("account_b_role", [PYTHON, "-c", script, self.d]),
            stdin=slave,
            stdout=slave, stderr=err, env=self.daemon_env(), cwd=self.tmp,
            start_new_session=True,
            preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0))
        os.close(slave)
        self.addCleanup(self.reap_popen, p)
        self.wait_file(os.path.join(self.tmp, "started"), p)
        os.write(master, b"\x03")
        p.wait(RUN_TIMEOUT)
        self.assertEqual(p.returncode, 0, self.err_text()[-3000:])
        with open(os.path.join(self.tmp, "got")) as f:
            self.assertEqual(f.read().split(), ["SIGINT"])
        with open(os.path.join(self.tmp, "creds")) as f:
            self.assertCredentialsIni(f.read(), "account_b_role")
        self.assertNothingLeft()


class TestMounts(ExecCase):
    def test_reuses_a_live_mount(self):
        d = self.start(mnt=self.mnt)
        dev = mounts_at(self.mnt)
        p = self.run_exec("account_b_role",
                          self.sh('cat "$AWS_SHARED_CREDENTIALS_FILE"'),
                          mount_opts=False)
        self.assertEqual(p.returncode, 0, p.err[-3000:])
        self.assertCredentialsIni(p.out, "account_b_role")
        self.assertIn("using the awscredsfs mount already on", p.err)
        # Left in place, served by the same daemon.
        self.assertEqual(mounts_at(self.mnt), dev)
        self.assertIsNone(d.proc.poll())
        self.assertEqual(sorted(self.listdir(self.mnt))[:2],
                         ["=metrics", "=status"])
        # Mount options cannot apply to a mount that exists: said so.
        p = self.run_exec("account_b_role", self.sh("exit 0"))
        self.assertEqual(p.returncode, 0, p.err[-3000:])
        self.assertIn("do not apply", p.err)
        self.assertEqual(mounts_at(self.mnt), dev)
        self.finish(d)

    def test_replaces_a_stale_mount(self):
        d = self.start(mnt=self.mnt)
        d.kill(signal.SIGKILL)
        d.wait(10)
        self.assertTrue(in_proc_mounts(self.mnt))
        p = self.run_exec("account_b_role",
                          self.sh('cat "$AWS_SHARED_CREDENTIALS_FILE"'))
        self.assertEqual(p.returncode, 0, p.err[-3000:])
        self.assertCredentialsIni(p.out, "account_b_role")
        self.assertIn("stale", p.err)
        self.assertNothingLeft()
        self.finish(d, want_rc=None)

    def test_busy_mount_is_detached(self):
        """A process still inside the mount when the command exits: the
        mount is detached lazily, nothing waits for it."""
        bg = os.path.join(self.tmp, "bg")
        p = self.run_exec("account_b_role", self.sh(
            'cd "$(dirname "$AWS_CONFIG_FILE")" || exit 9; '
            'sleep 30 > /dev/null 2>&1 & echo $! > "$0/bg"; exit 0'))
        with open(bg) as f:
            pid = int(f.read())
        self.addCleanup(self.kill_pid, pid)
        self.assertEqual(p.returncode, 0, p.err[-3000:])
        self.assertEqual(mounts_at(self.mnt), [])
        self.assertTrue(pid_alive(pid), "the process in the mount is gone")
        os.kill(pid, signal.SIGKILL)
        self.assertNothingLeft()

    @staticmethod
    def kill_pid(pid):
        if pid_alive(pid):
            os.kill(pid, signal.SIGKILL)


if __name__ == "__main__":
    sys.exit(main("integration-fs-exec", sys.modules[__name__],
                  sys.argv[1:]))
