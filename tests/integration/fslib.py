# SPDX-License-Identifier: MIT
"""Helpers for the filesystem integration tests (tests/integration/test_fs_*.py).

Every test mounts awscredsfs on its own temporary directory, with the daemon
in the foreground (-f) as a subprocess of the test, against its own STS
emulator (tests/emulator/sts_emulator.py) on 127.0.0.1.  The daemon gets its
own environment: os.environ without AWS_*, HOME in the test's directory, and
AWS_ENDPOINT_URL_STS naming its emulator.  Cleanup always runs (addCleanup):
unmount (fusermount3 -u, then umount -l), stop the daemon by PID, stop the
emulator by PID, remove the directory.  A sanitizer report in the daemon's
stderr fails the test.

Every operation on the mount is bounded: reads run under a watchdog that,
when it fires, aborts the FUSE connection (fusectl when mounted, else
SIGKILL of the daemon, which aborts it too) so that a hung daemon fails the
test instead of hanging the suite.

Mounting needs root and /dev/fuse.  Without them every test fails, unless
ACFS_SKIP_FUSE=1 turns that into a visible skip with the reason.

Environment:
  ACFS_BUILD        the build directory to test (default <repo>/build)
  ACFS_SKIP_FUSE=1  skip (instead of failing) when mounting is impossible
  ACFS_RESULTS, ACFS_SUITE_PREFIX   as tests/integration/test_sts_resolve.py
"""

import calendar
import configparser
import contextlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))

# PYTHON and jwt_claims are re-exported for the test files.
from test_emulator import (  # noqa: E402,F401
    Emulator, HAVE_BOTOCORE, PYTHON, mint, jwt_claims)
from test_emulator import report_suite as report  # noqa: E402

BUILD = os.environ.get("ACFS_BUILD") or os.path.join(REPO, "build")
ACFS = os.path.join(BUILD, "awscredsfs")
SANITIZED = "san" in os.path.basename(os.path.normpath(BUILD))
AWS_CLI = "/usr/bin/aws"
# Slower under the sanitizers; still bounded.
SLOW = 3 if SANITIZED else 1
MOUNT_TIMEOUT = 20 * SLOW
READ_TIMEOUT = 30 * SLOW
RUN_TIMEOUT = 60 * SLOW

# ---------------------------------------------------------------------------
# The world: SPEC.md section 1 (IRSA chain), as in test_sts_resolve.py.

ACCT_U = "123456789012"
ACCT_A = "111122223333"
ACCT_B = "444455556666"
ISS = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
OIDC_ARN = ("arn:aws:iam::%s:oidc-provider/oidc.eks.us-east-1.amazonaws.com"
            "/id/EXAMPLE" % ACCT_A)
SUB = "system:serviceaccount:default:app"
SUB_ROTATED = "system:serviceaccount:default:rotated"
ROLE_A = "arn:aws:iam::%s:role/account-a-role" % ACCT_A
ROLE_B = "arn:aws:iam::%s:role/account-b-role" % ACCT_B
ROLES_BN = ["arn:aws:iam::%s:role/b-role-%d" % (ACCT_B, i) for i in range(10)]
ALICE_ARN = "arn:aws:iam::%s:user/alice" % ACCT_U
ALICE = ("AKIAALICE0EXAMPLE001", "aliceSecretKey/EXAMPLE+aliceSecretKey0001")

WORLD = {
    "users": [{"arn": ALICE_ARN, "access_key_id": ALICE[0],
               "secret_access_key": ALICE[1]}],
    "oidc_providers": [{"arn": OIDC_ARN, "issuer": ISS,
                        "client_ids": ["sts.amazonaws.com"]}],
    "roles": [
        {"arn": ROLE_A, "max_session_duration": 3600, "trust": [
            {"federated": OIDC_ARN, "sub": [SUB, SUB_ROTATED],
             "aud": "sts.amazonaws.com"}]},
        {"arn": ROLE_B, "max_session_duration": 43200, "trust": [
            {"principal": ROLE_A}, {"principal": ALICE_ARN}]},
    ] + [{"arn": r, "trust": [{"principal": ROLE_A}]} for r in ROLES_BN],
}

SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "LeakSanitizer", "ERROR: UndefinedBehaviorSanitizer",
                   "AddressSanitizer:DEADLYSIGNAL")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# Anything that looks like a secret key or a session token.
