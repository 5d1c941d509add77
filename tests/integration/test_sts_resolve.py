#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Integration tests: `awscredsfs --resolve` against the local STS emulator.

Run with Debian's Python (stdlib + python3-botocore for the emulator):

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_sts_resolve.py [-v] [-k PAT]

ACFS_BUILD names the build directory whose awscredsfs is tested (default
<repo>/build).  Every test starts its own emulator (127.0.0.1, port 0,
--port-file, --log) and its own temporary HOME, config and credentials
files, and stops every process it started by PID.  The world is the IRSA
seed chain of SPEC.md section 1: an OIDC provider, role A (web identity)
in 111122223333, role B in 444455556666 trusting role A, and variants of B
(external id, session tags / source identity).  ACFS_IT_SHOW=1 prints the
stderr of every expected failure, to review the messages.

Ends with "suite integration-sts: passed=N failed=M skipped=S" and, with
$ACFS_RESULTS set, appends "integration-sts N M S" to it (prefixed by
$ACFS_SUITE_PREFIX), like tests/emulator/test_emulator.py.  The exit status
is non-zero if anything failed.
"""

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))

# The emulator harness (process handling, control API, minting, test CA).
from test_emulator import (  # noqa: E402
    Emulator, HAVE_BOTOCORE, make_tls, mint, jwt_claims)
from test_emulator import report_suite as report  # noqa: E402

BUILD = os.environ.get("ACFS_BUILD") or os.path.join(REPO, "build")
ACFS = os.path.join(BUILD, "awscredsfs")
SANITIZED = os.path.basename(os.path.normpath(BUILD)) == "build-san"
AWS_CLI = "/usr/bin/aws"
RUN_TIMEOUT = 30

# ---------------------------------------------------------------------------
# The world

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
ROLE_EXT = "arn:aws:iam::%s:role/account-b-extid-role" % ACCT_B
ROLE_TAGS = "arn:aws:iam::%s:role/account-b-tagging-role" % ACCT_B
ALICE_ARN = "arn:aws:iam::%s:user/alice" % ACCT_U
ALICE = ("AKIAALICE0EXAMPLE001", "aliceSecretKey/EXAMPLE+aliceSecretKey0001")
EXTERNAL_ID = "Ext-Id_123:ok/="
SESSION_A = "awscredsfs-account_a_role"
SESSION_B = "awscredsfs-account_b_role"

WORLD = {
    "users": [{"arn": ALICE_ARN, "access_key_id": ALICE[0],
               "secret_access_key": ALICE[1]}],
    "oidc_providers": [{"arn": OIDC_ARN, "issuer": ISS,
                        "client_ids": ["sts.amazonaws.com"]}],
    "roles": [
        {"arn": ROLE_A, "max_session_duration": 3600, "trust": [
            {"federated": OIDC_ARN, "sub": [SUB, SUB_ROTATED],
             "aud": "sts.amazonaws.com"}]},
        # B: no sts:TagSession, no sts:SetSourceIdentity.
        {"arn": ROLE_B, "max_session_duration": 43200, "trust": [
            {"principal": ROLE_A}, {"principal": ALICE_ARN}]},
        {"arn": ROLE_EXT, "trust": [
            {"principal": ROLE_A, "external_id": EXTERNAL_ID}]},
        {"arn": ROLE_TAGS, "trust": [
            {"principal": ROLE_A, "allow_tag_session": True,
             "allow_source_identity": True}]},
    ],
}

SIG_MISMATCH = ("The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key "
                "and signing method. Consult the service documentation for "
                "details.")
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:",
                   "LeakSanitizer", "ERROR: UndefinedBehaviorSanitizer")
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
# Anything that looks like a secret key or a session token.
SECRETISH = re.compile(r"[A-Za-z0-9+/=]{40,}")


def chain_config(token_path, b_extra="", a_extra="", more=""):
    return ("[profile account_b_role]\n"
            "source_profile = account_a_role\n"
            "role_arn = %s\n%s\n"
            "[profile account_a_role]\n"
            "web_identity_token_file = %s\n"
            "role_arn = %s\n%s\n%s" % (ROLE_B, b_extra, token_path, ROLE_A,
                                       a_extra, more))


class Run:
    def __init__(self, proc, elapsed):
        self.rc = proc.returncode
        self.out = proc.stdout.decode("utf-8", "replace")
        self.err = proc.stderr.decode("utf-8", "replace")
        self.elapsed = elapsed

    def doc(self):
        return json.loads(self.out)

    def __repr__(self):
        return "<rc=%r %.2fs stdout=%r stderr=%r>" % (
            self.rc, self.elapsed, self.out[:300], self.err[-2000:])


class Base(unittest.TestCase):
    """One emulator, one HOME with config/credentials/token per test."""

    tls = None

    def setUp(self):
        if not HAVE_BOTOCORE:
            self.skipTest("botocore is missing (apt-get install "
                          "python3-botocore; run with /usr/bin/python3)")
        if not os.access(ACFS, os.X_OK):
            self.fail("%s is missing: build it first (make tests)" % ACFS)
        self.tmp = tempfile.mkdtemp(prefix="acfs-it-sts-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(os.path.join(self.home, ".aws"))
        self.config = os.path.join(self.home, ".aws", "config")
        self.creds = os.path.join(self.home, ".aws", "credentials")
        self.token_path = os.path.join(self.tmp, "token")
        if self.tls_needed():
            tdir = os.path.join(self.tmp, "tls")
            os.makedirs(tdir)
            try:
                self.tls = make_tls(tdir)
            except (subprocess.CalledProcessError,
                    subprocess.TimeoutExpired) as e:
                self.fail("cannot make a test CA with openssl: %s" % e)
            if self.tls is None:
                self.skipTest("openssl is missing: no TLS emulator")
        self.emu = Emulator(world=WORLD, tls=self.tls, name="it")
        self.addCleanup(self.emu.stop)
        self.token = self.write_token(SUB)
        self.write(self.config, chain_config(self.token_path))
        self.write(self.creds, "")

    def tls_needed(self):
        return False

    # files ---------------------------------------------------------------
    @staticmethod
    def write(path, text):
        with open(path, "w") as f:
            f.write(text)

    def write_token(self, sub, path=None):
        tok = mint(iss=ISS, sub=sub, aud="sts.amazonaws.com", ttl=3600)
        self.write(path or self.token_path, tok + "\n")
        return tok

    # running the tool ------------------------------------------------------
    def env(self, endpoint=None, **extra):
        env = {"PATH": "/usr/bin:/bin", "HOME": self.home,
               "LANG": "C.UTF-8",
               "AWS_CONFIG_FILE": self.config,
               "AWS_SHARED_CREDENTIALS_FILE": self.creds,
               "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL_STS": endpoint or self.emu.url}
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
            if k in os.environ:
                env[k] = os.environ[k]
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def acfs(self, *args, env=None, timeout=RUN_TIMEOUT, prefix=()):
        t0 = time.monotonic()
        p = subprocess.run(list(prefix) + [ACFS] + list(args),
                           stdin=subprocess.DEVNULL, capture_output=True,
                           env=env if env is not None else self.env(),
                           timeout=timeout, cwd=self.tmp)
        r = Run(p, time.monotonic() - t0)
        for m in SANITIZER_MARKS:
            self.assertNotIn(m, r.err, "sanitizer report: %r" % r)
        # A signal is never an acceptable outcome.
        self.assertIn(r.rc, (0, 1), r)
        return r

    def resolve(self, profile="account_b_role", *more, **kw):
        return self.acfs("--resolve", profile, *more, **kw)

    def assertResolved(self, r):
        self.assertEqual(r.rc, 0, r)
        d = r.doc()
        self.assertEqual(d.get("Version"), 1, d)
        for k in ("AccessKeyId", "SecretAccessKey", "SessionToken",
                  "Expiration"):
            self.assertIsInstance(d.get(k), str, k)
            self.assertTrue(d[k], k)
        self.assertRegex(d["AccessKeyId"], r"^ASIA[A-Z0-9]{16}$")
        self.assertEqual(len(d["SecretAccessKey"]), 40)
        self.assertRegex(d["Expiration"], ISO_Z)
        self.assertNotIn(d["SecretAccessKey"], r.err)
        self.assertNotIn(d["SessionToken"], r.err)
        return d

    def assertFailed(self, r, *needles):
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.out, "", r)
        if os.environ.get("ACFS_IT_SHOW"):
            sys.stderr.write("\n  [%s %.2fs] %s" % (self.id().split(".")[-1],
                                                   r.elapsed, r.err))
        for n in needles:
            self.assertIn(n, r.err, r)
        self.assertNoSecrets(r.err)

    def assertNoSecrets(self, text):
        self.assertNotIn(self.token, text)
        for part in self.token.split("."):
            if len(part) > 16:
                self.assertNotIn(part, text)
        self.assertNotIn(ALICE[1], text)
        self.assertNotIn("SecretAccessKey", text)
        self.assertNotIn("SessionToken", text)
        self.assertIsNone(SECRETISH.search(text),
                          "something like a secret in: %r" % text)

    # emulator log ---------------------------------------------------------
    def log(self, **filters):
        return self.emu.log(**filters)

    def sts_log(self):
        return [r for r in self.emu.log() if r.get("action")]

    def clean_log(self):
        st, _ = self.emu.control("POST", "reset", {})
        self.assertEqual(st, 200)


# ---------------------------------------------------------------------------

class TestSeedChain(Base):
    def test_resolve_seed_chain(self):
        r = self.resolve()
        d = self.assertResolved(r)
        recs = self.sts_log()
        self.assertEqual([x["action"] for x in recs],
                         ["AssumeRoleWithWebIdentity", "AssumeRole"], recs)
        web, ar = recs
        # 1: web identity for role A, unsigned (as in real STS), accepted.
        self.assertEqual(web["role_arn"], ROLE_A)
        self.assertEqual(web["status"], 200, web)
        self.assertIsNone(web["fault"])
        self.assertFalse(web["auth"]["present"], web["auth"])
        self.assertEqual(web["auth"]["verdict"], "not-required")
        self.assertTrue(web["web_identity_token"]["present"])
        self.assertEqual(web["web_identity_token"]["claims"]["sub"], SUB)
        self.assertEqual(web["web_identity_token"]["length"], len(self.token))
        a_key = web["issued"]["access_key_id"]
        self.assertRegex(a_key, r"^ASIA")
        # 2: AssumeRole for role B, signed by role A's temporary key.
        self.assertEqual(ar["role_arn"], ROLE_B)
        self.assertEqual(ar["status"], 200, ar)
        self.assertEqual(ar["auth"]["verdict"], "valid", ar["auth"])
        self.assertEqual(ar["auth"]["access_key_id"], a_key)
        self.assertTrue(ar["auth"]["security_token_present"])
        self.assertEqual(ar["auth"]["service"], "sts")
        self.assertEqual(ar["caller"]["role_arn"], ROLE_A)
        self.assertEqual(ar["caller"]["type"], "web-identity")
        self.assertEqual(ar["caller"]["issued_by_seq"], web["seq"])
        self.assertNotEqual(ar["auth"]["access_key_id"], d["AccessKeyId"])
        # The document is what the emulator issued for role B.
        iss = ar["issued"]
        self.assertEqual(d["AccessKeyId"], iss["access_key_id"])
        self.assertEqual(d["Expiration"], iss["expiration"])
        self.assertEqual(iss["arn"], "arn:aws:sts::%s:assumed-role/"
                         "account-b-role/%s" % (ACCT_B, SESSION_B))
        st, sessions = self.emu.control("GET", "sessions")
        self.assertEqual(st, 200)
        by_key = {x["access_key_id"]: x for x in sessions}
        self.assertEqual(set(by_key), {a_key, d["AccessKeyId"]})
        sb = by_key[d["AccessKeyId"]]
        self.assertEqual(sb["expiration_iso"], d["Expiration"])
        self.assertEqual(sb["role_arn"], ROLE_B)
        self.assertEqual(sb["session_name"], SESSION_B)
        self.assertEqual(sb["issued_seq"], ar["seq"])
        self.assertEqual(by_key[a_key]["role_arn"], ROLE_A)
        # Only the credential_process document goes to stdout; AccountId
        # (newer SDKs read it) must be role B's account.
        self.assertLessEqual(set(d), {"Version", "AccessKeyId",
                                      "SecretAccessKey", "SessionToken",
                                      "Expiration", "AccountId"})
        if "AccountId" in d:
            self.assertEqual(d["AccountId"], ACCT_B)

    def test_aws_cli_uses_resolved_credentials(self):
        if not os.access(AWS_CLI, os.X_OK):
            self.skipTest("%s is missing (apt-get install awscli)" % AWS_CLI)
        d = self.assertResolved(self.resolve())
        self.clean_log()
        cli_home = os.path.join(self.tmp, "cli-home")
        os.makedirs(cli_home)
        env = {"PATH": "/usr/bin:/bin", "HOME": cli_home, "LANG": "C.UTF-8",
               "AWS_CONFIG_FILE": os.path.join(cli_home, "no-config"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(cli_home, "none"),
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
               "AWS_ACCESS_KEY_ID": d["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": d["SecretAccessKey"],
               "AWS_SESSION_TOKEN": d["SessionToken"]}
        p = subprocess.run([AWS_CLI, "sts", "get-caller-identity",
                            "--endpoint-url", self.emu.url,
                            "--region", "us-east-1", "--output", "json"],
                           env=env, capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL, cwd=cli_home)
        self.assertEqual(p.returncode, 0, p.stderr.decode()[-2000:])
        who = json.loads(p.stdout)
        self.assertEqual(who["Arn"], "arn:aws:sts::%s:assumed-role/"
                         "account-b-role/%s" % (ACCT_B, SESSION_B))
        self.assertEqual(who["Account"], ACCT_B)
        recs = self.sts_log()
        self.assertEqual(len(recs), 1, recs)
        g = recs[0]
        self.assertEqual(g["action"], "GetCallerIdentity")
        self.assertEqual(g["status"], 200)
        self.assertEqual(g["auth"]["verdict"], "valid")
        self.assertEqual(g["auth"]["access_key_id"], d["AccessKeyId"])
        self.assertIn("aws-cli/2", g["user_agent"] or "")


class TestSignature(Base):
    def user_profile(self, secret):
        self.write(self.creds, "[alice]\naws_access_key_id = %s\n"
                   "aws_secret_access_key = %s\n" % (ALICE[0], secret))
        self.write(self.config, "[profile via_alice]\nsource_profile = alice\n"
                   "role_arn = %s\n" % ROLE_B)

    def test_flipped_secret_bit(self):
        # Control: the unflipped secret works.
        self.user_profile(ALICE[1])
        self.assertResolved(self.resolve("via_alice"))
        i = 5
        flipped = ALICE[1][:i] + chr(ord(ALICE[1][i]) ^ 1) + ALICE[1][i + 1:]
        self.assertNotEqual(flipped, ALICE[1])
        self.assertEqual(bin(ord(ALICE[1][i]) ^ ord(flipped[i])).count("1"), 1)
        self.user_profile(flipped)
        self.clean_log()
        r = self.resolve("via_alice")
        self.assertFailed(r, "SignatureDoesNotMatch", SIG_MISMATCH)
        self.assertNotIn(flipped, r.err)
        recs = self.sts_log()
        self.assertEqual(len(recs), 1, recs)  # not retried
        self.assertEqual(recs[0]["status"], 403)
        self.assertEqual(recs[0]["error_code"], "SignatureDoesNotMatch")
        self.assertEqual(recs[0]["error_message"], SIG_MISMATCH)
        self.assertEqual(recs[0]["auth"]["verdict"], "invalid")
        self.assertEqual(recs[0]["auth"]["access_key_id"], ALICE[0])
        self.assertIn(recs[0]["error_message"], r.err)


class TestExternalId(Base):
    def test_external_id(self):
        self.write(self.config, chain_config(
            self.token_path, more="[profile ext]\nsource_profile = "
            "account_a_role\nrole_arn = %s\n" % ROLE_EXT))
        r = self.resolve("ext")
        self.assertFailed(r, "AccessDenied")
        ar = self.log(action="AssumeRole")
        self.assertEqual(len(ar), 1, ar)
        self.assertEqual(ar[0]["status"], 403)
        self.assertIsNone(ar[0]["external_id"])
        msg = ("User: arn:aws:sts::%s:assumed-role/account-a-role/%s is not "
               "authorized to perform: sts:AssumeRole on resource: %s"
               % (ACCT_A, SESSION_A, ROLE_EXT))
        self.assertEqual(ar[0]["error_message"], msg)
        self.assertIn(msg, r.err)

        self.write(self.config, chain_config(
            self.token_path, more="[profile ext]\nsource_profile = "
            "account_a_role\nrole_arn = %s\nexternal_id = %s\n"
            % (ROLE_EXT, EXTERNAL_ID)))
        self.clean_log()
        r = self.resolve("ext")
        d = self.assertResolved(r)
        ar = self.log(action="AssumeRole")
        self.assertEqual(len(ar), 1, ar)
        self.assertEqual(ar[0]["status"], 200, ar)
        self.assertEqual(ar[0]["external_id"], EXTERNAL_ID)
        self.assertEqual(ar[0]["params"].get("ExternalId"), EXTERNAL_ID)
        self.assertEqual(ar[0]["issued"]["access_key_id"], d["AccessKeyId"])


class TestChainingCap(Base):
    def test_duration_capped_on_chained_hop(self):
        self.write(self.config, chain_config(
            self.token_path, b_extra="duration_seconds = 7200\n"))
        p = self.acfs("--plan", "account_b_role")
        self.assertEqual(p.rc, 0, p)
        self.assertRegex(p.out, r"3600 s \(capped from 7200")
        self.assertIn("capped", p.out)
        pj = self.acfs("--plan", "account_b_role", "--json")
        self.assertEqual(pj.rc, 0, pj)
        hop = json.loads(pj.out)["hops"][1]
        self.assertEqual(hop["duration_seconds"], 3600)
        self.assertEqual(hop["duration_requested"], 7200)
        self.assertIs(hop["duration_capped"], True)

        self.assertResolved(self.resolve())
        ar = self.log(action="AssumeRole")
        self.assertEqual(len(ar), 1, ar)
        self.assertEqual(ar[0]["status"], 200, ar)
        self.assertEqual(str(ar[0]["duration_seconds"]), "3600")
        self.assertEqual(ar[0]["params"].get("DurationSeconds"), "3600")
        self.assertEqual(ar[0]["issued"]["lifetime_seconds"], 3600)
        for rec in self.sts_log():
            self.assertNotEqual(str(rec.get("duration_seconds")), "7200", rec)
            self.assertNotEqual(rec.get("error_code"), "ValidationError", rec)


class TestRetries(Base):
    def test_throttled_twice_then_ok(self):
        self.emu.fault(action="AssumeRole", kind="throttle", count=2)
        r = self.resolve()
        self.assertResolved(r)
        ar = self.log(action="AssumeRole")
        self.assertEqual([x["status"] for x in ar], [400, 400, 200], ar)
        self.assertEqual([x["error_code"] for x in ar],
                         ["Throttling", "Throttling", None])
        self.assertTrue(all(x["fault"] for x in ar[:2]))
        self.assertIsNone(ar[2]["fault"])
        self.assertTrue(all(x["auth"]["verdict"] == "valid" for x in ar))
        # Each attempt is signed anew, by role A's key.
        self.assertEqual(len({x["auth"]["access_key_id"] for x in ar}), 1)
        self.assertEqual(len(self.log(action="AssumeRoleWithWebIdentity")), 1)

    def test_5xx_forever_gives_up_in_time(self):
        self.emu.fault(action="AssumeRoleWithWebIdentity", kind="status",
                       status=503, code="ServiceUnavailable",
                       message="Service is down for the test", count=-1)
        r = self.resolve("account_b_role", "--sts-timeout", "3", timeout=20)
        self.assertFailed(r, "gave up", "ServiceUnavailable",
                          "Service is down for the test")
        self.assertLess(r.elapsed, 8.0, r)
        m = re.search(r"gave up after (\d+) attempts?", r.err)
        self.assertIsNotNone(m, r)
        n = int(m.group(1))
        self.assertGreaterEqual(n, 2, r)
        web = self.log(action="AssumeRoleWithWebIdentity")
        self.assertGreaterEqual(len(web), 2, web)
        self.assertEqual(len(web), n, "attempts reported vs seen")
        self.assertTrue(all(x["status"] == 503 for x in web))
        self.assertEqual(self.log(action="AssumeRole"), [])

    def test_slow_sts_is_bounded_by_sts_timeout(self):
        # Every answer takes 6 s; --sts-timeout 2 must stop well before.
        self.emu.fault(action="AssumeRole", kind="delay", seconds=6,
                       count=-1)
        r = self.resolve("account_b_role", "--sts-timeout", "2", timeout=20)
        self.assertFailed(r, "sts:AssumeRole", ROLE_B)
        self.assertRegex(r.err, r"(?i)gave up|timed? ?out")
        self.assertLess(r.elapsed, 4.0, r)
        # The request reached STS (it is logged only once answered).
        st, faults = self.emu.control("GET", "faults")
        self.assertEqual(st, 200)
        self.assertGreaterEqual(faults[0]["applied"], 1, faults)


class TestBadBodies(Base):
    CASES = [
        ({"kind": "malformed"}, "not well-formed"),
        ({"kind": "truncated"}, "gave up"),
        ({"kind": "oversized", "bytes": 1024 * 1024}, "larger than"),
        ({"kind": "reset"}, "gave up"),
    ]

    def test_bad_bodies(self):
        for spec, needle in self.CASES:
            with self.subTest(kind=spec["kind"]):
                self.clean_log()
                self.emu.fault(action="AssumeRole", count=-1, **spec)
                r = self.resolve("account_b_role", "--sts-timeout", "3",
                                 timeout=20)
                self.assertFailed(r, needle, "sts:AssumeRole", ROLE_B)
                self.assertLess(r.elapsed, 8.0, r)
                ar = self.log(action="AssumeRole")
                self.assertGreaterEqual(len(ar), 1)
                self.assertTrue(all(x["fault"] for x in ar), ar)
                # The emulator recovered and the tool keeps no state.
                st, _ = self.emu.control("DELETE", "faults")
                self.assertEqual(st, 200)
                self.assertResolved(self.resolve())


class TestTagsAndSourceIdentity(Base):
    TAGS = ("session_tags = Project=acfs,Team=blue\n"
            "transitive_session_tags = Project\n"
            "source_identity = acfs-user\n")

    def test_tags_and_source_identity_sent(self):
        self.write(self.config, chain_config(
            self.token_path, more="[profile tagged]\nsource_profile = "
            "account_a_role\nrole_arn = %s\n%s" % (ROLE_TAGS, self.TAGS)))
        d = self.assertResolved(self.resolve("tagged"))
        ar = self.log(action="AssumeRole")
        self.assertEqual(len(ar), 1, ar)
        x = ar[0]
        self.assertEqual(x["status"], 200, x)
        self.assertEqual(x["tags"], [{"Key": "Project", "Value": "acfs"},
                                     {"Key": "Team", "Value": "blue"}])
        self.assertEqual(x["transitive_tag_keys"], ["Project"])
        self.assertEqual(x["source_identity"], "acfs-user")
        self.assertEqual(x["issued"]["access_key_id"], d["AccessKeyId"])
        self.assertEqual(x["issued"]["source_identity"], "acfs-user")

    def test_tag_session_denied(self):
        self.write(self.config, chain_config(
            self.token_path, b_extra="session_tags = Project=acfs\n"))
        r = self.resolve()
        msg = ("User: arn:aws:sts::%s:assumed-role/account-a-role/%s is not "
               "authorized to perform: sts:TagSession on resource: %s"
               % (ACCT_A, SESSION_A, ROLE_B))
        self.assertFailed(r, "AccessDenied", msg)
        ar = self.log(action="AssumeRole")
        self.assertEqual(len(ar), 1, ar)  # AccessDenied is not retried
        self.assertEqual(ar[0]["status"], 403)
        self.assertEqual(ar[0]["error_message"], msg)
        self.assertEqual(ar[0]["tags"], [{"Key": "Project", "Value": "acfs"}])

    def test_source_identity_denied(self):
        self.write(self.config, chain_config(
            self.token_path, b_extra="source_identity = acfs-user\n"))
        r = self.resolve()
        msg = ("User: arn:aws:sts::%s:assumed-role/account-a-role/%s is not "
               "authorized to perform: sts:SetSourceIdentity on resource: %s"
               % (ACCT_A, SESSION_A, ROLE_B))
        self.assertFailed(r, "AccessDenied", msg)
        ar = self.log(action="AssumeRole")
        self.assertEqual(len(ar), 1, ar)
        self.assertEqual(ar[0]["error_message"], msg)


class TestTokenRotation(Base):
    def test_token_file_reread_every_call(self):
        self.assertResolved(self.resolve())
        # Rewritten in place...
        tok2 = self.write_token(SUB_ROTATED)
        self.assertResolved(self.resolve())
        # ...and swapped by rename, as the kubelet does.
        new = self.token_path + ".new"
        tok3 = self.write_token(SUB, path=new)
        os.rename(new, self.token_path)
        self.assertResolved(self.resolve())
        web = self.log(action="AssumeRoleWithWebIdentity")
        self.assertEqual(len(web), 3, web)
        self.assertEqual([w["web_identity_token"]["claims"]["sub"]
                          for w in web], [SUB, SUB_ROTATED, SUB])
        self.assertEqual([w["web_identity_token"]["length"] for w in web],
                         [len(self.token), len(tok2), len(tok3)])
        self.assertEqual(web[1]["web_identity_token"]["claims"]["iat"],
                         jwt_claims(tok2)["iat"])
        self.assertTrue(all(w["status"] == 200 for w in web), web)
        ar = self.log(action="AssumeRole")
        self.assertEqual(len(ar), 3)
        self.assertEqual(ar[1]["caller"]["issued_by_seq"], web[1]["seq"])


class TestTls(Base):
    def tls_needed(self):
        return True

    def test_tls_verified(self):
        self.assertTrue(self.emu.url.startswith("https://127.0.0.1:"))
        # Without the test CA: the system store does not know it.
        t0 = time.monotonic()
        r = self.resolve()
        self.assertFailed(r)
        self.assertRegex(r.err, r"(?i)certificate|tls|ssl|issuer")
        # A certificate that does not verify is not retried.
        self.assertIn("TLS verification failed", r.err)
        self.assertNotIn("gave up", r.err)
        self.assertLess(time.monotonic() - t0, 1.0)
        self.assertEqual(self.sts_log(), [], "no request may pass")
        # ca_bundle in the profile.
        self.write(self.config, chain_config(
            self.token_path, b_extra="ca_bundle = %s\n" % self.tls["ca"]))
        p = self.acfs("--plan", "account_b_role")
        self.assertIn(self.tls["ca"], p.out)
        self.assertResolved(self.resolve())
        recs = self.sts_log()
        self.assertEqual([x["action"] for x in recs],
                         ["AssumeRoleWithWebIdentity", "AssumeRole"])
        self.assertTrue(all(x["tls"] and x["status"] == 200 for x in recs))
        # AWS_CA_BUNDLE instead.
        self.write(self.config, chain_config(self.token_path))
        self.clean_log()
        self.assertResolved(self.resolve(
            env=self.env(AWS_CA_BUNDLE=self.tls["ca"])))
        self.assertEqual(len(self.sts_log()), 2)
        # A CA that did not sign the server certificate is refused too.
        other = os.path.join(self.tmp, "other")
        os.makedirs(other)
        wrong = make_tls(other)
        self.clean_log()
        r = self.resolve(env=self.env(AWS_CA_BUNDLE=wrong["ca"]))
        self.assertFailed(r)
        self.assertRegex(r.err, r"(?i)certificate|tls|ssl|issuer")
        self.assertEqual(self.sts_log(), [])


class TestPlainHttp(Base):
    """http:// to a non-loopback host is refused before any connection.

    192.0.2.1 is TEST-NET-1.  To be sure nothing ever reaches it, the tool
    runs in a new, empty network namespace when unshare(1) allows it, and
    (when strace is present and the build is not sanitized: LSan does not
    run under ptrace) every connect() is traced."""

    URL = "http://192.0.2.1:9/"

    def isolation(self):
        prefix = []
        if shutil.which("unshare") and subprocess.run(
                ["unshare", "--net", "true"], capture_output=True,
                timeout=10).returncode == 0:
            prefix = ["unshare", "--net"]
        trace = None
        if shutil.which("strace") and not SANITIZED:
            trace = os.path.join(self.tmp, "strace.out")
            prefix += ["strace", "-f", "-qq", "-e", "trace=connect",
                       "-o", trace]
        return prefix, trace

    def check(self, profile):
        prefix, trace = self.isolation()
        r = self.resolve(profile, env=self.env(endpoint=self.URL),
                         prefix=prefix, timeout=15)
        self.assertFailed(r, "refusing plain http")
        self.assertIn("192.0.2.1", r.err)
        self.assertLess(r.elapsed, 2.0, r)
        if trace:
            with open(trace) as f:
                calls = f.read()
            self.assertNotIn("192.0.2.1", calls)
            self.assertNotRegex(calls, r"AF_INET6?", calls)
        self.assertEqual(self.sts_log(), [])

    def test_refuse_plain_http_web_identity(self):
        self.check("account_b_role")

    def test_refuse_plain_http_signed(self):
        self.write(self.creds, "[alice]\naws_access_key_id = %s\n"
                   "aws_secret_access_key = %s\n" % ALICE)
        self.write(self.config, "[profile via_alice]\nsource_profile = alice\n"
                   "role_arn = %s\n" % ROLE_B)
        self.check("via_alice")


# ---------------------------------------------------------------------------

def main(argv):
    verbosity = 2 if "-v" in argv else 1
    loader = unittest.TestLoader()
    if "-k" in argv:
        loader.testNamePatterns = ["*%s*" % argv[argv.index("-k") + 1]]
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    res = unittest.TextTestRunner(stream=sys.stderr, verbosity=verbosity) \
        .run(suite)
    failed = len(res.failures) + len(res.errors) + \
        len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = max(0, res.testsRun - failed - skipped -
                 len(res.expectedFailures))
    report("integration-sts", passed, failed, skipped)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
