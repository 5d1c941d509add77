#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The shell plugin (plugin/awscreds.sh) on a real mount, with real clients.

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_plugin_e2e.py [-v] [-k PAT]

* The trap: AWS_PROFILE=account_b_role, $HOME/.aws/config with a role_arn
  for that profile (so an SDK left alone would AssumeRole by itself), and
  the other variables that shadow the shared files (static keys, a web
  identity), and a leftover AWS_DEFAULT_REGION (which Debian 12's botocore
  1.29 reads ahead of the config file).  After `awscreds use
  account_b_role` in bash, and in zsh, the AWS CLI v2 and boto3 (Debian's
  /usr/bin/python3) print role B's session ARN, boto3 uses the profile's
  region, and the emulator sees only their GetCallerIdentity calls, signed
  with the mount's keys.  Before that, no plugin command calls STS.
* Refresh mode: a boto3 process started with `awscreds env --refresh`
  calls GetCallerIdentity every 5 s across two expiries of 90-second
  credentials (refresh window 30 s) and never fails; it uses at least 3
  keys, and calls after the first two expired.  About 3.5 minutes; the
  tests run concurrently (one thread each).

  ACFS_IT_PLUGIN_REFRESH_CALLS  calls of the refresh client (default 40)

Needs root and /dev/fuse (see fslib.py; ACFS_SKIP_FUSE=1 skips instead of
failing), bash, zsh, awscli and python3-boto3.  Every process is started in
its own session and stopped by its PID (group) in all paths.  Ends with
"suite integration-plugin-e2e: passed=N failed=M skipped=S".
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    ACCT_B, ALICE, AWS_CLI, PYTHON, REPO, ROLE_A, ROLE_B, RUN_TIMEOUT,
    FsCase, iso_epoch, main, seed_config)

PLUGIN = os.path.join(REPO, "plugin", "awscreds.sh")
PROFILE = "account_b_role"
REGION = "us-east-1"
LEFTOVER_REGION = "us-west-2"
LIFETIME = 90
WINDOW = 30
EVERY = 5.0

BOTO_WHOAMI = r"""
import sys
import boto3
c = boto3.client("sts", endpoint_url=sys.argv[1])
print(c.get_caller_identity()["Arn"])
print(c.meta.region_name)
"""

BOTO_LOOP = r"""
import json, sys, time
import boto3
from botocore.config import Config
url, n, every = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
c = boto3.client("sts", endpoint_url=url,
                 config=Config(retries={"total_max_attempts": 1}))
t0 = time.monotonic()
for i in range(n):
    d = t0 + i * every - time.monotonic()
    if d > 0:
        time.sleep(d)
    rec = {"i": i, "time": time.time()}
    try:
        rec["arn"] = c.get_caller_identity()["Arn"]
        rec["ok"] = True
    except Exception as e:
        rec["ok"] = False
        rec["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(rec), flush=True)
"""

# Sourced in bash or zsh: the plugin, then the commands of the test.
SCRIPT_HEAD = '. "$ACFS_PLUGIN" || exit 90\n'

TRAP_SCRIPT = SCRIPT_HEAD + r'''
awscreds use account_b_role || exit 91
HOME=$CLIENT_HOME_1 "$AWS_CLI" sts get-caller-identity --endpoint-url "$URL" \
    --output json > "$OUT/aws.json" || exit 92
HOME=$CLIENT_HOME_2 "$PY" -c "$BOTO_WHOAMI" "$URL" > "$OUT/boto.txt" || exit 93
'''

# No plugin command opens a credential-bearing file: none calls STS.
PROBE_SCRIPT = SCRIPT_HEAD + r'''
awscreds ls || exit 91
awscreds env account_b_role || exit 92
awscreds env --refresh account_b_role > /dev/null || exit 93
awscreds use account_b_role || exit 94
awscreds which || exit 95
printf '[%s]\n' "$(awscreds_prompt)"
awscreds use --refresh account_b_role || exit 96
awscreds off || exit 97
'''

REFRESH_SCRIPT = SCRIPT_HEAD + r'''
lines=$(awscreds env --refresh account_b_role) || exit 91
eval "$lines"
exec "$PY" -c "$BOTO_LOOP" "$URL" "$CALLS" "$EVERY"
'''


