#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filesystem integration tests: credential_process through the mount.

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_fs_process.py [-v] [-k PAT]

Acceptance of issue 5 for credential_process: the happy path (its keys
chained into an AssumeRole that the STS emulator verifies), a missing
Expiration (long-lived), a non-zero exit with a stderr message, invalid
JSON, a huge output and a hang past the timeout.  Each failure gives a
clear error in the profile's status, the read fails with EIO, and the
daemon stays up and keeps serving the other profiles.  The command never
sees the daemon's own AWS keys.

Needs root and /dev/fuse (see fslib.py).  Ends with "suite
integration-fs-process: passed=N failed=M skipped=S" (and $ACFS_RESULTS).
"""

import errno
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    ACCT_U, ALICE, ALICE_ARN, ROLE_B, SLOW, FsCase, assumed_arn, main,
    pid_alive)

PROCESS_TIMEOUT = 2     # seconds, -o process_timeout=
# The daemon's own keys: the command must not inherit them.
DAEMON_KEYS = ("AKIADAEMON0EXAMPLE01", "daemonSecret/EXAMPLE+daemonSecret000001")


def doc(**fields):
    d = {"Version": 1, "AccessKeyId": ALICE[0], "SecretAccessKey": ALICE[1]}
    d.update(fields)
    return json.dumps({k: v for k, v in d.items() if v is not None})


class TestCredentialProcess(FsCase):

    def script(self, name, body):
        path = os.path.join(self.tmp, name)
        self.write(path, "#!/bin/sh\n" + body, mode=0o700)
        return path

    def setUp(self):
        super().setUp()
        self.envdump = os.path.join(self.tmp, "process-env")
        self.pidfile = os.path.join(self.tmp, "hang.pid")
        exp = time.strftime("%Y-%m-%dT%H:%M:%SZ",
                            time.gmtime(time.time() + 3600))
        ok = self.script("ok.sh", "env > '%s'\ncat <<'EOF'\n%s\nEOF\n"
                         % (self.envdump, doc(Expiration=exp,
                                              AccountId=ACCT_U)))
        noexp = self.script("noexp.sh", "cat <<'EOF'\n%s\nEOF\n" % doc())
        fail = self.script("fail.sh", "echo 'helper: no session for you' >&2"
                           "\nexit 3\n")
        bad = self.script("bad.sh", "echo '{\"Version\": 1, \"AccessKeyId\":'\n")
        v2 = self.script("v2.sh", "cat <<'EOF'\n%s\nEOF\n" % doc(Version=2))
        huge = self.script("huge.sh", "head -c 50000000 /dev/zero | tr '\\0' a\n")
        hang = self.script("hang.sh", "echo $$ > '%s'\nexec sleep 1000\n"
                           % self.pidfile)
        self.write(self.config, "".join(
            "[profile %s]\ncredential_process = %s\n\n" % (n, c) for n, c in (
                ("proc_ok", ok), ("proc_noexp", noexp), ("proc_fail", fail),
                ("proc_bad", bad), ("proc_v2", v2), ("proc_huge", huge),
                ("proc_hang", hang))) +
            "[profile proc_chain]\nsource_profile = proc_ok\n"
            "role_arn = %s\nrole_session_name = chained\n" % ROLE_B)
        env = self.daemon_env(AWS_ACCESS_KEY_ID=DAEMON_KEYS[0],
                              AWS_SECRET_ACCESS_KEY=DAEMON_KEYS[1],
                              AWS_SESSION_TOKEN="daemonSessionToken")
        self.d = self.start(opts=["process_timeout=%d" % PROCESS_TIMEOUT],
                            env=env)

    def path(self, profile, f="credentials"):
        return os.path.join(self.d.mnt, profile, f)

    def assertFailsClearly(self, profile, *words, within=None):
        t0 = time.monotonic()
        with self.assertRaises(OSError) as cm:
            self.read(self.path(profile))
        took = time.monotonic() - t0
        self.assertEqual(cm.exception.errno, errno.EIO, cm.exception)
        if within is not None:
            self.assertLess(took, within, "%s took %.1f s" % (profile, took))
        raw = self.read(self.path(profile, "status"))
        s = json.loads(raw)
        self.assertEqual(s["state"], "error", raw)
        for w in words:
            self.assertIn(w, raw, "status of %s lacks %r" % (profile, w))
        for secret in (ALICE[1], DAEMON_KEYS[1]):
            self.assertNotIn(secret, raw)
        return raw

    def assertDaemonUp(self):
        self.assertTrue(pid_alive(self.d.proc.pid), "the daemon died")
        c = self.process_json(self.d.mnt, "proc_noexp")
        self.assertEqual(c["AccessKeyId"], ALICE[0])

    def test_happy_path_chained_and_no_inherited_keys(self):
        c = self.process_json(self.d.mnt, "proc_ok")
        self.assertEqual((c["AccessKeyId"], c["SecretAccessKey"]), ALICE)
        self.assertEqual(self.caller_arn(c), ALICE_ARN)
        self.assertTrue(self.read(self.path("proc_ok", "expiration")).strip())
        # The chain: the process's keys sign an AssumeRole into role B.
        b = self.process_json(self.d.mnt, "proc_chain")
        self.assertEqual(self.caller_arn(b), assumed_arn(ROLE_B, "chained"))
        self.assertEqual(self.count("AssumeRole"), 1)
        # The command ran without the daemon's keys.
        with open(self.envdump) as f:
            seen = dict(line.rstrip("\n").split("=", 1)
                        for line in f if "=" in line)
        for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                  "AWS_SESSION_TOKEN"):
            self.assertNotIn(k, seen)
        self.assertNotIn(DAEMON_KEYS[1], open(self.envdump).read())

    def test_missing_expiration_is_long_lived(self):
        text = self.read(self.path("proc_noexp"))
        self.assertIn("aws_access_key_id = %s" % ALICE[0], text)
        self.assertNotIn("aws_session_token", text)
        self.assertEqual(self.read(self.path("proc_noexp", "expiration")), "")
        self.assertNotIn("Expiration",
                         self.process_json(self.d.mnt, "proc_noexp"))

    def test_nonzero_exit_with_stderr(self):
        self.assertFailsClearly("proc_fail", "3", "helper: no session for you")
        self.assertDaemonUp()

    def test_invalid_json_and_wrong_version(self):
        self.assertFailsClearly("proc_bad", "JSON")
        self.assertFailsClearly("proc_v2", "Version")
        self.assertDaemonUp()

    def test_huge_output(self):
        self.assertFailsClearly("proc_huge", "bytes", within=10 * SLOW)
        self.assertDaemonUp()

    def test_hang_past_the_timeout(self):
        self.assertFailsClearly("proc_hang", "timed out",
                                within=PROCESS_TIMEOUT + 5 * SLOW)
        with open(self.pidfile) as f:
            pid = int(f.read())
        deadline = time.monotonic() + 5
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertFalse(pid_alive(pid), "the hung command was not killed")
        self.assertDaemonUp()


if __name__ == "__main__":
    sys.exit(main("integration-fs-process", sys.modules[__name__], sys.argv,
                  parallel=True))