SECRETISH = re.compile(r"[A-Za-z0-9+/=]{40,}")
FILES = ("credentials", "expiration", "process.json", "config", "env",
         "status")
TOP = ("=status", "=metrics")


def seed_config(token_path, more=""):
    """SPEC.md section 1: web identity -> account_a_role -> account_b_role."""
    return ("[profile account_b_role]\n"
            "source_profile = account_a_role\n"
            "role_arn = %s\n\n"
            "[profile account_a_role]\n"
            "web_identity_token_file = %s\n"
            "role_arn = %s\n%s" % (ROLE_B, token_path, ROLE_A, more))


def assumed_arn(role_arn, session):
    acct = role_arn.split(":")[4]
    name = role_arn.rsplit("/", 1)[1]
    return "arn:aws:sts::%s:assumed-role/%s/%s" % (acct, name, session)


def iso_epoch(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def parse_ini(text):
    cp = configparser.ConfigParser(interpolation=None,
                                   default_section="\0none")
    cp.read_string(text)
    return cp


# ---------------------------------------------------------------------------
# Mounts

def _unescape(s):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), s)


def mounts_at(path):
    """The mountinfo entries whose mount point is path: [(dev, fstype,
    source)]."""
    out = []
    try:
        with open("/proc/self/mountinfo") as f:
            lines = f.read().splitlines()
    except OSError:
        return out
    for ln in lines:
        left, _, right = ln.partition(" - ")
        a = left.split()
        b = right.split()
        if len(a) >= 5 and _unescape(a[4]) == path:
            out.append((a[2], b[0] if b else "", b[1] if len(b) > 1 else ""))
    return out


def in_proc_mounts(path):
    try:
        with open("/proc/mounts") as f:
            for ln in f:
                p = ln.split()
                if len(p) >= 2 and _unescape(p[1]) == path:
                    return True
    except OSError:
        pass
    return False


def mounts_under(path):
    res = []
    pre = path.rstrip("/") + "/"
    try:
        with open("/proc/mounts") as f:
            for ln in f:
                p = ln.split()
                if len(p) >= 2:
                    m = _unescape(p[1])
                    if m == path or m.startswith(pre):
                        res.append(m)
    except OSError:
        pass
    return res