def kill_group(p):
    """Stops p (started with start_new_session) and its children, by the
    group id that is p's PID."""
    if p.poll() is None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(p.pid, sig)
            except ProcessLookupError:
                break
            try:
                p.wait(5)
                break
            except subprocess.TimeoutExpired:
                continue
    else:
        # The shell is gone; a child it left behind still has its group.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class PluginCase(FsCase):
    def setUp(self):
        super().setUp()
        for what, path, fix in (
                ("bash", shutil.which("bash"), "bash"),
                ("zsh", shutil.which("zsh"), "zsh"),
                ("the AWS CLI v2", AWS_CLI if os.access(AWS_CLI, os.X_OK)
                 else None, "awscli")):
            if not path:
                self.fail("%s is missing (apt-get install %s)" % (what, fix))
        p = subprocess.run([PYTHON, "-c", "import boto3"],
                           capture_output=True)
        if p.returncode != 0:
            self.fail("%s has no boto3 (apt-get install python3-boto3): %s"
                      % (PYTHON, p.stderr.decode()[-500:]))
        # The daemon's config: the seed chain, account_b_role with a region.
        self.write(self.config, seed_config(self.token_path).replace(
            "[profile %s]\n" % PROFILE,
            "[profile %s]\nregion = %s\n" % (PROFILE, REGION)))
        self.out = os.path.join(self.tmp, "out")
        os.makedirs(self.out)

    def trap_home(self, name):
        """A HOME whose ~/.aws would make an SDK assume role B by itself,
        with alice's keys."""
        home = os.path.join(self.tmp, name)
        os.makedirs(os.path.join(home, ".aws"))
        self.write(os.path.join(home, ".aws", "config"),
                   "[profile %s]\nrole_arn = %s\nsource_profile = alice\n"
                   "region = %s\n\n[profile alice]\nregion = %s\n"
                   % (PROFILE, ROLE_B, REGION, REGION))
        self.write(os.path.join(home, ".aws", "credentials"),
                   "[alice]\naws_access_key_id = %s\n"
                   "aws_secret_access_key = %s\n" % ALICE)
        return home

    def shell_env(self, mnt, **extra):
        """The environment of the shell: the trap variables set."""
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
               "HOME": self.trap_home("home-shell-%d" % time.monotonic_ns()),
               "AWSCREDS_MOUNT": mnt, "ACFS_PLUGIN": PLUGIN,
               "AWS_CLI": AWS_CLI, "PY": PYTHON, "URL": self.emu.url,
               "OUT": self.out, "BOTO_WHOAMI": BOTO_WHOAMI,
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
               # The trap: each of these would win over the shared files.
               "AWS_PROFILE": PROFILE,
               "AWS_DEFAULT_PROFILE": PROFILE,
               "AWS_ACCESS_KEY_ID": ALICE[0],
               "AWS_SECRET_ACCESS_KEY": ALICE[1],
               "AWS_ROLE_ARN": ROLE_A,
               "AWS_WEB_IDENTITY_TOKEN_FILE": self.token_path,
               "AWS_ROLE_SESSION_NAME": "trap",
               # botocore 1.29 reads it before the config file's region.
               "AWS_DEFAULT_REGION": LEFTOVER_REGION,
               # Newer SDKs would chain against the emulator, and show it.
               "AWS_ENDPOINT_URL_STS": self.emu.url}
        env.update(extra)
        return env

    def shell(self, sh, script, env, timeout=RUN_TIMEOUT):
        """Runs script in sh (bash or zsh, no rc files); returns
        (rc, stdout, stderr).  Stops the whole group in all paths."""
        argv = {"bash": ["bash", "--norc", "--noprofile", "-c", script],
                "zsh": ["zsh", "-f", "-c", script]}[sh]
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=self.tmp, start_new_session=True)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(p)
            out, err = p.communicate()
            self.fail("%s timed out after %ss: %s" % (sh, timeout,
                                                      err.decode()[-2000:]))
        finally:
            kill_group(p)
        return p.returncode, out.decode(), err.decode()

    def mount_session(self, mnt):
        """Reads the credentials once (the mount's own STS calls happen
        here); returns (access key id, role B session ARN)."""
        self.read(os.path.join(mnt, PROFILE, "credentials"))
        akid = self.process_json(mnt, PROFILE)["AccessKeyId"]
        arn = self.sessions()[akid]["arn"]
        self.assertTrue(arn.startswith(
            "arn:aws:sts::%s:assumed-role/account-b-role/" % ACCT_B), arn)
        return akid, arn

    def assertOnlyCallerIdentity(self, new, akid, n):
        """The log entries new are n GetCallerIdentity calls signed with
        akid (the mount's key), all valid."""
        self.assertEqual([r["action"] for r in new],
                         ["GetCallerIdentity"] * n, new)
        for r in new:
            self.assertEqual(r["status"], 200, r)
            self.assertEqual(r["auth"]["verdict"], "valid", r)
            self.assertEqual(r["auth"]["access_key_id"], akid, r)


