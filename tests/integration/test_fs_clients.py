#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filesystem integration tests: real clients, file contents, permissions,
secrets kept out of logs, and a config inside the mount.

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_fs_clients.py [-v] [-k PAT]

Needs root and /dev/fuse (see fslib.py; ACFS_SKIP_FUSE=1 skips instead of
failing).  Ends with "suite integration-fs-clients: passed=N failed=M
skipped=S" and appends "integration-fs-clients N M S" to $ACFS_RESULTS.
"""

import errno
import json
import os
import stat
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    ACFS, ACCT_B, ALICE, AWS_CLI, FILES, ISO_Z, PYTHON, ROLE_A, ROLE_B,
    SECRETISH, TOP, FsCase, in_proc_mounts, main, mounts_at,
    sanitizer_report, seed_config, unmount)

BOTO_WHOAMI = r"""
import json, sys
import botocore.session
from botocore.config import Config
s = botocore.session.Session(profile=sys.argv[2] or None)
c = s.create_client("sts", region_name="us-east-1", endpoint_url=sys.argv[1],
                    config=Config(retries={"total_max_attempts": 1}))
print(json.dumps(c.get_caller_identity()))
"""


class ClientCase(FsCase):
    def client_env(self, config, creds, **extra):
        home = os.path.join(self.tmp, "client-home-%d" % time.monotonic_ns())
        os.makedirs(home)
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
               "AWS_CONFIG_FILE": config,
               "AWS_SHARED_CREDENTIALS_FILE": creds,
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": ""}
        env.update(extra)
        return env

    def aws_whoami(self, config, creds):
        if not os.access(AWS_CLI, os.X_OK):
            self.fail("%s is missing (apt-get install awscli)" % AWS_CLI)
        p = self.runp([AWS_CLI, "sts", "get-caller-identity", "--endpoint-url",
                      self.emu.url, "--region", "us-east-1", "--output",
                      "json"], env=self.client_env(config, creds),
                     cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr.decode()[-3000:])
        return json.loads(p.stdout)

    def boto_whoami(self, config, creds, profile=""):
        p = self.runp([PYTHON, "-c", BOTO_WHOAMI, self.emu.url, profile],
                     env=self.client_env(config, creds), cwd=self.tmp)
        self.assertEqual(p.returncode, 0, p.stderr.decode()[-3000:])
        return json.loads(p.stdout)


class TestSeedChainClients(ClientCase):
    """Acceptance: the seed chain read by real clients."""

    def setUp(self):
        super().setUp()
        self.write(self.config, seed_config(self.token_path))
        self.d = self.start()
        self.mnt = self.d.mnt
        self.pdir = os.path.join(self.mnt, "account_b_role")

    def test_aws_cli_and_botocore(self):
        pj = self.process_json(self.mnt, "account_b_role")
        sess = self.sessions()
        self.assertIn(pj["AccessKeyId"], sess)
        want = sess[pj["AccessKeyId"]]["arn"]
        self.assertTrue(want.startswith(
            "arn:aws:sts::%s:assumed-role/account-b-role/" % ACCT_B), want)
        creds = os.path.join(self.pdir, "credentials")
        cfg = os.path.join(self.pdir, "config")

        # AWS CLI v2: the credentials file only, then with the profile's
        # own config file.
        for config in ("/dev/null", cfg):
            with self.subTest(client="aws-cli", config=config):
                who = self.aws_whoami(config, creds)
                self.assertEqual(who["Arn"], want)
                self.assertEqual(who["Account"], ACCT_B)
        # botocore with the per-profile pair; and through the
        # credential_process profile the config file offers.
        with self.subTest(client="botocore"):
            who = self.boto_whoami(cfg, creds)
            self.assertEqual(who["Arn"], want)
        with self.subTest(client="botocore credential_process"):
            cp = self.read(cfg)
            if "[profile refresh]" in cp:
                who = self.boto_whoami(cfg, "/dev/null", "refresh")
                self.assertEqual(who["Arn"], want)

        log = self.sts_log()
        gci = [r for r in log if r["action"] == "GetCallerIdentity"]
        self.assertGreaterEqual(len(gci), 3, log)
        self.assertTrue(any("aws-cli/2" in (r["user_agent"] or "")
                            for r in gci), [r["user_agent"] for r in gci])
        for r in gci:
            self.assertEqual(r["status"], 200, r)
            self.assertEqual(r["auth"]["access_key_id"], pj["AccessKeyId"])
        # Every signature the emulator saw was valid; the chain ran once.
        for r in log:
            if r["auth"]["present"]:
                self.assertEqual(r["auth"]["verdict"], "valid", r)
        web = [r for r in log if r["action"] == "AssumeRoleWithWebIdentity"]
        ar = [r for r in log if r["action"] == "AssumeRole"]
        self.assertEqual(len(web), 1, web)
        self.assertEqual(len(ar), 1, ar)
        self.assertEqual(ar[0]["role_arn"], ROLE_B)
        self.assertEqual(ar[0]["caller"]["role_arn"], ROLE_A)
        self.assertEqual(ar[0]["auth"]["access_key_id"],
                         web[0]["issued"]["access_key_id"])
        self.assertEqual(ar[0]["issued"]["access_key_id"], pj["AccessKeyId"])
        self.finish(self.d)

    def test_file_contents(self):
        ini = self.read(os.path.join(self.pdir, "credentials"))
        c = self.assertCredentialsIni(ini, "account_b_role")
        pj = self.process_json(self.mnt, "account_b_role")
        self.assertEqual(pj.get("Version"), 1, pj)
        for k in ("AccessKeyId", "SecretAccessKey", "SessionToken",
                  "Expiration"):
            self.assertIsInstance(pj.get(k), str, k)
        for k in ("AccessKeyId", "SecretAccessKey", "SessionToken"):
            self.assertEqual(pj[k], c[k], k)
        sess = self.sessions()[pj["AccessKeyId"]]
        self.assertEqual(pj["Expiration"], sess["expiration_iso"])
        self.assertEqual(sess["role_arn"], ROLE_B)
        # expiration: exactly one ISO 8601 UTC line, process.json's.
        exp = self.read(os.path.join(self.pdir, "expiration"))
        self.assertTrue(exp.endswith("\n"), repr(exp))
        self.assertEqual(exp.count("\n"), 1, repr(exp))
        self.assertRegex(exp.rstrip("\n"), ISO_Z)
        self.assertEqual(exp.rstrip("\n"), pj["Expiration"])
        # env: sourcing it exports the same key.
        p = self.runp(["sh", "-c", '. "$1" && printf "%s\\n%s" '
                      '"$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY"', "sh",
                      os.path.join(self.pdir, "env")])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(p.stdout.decode().split("\n"),
                         [pj["AccessKeyId"], pj["SecretAccessKey"]])

        # Modes and sizes: stat's size is what read returns, for every file
        # (through the path and through the descriptor).
        st = self.stat(self.mnt)
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        paths = [os.path.join(self.pdir, f) for f in FILES] + \
            [os.path.join(self.mnt, f) for f in TOP]
        for p in paths:
            with self.subTest(file=p):
                st = self.stat(p)
                self.assertTrue(stat.S_ISREG(st.st_mode), oct(st.st_mode))
                self.assertEqual(stat.S_IMODE(st.st_mode), 0o400,
                                 oct(st.st_mode))
                self.assertEqual((st.st_uid, st.st_gid), (0, 0))
                data = self.read_bytes(p)
                st2 = self.stat(p)
                self.assertEqual(st2.st_size, len(data),
                                 "stat %d vs read %d" % (st2.st_size,
                                                         len(data)))
                fsize, fdata = self.read_fd_sized(p)
                self.assertEqual(fsize, len(fdata))
        st = self.stat(self.pdir)
        self.assertTrue(stat.S_ISDIR(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode) & 0o077, 0, oct(st.st_mode))
        self.assertEqual(sorted(self.listdir(self.pdir)), sorted(FILES))

        # status: the chain, both roles, fresh, no secret.
        raw = self.read(os.path.join(self.pdir, "status"))
        s = json.loads(raw)
        self.assertEqual(s.get("state"), "fresh", s)
        chain = s.get("chain")
        self.assertIsInstance(chain, list, s)
        self.assertEqual([h.get("role_arn") for h in chain], [ROLE_A, ROLE_B],
                         chain)
        self.assertIn("web", chain[0].get("type", ""), chain[0])
        self.assertEqual(s.get("expiration"), pj["Expiration"], s)
        for secret in (pj["SecretAccessKey"], pj["SessionToken"], self.token):
            self.assertNotIn(secret, raw)
        self.assertNotIn(pj["AccessKeyId"], raw)
        self.assertIsNone(SECRETISH.search(raw), raw)
        # account_a_role is a profile too, and still makes no new call.
        n = len(self.sts_log())
        sa = self.status(self.mnt, "account_a_role")
        self.assertEqual([h.get("role_arn") for h in sa["chain"]], [ROLE_A])
        self.assertEqual(len(self.sts_log()), n)
        self.finish(self.d)


class TestPermissions(ClientCase):
    """Acceptance: permissions under allow_other; uid=/gid=."""

    NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    OTHER = ["setpriv", "--reuid=65533", "--regid=65533", "--clear-groups"]

    def setUp(self):
        super().setUp()
        # Others must be able to reach the mount point: the EACCES must
        # come from the mount, not from our private temp directory.
        os.chmod(self.tmp, 0o711)
        self.write(self.config, seed_config(self.token_path))

    def test_allow_other_owner_only(self):
        d = self.start(["allow_other"])
        creds = os.path.join(d.mnt, "account_b_role", "credentials")
        # Another user may list the profiles...
        p = self.runp(self.NOBODY + ["ls", "-1", d.mnt])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("account_b_role", p.stdout.decode().split())
        # ...but not read credentials, nor make the chain resolve.
        p = self.runp(self.NOBODY + ["cat", creds])
        self.assertNotEqual(p.returncode, 0, p)
        self.assertEqual(p.stdout, b"")
        self.assertIn("Permission denied", p.stderr.decode())
        p = self.runp(self.NOBODY + [PYTHON, "-c",
                                    "import sys\ntry:\n open(sys.argv[1])\n"
                                    "except OSError as e:\n print(e.errno)",
                                    creds])
        self.assertEqual(p.stdout.decode().strip(), str(errno.EACCES), p)
        self.assertEqual(self.sts_log(), [], "another user made STS calls")
        # The owner (root) reads it.
        c = self.assertCredentialsIni(self.read(creds), "account_b_role")
        self.assertEqual(self.process_json(d.mnt, "account_b_role")
                         ["AccessKeyId"], c["AccessKeyId"])
        # Still refused once resolved (nothing cached for others).
        p = self.runp(self.NOBODY + ["cat", creds])
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("Permission denied", p.stderr.decode())
        self.assertEqual(p.stdout, b"")
        self.finish(d)

    def test_uid_gid_options(self):
        for uid, gid in (("65534", "65534"), ("nobody", "nogroup")):
            with self.subTest(uid=uid, gid=gid):
                d = self.start(["allow_other", "uid=" + uid, "gid=" + gid],
                               name="mnt-%s" % uid)
                pdir = os.path.join(d.mnt, "account_b_role")
                for p in [d.mnt, pdir] + [os.path.join(pdir, f)
                                          for f in ("status", "config")] + \
                        [os.path.join(d.mnt, f) for f in TOP]:
                    st = self.stat(p)
                    self.assertEqual((st.st_uid, st.st_gid), (65534, 65534),
                                     p)
                # The configured owner reads; another user does not.
                creds = os.path.join(pdir, "credentials")
                p = self.runp(self.NOBODY + ["cat", creds])
                self.assertEqual(p.returncode, 0, p.stderr)
                self.assertCredentialsIni(p.stdout.decode(), "account_b_role")
                p = self.runp(self.OTHER + ["cat", creds])
                self.assertNotEqual(p.returncode, 0)
                self.assertIn("Permission denied", p.stderr.decode())
                self.finish(d)


class TestSecretsOutOfLogs(ClientCase):
    """Acceptance: no secret in any log or status output, at loglevel=debug,
    after a run that resolves, retries, refuses and fails."""

    def test_no_secrets_anywhere(self):
        self.write(self.creds, "[alice]\naws_access_key_id = %s\n"
                   "aws_secret_access_key = %s\n" % ALICE)
        self.write(self.config, seed_config(
            self.token_path,
            "\n[profile via_alice]\nsource_profile = alice\nrole_arn = %s\n"
            "\n[profile denied]\nsource_profile = account_a_role\n"
            "role_arn = arn:aws:iam::%s:role/no-such-role\n"
            "\n[profile with_ext]\nsource_profile = account_a_role\n"
            "role_arn = %s\nexternal_id = SecretExternalId-0123456789\n"
            % (ROLE_B, ACCT_B, ROLE_B)))
        # One throttled AssumeRole: the retry path logs too.
        self.emu.fault(action="AssumeRole", kind="throttle", count=1)
        d = self.start(["loglevel=debug", "sts_timeout=5"])
        outputs = {}
        secrets = {ALICE[1]: "alice's secret", self.token: "the web token"}
        for part in self.token.split("."):
            if len(part) > 16:
                secrets[part] = "a part of the web token"
        profiles = sorted(x for x in self.listdir(d.mnt) if x not in TOP)
        self.assertEqual(profiles, ["account_a_role", "account_b_role",
                                    "alice", "denied", "via_alice",
                                    "with_ext"])
        seen_keys = set()
        for prof in profiles:
            for f in FILES:
                p = os.path.join(d.mnt, prof, f)
                try:
                    data = self.read(p)
                except OSError as e:
                    self.assertEqual(prof, "denied", "%s: %s" % (p, e))
                    self.assertEqual(e.errno, errno.EIO, p)
                    continue
                if f == "status":
                    outputs[p] = data
                if f == "process.json":
                    pj = json.loads(data)
                    seen_keys.add(pj["AccessKeyId"])
                    secrets[pj["SecretAccessKey"]] = "%s secret" % prof
                    if pj.get("SessionToken"):
                        secrets[pj["SessionToken"]] = "%s token" % prof
        for f in TOP:
            outputs[os.path.join(d.mnt, f)] = self.read(os.path.join(d.mnt, f))
        # Every temporary key the emulator issued is one we know the secret
        # of, so the search below covers all of them.
        self.assertLessEqual(set(self.sessions()), seen_keys)
        self.assertIn("with_ext", outputs[os.path.join(
            d.mnt, "with_ext", "status")])
        self.assertEqual(self.status(d.mnt, "denied")["state"], "error")
        self.finish(d)
        outputs["daemon stderr"] = d.text()
        self.assertIn("debug", outputs["daemon stderr"])
        with open(self.emu.log_path) as f:
            outputs["emulator log"] = f.read()
        outputs["emulator stderr"] = self.emu.errors()
        for where, text in outputs.items():
            for secret, what in secrets.items():
                self.assertFalse(secret in text, "%s found in %s" % (what,
                                                                     where))
            if where != "emulator log":   # it records ExternalId by design
                self.assertFalse("SecretExternalId-0123456789" in text,
                                 "the external id found in %s" % where)
            if where != "emulator log":   # it has sha256 hex digests
                m = SECRETISH.search(text)
                self.assertIsNone(m, "something like a secret in %s: %r"
                                  % (where, m and m.group(0)))


class TestConfigInsideMount(FsCase):
    """Acceptance: the daemon refuses a config that lives in its mount."""

    def attempt(self, mnt, opts):
        env = self.daemon_env()
        self.addCleanup(unmount, mnt)
        t0 = time.monotonic()
        try:
            p = self.runp([ACFS, mnt, "-f", "-o", ",".join(opts)], env=env,
                         timeout=20)
        except subprocess.TimeoutExpired:
            unmount(mnt)
            self.fail("the daemon kept running with %s" % opts)
        return p, time.monotonic() - t0

    def test_refuses_config_inside_mount(self):
        self.write(self.config, seed_config(self.token_path))
        mnt = self.mnt_path()
        link = os.path.join(self.tmp, "link")
        os.symlink(mnt, link)
        cases = [
            ["config=%s/x/config" % mnt, "credentials=%s" % self.creds],
            ["config=%s" % self.config, "credentials=%s/creds" % mnt],
            ["config=%s/x/config" % link, "credentials=%s" % self.creds],
            ["config=%s/../mnt/config" % os.path.join(self.tmp, "home"),
             "credentials=%s" % self.creds],
        ]
        for opts in cases:
            with self.subTest(opts=opts):
                p, took = self.attempt(mnt, opts)
                err = p.stderr.decode()
                self.assertNotEqual(p.returncode, 0, err)
                self.assertIn("inside", err)
                self.assertIn(mnt, err)
                self.assertFalse(in_proc_mounts(mnt), "a mount remains")
                self.assertEqual(mounts_at(mnt), [])
                self.assertLess(took, 10)
                self.assertIsNone(sanitizer_report(err),
                                  err)
        # Control: the same mount point with the config outside works.
        d = self.start()
        self.assertIn("account_b_role", self.listdir(d.mnt))
        self.finish(d)


if __name__ == "__main__":
    sys.exit(main("integration-fs-clients", sys.modules[__name__],
                  sys.argv[1:]))
