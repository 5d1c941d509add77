#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filesystem integration tests on the clock: refresh before expiry, and
stale-but-valid serving while STS fails.  The tests wait on time, not on the
CPU, so they run concurrently (one thread each).

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_fs_timing.py [-v] [-k PAT]

  ACFS_IT_REFRESH_SECONDS  how long the refresh reader runs (default 240)

Needs root and /dev/fuse (see fslib.py).  Ends with "suite
integration-fs-timing: passed=N failed=M skipped=S" (and $ACFS_RESULTS).
"""

import errno
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    ROLE_A, ROLE_B, SLOW, FsCase, iso_epoch, main, seed_config)

LIFETIME = 90
WINDOW = 30
# The emulator's expirations are whole seconds (int(now) + lifetime), and a
# read takes a moment: this much below the window is still "30 s left".
SLACK = 2.0
STS_TIMEOUT = 3
# "within ~5 s" for a read that has to give up (sts_timeout=3).
FAIL_BOUND = STS_TIMEOUT + 2.0 * SLOW


class TestRefresh(FsCase):
    """Acceptance: 90 s credentials, a 30 s window, a reader every second
    for 4 minutes: never under 30 s left, never a torn file, and the STS
    calls per hop within 1 of the ideal count."""

    def test_refresh_before_expiry(self):
        duration = float(os.environ.get("ACFS_IT_REFRESH_SECONDS", "240"))
        self.set_lifetime(LIFETIME)
        self.write(self.config, seed_config(self.token_path))
        d = self.start(["refresh_window=%d" % WINDOW])
        pdir = os.path.join(d.mnt, "account_b_role")
        creds_p = os.path.join(pdir, "credentials")
        pj_p = os.path.join(pdir, "process.json")
        exp_p = os.path.join(pdir, "expiration")
        verified = {}       # (key, secret, token) -> caller ARN
        keys = []           # distinct keys, in the order seen
        races = 0
        reads = 0
        min_left = None
        t_start = time.time()
        while time.time() - t_start < duration:
            tick = time.monotonic()
            # credentials, process.json, expiration, process.json: one open
            # each.
            ini = self.read(creds_p)
            pj1 = json.loads(self.read(pj_p))
            exp = self.read(exp_p)
            pj2 = json.loads(self.read(pj_p))
            now = time.time()
            reads += 1
            c = self.assertCredentialsIni(ini, "account_b_role")
            sess = self.sessions()
            for doc in (pj1, pj2):
                self.assertEqual(doc.get("Version"), 1, doc)
                s = sess.get(doc["AccessKeyId"])
                self.assertIsNotNone(s, "process.json names a key the "
                                     "emulator never issued: %r" % doc)
                self.assertEqual(s["role_arn"], ROLE_B)
                # Expiration belongs to that very session.
                self.assertEqual(doc["Expiration"], s["expiration_iso"], doc)
            s = sess.get(c["AccessKeyId"])
            self.assertIsNotNone(s, "credentials names an unknown key")
            # Never under the window (each file, at the time it was read:
            # now is later than every read).
            for e in (s["expiration_iso"], pj1["Expiration"],
                      pj2["Expiration"]):
                left = iso_epoch(e) - now
                min_left = left if min_left is None else min(min_left, left)
                self.assertGreaterEqual(
                    left, WINDOW - SLACK,
                    "read %d at +%.1fs: credentials with %.1fs left (window "
                    "%d)" % (reads, now - t_start, left, WINDOW))
            if c["AccessKeyId"] == pj1["AccessKeyId"] == pj2["AccessKeyId"]:
                # One session throughout: every piece agrees.
                for k in ("SecretAccessKey", "SessionToken"):
                    self.assertEqual(c[k], pj1[k], k)
                    self.assertEqual(pj1[k], pj2[k], k)
                self.assertEqual(exp, pj1["Expiration"] + "\n")
            else:
                # A refresh between two reads: later reads are newer.
                races += 1
                seqs = [sess[x]["issued_seq"] for x in (
                    c["AccessKeyId"], pj1["AccessKeyId"], pj2["AccessKeyId"])]
                self.assertEqual(seqs, sorted(seqs), "older after newer")
            # The secret and token of each file belong to its key: the
            # emulator verifies a signature made with them.
            for trip in (c, pj1):
                t = (trip["AccessKeyId"], trip["SecretAccessKey"],
                     trip["SessionToken"])
                if t not in verified:
                    verified[t] = self.caller_arn(trip)
                    self.assertEqual(verified[t], sess[t[0]]["arn"])
                if t[0] not in keys:
                    keys.append(t[0])
            rest = 1.0 - (time.monotonic() - tick)
            if rest > 0:
                time.sleep(rest)

        elapsed = time.time() - t_start
        ideal = elapsed / (LIFETIME - WINDOW)
        ar = self.sts_log(action="AssumeRole")
        web = self.sts_log(action="AssumeRoleWithWebIdentity")
        sys.stderr.write("[refresh: %d reads in %.0fs, %d keys, AssumeRole %d,"
                         " web identity %d, ideal %.1f, min left %.1fs, "
                         "races %d] " % (reads, elapsed, len(keys), len(ar),
                                         len(web), ideal, min_left or -1,
                                         races))
        for r in ar + web:
            self.assertEqual(r["status"], 200, r)
        for r in ar:
            self.assertEqual(r["role_arn"], ROLE_B)
            self.assertEqual(r["auth"]["verdict"], "valid", r)
            self.assertEqual(r["caller"]["role_arn"], ROLE_A)
        self.assertLessEqual(abs(len(ar) - ideal), 1.0,
                             "AssumeRole calls: %d, ideal %.1f" % (len(ar),
                                                                   ideal))
        # The hop below is refreshed only when needed, never more often.
        self.assertGreaterEqual(len(web), 1)
        self.assertLessEqual(len(web), ideal + 1.0,
                             "web identity calls: %d, ideal %.1f" % (
                                 len(web), ideal))
        # Every key we saw is one issued session; each race is a refresh.
        self.assertEqual(len(keys), len(ar))
        self.assertLessEqual(races, len(ar))
        self.assertEqual(self.status(d.mnt, "account_b_role")["state"],
                         "fresh")
        self.finish(d)


class TestStaleButValid(FsCase):
    """Acceptance: STS fails (503) after the first issue: reads keep the
    cached credentials until expiry with the error in status; after expiry
    EIO within the bound; once STS recovers the next read succeeds."""

    def timed_read(self, path):
        t0 = time.monotonic()
        try:
            return self.read(path), None, time.monotonic() - t0
        except OSError as e:
            return None, e, time.monotonic() - t0

    def test_stale_then_eio_then_recovery(self):
        self.set_lifetime(LIFETIME)
        self.write(self.config, seed_config(self.token_path))
        d = self.start(["refresh_window=%d" % WINDOW,
                        "sts_timeout=%d" % STS_TIMEOUT])
        pdir = os.path.join(d.mnt, "account_b_role")
        creds_p = os.path.join(pdir, "credentials")
        c0 = self.assertCredentialsIni(self.read(creds_p), "account_b_role")
        pj0 = self.process_json(d.mnt, "account_b_role")
        self.assertEqual(pj0["AccessKeyId"], c0["AccessKeyId"])
        exp0 = iso_epoch(pj0["Expiration"])
        self.assertGreater(exp0 - time.time(), WINDOW)
        n_ok = len(self.sts_log())
        self.emu.fault(action="*", kind="status", status=503,
                       code="ServiceUnavailable",
                       message="Service unavailable for the test", count=-1)

        # Until expiry: the cached credentials, fresh and then stale-valid.
        states = []
        stale_status = None
        slow = []
        while time.time() < exp0 - 1.5:
            tick = time.monotonic()
            ini, err, took = self.timed_read(creds_p)
            now = time.time()
            self.assertIsNone(err, "read at %.1fs before expiry failed: %s"
                              % (exp0 - now, err))
            if took > FAIL_BOUND:
                slow.append(round(took, 2))
            c = self.assertCredentialsIni(ini, "account_b_role")
            self.assertEqual(c, c0, "not the cached credentials")
            self.assertEqual(self.read(os.path.join(pdir, "expiration")),
                             pj0["Expiration"] + "\n")
            raw = self.read(os.path.join(pdir, "status"))
            s = json.loads(raw)
            states.append(s.get("state"))
            if s.get("state") == "stale-valid":
                stale_status = raw
            elif now < exp0 - WINDOW - 2:
                self.assertEqual(s.get("state"), "fresh", s)
            rest = 1.0 - (time.monotonic() - tick)
            if rest > 0:
                time.sleep(rest)
        self.assertEqual(slow, [], "stale reads slower than %.1fs"
                         % FAIL_BOUND)
        self.assertIsNotNone(stale_status, "never stale-valid: %s" % states)
        self.assertRegex(stale_status, r"ServiceUnavailable|503")
        failed = [r for r in self.sts_log()[n_ok:]]
        self.assertGreaterEqual(len(failed), 1, "no refresh was attempted")
        self.assertTrue(all(r["status"] == 503 for r in failed))
        sys.stderr.write("[stale: %d STS attempts while stale] "
                         % len(failed))

        # After expiry: EIO, each within the bound; never the old keys.
        while time.time() < exp0 + 1.0:
            time.sleep(0.1)
        for f in ("credentials", "process.json", "env", "credentials"):
            _, err, took = self.timed_read(os.path.join(pdir, f))
            self.assertIsNotNone(err, "%s served after expiry" % f)
            self.assertEqual(err.errno, errno.EIO, err)
            self.assertLessEqual(took, FAIL_BOUND, "%s failed after %.2fs"
                                 % (f, took))
        raw = self.read(os.path.join(pdir, "status"))
        s = json.loads(raw)
        self.assertEqual(s.get("state"), "error", s)
        self.assertRegex(raw, r"ServiceUnavailable|503")

        # STS recovers: the next read succeeds, with new credentials.
        st, _ = self.emu.control("DELETE", "faults")
        self.assertEqual(st, 200)
        ini, err, took = self.timed_read(creds_p)
        self.assertIsNone(err, "the first read after recovery failed: %s"
                          % err)
        self.assertLessEqual(took, FAIL_BOUND)
        c = self.assertCredentialsIni(ini, "account_b_role")
        self.assertNotEqual(c["AccessKeyId"], c0["AccessKeyId"])
        pj = self.process_json(d.mnt, "account_b_role")
        self.assertEqual(pj["AccessKeyId"], c["AccessKeyId"])
        self.assertGreaterEqual(iso_epoch(pj["Expiration"]) - time.time(),
                                WINDOW - SLACK)
        self.assertEqual(self.status(d.mnt, "account_b_role")["state"],
                         "fresh")
        self.finish(d)


if __name__ == "__main__":
    sys.exit(main("integration-fs-timing", sys.modules[__name__],
                  sys.argv[1:], parallel=True))
