#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-tests of the EKS Pod Identity Agent and IMDSv2 emulators
(tests/emulator/pod_identity_agent.py, tests/emulator/imds_emulator.py).

Run with Debian's Python (it has python3-botocore):

    /usr/bin/python3 tests/emulator/test_pod_identity_imds.py [-v] [-k PATTERN]

The STS emulator and both new emulators run as subprocesses on 127.0.0.1,
port 0. The credentials they serve are checked at the STS emulator with
botocore (GetCallerIdentity, then a chained AssumeRole with an ExternalId and
session tags). Other peers: botocore's own ContainerProvider and
InstanceMetadataFetcher, and the AWS CLI (/usr/bin/aws) where installed.

Ends with one line "suite emulator-pod-imds: passed=N failed=M skipped=S"
and, when $ACFS_RESULTS is set, appends "emulator-pod-imds N M S" to that
file (with $ACFS_SUITE_PREFIX in front, like tests/lib/testlib.c tl_report).
"""

import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
AGENT = os.path.join(HERE, "pod_identity_agent.py")
IMDS = os.path.join(HERE, "imds_emulator.py")
AWS_CLI = "/usr/bin/aws"
SUITE = "emulator-pod-imds"

try:
    import botocore.session
    from botocore.config import Config
    from botocore.credentials import ContainerProvider
    from botocore.utils import (ContainerMetadataFetcher,
                                InstanceMetadataFetcher,
                                MetadataRetrievalError)
    HAVE_BOTOCORE = True
except ImportError:  # pragma: no cover
    HAVE_BOTOCORE = False

sys.dont_write_bytecode = True
from test_emulator import (PYTHON, Emulator, conformance_dir,  # noqa: E402
                           make_tls, report_suite)


# ---------------------------------------------------------------------------
# The test world

ACCT = "111122223333"
ACCT_POD = "222233334444"
NODE_ARN = "arn:aws:iam::%s:user/eks-node" % ACCT
NODE = ("AKIANODE00EXAMPLE001", "nodeSecretKeyEXAMPLE+nodeSecretKey/EXA01")
ASSOC_ROLE = "arn:aws:iam::%s:role/assoc-role" % ACCT
INSTANCE_ROLE = "arn:aws:iam::%s:role/ec2-instance-role" % ACCT
POD_ROLE = "arn:aws:iam::%s:role/eks-pod-identity-aws-resources" % ACCT_POD
EXTERNAL_ID = "pod-identity-ext-1"
AGENT_SESSION = "eks-pod-identity"
INSTANCE_ID = "i-0123456789abcdef0"
POD_TAGS = {"eks-cluster-name": "emu-cluster",
            "kubernetes-namespace": "default"}

WORLD = {
    "users": [{"arn": NODE_ARN, "access_key_id": NODE[0],
               "secret_access_key": NODE[1]}],
    "roles": [
        {"arn": ASSOC_ROLE, "trust": [
            {"principal": NODE_ARN, "allow_tag_session": True}]},
        {"arn": INSTANCE_ROLE, "trust": [{"principal": NODE_ARN}]},
        {"arn": POD_ROLE, "trust": [
            {"principal": [ASSOC_ROLE, INSTANCE_ROLE],
             "external_id": EXTERNAL_ID, "allow_tag_session": True}]},
    ],
}


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def new_token():
    """Looks like a projected service account token; unique per test."""
    return ("eyJhbGciOiJSUzI1NiIsImtpZCI6ImVtdSJ9.eyJzdWIiOiJzeXN0ZW06c2Vydmlj"
            "ZWFjY291bnQ6ZGVmYXVsdDphcHAifQ." + secrets.token_urlsafe(32))


def skeleton(body):
    """JSON text with every string value replaced by "X": compares layout,
    key order and spacing byte for byte."""
    text = body.decode() if isinstance(body, bytes) else body
    return re.sub(r'(:\s*)"(?:[^"\\]|\\.)*"', r'\1"X"', text)


# ---------------------------------------------------------------------------
# Processes

class Proc(Emulator):
    """One emulator subprocess (any of the three) on 127.0.0.1, port 0, in
    its own directory, driven like test_emulator's Emulator (control, fault,
    log, stop). Every live one is in LIVE, so that main() stops them on any
    exit."""

    LIVE = set()

    def __init__(self, script, args, name):
        self.dir = tempfile.mkdtemp(prefix="acfs-emu-%s-" % name)
        self.port_file = os.path.join(self.dir, "port")
        self.log_path = os.path.join(self.dir, "log.jsonl")
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.stderr = open(self.stderr_path, "wb")
        self.tls = self.ca = None
        self.scheme = "http"
        self.proc = subprocess.Popen(
            [PYTHON, script, "--host", "127.0.0.1", "--port", "0",
             "--port-file", self.port_file, "--log", self.log_path,
             "--quiet"] + list(args), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=self.stderr)
        Proc.LIVE.add(self)
        self.port = self.wait_port()
        self.url = "http://127.0.0.1:%d" % self.port

    def wait_port(self):
        deadline = time.time() + 15
        while time.time() < deadline and self.proc.poll() is None:
            try:
                with open(self.port_file) as f:
                    txt = f.read()
                if txt.endswith("\n"):
                    return int(txt)
            except OSError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("emulator did not start: %s" % self.errors())

    def stop(self, sig=signal.SIGTERM, timeout=10):
        Proc.LIVE.discard(self)
        return super().stop(sig, timeout)

    def request(self, method, path, headers=None, body=None, timeout=10):
        """Returns (status, lower-case headers, body bytes)."""
        c = self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            c.close()

    def reset(self, **doc):
        st, _ = self.control("POST", "reset", doc)
        assert st == 200

    def config(self, **doc):
        st, cfg = self.control("POST", "config", doc)
        assert st == 200, cfg
        return cfg

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()


def sts_args(sts, role, extra=()):
    return ["--sts-url", sts.url, "--base-key", "%s:%s" % NODE,
            "--role-arn", role] + list(extra)


def agent_args(sts, token_file, extra=()):
    tags = []
    for k, v in POD_TAGS.items():
        tags += ["--session-tag", "%s=%s" % (k, v)]
    return sts_args(sts, ASSOC_ROLE, ["--token-file", token_file] + tags +
                    ["--transitive-tag-key", "kubernetes-namespace"] +
                    list(extra))


# ---------------------------------------------------------------------------
# Module fixtures: one STS emulator, one agent and one IMDS for most tests.

STS = AGENT_P = IMDS_P = None
TMP = TOKEN_FILE = None
_saved_env = {}


def isolate_env(home):
    for k in list(os.environ):
        if k.startswith("AWS_"):
            _saved_env[k] = os.environ.pop(k)
    for k, v in {"HOME": home, "AWS_CONFIG_FILE": os.path.join(home, "none"),
                 "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none"),
                 "AWS_EC2_METADATA_DISABLED": "true"}.items():
        _saved_env.setdefault(k, os.environ.get(k))
        os.environ[k] = v


def restore_env():
    for k, v in _saved_env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def started(proc):
    unittest.addModuleCleanup(proc.stop)
    return proc


def setUpModule():
    global STS, AGENT_P, IMDS_P, TMP, TOKEN_FILE
    if not HAVE_BOTOCORE:
        raise unittest.SkipTest("botocore is missing (apt-get install "
                                "python3-botocore; run with /usr/bin/python3)")
    TMP = tempfile.mkdtemp(prefix="acfs-pod-imds-")
    unittest.addModuleCleanup(shutil.rmtree, TMP, True)
    os.makedirs(os.path.join(TMP, "home"))
    isolate_env(os.path.join(TMP, "home"))
    unittest.addModuleCleanup(restore_env)
    TOKEN_FILE = os.path.join(TMP, "token")
    write_token(new_token())
    STS = started(Emulator(world=WORLD, name="pod"))
    AGENT_P = started(Proc(AGENT, agent_args(STS, TOKEN_FILE), "agent"))
    IMDS_P = started(Proc(IMDS, sts_args(STS, INSTANCE_ROLE), "imds"))


def write_token(text, path=None):
    with open(path or TOKEN_FILE, "w") as f:
        f.write(text)
    return text


class Base(unittest.TestCase):
    def setUp(self):
        STS.reset()
        AGENT_P.reset(config=True, credentials=True)
        IMDS_P.reset(config=True, credentials=True, tokens=True)
        self.token = write_token(new_token())

    # pod identity ---------------------------------------------------------
    def get_creds(self, token=None, path="/v1/credentials", proc=None):
        """token: None sends the current one, False sends none."""
        headers = {"Accept": "application/json"}
        if token is not False:
            headers["Authorization"] = self.token if token is None else token
        return (proc or AGENT_P).request("GET", path, headers)

    def creds_ok(self, **kw):
        st, h, body = self.get_creds(**kw)
        self.assertEqual(st, 200, body)
        return json.loads(body)

    def assertGoError(self, answer, status, message=None, pattern=None):
        st, h, body = answer
        self.assertEqual(st, status, body)
        self.assertEqual(h["content-type"], "text/plain; charset=utf-8")
        self.assertEqual(h["x-content-type-options"], "nosniff")
        if message is not None:
            self.assertEqual(body, (message + "\n").encode())
        if pattern is not None:
            self.assertRegex(body.decode(), pattern)

    # IMDS -----------------------------------------------------------------
    def imds_token(self, ttl="21600"):
        st, h, body = IMDS_P.request("PUT", "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": ttl})
        self.assertEqual(st, 200, body)
        return body.decode()

    def imds_get(self, path, token=None):
        headers = {"X-aws-ec2-metadata-token": token} if token else {}
        return IMDS_P.request("GET", "/latest/meta-data/iam/"
                              "security-credentials/" + path, headers)

    def imds_creds(self):
        st, h, body = self.imds_get("ec2-instance-role", self.imds_token())
        self.assertEqual(st, 200, body)
        return json.loads(body)

    def assertHtmlError(self, answer, status, title):
        st, h, body = answer
        self.assertEqual(st, status, body)
        self.assertEqual(h["content-type"], "text/html")
        self.assertIn(b"<title>%d - %s</title>" % (status, title.encode()),
                      body)

    # STS ------------------------------------------------------------------
    @staticmethod
    def sts_client(c):
        s = botocore.session.Session()
        return s.create_client(
            "sts", region_name="us-east-1", endpoint_url=STS.url,
            aws_access_key_id=c["AccessKeyId"],
            aws_secret_access_key=c["SecretAccessKey"],
            aws_session_token=c["Token"],
            config=Config(retries={"total_max_attempts": 1}))

    def assert_chains_to_pod_role(self, c, session_arn):
        sts = self.sts_client(c)
        self.assertEqual(sts.get_caller_identity()["Arn"], session_arn)
        r = sts.assume_role(RoleArn=POD_ROLE, RoleSessionName="pod",
                            ExternalId=EXTERNAL_ID,
                            Tags=[{"Key": "app", "Value": "web"}])
        self.assertEqual(r["AssumedRoleUser"]["Arn"], "arn:aws:sts::%s:"
                         "assumed-role/eks-pod-identity-aws-resources/pod"
                         % ACCT_POD)
        return r

    def sts_assume_records(self, role):
        return [r for r in STS.log() if r["action"] == "AssumeRole"
                and r["role_arn"] == role]

    def cli(self, extra_env):
        home = tempfile.mkdtemp(prefix="cli-", dir=TMP)
        self.addCleanup(shutil.rmtree, home, True)
        env = {"HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8",
               "AWS_CONFIG_FILE": os.path.join(home, "none"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "none"),
               "AWS_DEFAULT_REGION": "us-east-1", "AWS_PAGER": ""}
        env.update(extra_env)
        p = subprocess.run([AWS_CLI, "sts", "get-caller-identity",
                            "--endpoint-url", STS.url], env=env,
                           capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        return json.loads(p.stdout)

    def need_cli(self):
        if not os.access(AWS_CLI, os.X_OK):
            self.skipTest("AWS CLI %s is missing (apt-get install awscli)"
                          % AWS_CLI)

    def traffic(self, case):
        d = conformance_dir()
        if d is None:
            self.skipTest("../shared/conformance is absent")
        with open(os.path.join(d, "credential-provider-traffic",
                               "default-credential-provider-chain", case,
                               "http-traffic.json")) as f:
            return json.load(f)["events"]

    @staticmethod
    def response_bodies(events):
        return [e["action"]["Data"]["data"]["Utf8"] for e in events
                if "Data" in e["action"]
                and e["action"]["Data"]["direction"] == "Response"]

    def assertNoSecrets(self, text, secrets_):
        for s in secrets_:
            self.assertNotIn(s, text)


# ---------------------------------------------------------------------------
# Pod Identity Agent

class TestAgentWire(Base):
    def test_credentials_layout_is_the_agents(self):
        st, h, body = self.get_creds()
        self.assertEqual(st, 200, body)
        self.assertEqual(h["content-type"], "application/json")
        self.assertEqual(int(h["content-length"]), len(body))
        self.assertNotIn("server", h)
        self.assertIn("date", h)
        c = json.loads(body)
        self.assertEqual(list(c), ["AccessKeyId", "SecretAccessKey", "Token",
                                   "AccountId", "Expiration"])
        self.assertEqual(body, json.dumps(c, separators=(",", ":")).encode())
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z2-7]{16}$")
        self.assertEqual(c["AccountId"], ACCT)
        self.assertRegex(c["Expiration"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_layout_against_the_recording(self):
        d = conformance_dir()
        if d is None:
            self.skipTest("../shared/conformance is absent")
        with open(os.path.join(d, "container-credentials",
                               "responses-from-traffic",
                               "eks_pod_identity_credentials__conn0__200."
                               "json"), "rb") as f:
            ref = f.read()
        # The agent layout is the recording without RoleArn (not in the
        # agent's EksCredentialsResponse) and with Go's compact separators.
        agent_ref = re.sub(rb'"RoleArn":"[^"]*",', b"", ref).replace(
            b'" : "', b'":"')
        self.assertEqual(skeleton(self.get_creds()[2]), skeleton(agent_ref))
        AGENT_P.config(layout="recorded")
        st, h, body = self.get_creds()
        self.assertEqual(skeleton(body), skeleton(ref))
        self.assertEqual(json.loads(body)["RoleArn"], ASSOC_ROLE)
        self.assertEqual(h["x-rate-limit-limit"], "40")
        self.assertEqual(h["x-rate-limit-request-forwarded-for"], "")
        self.assertRegex(h["x-rate-limit-request-remote-addr"],
                         r"^127\.0\.0\.1:\d+$")

    def test_credentials_are_accepted_by_sts(self):
        c = self.creds_ok()
        r = self.assert_chains_to_pod_role(c, "arn:aws:sts::%s:assumed-role/"
                                           "assoc-role/%s" % (ACCT,
                                                              AGENT_SESSION))
        fetch = self.sts_assume_records(ASSOC_ROLE)
        self.assertEqual(len(fetch), 1)
        self.assertEqual(fetch[0]["auth"]["verdict"], "valid")
        self.assertEqual(fetch[0]["caller"]["arn"], NODE_ARN)
        self.assertEqual(fetch[0]["tags"], [{"Key": k, "Value": v}
                                            for k, v in POD_TAGS.items()])
        self.assertEqual(fetch[0]["issued"]["access_key_id"], c["AccessKeyId"])
        chained = self.sts_assume_records(POD_ROLE)[0]
        self.assertEqual(chained["caller"]["role_arn"], ASSOC_ROLE)
        self.assertEqual(chained["external_id"], EXTERNAL_ID)
        self.assertEqual(chained["issued"]["access_key_id"],
                         r["Credentials"]["AccessKeyId"])
        self.assertIn({"Key": "kubernetes-namespace", "Value": "default"},
                      chained["issued"]["tags"])

    def test_missing_or_empty_token(self):
        for token in (False, ""):
            self.assertGoError(self.get_creds(token), 400,
                               "Service account token cannot be empty")
        rec = AGENT_P.log()[-1]
        self.assertEqual(rec["authorization"], {
            "present": False, "length": 0, "sha256": None, "matched": False})

    def test_wrong_token(self):
        self.assertGoError(self.get_creds("wrong-token"), 400, pattern=(
            r"^\[[0-9a-f-]{36}\]: \(InvalidTokenException\): .+, "
            r"fault: client\n$"))
        rec = AGENT_P.log()[-1]
        self.assertFalse(rec["authorization"]["matched"])
        self.assertEqual(rec["authorization"]["sha256"], sha("wrong-token"))
        self.assertEqual(rec["token_file"]["sha256"], sha(self.token))
        self.assertEqual(self.sts_assume_records(ASSOC_ROLE), [])

    def test_token_rotation(self):
        old = self.token
        self.creds_ok(token=old)
        new = write_token(new_token())
        self.assertEqual(self.get_creds(old)[0], 400)
        self.creds_ok(token=new)
        recs = AGENT_P.log()
        self.assertEqual([(r["authorization"]["sha256"],
                           r["authorization"]["matched"]) for r in recs],
                         [(sha(old), True), (sha(old), False),
                          (sha(new), True)])
        self.assertEqual(recs[2]["token_file"]["sha256"], sha(new))

    def test_compare_is_exact(self):
        write_token(self.token + "\n")
        self.assertEqual(self.get_creds()[0], 400)
        write_token("x" + self.token)
        self.assertEqual(self.get_creds()[0], 400)
        os.unlink(TOKEN_FILE)
        self.assertEqual(self.get_creds()[0], 400)
        self.assertFalse(AGENT_P.log()[-1]["token_file"]["present"])

    def test_paths(self):
        self.assertGoError(self.get_creds(path="/v1/credentialsX"), 404,
                           "404 page not found")
        self.assertGoError(self.get_creds(path="/"), 404)
        self.creds_ok(path="/v1/credentials?x=1")
        AGENT_P.config(path="*")
        self.creds_ok(path="/anything/at/all")
        AGENT_P.config(path="/v2/credentials/abc")
        self.creds_ok(path="/v2/credentials/abc")
        self.assertEqual(self.get_creds()[0], 404)
        st, doc = AGENT_P.control("POST", "config", {"path": "no-slash"})
        self.assertEqual(st, 400)

    def test_cache_and_refresh(self):
        a = self.creds_ok()
        self.assertEqual(self.creds_ok()["AccessKeyId"], a["AccessKeyId"])
        self.assertEqual(len(self.sts_assume_records(ASSOC_ROLE)), 1)
        st, desc = AGENT_P.control("GET", "credentials")
        self.assertEqual((desc["cached"], desc["access_key_id"]),
                         (True, a["AccessKeyId"]))
        self.assertNotIn(a["SecretAccessKey"], json.dumps(desc))
        self.assertEqual([r["credentials"]["fetched_now"]
                          for r in AGENT_P.log()], [True, False])
        AGENT_P.reset(credentials=True)
        b = self.creds_ok()
        self.assertNotEqual(b["AccessKeyId"], a["AccessKeyId"])
        self.assertTrue(AGENT_P.log()[0]["credentials"]["fetched_now"])

    def test_short_lifetime_is_refreshed(self):
        STS.control("POST", "config", {"lifetime_seconds": 2})
        a = self.creds_ok()
        self.assertEqual(self.creds_ok()["AccessKeyId"], a["AccessKeyId"])
        time.sleep(1.1)  # under half of the 2 s lifetime left
        self.assertNotEqual(self.creds_ok()["AccessKeyId"], a["AccessKeyId"])

    def test_sts_errors_are_passed_on(self):
        STS.fault(action="AssumeRole", kind="status", status=503,
                  code="ServiceUnavailable")
        self.assertGoError(self.get_creds(), 503, pattern=(
            r"^\[[0-9a-f-]{36}\]: \(ServiceUnavailable\): .+, "
            r"fault: server\n$"))
        STS.fault(action="AssumeRole", kind="throttle")
        self.assertGoError(self.get_creds(), 400, pattern=(
            r"\(Throttling\): Rate exceeded, fault: client\n$"))
        rec = AGENT_P.log()[-1]
        self.assertEqual((rec["sts"]["status"], rec["sts"]["error_code"]),
                         (400, "Throttling"))
        self.creds_ok()

    def test_sts_unreachable(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            closed = types.SimpleNamespace(url="http://127.0.0.1:%d"
                                           % s.getsockname()[1])
        p = Proc(AGENT, agent_args(closed, TOKEN_FILE), "agent-dead")
        self.addCleanup(p.stop)
        self.assertGoError(self.get_creds(proc=p), 500, pattern=(
            r"^unable to fetch credentials from EKS Auth: STS request "
            r"failed: "))


class TestAgentFaults(Base):
    def test_status_count(self):
        AGENT_P.fault(kind="status", status=500, count=2)
        for _ in range(2):
            self.assertGoError(self.get_creds(), 500, "Internal Server Error")
        self.creds_ok()
        st, faults = AGENT_P.control("GET", "faults")
        self.assertEqual((faults[0]["applied"], faults[0]["remaining"]),
                         (2, 0))

    def test_status_message_body_skip_forever(self):
        AGENT_P.fault(kind="status", status=503, message="busy", skip=1,
                      count="forever")
        self.creds_ok()
        for _ in range(3):
            self.assertGoError(self.get_creds(), 503, "busy")
        AGENT_P.control("DELETE", "faults")
        AGENT_P.fault(kind="status", status=502, body="<html>bad gateway",
                      content_type="text/html")
        st, h, body = self.get_creds()
        self.assertEqual((st, h["content-type"], body),
                         (502, "text/html", b"<html>bad gateway"))

    def test_error_json(self):
        AGENT_P.fault(kind="error_json", status=400, code="AccessDenied",
                      message="nope")
        st, h, body = self.get_creds()
        self.assertEqual((st, h["content-type"]), (400, "application/json"))
        self.assertEqual(body, b'{"code":"AccessDenied","message":"nope"}')

    def test_throttle(self):
        AGENT_P.fault(kind="throttle")
        self.assertGoError(self.get_creds(), 429, "Too Many Requests")

    def test_delay(self):
        AGENT_P.fault(kind="delay", seconds=0.5)
        t = time.time()
        self.creds_ok()
        self.assertGreaterEqual(time.time() - t, 0.5)

    def test_hang(self):
        AGENT_P.fault(kind="hang", seconds=0.6)
        t = time.time()
        with self.assertRaises(http.client.RemoteDisconnected):
            self.get_creds()
        self.assertGreaterEqual(time.time() - t, 0.6)
        self.assertIsNone(AGENT_P.log()[-1]["status"])
        self.creds_ok()

    def test_malformed(self):
        AGENT_P.fault(kind="malformed")
        st, h, body = self.get_creds()
        self.assertEqual((st, h["content-type"]), (200, "application/json"))
        with self.assertRaises(ValueError):
            json.loads(body)

    def test_reset(self):
        AGENT_P.fault(kind="reset")
        with self.assertRaises(ConnectionResetError):
            self.get_creds()
        self.creds_ok()

    def test_faults_apply_after_the_token_check_is_logged(self):
        AGENT_P.fault(kind="status", status=500)
        self.get_creds("bad")
        rec = AGENT_P.log()[-1]
        self.assertEqual((rec["status"], rec["fault"]["kind"]), (500, "status"))
        self.assertFalse(rec["authorization"]["matched"])

    def test_bad_fault_specs(self):
        for spec in ({"kind": "explode"}, {"kind": "status", "status": 99},
                     {"kind": "delay", "target": "token"}, [{"kind": "x"}]):
            st, doc = AGENT_P.control("POST", "faults", spec)
            self.assertEqual(st, 400, doc)
        self.assertEqual(AGENT_P.control("GET", "faults")[1], [])


class TestAgentPeers(Base):
    def url(self):
        return AGENT_P.url + "/v1/credentials"

    def test_botocore_container_provider(self):
        creds = ContainerProvider(environ={
            "AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url(),
            "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token}).load()
        fc = creds.get_frozen_credentials()
        self.assert_chains_to_pod_role(
            {"AccessKeyId": fc.access_key, "SecretAccessKey": fc.secret_key,
             "Token": fc.token},
            "arn:aws:sts::%s:assumed-role/assoc-role/%s" % (ACCT,
                                                            AGENT_SESSION))

    def test_botocore_reads_the_error(self):
        fetcher = ContainerMetadataFetcher(sleep=lambda s: None)
        with self.assertRaises(MetadataRetrievalError) as cm:
            fetcher.retrieve_full_uri(self.url(), headers={})
        self.assertRegex(str(cm.exception), r"non 200 response \(?400\)? "
                         r"from .*metadata: Service account token cannot be "
                         r"empty")

    def test_aws_cli(self):
        self.need_cli()
        who = self.cli({"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.url(),
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": self.token,
                        "AWS_EC2_METADATA_DISABLED": "true"})
        self.assertEqual(who["Arn"], "arn:aws:sts::%s:assumed-role/assoc-role"
                         "/%s" % (ACCT, AGENT_SESSION))


class TestAgentLog(Base):
    def test_log_has_hashes_not_secrets(self):
        c = self.creds_ok()
        self.get_creds("wrong")
        AGENT_P.fault(kind="status", status=500)
        self.get_creds()
        text = AGENT_P.log_text() + json.dumps(AGENT_P.log())
        self.assertNoSecrets(text, (self.token, c["SecretAccessKey"],
                                    c["Token"], NODE[1]))
        self.assertIn(sha(self.token), text)
        recs = [json.loads(ln) for ln in AGENT_P.log_text().splitlines()]
        mine = recs[-3:]
        self.assertEqual([r["status"] for r in mine], [200, 400, 500])
        self.assertEqual([r["path"] for r in mine], ["/v1/credentials"] * 3)
        self.assertEqual(mine[0]["credentials"]["access_key_id"],
                         c["AccessKeyId"])
        self.assertEqual(mine[0]["sts"]["status"], 200)
        st, since = AGENT_P.control("GET", "log?since=%d" % mine[1]["seq"])
        self.assertEqual([r["seq"] for r in since], [mine[2]["seq"]])


# ---------------------------------------------------------------------------
# IMDS

class TestImdsWire(Base):
    def test_token(self):
        st, h, body = IMDS_P.request("PUT", "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": "300"})
        self.assertEqual(st, 200)
        self.assertRegex(body.decode(), r"^AQAE[A-Za-z0-9_-]{50}==$")
        self.assertEqual(int(h["content-length"]), 56)
        self.assertEqual((h["content-type"], h["server"], h["connection"]),
                         ("text/plain", "EC2ws", "close"))
        self.assertEqual(h["x-aws-ec2-metadata-token-ttl-seconds"], "300")

    def test_token_ttl_bounds(self):
        for ttl in ("1", "21600"):
            self.imds_token(ttl)
        for ttl in (None, "0", "21601", "abc", "-5", ""):
            hdr = {} if ttl is None else {
                "X-aws-ec2-metadata-token-ttl-seconds": ttl}
            self.assertHtmlError(IMDS_P.request("PUT", "/latest/api/token",
                                                hdr), 400, "Bad Request")

    def test_token_refusals(self):
        self.assertHtmlError(IMDS_P.request("PUT", "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": "60",
            "X-Forwarded-For": "10.0.0.1"}), 403, "Forbidden")
        self.assertHtmlError(IMDS_P.request("GET", "/latest/api/token"), 405,
                             "Method Not Allowed")

    def test_imdsv1_is_refused_unless_allowed(self):
        self.assertHtmlError(self.imds_get(""), 401, "Unauthorized")
        self.assertEqual(IMDS_P.log()[-1]["token"]["verdict"], "missing")
        IMDS_P.config(allow_imdsv1=True)
        st, h, body = self.imds_get("")
        self.assertEqual((st, body), (200, b"ec2-instance-role"))
        self.assertNotIn("x-aws-ec2-metadata-token-ttl-seconds", h)

    def test_invalid_and_expired_tokens(self):
        self.assertHtmlError(self.imds_get("", "AQAEnot-a-token=="), 401,
                             "Unauthorized")
        tok = self.imds_token("1")
        self.assertEqual(self.imds_get("", tok)[0], 200)
        time.sleep(1.1)
        self.assertHtmlError(self.imds_get("", tok), 401, "Unauthorized")
        IMDS_P.config(allow_imdsv1=True)
        self.assertEqual(self.imds_get("", tok)[0], 401)
        self.assertEqual([r["token"]["verdict"] for r in IMDS_P.log()
                          if "token" in r],
                         ["unknown", "valid", "expired", "expired"])

    def test_role_list(self):
        tok = self.imds_token()
        st, h, body = self.imds_get("", tok)
        self.assertEqual((st, body), (200, b"ec2-instance-role"))
        self.assertEqual((h["content-type"], h["accept-ranges"], h["server"],
                          h["connection"]),
                         ("text/plain", "none", "EC2ws", "close"))
        self.assertIn("last-modified", h)
        self.assertLessEqual(int(h["x-aws-ec2-metadata-token-ttl-seconds"]),
                             21600)
        st, _, body = IMDS_P.request("GET", "/latest/meta-data/iam/"
                                     "security-credentials", {
                                         "X-aws-ec2-metadata-token": tok})
        self.assertEqual((st, body), (200, b"ec2-instance-role"))

    def test_credentials_layout(self):
        st, h, body = self.imds_get("ec2-instance-role", self.imds_token())
        self.assertEqual((st, h["content-type"]), (200, "text/plain"))
        ref = [b for b in self.response_bodies(self.traffic(
            "imds_default_chain_success")) if b.startswith("{")][0]
        self.assertEqual(skeleton(body), skeleton(ref))
        c = json.loads(body)
        self.assertEqual((c["Code"], c["Type"]), ("Success", "AWS-HMAC"))
        for k in ("LastUpdated", "Expiration"):
            self.assertRegex(c[k], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_credentials_are_accepted_by_sts(self):
        c = self.imds_creds()
        self.assert_chains_to_pod_role(c, "arn:aws:sts::%s:assumed-role/"
                                       "ec2-instance-role/%s" % (ACCT,
                                                                 INSTANCE_ID))
        fetch = self.sts_assume_records(INSTANCE_ROLE)
        self.assertEqual(len(fetch), 1)
        self.assertEqual((fetch[0]["caller"]["arn"],
                          fetch[0]["auth"]["verdict"]), (NODE_ARN, "valid"))
        self.assertEqual(self.imds_creds()["AccessKeyId"], c["AccessKeyId"])

    def test_no_role_attached(self):
        ref = self.response_bodies(self.traffic("imds_no_iam_role"))[1]
        tok = self.imds_token()
        st, h, body = self.imds_get("nope", tok)
        self.assertEqual((st, body), (404, ref.encode()))
        IMDS_P.config(role_name=None)
        for path in ("", "ec2-instance-role"):
            st, h, body = self.imds_get(path, tok)
            self.assertEqual((st, len(body), h["content-type"]),
                             (404, 339, "text/html"))
            self.assertIn("x-aws-ec2-metadata-token-ttl-seconds", h)
        IMDS_P.config(role_name="other-role")
        self.assertEqual(self.imds_get("", tok)[2], b"other-role")
        self.assertEqual(IMDS_P.request("GET", "/latest/meta-data/", {
            "X-aws-ec2-metadata-token": tok})[0], 404)


class TestImdsFaults(Base):
    def test_token_put_fails(self):
        for status, title in ((403, "Forbidden"),
                              (500, "Internal Server Error")):
            IMDS_P.fault(target="token", kind="status", status=status)
            self.assertHtmlError(IMDS_P.request(
                "PUT", "/latest/api/token", {
                    "X-aws-ec2-metadata-token-ttl-seconds": "60"}),
                status, title)
            self.imds_token()

    def test_targets_are_separate(self):
        IMDS_P.fault(target="credentials", kind="status", status=500,
                     count=2)
        tok = self.imds_token()
        self.assertEqual(self.imds_get("", tok)[0], 200)
        for _ in range(2):
            self.assertHtmlError(self.imds_get("ec2-instance-role", tok), 500,
                                 "Internal Server Error")
        self.assertEqual(self.imds_get("ec2-instance-role", tok)[0], 200)

    def test_status_with_body(self):
        IMDS_P.fault(target="token", kind="status", status=403, body="",
                     content_type="text/xml")
        st, h, body = IMDS_P.request("PUT", "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": "60"})
        self.assertEqual((st, h["content-type"], body), (403, "text/xml", b""))

    def test_hang_delay_malformed_reset(self):
        tok = self.imds_token()
        IMDS_P.fault(target="credentials", kind="hang", seconds=0.5)
        with self.assertRaises(http.client.RemoteDisconnected):
            self.imds_get("ec2-instance-role", tok)
        IMDS_P.fault(target="list", kind="delay", seconds=0.5)
        t = time.time()
        self.assertEqual(self.imds_get("", tok)[0], 200)
        self.assertGreaterEqual(time.time() - t, 0.5)
        IMDS_P.fault(target="credentials", kind="malformed")
        st, _, body = self.imds_get("ec2-instance-role", tok)
        self.assertEqual(st, 200)
        with self.assertRaises(ValueError):
            json.loads(body)
        IMDS_P.fault(kind="reset")
        with self.assertRaises(ConnectionResetError):
            self.imds_get("", tok)
        self.assertEqual([r["fault"]["kind"] for r in IMDS_P.log()[1:]],
                         ["hang", "delay", "malformed", "reset"])

    def test_sts_failure_is_500(self):
        STS.fault(action="AssumeRole", kind="status", status=500)
        self.assertHtmlError(self.imds_get("ec2-instance-role",
                                           self.imds_token()), 500,
                             "Internal Server Error")
        self.assertEqual(IMDS_P.log()[-1]["sts"]["status"], 500)


class TestImdsPeers(Base):
    def fetcher(self):
        return InstanceMetadataFetcher(base_url=IMDS_P.url + "/", timeout=5,
                                       num_attempts=1, env={})

    def test_botocore_instance_metadata_fetcher(self):
        c = self.fetcher().retrieve_iam_role_credentials()
        self.assertEqual(c["role_name"], "ec2-instance-role")
        self.assert_chains_to_pod_role(
            {"AccessKeyId": c["access_key"], "SecretAccessKey":
             c["secret_key"], "Token": c["token"]},
            "arn:aws:sts::%s:assumed-role/ec2-instance-role/%s" % (
                ACCT, INSTANCE_ID))
        self.assertEqual([r["method"] for r in IMDS_P.log()],
                         ["PUT", "GET", "GET"])
        IMDS_P.config(role_name=None)
        self.assertEqual(self.fetcher().retrieve_iam_role_credentials(), {})

    def test_aws_cli(self):
        self.need_cli()
        who = self.cli({"AWS_EC2_METADATA_SERVICE_ENDPOINT": IMDS_P.url + "/"})
        self.assertEqual(who["Arn"], "arn:aws:sts::%s:assumed-role/"
                         "ec2-instance-role/%s" % (ACCT, INSTANCE_ID))
        self.assertTrue(all(r["token"]["verdict"] == "valid"
                            for r in IMDS_P.log() if "token" in r))


class TestImdsLog(Base):
    def test_log_has_hashes_not_secrets(self):
        tok = self.imds_token()
        c = self.imds_creds()
        self.imds_get("", "bogus")
        text = IMDS_P.log_text() + json.dumps(IMDS_P.log())
        self.assertNoSecrets(text, (tok, c["SecretAccessKey"], c["Token"],
                                    NODE[1]))
        recs = IMDS_P.log()
        self.assertEqual(recs[0]["token_issued"], {"sha256": sha(tok),
                                                   "ttl_seconds": 21600})
        self.assertEqual(recs[0]["ttl_requested"], "21600")
        self.assertEqual(recs[-1]["token"]["sha256"], sha("bogus"))
        self.assertEqual(recs[2]["credentials"]["access_key_id"],
                         c["AccessKeyId"])


# ---------------------------------------------------------------------------
# Processes

class TestProcess(unittest.TestCase):
    def start(self, script, args, name):
        p = Proc(script, args, name)
        self.addCleanup(p.stop)
        return p

    def test_signals_exit_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            for script, args in ((AGENT, agent_args(STS, TOKEN_FILE)),
                                 (IMDS, sts_args(STS, INSTANCE_ROLE))):
                p = self.start(script, args, "sig")
                self.assertEqual(p.control("GET", "health")[0], 200)
                t = time.time()
                self.assertEqual(p.stop(sig), 0)
                self.assertLess(time.time() - t, 5)

    def run_bad(self, script, args, message):
        p = subprocess.run([PYTHON, script, "--port", "0"] + args,
                           capture_output=True, timeout=30,
                           stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn(message.encode(), p.stderr)

    def test_bad_arguments(self):
        good = agent_args(STS, TOKEN_FILE)
        self.run_bad(AGENT, sts_args(STS, ASSOC_ROLE),
                     "--token-file is required")
        self.run_bad(AGENT, good + ["--base-key", "nocolon"],
                     "--base-key must be AKID:SECRET")
        self.run_bad(AGENT, good + ["--role-arn", "arn:aws:iam::1:user/x"],
                     "--role-arn is not a role ARN")
        self.run_bad(AGENT, good + ["--path", "v1"], "--path must start")
        self.run_bad(AGENT, good + ["--session-tag", "novalue"],
                     "--session-tag must be KEY=VALUE")
        self.run_bad(IMDS, ["--base-key", "A:B", "--role-arn", INSTANCE_ROLE],
                     "--sts-url is required")
        self.run_bad(IMDS, sts_args(STS, INSTANCE_ROLE, ["--sts-url", "ftp:x"]),
                     "--sts-url must be http(s)://")
        self.run_bad(IMDS, sts_args(STS, INSTANCE_ROLE, ["--role-name", "a/b"]),
                     "role_name must be a name")

    def test_sts_over_https(self):
        d = tempfile.mkdtemp(prefix="tls-", dir=TMP)
        self.addCleanup(shutil.rmtree, d, True)
        try:
            tls = make_tls(d)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            tls = None
        if not tls:
            self.skipTest("openssl is missing: no TLS STS emulator")
        sts = Emulator(world=WORLD, tls=tls, name="pod-tls")
        Proc.LIVE.add(sts)
        self.addCleanup(sts.stop)
        p = self.start(IMDS, sts_args(sts, INSTANCE_ROLE,
                                      ["--sts-ca", tls["ca"]]), "imds-tls")
        st, _, tok = p.request("PUT", "/latest/api/token", {
            "X-aws-ec2-metadata-token-ttl-seconds": "60"})
        st, _, body = p.request("GET", "/latest/meta-data/iam/security-"
                                "credentials/ec2-instance-role",
                                {"X-aws-ec2-metadata-token": tok.decode()})
        self.assertEqual(st, 200, body)
        self.assertTrue(json.loads(body)["AccessKeyId"].startswith("ASIA"))

    def test_config_file(self):
        d = tempfile.mkdtemp(prefix="cfg-", dir=TMP)
        self.addCleanup(shutil.rmtree, d, True)
        cfg = os.path.join(d, "agent.json")
        with open(cfg, "w") as f:
            json.dump({"sts_url": STS.url, "base-key": "%s:%s" % NODE,
                       "role_arn": ASSOC_ROLE, "token_file": TOKEN_FILE,
                       "session_name": "from-config",
                       "session_tag": POD_TAGS}, f)
        p = self.start(AGENT, ["--config", cfg], "cfg")
        with open(TOKEN_FILE) as f:
            tok = f.read()
        st, _, body = p.request("GET", "/v1/credentials",
                                {"Authorization": tok})
        self.assertEqual(st, 200, body)
        who = Base.sts_client(json.loads(body)).get_caller_identity()
        self.assertTrue(who["Arn"].endswith(":assumed-role/assoc-role/"
                                            "from-config"), who)
        with open(cfg, "w") as f:
            json.dump({"no_such_option": 1}, f)
        self.run_bad(AGENT, ["--config", cfg], "unknown key 'no_such_option'")


# ---------------------------------------------------------------------------

def interrupted(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv):
    verbosity = 2 if ("-v" in argv) else 1
    loader = unittest.TestLoader()
    if "-k" in argv:
        loader.testNamePatterns = ["*%s*" % argv[argv.index("-k") + 1]]
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    signal.signal(signal.SIGTERM, interrupted)
    try:
        res = unittest.TextTestRunner(stream=sys.stderr,
                                      verbosity=verbosity).run(suite)
    finally:
        for p in list(Proc.LIVE):
            p.stop()
        unittest.case.doModuleCleanups()
    failed = len(res.failures) + len(res.errors) + \
        len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = max(0, res.testsRun - failed - skipped -
                 len(res.expectedFailures))
    report_suite(SUITE, passed, failed, skipped)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