class TestTrap(PluginCase):
    """Acceptance: `awscreds use` wins over every shadowing variable."""

    def test_probe_calls_no_sts(self):
        d = self.start()
        mnt = d.mnt
        env = self.shell_env(mnt)
        for sh in ("bash", "zsh"):
            with self.subTest(shell=sh):
                rc, out, err = self.shell(sh, PROBE_SCRIPT, env)
                self.assertEqual(rc, 0, err)
                self.assertRegex(out, r"(?m)^account_b_role +unresolved +-$")
                self.assertIn("export AWS_SHARED_CREDENTIALS_FILE='%s/%s/"
                              "credentials'" % (mnt, PROFILE), out)
                self.assertIn("export AWS_REGION='%s'\n"
                              "export AWS_DEFAULT_REGION='%s'\n"
                              % (REGION, REGION), out)
                self.assertIn("%s on %s: unresolved\n" % (PROFILE, mnt), out)
                self.assertIn("[(aws:%s) ]" % PROFILE, out)
        self.assertEqual(self.sts_log(), [])
        self.assertEqual(self.status(mnt, PROFILE)["state"], "unresolved")
        self.finish(d)

    def check_trap(self, sh):
        d = self.start()
        mnt = d.mnt
        akid, want = self.mount_session(mnt)
        before = len(self.sts_log())
        env = self.shell_env(mnt, CLIENT_HOME_1=self.trap_home("home-aws"),
                             CLIENT_HOME_2=self.trap_home("home-boto"))
        rc, out, err = self.shell(sh, TRAP_SCRIPT, env)
        self.assertEqual(rc, 0, "%s: rc %d\n%s" % (sh, rc, err[-3000:]))
        with open(os.path.join(self.out, "aws.json")) as f:
            who = json.load(f)
        self.assertEqual(who["Arn"], want)
        self.assertEqual(who["Account"], ACCT_B)
        with open(os.path.join(self.out, "boto.txt")) as f:
            self.assertEqual(f.read().split(), [want, REGION])
        new = self.sts_log()[before:]
        self.assertOnlyCallerIdentity(new, akid, 2)
        agents = [r["user_agent"] or "" for r in new]
        self.assertTrue(any("aws-cli/2" in a for a in agents), agents)
        self.assertTrue(any("Boto3/" in a for a in agents), agents)
        # The mount's own calls: one per hop, by the chain, none by alice.
        for r in self.sts_log()[:before]:
            self.assertIn(r["action"], ("AssumeRoleWithWebIdentity",
                                        "AssumeRole"), r)
            if r["action"] == "AssumeRole":
                self.assertEqual(r["caller"]["role_arn"], ROLE_A, r)
        self.finish(d)

    def test_trap_bash(self):
        self.check_trap("bash")

    def test_trap_zsh(self):
        self.check_trap("zsh")


class TestRefreshMode(PluginCase):
    """Acceptance: `awscreds env --refresh` gives a long-running boto3
    process credentials that it refreshes by itself."""

    def test_boto3_across_two_expiries(self):
        calls = int(os.environ.get("ACFS_IT_PLUGIN_REFRESH_CALLS", "40"))
        self.set_lifetime(LIFETIME)
        d = self.start(["refresh_window=%d" % WINDOW])
        mnt = d.mnt
        env = self.shell_env(mnt, CALLS=str(calls), EVERY=str(EVERY),
                             BOTO_LOOP=BOTO_LOOP)
        env["HOME"] = self.trap_home("home-loop")
        p = subprocess.Popen(["bash", "--norc", "--noprofile", "-c",
                              REFRESH_SCRIPT], stdin=subprocess.DEVNULL,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, cwd=self.tmp, start_new_session=True)
        self.addCleanup(kill_group, p)
        try:
            out, err = p.communicate(timeout=calls * EVERY + 120)
        except subprocess.TimeoutExpired:
            kill_group(p)
            out, err = p.communicate()
            self.fail("the refresh client hung: %s" % err.decode()[-3000:])
        recs = [json.loads(x) for x in out.decode().splitlines() if x]
        self.assertEqual(p.returncode, 0, err.decode()[-3000:])
        self.assertEqual(len(recs), calls, err.decode()[-3000:])
        failed = [r for r in recs if not r["ok"]]
        self.assertEqual(failed, [], err.decode()[-3000:])
        sess = self.sessions()
        # Every call, as the emulator saw it: role B, a key the mount
        # issued, unexpired when used.
        gci = [r for r in self.sts_log() if r["action"] ==
               "GetCallerIdentity"]
        self.assertEqual(len(gci), calls)
        keys = []
        for r in gci:
            self.assertEqual(r["status"], 200, r)
            self.assertEqual(r["auth"]["verdict"], "valid", r)
            k = r["auth"]["access_key_id"]
            self.assertIn(k, sess, r)
            self.assertEqual(sess[k]["role_arn"], ROLE_B, r)
            self.assertLess(r["epoch"], iso_epoch(sess[k]["expiration_iso"]),
                            r)
            if k not in keys:
                keys.append(k)
        for r in recs:
            self.assertTrue(r["arn"].startswith(
                "arn:aws:sts::%s:assumed-role/account-b-role/" % ACCT_B), r)
        self.assertGreaterEqual(len(keys), 3, keys)
        # Across two expiries: calls after the first two keys expired.
        last = max(r["epoch"] for r in gci)
        for k in keys[:2]:
            self.assertGreater(last, iso_epoch(sess[k]["expiration_iso"]),
                               "no call after %s expired" % k)
        # Nothing else called STS: the chain's own hops only.
        for r in self.sts_log():
            if r["action"] == "AssumeRole":
                self.assertEqual(r["caller"]["role_arn"], ROLE_A, r)
            else:
                self.assertIn(r["action"], ("AssumeRoleWithWebIdentity",
                                            "GetCallerIdentity"), r)
        self.finish(d)


if __name__ == "__main__":
    sys.exit(main("integration-plugin-e2e", sys.modules[__name__],
                  sys.argv, parallel=True))
