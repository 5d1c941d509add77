#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filesystem integration tests: laziness with 1,000 profiles, and single
flight under 64 concurrent readers.

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_fs_scale.py [-v] [-k PAT]

Needs root and /dev/fuse (see fslib.py).  Ends with "suite
integration-fs-scale: passed=N failed=M skipped=S" (and $ACFS_RESULTS).
"""

import collections
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    READ_TIMEOUT, ROLE_A, ROLE_B, ROLES_BN, RUN_TIMEOUT, TOP, FsCase, main,
    seed_config)

N_LAZY = 1000
THREADS = 64


class TestLazy(FsCase):
    """Acceptance: mounting 1,000 profiles makes 0 STS calls; ls lists
    them all; reading every status makes none either."""

    def test_thousand_profiles_no_calls(self):
        names = ["p%04d" % i for i in range(N_LAZY)]
        body = ["[profile base]\nweb_identity_token_file = %s\nrole_arn = %s\n"
                % (self.token_path, ROLE_A)]
        for i, n in enumerate(names):
            body.append("[profile %s]\nsource_profile = base\nrole_arn = %s\n"
                        "role_session_name = sess-%04d\n" % (n, ROLE_B, i))
        self.write(self.config, "\n".join(body))
        t0 = time.monotonic()
        d = self.start()
        ready = time.monotonic() - t0
        self.assertEqual(self.sts_log(), [], "mounting made STS calls")

        # ls (a real ls, and a long one: stat of the directories)
        for argv in (["ls", "-1A", d.mnt], ["ls", "-lA", d.mnt]):
            p = self.runp(argv, timeout=RUN_TIMEOUT)
            self.assertEqual(p.returncode, 0, p.stderr)
            out = p.stdout.decode().splitlines()
            if "-1A" in argv:
                listed = set(out)
            else:
                listed = {ln.split()[-1] for ln in out[1:]}
            self.assertEqual(listed, set(names) | {"base"} | set(TOP),
                             "missing: %s, extra: %s" % (
                                 sorted(set(names) - listed)[:10],
                                 sorted(listed - set(names) - {"base"} -
                                        set(TOP))[:10]))
        self.assertEqual(self.sts_log(), [], "listing made STS calls")

        # Every status: unresolved, and still no call.
        for n in names + ["base"]:
            s = self.status(d.mnt, n)
            self.assertEqual(s.get("state"), "unresolved", (n, s))
            self.assertEqual(s.get("profile"), n)
        self.assertEqual(self.sts_log(), [], "reading status made STS calls")
        top = self.top_status(d.mnt)
        self.assertEqual(top["profiles"]["visible"], N_LAZY + 1, top)
        self.assertEqual(top["profiles"]["hidden"], 0, top)
        self.assertEqual(top["hidden_profiles"], [])
        self.assertEqual(top["sts"]["calls"], 0, top)
        self.assertEqual(self.sts_log(), [])

        # One credentials read resolves exactly that chain.
        c = self.assertCredentialsIni(
            self.read(os.path.join(d.mnt, "p0500", "credentials")), "p0500")
        log = self.sts_log()
        self.assertEqual([r["action"] for r in log],
                         ["AssumeRoleWithWebIdentity", "AssumeRole"], log)
        self.assertEqual(log[1]["role_session_name"], "sess-0500")
        self.assertEqual(log[1]["issued"]["access_key_id"], c["AccessKeyId"])
        sys.stderr.write("[lazy: %d profiles mounted in %.2fs] "
                         % (N_LAZY, ready))
        self.finish(d)


class TestSingleFlight(FsCase):
    """Acceptance: 64 threads reading 10 profiles that share one web
    identity source make exactly one AssumeRoleWithWebIdentity and one
    AssumeRole per distinct role; every read returns identical, complete
    content."""

    def config_text(self, same_role):
        body = ["[profile src]\nweb_identity_token_file = %s\nrole_arn = %s\n"
                % (self.token_path, ROLE_A)]
        for i in range(10):
            if same_role:
                body.append("[profile t%d]\nsource_profile = src\n"
                            "role_arn = %s\nrole_session_name = herd-%d\n"
                            % (i, ROLE_B, i))
            else:
                body.append("[profile t%d]\nsource_profile = src\n"
                            "role_arn = %s\n" % (i, ROLES_BN[i]))
        return "\n".join(body)

    def herd(self, mnt, rounds=1):
        """THREADS threads, released together; thread k reads profile
        k % 10 first, then the other nine in a random order."""
        barrier = threading.Barrier(THREADS)
        reads = collections.defaultdict(list)
        errors = []
        lock = threading.Lock()

        def worker(k):
            order = [k % 10] + random.sample(
                [i for i in range(10) if i != k % 10], 9)
            try:
                barrier.wait(READ_TIMEOUT)
                for _ in range(rounds):
                    for i in order:
                        p = os.path.join(mnt, "t%d" % i, "credentials")
                        with open(p, "rb") as f:
                            data = f.read()
                        with lock:
                            reads[i].append(data)
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append("thread %d: %r" % (k, e))
        threads = [threading.Thread(target=worker, args=(k,), daemon=True)
                   for k in range(THREADS)]
        with self.watchdog(READ_TIMEOUT * 2, "%d concurrent readers"
                           % THREADS):
            for t in threads:
                t.start()
            for t in threads:
                t.join(READ_TIMEOUT * 2 + 5)
        self.assertEqual(errors, [])
        self.assertTrue(all(not t.is_alive() for t in threads), "stuck")
        return reads

    def check(self, same_role):
        self.write(self.config, self.config_text(same_role))
        # Slow STS: every call takes 0.5 s, so that the herd really piles
        # up on the calls in flight.
        self.emu.fault(action="*", kind="delay", seconds=0.5, count=-1)
        d = self.start()
        reads = self.herd(d.mnt)
        self.assertEqual(sorted(reads), list(range(10)))
        keys = {}
        for i, datas in reads.items():
            self.assertEqual(len(datas), THREADS)
            self.assertEqual(len(set(datas)), 1,
                             "t%d: %d different contents" % (i,
                                                           len(set(datas))))
            c = self.assertCredentialsIni(datas[0].decode(), "t%d" % i)
            keys[i] = c["AccessKeyId"]
        self.assertEqual(len(set(keys.values())), 10, keys)

        log = self.sts_log()
        web = [r for r in log if r["action"] == "AssumeRoleWithWebIdentity"]
        ar = [r for r in log if r["action"] == "AssumeRole"]
        self.assertEqual(len(web), 1, [r["action"] for r in log])
        self.assertEqual(len(ar), 10, [(r["role_arn"], r["role_session_name"])
                                       for r in ar])
        self.assertEqual(len(log), 11)
        a_key = web[0]["issued"]["access_key_id"]
        hops = collections.Counter((r["role_arn"], r["role_session_name"])
                                   for r in ar)
        self.assertEqual(set(hops.values()), {1}, hops)
        if not same_role:
            self.assertEqual({r["role_arn"] for r in ar}, set(ROLES_BN))
        for r in ar:
            self.assertEqual(r["status"], 200, r)
            self.assertEqual(r["auth"]["verdict"], "valid")
            self.assertEqual(r["auth"]["access_key_id"], a_key)
        issued = {r["issued"]["access_key_id"] for r in ar}
        self.assertEqual(issued, set(keys.values()))
        # A second herd is served from the cache: no call at all.
        n = len(log)
        again = self.herd(d.mnt)
        for i, datas in again.items():
            self.assertEqual(set(datas), set(reads[i]))
        self.assertEqual(len(self.sts_log()), n)
        self.finish(d)

    def test_ten_roles(self):
        self.check(same_role=False)

    def test_one_role_ten_session_names(self):
        self.check(same_role=True)


class TestStorm(FsCase):
    """Not an acceptance item of its own: 4 threads list directories and
    read files for a few seconds while the profile list changes; the daemon
    must stay up, answer every call, and (sanitizer builds) report
    nothing."""

    SECONDS = 6

    def test_list_and_read_storm(self):
        self.write(self.config, seed_config(self.token_path))
        d = self.start()
        self.assertCredentialsIni(self.read(os.path.join(
            d.mnt, "account_b_role", "credentials")), "account_b_role")
        stop = time.monotonic() + self.SECONDS
        errors = []
        counts = collections.Counter()

        def lister():
            try:
                while time.monotonic() < stop:
                    os.listdir(d.mnt)
                    os.listdir(os.path.join(d.mnt, "account_b_role"))
                    counts["list"] += 2
            except OSError as e:
                errors.append("list: %r" % e)

        def reader():
            try:
                while time.monotonic() < stop:
                    for f in ("status", "credentials", "expiration"):
                        with open(os.path.join(d.mnt, "account_b_role", f),
                                  "rb") as fh:
                            fh.read()
                    with open(os.path.join(d.mnt, "=status"), "rb") as fh:
                        fh.read()
                    counts["read"] += 4
            except OSError as e:
                errors.append("read: %r" % e)

        def editor():
            i = 0
            while time.monotonic() < stop:
                # Atomically (write + rename): no reader of the file ever
                # sees it half written.
                self.write(self.config + ".tmp", seed_config(
                    self.token_path, "\n[profile extra%d]\nregion = "
                    "us-east-1\n" % (i % 3)))
                os.replace(self.config + ".tmp", self.config)
                i += 1
                time.sleep(0.2)
        threads = [threading.Thread(target=f, daemon=True)
                   for f in (lister, lister, reader, reader, editor)]
        with self.watchdog(self.SECONDS + READ_TIMEOUT, "the storm"):
            for t in threads:
                t.start()
            for t in threads:
                t.join(self.SECONDS + READ_TIMEOUT + 5)
        self.assertEqual(errors, [], d.text()[-4000:])
        self.assertIsNone(d.proc.poll(), "the daemon died: " +
                          d.text()[-4000:])
        sys.stderr.write("[storm: %d listings, %d reads] "
                         % (counts["list"], counts["read"]))
        self.finish(d)


if __name__ == "__main__":
    sys.exit(main("integration-fs-scale", sys.modules[__name__],
                  sys.argv[1:]))