def unmount(path):
    """fusermount3 -u, falling back to umount -l.  Returns whether nothing
    is mounted at path afterwards."""
    for cmd in (["fusermount3", "-u", path], ["umount", "-l", path]):
        if not in_proc_mounts(path):
            return True
        try:
            subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
    # A stacked mount (a stale one below a live one) needs more rounds.
    for _ in range(3):
        if not in_proc_mounts(path):
            return True
        try:
            subprocess.run(["umount", "-l", path], stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
    return not in_proc_mounts(path)


def fuse_problem():
    """Why mounting is impossible here, or None."""
    if os.geteuid() != 0:
        return "not root (mounting needs root here: /dev/fuse is 0600)"
    if not os.path.exists("/dev/fuse"):
        return "no /dev/fuse"
    if not shutil.which("fusermount3"):
        return "no fusermount3 (apt-get install fuse3)"
    return None


def pid_alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
    except OSError:
        return False
    return st.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def pids_where(match):
    """PIDs of the live processes (not zombies) whose argv (a list of
    bytes) satisfies match."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and match(argv) and pid_alive(int(d)):
            pids.append(int(d))
    return pids


def find_daemon_pids(mnt):
    """PIDs of awscredsfs processes whose argv names mnt (the /proc
    equivalent of pgrep -f MNT, without regex quoting)."""
    return pids_where(lambda argv: os.path.basename(argv[0]) == b"awscredsfs"
                      and mnt.encode() in argv)


def sanitizer_report(text):
    for m in SANITIZER_MARKS:
        i = text.find(m)
        if i >= 0:
            return text[max(0, i - 200):i + 3000]
    return None


class Daemon:
    """One awscredsfs process (foreground, -f) and its mount point."""

    def __init__(self, mnt, opts, env, stderr_path, extra_args=(),
                 foreground=True, prefix=()):
        self.mnt = mnt
        self.stderr_path = stderr_path
        self.stderr = open(stderr_path, "ab")
        # prefix: a command that execs the rest (nsenter --net=...).
        self.args = list(prefix) + [ACFS, mnt] + (["-f"] if foreground else []) + \
            (["-o", ",".join(opts)] if opts else []) + list(extra_args)
        self.env = env
        self.killed = False     # we sent SIGKILL on purpose
        self.rc = None
        self.stopped = False
        self.hung = []
        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                     stdout=self.stderr, stderr=self.stderr,
                                     env=env, cwd="/")
        self.pid = self.proc.pid
        self.dev = None

    def text(self):
        try:
            if not self.stderr.closed:
                self.stderr.flush()
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def wait_mounted(self, timeout=MOUNT_TIMEOUT):
        """Waits (bounded) until the mount appears in /proc/mounts.
        Returns None when it did, else the reason."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ms = mounts_at(self.mnt)
            if ms and ms[-1][1].startswith("fuse") and \
                    in_proc_mounts(self.mnt):
                self.dev = ms[-1][0]
                return None
            if self.proc.poll() is not None:
                return "the daemon exited with %s before mounting:\n%s" % (
                    self.proc.returncode, self.text()[-4000:])
            time.sleep(0.02)
        return "no mount at %s after %ds:\n%s" % (self.mnt, timeout,
                                                  self.text()[-4000:])

    def abort(self, why):
        """The daemon is hung: abort its connection so that blocked
        syscalls return, and remember why."""
        self.hung.append(why)
        try:
            stacks = []
            for t in sorted(os.listdir("/proc/%d/task" % self.pid)):
                try:
                    with open("/proc/%d/task/%s/wchan" % (self.pid, t)) as f:
                        stacks.append("%s:%s" % (t, f.read()))
                except OSError:
                    pass
            self.hung.append("daemon threads (tid:wchan): " + " ".join(stacks))
        except OSError:
            pass
        if self.dev:
            minor = self.dev.split(":")[1]
            p = "/sys/fs/fuse/connections/%s/abort" % minor
            if os.path.exists(p):
                try:
                    with open(p, "w") as f:
                        f.write("1")
                    return
                except OSError:
                    pass
        self.kill()

    def kill(self, sig=signal.SIGKILL):
        if self.proc.poll() is None:
            self.killed = True
            self.proc.send_signal(sig)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        self.rc = self.proc.wait(timeout)
        return self.rc

    def stop(self):
        """Unmounts and stops the daemon (idempotent).  Returns a list of
        problems (empty: clean)."""
        if self.stopped:
            return []
        self.stopped = True
        problems = []
        crashed_before = self.proc.poll()
        unmounted = unmount(self.mnt)
        if not unmounted:
            problems.append("could not unmount %s" % self.mnt)
        if self.proc.poll() is None:
            try:
                # Unmounting ends the loop; give it a moment.
                self.proc.wait(10 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(10 * SLOW)
                except subprocess.TimeoutExpired:
                    self.killed = True
                    self.proc.kill()
                    self.proc.wait(10)
                problems.append("the daemon did not exit after unmount")
        self.rc = self.proc.returncode
        self.stderr.close()
        text = self.text()
        rep = sanitizer_report(text)
        if rep:
            problems.append("sanitizer report in the daemon's stderr:\n" + rep)
        if crashed_before is not None and crashed_before < 0 and \
                not self.killed:
            problems.append("the daemon died of signal %d:\n%s"
                            % (-crashed_before, text[-3000:]))
        if self.hung:
            problems.append("hung: " + "; ".join(self.hung))
        return problems


# ---------------------------------------------------------------------------
# The test base

class FsCase(unittest.TestCase):
    """A temporary directory, an emulator, daemons; all cleaned up."""

    world = WORLD

    def setUp(self):
        why = fuse_problem()
        if why:
            if os.environ.get("ACFS_SKIP_FUSE") == "1":
                self.skipTest("cannot mount (%s); ACFS_SKIP_FUSE=1" % why)
            self.fail("cannot mount: %s (set ACFS_SKIP_FUSE=1 to skip)" % why)
        if not HAVE_BOTOCORE:
            self.fail("botocore is missing (apt-get install python3-botocore;"
                      " run with /usr/bin/python3)")
        if not os.access(ACFS, os.X_OK):
            self.fail("%s is missing: build it first (make tests)" % ACFS)
        self.tmp = tempfile.mkdtemp(prefix="acfs-it-fs-")
        self.addCleanup(self._rmtree)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(self.home, ".aws"))
        self.config = os.path.join(self.tmp, "config")
        self.creds = os.path.join(self.tmp, "credentials")
        self.token_path = os.path.join(self.tmp, "token")
        self.daemons = []
        self.emu = self.start_emulator()
        self.token = self.write_token(SUB)
        self.write(self.creds, "")

    def _rmtree(self):
        left = mounts_under(self.tmp)
        for m in sorted(left, key=len, reverse=True):
            unmount(m)
        left = mounts_under(self.tmp)
        if left:
            raise AssertionError("mounts left behind, not removing %s: %s"
                                 % (self.tmp, left))
        shutil.rmtree(self.tmp, True)

    def start_emulator(self, world=None, extra_args=()):
        emu = Emulator(world=world or self.world, extra_args=extra_args,
                       name="fs")
        self.addCleanup(emu.stop)
        return emu

    # files ----------------------------------------------------------------
    @staticmethod
    def write(path, text, mode=0o600):
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)

    def write_token(self, sub, path=None, ttl=3600):
        tok = mint(iss=ISS, sub=sub, aud="sts.amazonaws.com", ttl=ttl)
        self.write(path or self.token_path, tok + "\n")
        return tok

    # daemons ----------------------------------------------------------------
    def daemon_env(self, emu=None, **extra):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env["HOME"] = self.home
        env["AWS_ENDPOINT_URL_STS"] = (emu or self.emu).url
        env.setdefault("PATH", "/usr/bin:/bin")
        env.setdefault("LANG", "C.UTF-8")
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def mnt_path(self, name="mnt"):
        p = os.path.join(self.tmp, name)
        os.makedirs(p, exist_ok=True)
        return p

    def start(self, opts=None, mnt=None, config=None, creds=None, env=None,
              emu=None, extra_args=(), wait=True, name="mnt", prefix=()):
        """Starts a foreground daemon; with wait, asserts that it mounts."""
        mnt = mnt or self.mnt_path(name)
        o = ["config=%s" % (config or self.config),
             "credentials=%s" % (self.creds if creds is None else creds)]
        o += list(opts or [])
        d = Daemon(mnt, o, env or self.daemon_env(emu),
                   os.path.join(self.tmp, "daemon-%d.err" % len(self.daemons)),
                   extra_args=extra_args, prefix=prefix)
        self.daemons.append(d)
        self.addCleanup(self._stop_daemon, d)
        if wait:
            why = d.wait_mounted()
            if why:
                self.fail(why)
        return d

    def _stop_daemon(self, d):
        problems = d.stop()
        if problems:
            raise AssertionError("\n".join(problems))

    def finish(self, d, want_rc=0):
        """Unmounts now and asserts a clean exit (rc, no sanitizer report,
        nothing hung)."""
        problems = d.stop()
        if problems:
            self.fail("\n".join(problems))
        if want_rc is not None:
            self.assertEqual(d.rc, want_rc, d.text()[-3000:])

    # bounded operations on the mount ----------------------------------------
    @contextlib.contextmanager
    def watchdog(self, seconds, what):
        fired = []

        def fire():
            fired.append(1)
            for d in self.daemons:
                if not d.stopped and d.proc.poll() is None:
                    d.abort("%s took over %ss" % (what, seconds))
        t = threading.Timer(seconds, fire)
        t.daemon = True
        t.start()
        try:
            yield
        finally:
            t.cancel()
            if fired:
                raise AssertionError("hung: %s took over %ss (the FUSE "
                                     "connection was aborted)" % (what, seconds))

    def read_bytes(self, path, timeout=READ_TIMEOUT):
        with self.watchdog(timeout, "reading %s" % path):
            with open(path, "rb") as f:
                return f.read()

    def read(self, path, timeout=READ_TIMEOUT):
        return self.read_bytes(path, timeout).decode("utf-8")

    def read_fd_sized(self, path, timeout=READ_TIMEOUT):
        """One open: (fstat size, content)."""
        with self.watchdog(timeout, "reading %s" % path):
            fd = os.open(path, os.O_RDONLY)
            try:
                size = os.fstat(fd).st_size
                chunks = []
                while True:
                    b = os.read(fd, 65536)
                    if not b:
                        break
                    chunks.append(b)
                return size, b"".join(chunks)
            finally:
                os.close(fd)

    def listdir(self, path, timeout=READ_TIMEOUT):
        with self.watchdog(timeout, "listing %s" % path):
            return os.listdir(path)

    def stat(self, path, timeout=READ_TIMEOUT):
        with self.watchdog(timeout, "stat %s" % path):
            return os.stat(path)

    def status(self, mnt, profile):
        return json.loads(self.read(os.path.join(mnt, profile, "status")))

    def top_status(self, mnt):
        return json.loads(self.read(os.path.join(mnt, "=status")))

    def process_json(self, mnt, profile):
        return json.loads(self.read(os.path.join(mnt, profile,
                                                 "process.json")))

    def runp(self, argv, env=None, timeout=RUN_TIMEOUT, **kw):
        return subprocess.run(argv, stdin=subprocess.DEVNULL,
                              capture_output=True, env=env, timeout=timeout,
                              **kw)

    # the emulator -------------------------------------------------------------
    def sts_log(self, emu=None, **filters):
        return [r for r in (emu or self.emu).log(**filters) if r.get("action")]

    def count(self, action, emu=None, **filters):
        return len(self.sts_log(emu, action=action, **filters))

    def sessions(self, emu=None):
        st, s = (emu or self.emu).control("GET", "sessions")
        self.assertEqual(st, 200)
        return {x["access_key_id"]: x for x in s}

    def set_lifetime(self, seconds, emu=None):
        st, cfg = (emu or self.emu).control("POST", "config",
                                            {"lifetime_seconds": seconds})
        self.assertEqual(st, 200, cfg)

    def caller_arn(self, c, emu=None):
        """GetCallerIdentity with the triple c (AccessKeyId,
        SecretAccessKey, SessionToken): the emulator checks that secret and
        token belong to the key.  Returns the caller ARN."""
        cl = (emu or self.emu).client((c["AccessKeyId"], c["SecretAccessKey"]),
                                      token=c.get("SessionToken"))
        return cl.get_caller_identity()["Arn"]

    # content checks -----------------------------------------------------------
    def assertCredentialsIni(self, text, profile):
        """The INI is complete: [default] and [profile], both with the same
        three keys.  Returns the triple as a process.json-like dict."""
        cp = parse_ini(text)
        self.assertEqual(set(cp.sections()), {"default", profile}, text)
        got = []
        for s in ("default", profile):
            sec = cp[s]
            self.assertEqual(set(sec.keys()), {
                "aws_access_key_id", "aws_secret_access_key",
                "aws_session_token"}, text)
            got.append((sec["aws_access_key_id"], sec["aws_secret_access_key"],
                        sec["aws_session_token"]))
        self.assertEqual(got[0], got[1], "the two sections differ: %r" % text)
        k, s, t = got[0]
        self.assertRegex(k, r"^ASIA[A-Z0-9]{16}$")
        self.assertEqual(len(s), 40)
        self.assertTrue(t)
        return {"AccessKeyId": k, "SecretAccessKey": s, "SessionToken": t}


# ---------------------------------------------------------------------------
# Running and reporting

def _flatten(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from _flatten(t)
        else:
            yield t


def main(name, module, argv, parallel=False):
    """Runs module's tests (-v, -k PATTERN).  With parallel, every test runs
    in its own thread (they wait on clocks, not on the CPU); each test's
    output is printed when it ends."""
    verbosity = 2 if "-v" in argv else 1
    loader = unittest.TestLoader()
    if "-k" in argv:
        loader.testNamePatterns = ["*%s*" % argv[argv.index("-k") + 1]]
    suite = loader.loadTestsFromModule(module)
    t0 = time.monotonic()
    results = []
    if parallel:
        lock = threading.Lock()
        tests = list(_flatten(suite))

        def one(t):
            buf = io.StringIO()
            r = unittest.TextTestRunner(stream=buf, verbosity=verbosity) \
                .run(unittest.TestSuite([t]))
            with lock:
                sys.stderr.write(buf.getvalue())
                sys.stderr.flush()
                results.append(r)
        threads = [threading.Thread(target=one, args=(t,)) for t in tests]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
    else:
        results.append(unittest.TextTestRunner(
            stream=sys.stderr, verbosity=verbosity).run(suite))
    run = sum(r.testsRun for r in results)
    # A test with failing subtests counts once.
    bad = set()
    for r in results:
        for t, _ in r.failures + r.errors:
            bad.add(getattr(t, "test_case", t).id())
        for t in r.unexpectedSuccesses:
            bad.add(t.id())
    failed = len(bad)
    skipped = sum(len(r.skipped) for r in results)
    xfail = sum(len(r.expectedFailures) for r in results)
    passed = max(0, run - failed - skipped - xfail)
    sys.stderr.write("%s: %d tests in %.1fs\n" % (name, run,
                                                  time.monotonic() - t0))
    report(name, passed, failed, skipped)
    return 1 if failed else 0
