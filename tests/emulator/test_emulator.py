#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Self-tests of the local STS emulator (tests/emulator/sts_emulator.py).

Run with Debian's Python (it has python3-botocore):

    /usr/bin/python3 tests/emulator/test_emulator.py [-v] [-k PATTERN]

The emulator runs in subprocesses on 127.0.0.1, port 0, over HTTP and HTTPS
(a throwaway CA made with openssl). Clients: botocore (static keys of the
test world), raw http.client requests signed with botocore.auth (to control
every byte), and the AWS CLI (/usr/bin/aws) with its own HOME.

Ends with one line "suite emulator: passed=N failed=M skipped=S" and, when
$ACFS_RESULTS is set, appends "emulator N M S" to that file (with
$ACFS_SUITE_PREFIX in front, like tests/lib/testlib.c tl_report).
"""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
EMULATOR = os.path.join(HERE, "sts_emulator.py")
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") \
    else sys.executable
AWS_CLI = "/usr/bin/aws"
NS = "https://sts.amazonaws.com/doc/2011-06-15/"
NSB = "{%s}" % NS

try:
    import botocore
    import botocore.session
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials
    from botocore.exceptions import ClientError
    HAVE_BOTOCORE = True
except ImportError:  # pragma: no cover
    HAVE_BOTOCORE = False


def conformance_dir():
    d = os.environ.get("ACFS_CONFORMANCE") or os.path.join(
        REPO, "..", "shared", "conformance")
    return d if os.path.isdir(d) else None


# ---------------------------------------------------------------------------
# The test world

ACCT_U = "123456789012"
ACCT_A = "111122223333"
ACCT_B = "444455556666"
ALICE_ARN = "arn:aws:iam::%s:user/alice" % ACCT_U
ALICE = ("AKIAALICE0EXAMPLE001", "aliceSecretKey/EXAMPLE+aliceSecretKey0001")
BOB_ARN = "arn:aws:iam::%s:user/bob" % ACCT_A
BOB = ("AKIABOB000EXAMPLE002", "bobSecretKeyEXAMPLEbobSecretKeyEXAMPLE02")
ROOT_ARN = "arn:aws:iam::%s:root" % ACCT_U
ROOT = ("AKIAROOT00EXAMPLE003", "rootSecretKeyEXAMPLErootSecretKeyEXAMPL3")
OIDC_ARN = ("arn:aws:iam::%s:oidc-provider/oidc.eks.us-east-1.amazonaws.com"
            "/id/EXAMPLE" % ACCT_A)
ISS = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE"
ROLE_A = "arn:aws:iam::%s:role/account-a-role" % ACCT_A
ROLE_B = "arn:aws:iam::%s:role/account-b-role" % ACCT_B
ROLE_C = "arn:aws:iam::%s:role/account-c-role" % ACCT_B
ROLE_EXT = "arn:aws:iam::%s:role/external-id-role" % ACCT_B
ROLE_NOTAG = "arn:aws:iam::%s:role/no-tags-role" % ACCT_B
ROLE_NS = "arn:aws:iam::%s:role/prod-namespace-role" % ACCT_A
ROLE_ACCT = "arn:aws:iam::%s:role/same-account-role" % ACCT_U
EXTERNAL_ID = "Ext-Id_123:ok/="

WORLD = {
    "users": [
        {"arn": ALICE_ARN, "access_key_id": ALICE[0],
         "secret_access_key": ALICE[1]},
        {"arn": BOB_ARN, "access_key_id": BOB[0],
         "secret_access_key": BOB[1]},
        {"arn": ROOT_ARN, "access_key_id": ROOT[0],
         "secret_access_key": ROOT[1]},
    ],
    "oidc_providers": [
        {"arn": OIDC_ARN, "issuer": ISS, "client_ids": ["sts.amazonaws.com"]},
    ],
    "disabled_regions": ["me-south-1"],
    "roles": [
        {"arn": ROLE_A, "max_session_duration": 3600, "trust": [
            {"federated": OIDC_ARN, "sub": "system:serviceaccount:default:app",
             "aud": "sts.amazonaws.com"},
            {"principal": ALICE_ARN}]},
        {"arn": ROLE_B, "max_session_duration": 43200, "trust": [
            {"principal": ROLE_A, "allow_tag_session": True,
             "allow_source_identity": True},
            {"principal": ALICE_ARN, "allow_tag_session": True,
             "allow_source_identity": True}]},
        {"arn": ROLE_C, "trust": [{"principal": ROLE_B}]},
        {"arn": ROLE_EXT, "trust": [
            {"principal": ALICE_ARN, "external_id": EXTERNAL_ID}]},
        {"arn": ROLE_NOTAG, "trust": [{"principal": [ALICE_ARN]}]},
        {"arn": ROLE_NS, "lifetime_seconds": 120, "trust": [
            {"federated": OIDC_ARN, "sub": "system:serviceaccount:prod:*",
             "aud": ["sts.amazonaws.com", "other"]}]},
        {"arn": ROLE_ACCT, "max_session_duration": 7200, "trust": [
            {"principal": "arn:aws:iam::%s:root" % ACCT_U}]},
    ],
}


# ---------------------------------------------------------------------------
# Emulator process

class Emulator:
    def __init__(self, world=None, tls=None, extra_args=(), name="emu"):
        self.dir = tempfile.mkdtemp(prefix="acfs-sts-%s-" % name)
        self.world_path = os.path.join(self.dir, "world.json")
        with open(self.world_path, "w") as f:
            json.dump(world if world is not None else WORLD, f)
        self.port_file = os.path.join(self.dir, "port")
        self.log_path = os.path.join(self.dir, "log.jsonl")
        self.stderr_path = os.path.join(self.dir, "stderr")
        self.tls = tls
        args = [PYTHON, EMULATOR, "--world", self.world_path,
                "--host", "127.0.0.1", "--port", "0",
                "--port-file", self.port_file, "--log", self.log_path,
                "--quiet"] + list(extra_args)
        if tls:
            args += ["--tls-cert", tls["cert"], "--tls-key", tls["key"]]
        self.stderr = open(self.stderr_path, "wb")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL,
                                     stderr=self.stderr)
        deadline = time.time() + 15
        self.port = None
        while time.time() < deadline:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    txt = f.read()
                if txt.endswith("\n"):
                    self.port = int(txt)
                    break
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if self.port is None:
            self.stop()
            raise RuntimeError("emulator did not start: %s" % self.errors())
        self.scheme = "https" if tls else "http"
        self.url = "%s://127.0.0.1:%d" % (self.scheme, self.port)
        self.ca = tls["ca"] if tls else None

    def errors(self):
        try:
            with open(self.stderr_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except OSError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10):
        rc = None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
                rc = "killed"
        else:
            rc = self.proc.returncode
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc

    # connections ---------------------------------------------------------
    def conn(self, timeout=10):
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.ca)
            return http.client.HTTPSConnection("127.0.0.1", self.port,
                                               timeout=timeout, context=ctx)
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=timeout)

    def control(self, method, name, doc=None):
        c = self.conn()
        try:
            body = json.dumps(doc).encode() if doc is not None else None
            c.request(method, "/_emulator/" + name, body=body,
                      headers={"Content-Type": "application/json"})
            r = c.getresponse()
            data = r.read()
            return r.status, json.loads(data) if data else None
        finally:
            c.close()

    def fault(self, **spec):
        st, doc = self.control("POST", "faults", spec)
        assert st == 200, doc
        return doc["ids"][0]

    def reset(self):
        st, _ = self.control("POST", "reset", {"config": True})
        assert st == 200

    def log(self, **filters):
        st, recs = self.control("GET", "log")
        assert st == 200
        return [r for r in recs if all(r.get(k) == v
                                       for k, v in filters.items())]

    # clients -------------------------------------------------------------
    def client(self, creds=ALICE, token=None, region="us-east-1",
               unsigned=False):
        s = botocore.session.Session()
        cfg = Config(retries={"total_max_attempts": 1, "mode": "standard"},
                     connect_timeout=5, read_timeout=15,
                     parameter_validation=False,
                     signature_version=botocore.UNSIGNED if unsigned
                     else None)
        kw = {}
        if not unsigned:
            kw = {"aws_access_key_id": creds[0],
                  "aws_secret_access_key": creds[1],
                  "aws_session_token": token}
        return s.create_client("sts", region_name=region,
                               endpoint_url=self.url,
                               verify=self.ca if self.tls else None,
                               config=cfg, **kw)

    def client_for(self, c, region="us-east-1"):
        return self.client((c["AccessKeyId"], c["SecretAccessKey"]),
                           token=c["SessionToken"], region=region)

    def signed(self, params, creds=ALICE, token=None, region="us-east-1",
               service="sts", amz_date=None, method="POST", mutate=None,
               conn=None, extra_headers=None):
        """Signs with botocore.auth.SigV4Auth, lets mutate(d) change the
        bytes (d: body, headers, authz), sends with http.client. Returns
        (status, headers dict (lower-case), body bytes)."""
        form = urllib.parse.urlencode(params, quote_via=urllib.parse.quote,
                                      safe="-_.~")
        host = "127.0.0.1:%d" % self.port
        path = "/"
        body = b""
        if method == "GET":
            path = "/?" + form
        else:
            body = form.encode()
        url = "%s://%s%s" % (self.scheme, host, path)
        req = AWSRequest(method=method, url=url, data=body)
        if method != "GET":
            req.headers["Content-Type"] = \
                "application/x-www-form-urlencoded; charset=utf-8"
        req.headers["Host"] = host
        ts = amz_date or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        req.headers["X-Amz-Date"] = ts
        if token:
            req.headers["X-Amz-Security-Token"] = token
        for k, v in (extra_headers or {}).items():
            req.headers[k] = v
        req.context["timestamp"] = ts
        auth = SigV4Auth(Credentials(creds[0], creds[1], token), service,
                         region)
        creq = auth.canonical_request(req)
        sig = auth.signature(auth.string_to_sign(req, creq), req)
        signed_headers = auth.signed_headers(auth.headers_to_sign(req))
        authz = ("AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, "
                 "Signature=%s" % (creds[0], auth.credential_scope(req),
                                   signed_headers, sig))
        d = {"body": body, "headers": {k: v for k, v in req.headers.items()},
             "authz": authz, "path": path}
        if mutate:
            mutate(d)
        hdrs = dict(d["headers"])
        if d["authz"] is not None:
            hdrs["Authorization"] = d["authz"]
        own = conn is None
        c = conn or self.conn()
        try:
            c.putrequest(method, d["path"], skip_host=True,
                         skip_accept_encoding=True)
            for k, v in hdrs.items():
                c.putheader(k, v)
            if method != "GET" or d["body"]:
                c.putheader("Content-Length", str(len(d["body"])))
            c.endheaders(d["body"] if d["body"] else None)
            r = c.getresponse()
            data = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, data
        finally:
            if own:
                c.close()


def parse_error(body):
    root = ET.fromstring(body)
    assert root.tag == NSB + "ErrorResponse", root.tag
    e = root.find(NSB + "Error")
    return (e.findtext(NSB + "Type"), e.findtext(NSB + "Code"),
            e.findtext(NSB + "Message"), root.findtext(NSB + "RequestId"))


def client_error(exc):
    e = exc.response["Error"]
    return (e.get("Code"), e.get("Message"),
            exc.response["ResponseMetadata"]["HTTPStatusCode"])


def skeleton(xml_bytes):
    """The document with every text value replaced by X: compares layout,
    element order, namespaces and whitespace byte for byte."""
    s = xml_bytes.decode("utf-8") if isinstance(xml_bytes, bytes) else \
        xml_bytes
    return re.sub(r">[^<\s][^<]*<", ">X<", s)


def mint(iss=ISS, sub="system:serviceaccount:default:app",
         aud="sts.amazonaws.com", ttl=3600, extra=()):
    out = subprocess.run([PYTHON, EMULATOR, "mint-token", "--iss", iss,
                          "--sub", sub, "--aud", aud, "--ttl", str(ttl)]
                         + list(extra), capture_output=True, timeout=30,
                         check=True)
    return out.stdout.decode().strip()


def jwt_claims(tok):
    p = tok.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)))


def make_tls(dirpath):
    """A throwaway CA and a server certificate for 127.0.0.1/localhost."""
    if not shutil.which("openssl"):
        return None
    p = lambda n: os.path.join(dirpath, n)  # noqa: E731

    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, timeout=60,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       stdin=subprocess.DEVNULL)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
        p("ca.key"), "-out", p("ca.pem"), "-days", "2", "-subj",
        "/CN=awscredsfs emulator test CA", "-addext",
        "basicConstraints=critical,CA:TRUE", "-addext",
        "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", p("srv.key"),
        "-out", p("srv.csr"), "-subj", "/CN=127.0.0.1")
    with open(p("ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost,"
                "DNS:sts.amazonaws.com,DNS:sts.us-east-1.amazonaws.com\n"
                "basicConstraints=CA:FALSE\n"
                "keyUsage=critical,digitalSignature,keyEncipherment\n"
                "extendedKeyUsage=serverAuth\n")
    run("x509", "-req", "-in", p("srv.csr"), "-CA", p("ca.pem"), "-CAkey",
        p("ca.key"), "-CAcreateserial", "-out", p("srv.pem"), "-days", "2",
        "-extfile", p("ext.cnf"))
    return {"ca": p("ca.pem"), "cert": p("srv.pem"), "key": p("srv.key")}


# ---------------------------------------------------------------------------
# Module fixtures: one HTTP and one HTTPS emulator shared by most tests.

HTTP = None
HTTPS = None
TLS = None
TMP = None
_saved_env = {}


def setUpModule():
    global HTTP, HTTPS, TLS, TMP
    if not HAVE_BOTOCORE:
        raise unittest.SkipTest("botocore is missing (apt-get install "
                                "python3-botocore; run with /usr/bin/python3)")
    TMP = tempfile.mkdtemp(prefix="acfs-sts-suite-")
    home = os.path.join(TMP, "home")
    os.makedirs(home)
    env = {"HOME": home,
           "AWS_CONFIG_FILE": os.path.join(home, "no-config"),
           "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "no-creds"),
           "AWS_EC2_METADATA_DISABLED": "true"}
    for k in list(os.environ):
        if k.startswith("AWS_") and k not in env:
            _saved_env[k] = os.environ.pop(k)
    for k, v in env.items():
        _saved_env.setdefault(k, os.environ.get(k))
        os.environ[k] = v
    HTTP = Emulator(name="http")
    tdir = os.path.join(TMP, "tls")
    os.makedirs(tdir)
    try:
        TLS = make_tls(tdir)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        TLS = None
    if TLS:
        HTTPS = Emulator(tls=TLS, name="https")


def tearDownModule():
    for e in (HTTP, HTTPS):
        if e is not None:
            e.stop()
    if TMP:
        shutil.rmtree(TMP, ignore_errors=True)
    for k, v in _saved_env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


class Base(unittest.TestCase):
    emu = None

    def setUp(self):
        self.emu = HTTP
        self.emu.reset()

    def assertStsError(self, exc_ctx, code, message=None, status=None,
                       message_re=None):
        c, m, s = client_error(exc_ctx.exception)
        self.assertEqual(c, code, m)
        if message is not None:
            self.assertEqual(m, message)
        if message_re is not None:
            self.assertRegex(m, message_re)
        if status is not None:
            self.assertEqual(s, status)

    def assume_a_via_web(self, session="sa", emu=None):
        emu = emu or self.emu
        r = emu.client(unsigned=True).assume_role_with_web_identity(
            RoleArn=ROLE_A, RoleSessionName=session,
            WebIdentityToken=mint())
        return r["Credentials"]


# ---------------------------------------------------------------------------

class TestWireFormat(Base):
    def test_get_caller_identity_user(self):
        r = self.emu.client().get_caller_identity()
        self.assertEqual(r["Arn"], ALICE_ARN)
        self.assertEqual(r["Account"], ACCT_U)
        self.assertRegex(r["UserId"], r"^AIDA[A-Z0-9]{17}$")

    def test_raw_success_headers_and_layout(self):
        st, h, body = self.emu.signed({"Action": "AssumeRole",
                                       "Version": "2011-06-15",
                                       "RoleArn": ROLE_A,
                                       "RoleSessionName": "raw"})
        self.assertEqual(st, 200, body)
        self.assertEqual(h["content-type"], "text/xml")
        self.assertEqual(int(h["content-length"]), len(body))
        self.assertNotIn("server", h)
        root = ET.fromstring(body)
        self.assertEqual(root.tag, NSB + "AssumeRoleResponse")
        rid = root.findtext(NSB + "ResponseMetadata/" + NSB + "RequestId")
        self.assertEqual(h["x-amzn-requestid"], rid)
        self.assertRegex(rid, r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"
                         r"[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertTrue(body.startswith(
            b'<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/'
            b'2011-06-15/">\n  <AssumeRoleResult>\n    <AssumedRoleUser>\n'))
        self.assertTrue(body.endswith(b"</AssumeRoleResponse>\n"))
        exp = root.findtext(".//" + NSB + "Expiration")
        self.assertRegex(exp, r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def _sample(self, *rel):
        d = conformance_dir()
        if d is None:
            self.skipTest("shared/conformance is absent")
        with open(os.path.join(d, "sts-responses", *rel), "rb") as f:
            return f.read()

    def test_assume_role_layout_matches_recorded_sts(self):
        sample = self._sample("smithy-rs-traffic",
                              "e2e_assume_role__conn0__200__"
                              "AssumeRoleResponse.xml")
        st, _, body = self.emu.signed({"Action": "AssumeRole",
                                       "Version": "2011-06-15",
                                       "RoleArn": ROLE_A,
                                       "RoleSessionName": "cmp"})
        self.assertEqual(st, 200)
        self.assertEqual(skeleton(body), skeleton(sample))

    def test_web_identity_layout_matches_recorded_sts(self):
        sample = self._sample("smithy-rs-traffic",
                              "web_identity_token_profile__conn0__200__"
                              "AssumeRoleWithWebIdentityResponse.xml")
        c = self.emu.conn()
        try:
            form = urllib.parse.urlencode({
                "Action": "AssumeRoleWithWebIdentity",
                "Version": "2011-06-15", "RoleArn": ROLE_A,
                "RoleSessionName": "web", "WebIdentityToken": mint()})
            c.request("POST", "/", body=form, headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse()
            body = r.read()
        finally:
            c.close()
        self.assertEqual(r.status, 200, body)
        self.assertEqual(skeleton(body), skeleton(sample))

    def test_error_layout_matches_recorded_sts(self):
        sample = self._sample("smithy-rs-traffic",
                              "web_identity_token_invalid_jwt__conn0__400__"
                              "ErrorResponse.xml")
        sample2 = self._sample("botocore", "errors-sts-get-session-token.xml")
        st, h, body = self.emu.signed({"Action": "AssumeRole",
                                       "Version": "2011-06-15",
                                       "RoleArn": ROLE_EXT,
                                       "RoleSessionName": "ee"})
        self.assertEqual(st, 403)
        self.assertEqual(skeleton(body), skeleton(sample))
        self.assertEqual(skeleton(body), skeleton(sample2))
        t, code, msg, rid = parse_error(body)
        self.assertEqual((t, code), ("Sender", "AccessDenied"))
        self.assertEqual(h["x-amzn-requestid"], rid)

    def test_invalid_identity_token_message_matches_recorded_sts(self):
        sample = self._sample("smithy-rs-traffic",
                              "web_identity_token_invalid_jwt__conn0__400__"
                              "ErrorResponse.xml")
        _, code, msg, _ = parse_error(sample)
        iss = msg.rsplit(" ", 1)[1]
        with self.assertRaises(ClientError) as cm:
            self.emu.client(unsigned=True).assume_role_with_web_identity(
                RoleArn=ROLE_A, RoleSessionName="xx",
                WebIdentityToken=mint(iss=iss))
        self.assertStsError(cm, code, msg, 400)

    def test_get_method_with_query_string(self):
        st, _, body = self.emu.signed({"Action": "GetCallerIdentity",
                                       "Version": "2011-06-15"},
                                      method="GET")
        self.assertEqual(st, 200, body)
        self.assertIn(ALICE_ARN.encode(), body)
        self.assertTrue(body.startswith(b'<GetCallerIdentityResponse xmlns="'
                                        + NS.encode() + b'">\n  <GetCaller'
                                        b'IdentityResult>\n    <Arn>'))

    def test_keep_alive_one_connection(self):
        c = self.emu.conn()
        try:
            for _ in range(3):
                st, h, _ = self.emu.signed({"Action": "GetCallerIdentity",
                                            "Version": "2011-06-15"}, conn=c)
                self.assertEqual(st, 200)
                self.assertNotEqual(h.get("connection"), "close")
        finally:
            c.close()
        recs = self.emu.log(action="GetCallerIdentity")
        self.assertEqual(len(recs), 3)
        self.assertEqual(len({r["connection_id"] for r in recs}), 1)
        self.assertEqual([r["request_on_connection"] for r in recs],
                         [1, 2, 3])

    def test_keep_alive_is_fast(self):
        # Nagle + delayed ACK would cost ~40 ms per request.
        cl = self.emu.client()
        cl.get_caller_identity()
        n = 40
        t = time.time()
        for _ in range(n):
            cl.get_caller_identity()
        per = (time.time() - t) / n
        self.assertLess(per, 0.035, "%.1f ms per request" % (per * 1000))

    def test_invalid_action(self):
        st, _, body = self.emu.signed({"Action": "DoesNotExist",
                                       "Version": "2011-06-15"})
        self.assertEqual(st, 400)
        self.assertEqual(parse_error(body)[1:3], (
            "InvalidAction",
            "Could not find operation DoesNotExist for version 2011-06-15"))
        st, _, body = self.emu.signed({"Action": "AssumeRole"})
        self.assertEqual(st, 400)
        self.assertEqual(parse_error(body)[2], "Could not find operation "
                         "AssumeRole for version NO_VERSION_SPECIFIED")

    def test_get_session_token(self):
        r = self.emu.client().get_session_token(DurationSeconds=900)
        c = r["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z0-9]{16}$")
        who = self.emu.client_for(c).get_caller_identity()
        self.assertEqual(who["Arn"], ALICE_ARN)
        with self.assertRaises(ClientError) as cm:
            self.emu.client_for(c).get_session_token()
        self.assertStsError(cm, "AccessDenied", status=403)


class TestAssumeRole(Base):
    def test_happy_path(self):
        t0 = time.time()
        r = self.emu.client().assume_role(RoleArn=ROLE_A,
                                          RoleSessionName="happy")
        c = r["Credentials"]
        self.assertRegex(c["AccessKeyId"], r"^ASIA[A-Z0-9]{16}$")
        self.assertEqual(len(c["SecretAccessKey"]), 40)
        self.assertGreaterEqual(len(c["SessionToken"]), 400)
        self.assertRegex(c["SessionToken"], r"^[A-Za-z0-9+/=]+$")
        left = c["Expiration"].timestamp() - t0
        self.assertTrue(3590 <= left <= 3602, left)
        u = r["AssumedRoleUser"]
        self.assertEqual(u["Arn"], "arn:aws:sts::%s:assumed-role/"
                         "account-a-role/happy" % ACCT_A)
        self.assertRegex(u["AssumedRoleId"], r"^AROA[A-Z0-9]{17}:happy$")
        who = self.emu.client_for(c).get_caller_identity()
        self.assertEqual(who["Arn"], u["Arn"])
        self.assertEqual(who["UserId"], u["AssumedRoleId"])
        self.assertEqual(who["Account"], ACCT_A)

    def test_duration_seconds(self):
        t0 = time.time()
        r = self.emu.client().assume_role(RoleArn=ROLE_A, RoleSessionName="dd",
                                          DurationSeconds=900)
        left = r["Credentials"]["Expiration"].timestamp() - t0
        self.assertTrue(890 <= left <= 902, left)
        with self.assertRaises(ClientError) as cm:
            self.emu.client().assume_role(RoleArn=ROLE_A, RoleSessionName="dd",
                                          DurationSeconds=7200)
        self.assertStsError(cm, "ValidationError", "The requested "
                            "DurationSeconds exceeds the MaxSessionDuration "
                            "set for this role.", 400)
        r = self.emu.client().assume_role(RoleArn=ROLE_B, RoleSessionName="dd",
                                          DurationSeconds=43200)
        left = r["Credentials"]["Expiration"].timestamp() - t0
        self.assertTrue(43190 <= left <= 43202, left)

    def test_chained_assume_role_signed_by_role_a(self):
        a = self.assume_a_via_web(session="sa")
        r = self.emu.client_for(a).assume_role(RoleArn=ROLE_B,
                                               RoleSessionName="b-session")
        b = r["Credentials"]
        who = self.emu.client_for(b).get_caller_identity()
        self.assertEqual(who["Arn"], "arn:aws:sts::%s:assumed-role/"
                         "account-b-role/b-session" % ACCT_B)
        self.assertEqual(who["Account"], ACCT_B)
        recs = [rec for rec in self.emu.log(action="AssumeRole")
                if rec["role_arn"] == ROLE_B]
        self.assertEqual(len(recs), 1)
        rec = recs[0]
        self.assertEqual(rec["auth"]["access_key_id"], a["AccessKeyId"])
        self.assertEqual(rec["auth"]["verdict"], "valid")
        self.assertTrue(rec["auth"]["security_token_present"])
        self.assertEqual(rec["caller"]["role_arn"], ROLE_A)
        self.assertEqual(rec["caller"]["type"], "web-identity")
        self.assertEqual(rec["caller"]["arn"], "arn:aws:sts::%s:assumed-role/"
                         "account-a-role/sa" % ACCT_A)
        web = self.emu.log(action="AssumeRoleWithWebIdentity")[0]
        self.assertEqual(rec["caller"]["issued_by_seq"], web["seq"])
        self.assertEqual(rec["issued"]["access_key_id"], b["AccessKeyId"])
        self.assertEqual(rec["status"], 200)

    def test_role_chaining_cap(self):
        a = self.assume_a_via_web()
        with self.assertRaises(ClientError) as cm:
            self.emu.client_for(a).assume_role(RoleArn=ROLE_B,
                                               RoleSessionName="bb",
                                               DurationSeconds=7200)
        self.assertStsError(cm, "ValidationError", "The requested "
                            "DurationSeconds exceeds the 1 hour session limit "
                            "for roles assumed by role chaining.", 400)
        r = self.emu.client_for(a).assume_role(RoleArn=ROLE_B,
                                               RoleSessionName="bb",
                                               DurationSeconds=3600)
        self.assertIn("Credentials", r)
        # the same duration from a user is not chaining
        self.emu.client().assume_role(RoleArn=ROLE_B, RoleSessionName="bb",
                                      DurationSeconds=7200)

    def test_access_denied_messages(self):
        a = self.assume_a_via_web(session="sa")
        with self.assertRaises(ClientError) as cm:
            self.emu.client_for(a).assume_role(RoleArn=ROLE_NOTAG,
                                               RoleSessionName="xx")
        self.assertStsError(cm, "AccessDenied", "User: arn:aws:sts::"
                            "111122223333:assumed-role/account-a-role/sa is not "
                            "authorized to perform: sts:AssumeRole on "
                            "resource: arn:aws:iam::444455556666:role/"
                            "no-tags-role", 403)
        with self.assertRaises(ClientError) as cm:
            self.emu.client(BOB).assume_role(RoleArn=ROLE_B,
                                             RoleSessionName="xx")
        self.assertStsError(cm, "AccessDenied", "User: %s is not authorized "
                            "to perform: sts:AssumeRole on resource: %s"
                            % (BOB_ARN, ROLE_B), 403)
        with self.assertRaises(ClientError) as cm:
            self.emu.client().assume_role(
                RoleArn="arn:aws:iam::%s:role/does-not-exist" % ACCT_B,
                RoleSessionName="xx")
        self.assertStsError(cm, "AccessDenied", status=403)

    def test_external_id(self):
        denied = ("User: %s is not authorized to perform: sts:AssumeRole on "
                  "resource: %s" % (ALICE_ARN, ROLE_EXT))
        for ext in (None, "wrong-id"):
            kw = {"ExternalId": ext} if ext else {}
            with self.assertRaises(ClientError) as cm:
                self.emu.client().assume_role(RoleArn=ROLE_EXT,
                                              RoleSessionName="xx", **kw)
            self.assertStsError(cm, "AccessDenied", denied, 403)
        r = self.emu.client().assume_role(RoleArn=ROLE_EXT,
                                          RoleSessionName="xx",
                                          ExternalId=EXTERNAL_ID)
        self.assertIn("Credentials", r)
        recs = self.emu.log(action="AssumeRole")
        self.assertEqual([rc["external_id"] for rc in recs],
                         [None, "wrong-id", EXTERNAL_ID])
        self.assertEqual([rc["status"] for rc in recs], [403, 403, 200])
        self.assertEqual([rc["error_code"] for rc in recs],
                         ["AccessDenied", "AccessDenied", None])

    def test_tag_session_denied(self):
        for kw in ({"Tags": [{"Key": "team", "Value": "a"}]},
                   {"Tags": [{"Key": "team", "Value": "a"}],
                    "TransitiveTagKeys": ["team"]}):
            with self.assertRaises(ClientError) as cm:
                self.emu.client().assume_role(RoleArn=ROLE_NOTAG,
                                              RoleSessionName="xx", **kw)
            self.assertStsError(cm, "AccessDenied", "User: %s is not "
                                "authorized to perform: sts:TagSession on "
                                "resource: %s" % (ALICE_ARN, ROLE_NOTAG), 403)
        with self.assertRaises(ClientError) as cm:
            self.emu.client().assume_role(RoleArn=ROLE_NOTAG,
                                          RoleSessionName="xx",
                                          SourceIdentity="alice")
        self.assertStsError(cm, "AccessDenied", "User: %s is not authorized "
                            "to perform: sts:SetSourceIdentity on resource: %s"
                            % (ALICE_ARN, ROLE_NOTAG), 403)
        self.emu.client().assume_role(RoleArn=ROLE_NOTAG, RoleSessionName="xx")

    def test_tags_and_source_identity_allowed(self):
        st, _, body = self.emu.signed({
            "Action": "AssumeRole", "Version": "2011-06-15",
            "RoleArn": ROLE_B, "RoleSessionName": "tagged",
            "Tags.member.1.Key": "team", "Tags.member.1.Value": "platform",
            "Tags.member.2.Key": "cost-center", "Tags.member.2.Value": "42",
            "TransitiveTagKeys.member.1": "team",
            "SourceIdentity": "alice@example.com"})
        self.assertEqual(st, 200, body)
        root = ET.fromstring(body)
        res = root.find(NSB + "AssumeRoleResult")
        self.assertEqual([ch.tag[len(NSB):] for ch in res],
                         ["SourceIdentity", "AssumedRoleUser", "Credentials",
                          "PackedPolicySize"])
        self.assertEqual(res.findtext(NSB + "SourceIdentity"),
                         "alice@example.com")
        self.assertGreater(int(res.findtext(NSB + "PackedPolicySize")), 0)
        rec = self.emu.log(action="AssumeRole")[-1]
        self.assertEqual(rec["tags"], [{"Key": "team", "Value": "platform"},
                                       {"Key": "cost-center", "Value": "42"}])
        self.assertEqual(rec["transitive_tag_keys"], ["team"])
        self.assertEqual(rec["source_identity"], "alice@example.com")
        # transitive tags (and the source identity) travel along the chain:
        # role C's trust does not allow sts:TagSession
        creds = {"AccessKeyId": res.findtext(".//" + NSB + "AccessKeyId"),
                 "SecretAccessKey": res.findtext(".//" + NSB +
                                                 "SecretAccessKey"),
                 "SessionToken": res.findtext(".//" + NSB + "SessionToken")}
        with self.assertRaises(ClientError) as cm:
            self.emu.client_for(creds).assume_role(RoleArn=ROLE_C,
                                                   RoleSessionName="cc")
        self.assertStsError(cm, "AccessDenied", message_re="sts:TagSession "
                            "on resource: " + ROLE_C)

    def test_tag_validation(self):
        cl = self.emu.client()
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn=ROLE_B, RoleSessionName="xx",
                           Tags=[{"Key": "a", "Value": "1"}],
                           TransitiveTagKeys=["b"])
        self.assertStsError(cm, "InvalidParameterValue", "The specified "
                            "transitive tag key must be included in the "
                            "requested tags.", 400)
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn=ROLE_B, RoleSessionName="xx",
                           Tags=[{"Key": "Team", "Value": "1"},
                                 {"Key": "team", "Value": "2"}])
        self.assertStsError(cm, "InvalidParameterValue", message_re="Duplicate"
                            " tag keys found")
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn=ROLE_B, RoleSessionName="xx",
                           Tags=[{"Key": "bad!key", "Value": "1"}])
        self.assertStsError(cm, "ValidationError", "1 validation error "
                            "detected: Value 'bad!key' at 'tags.1.member.key'"
                            " failed to satisfy constraint: Member must "
                            r"satisfy regular expression pattern: [\p{L}\p{Z}"
                            r"\p{N}_.:/=+\-@]+", 400)
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn=ROLE_B, RoleSessionName="xx",
                           Tags=[{"Key": "k%d" % i, "Value": "v"}
                                 for i in range(51)])
        self.assertStsError(cm, "ValidationError", message_re=r"at 'tags' "
                            "failed to satisfy constraint: Member must have "
                            "length less than or equal to 50$")
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn=ROLE_B, RoleSessionName="xx",
                           Tags=[{"Key": "k" * 129, "Value": "v" * 257}])
        self.assertStsError(cm, "ValidationError", message_re=r"^2 validation "
                            r"errors detected: .*tags\.1\.member\.key.*length "
                            r"less than or equal to 128; .*tags\.1\.member\."
                            r"value.*less than or equal to 256$")
        r = cl.assume_role(RoleArn=ROLE_B, RoleSessionName="xx",
                           Tags=[{"Key": "k%d" % i, "Value": "v"}
                                 for i in range(50)])
        self.assertIn("PackedPolicySize", r)

    def test_validation_messages(self):
        cl = self.emu.client()
        cases = [
            ({"RoleSessionName": "bad name!"},
             "1 validation error detected: Value 'bad name!' at "
             "'roleSessionName' failed to satisfy constraint: Member must "
             r"satisfy regular expression pattern: [\w+=,.@-]*"),
            ({"RoleSessionName": "a"},
             "1 validation error detected: Value 'a' at 'roleSessionName' "
             "failed to satisfy constraint: Member must have length greater "
             "than or equal to 2"),
            ({"RoleSessionName": "s" * 65},
             "1 validation error detected: Value '%s' at 'roleSessionName' "
             "failed to satisfy constraint: Member must have length less than "
             "or equal to 64" % ("s" * 65)),
            ({"RoleSessionName": "ok", "DurationSeconds": 100},
             "1 validation error detected: Value '100' at 'durationSeconds' "
             "failed to satisfy constraint: Member must have value greater "
             "than or equal to 900"),
            ({"RoleSessionName": "ok", "DurationSeconds": 50000},
             "1 validation error detected: Value '50000' at 'durationSeconds'"
             " failed to satisfy constraint: Member must have value less than"
             " or equal to 43200"),
            ({"RoleSessionName": "ok", "ExternalId": "a b"},
             "1 validation error detected: Value 'a b' at 'externalId' failed "
             "to satisfy constraint: Member must satisfy regular expression "
             r"pattern: [\w+=,.@:\/-]*"),
            ({"RoleSessionName": "ok", "ExternalId": "x"},
             "1 validation error detected: Value 'x' at 'externalId' failed "
             "to satisfy constraint: Member must have length greater than or "
             "equal to 2"),
            ({"RoleSessionName": "ok", "SourceIdentity": "x"},
             "1 validation error detected: Value 'x' at 'sourceIdentity' "
             "failed to satisfy constraint: Member must have length greater "
             "than or equal to 2"),
            ({"RoleSessionName": "a", "DurationSeconds": 100},
             "2 validation errors detected: Value 'a' at 'roleSessionName' "
             "failed to satisfy constraint: Member must have length greater "
             "than or equal to 2; Value '100' at 'durationSeconds' failed to "
             "satisfy constraint: Member must have value greater than or "
             "equal to 900"),
        ]
        for kw, msg in cases:
            with self.subTest(kw=kw):
                with self.assertRaises(ClientError) as cm:
                    cl.assume_role(RoleArn=ROLE_B, **kw)
                self.assertStsError(cm, "ValidationError", msg, 400)
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn="arn:aws:iam::%s:user/alice" % ACCT_U,
                           RoleSessionName="ok")
        self.assertStsError(cm, "ValidationError", "Request ARN is invalid")
        st, _, body = self.emu.signed({"Action": "AssumeRole",
                                       "Version": "2011-06-15",
                                       "RoleArn": ROLE_B})
        self.assertEqual(st, 400)
        self.assertEqual(parse_error(body)[2], "1 validation error detected: "
                         "Value null at 'roleSessionName' failed to satisfy "
                         "constraint: Member must not be null")

    def test_policy_checks(self):
        cl = self.emu.client()
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn=ROLE_B, RoleSessionName="pp",
                           Policy="{not json")
        self.assertStsError(cm, "MalformedPolicyDocument", status=400)
        big = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": "arn:aws:s3:::bucket-%04d/*" % i}
            for i in range(60)]})
        with self.assertRaises(ClientError) as cm:
            cl.assume_role(RoleArn=ROLE_B, RoleSessionName="pp", Policy=big)
        self.assertStsError(cm, "PackedPolicyTooLarge", message_re=r"^Packed "
                            r"policy consumes \d+% of allotted space, please "
                            r"use smaller policy\.$", status=400)

    def test_root_and_account_principals(self):
        with self.assertRaises(ClientError) as cm:
            self.emu.client(ROOT).assume_role(RoleArn=ROLE_ACCT,
                                              RoleSessionName="rr")
        self.assertStsError(cm, "AccessDenied", "Roles may not be assumed by "
                            "root accounts.", 403)
        who = self.emu.client(ROOT).get_caller_identity()
        self.assertEqual((who["Arn"], who["UserId"]), (ROOT_ARN, ACCT_U))
        r = self.emu.client().assume_role(RoleArn=ROLE_ACCT,
                                          RoleSessionName="acct",
                                          DurationSeconds=7200)
        self.assertIn("Credentials", r)
        with self.assertRaises(ClientError) as cm:
            self.emu.client(BOB).assume_role(RoleArn=ROLE_ACCT,
                                             RoleSessionName="rr")
        self.assertStsError(cm, "AccessDenied", status=403)

    def test_region_recorded_and_disabled_region(self):
        self.emu.client(region="eu-west-3").get_caller_identity()
        rec = self.emu.log()[-1]
        self.assertEqual(rec["auth"]["region"], "eu-west-3")
        self.assertEqual(rec["auth"]["credential_scope"][9:],
                         "eu-west-3/sts/aws4_request")
        with self.assertRaises(ClientError) as cm:
            self.emu.client(region="me-south-1").assume_role(
                RoleArn=ROLE_B, RoleSessionName="xx")
        self.assertStsError(cm, "RegionDisabledException", "STS is not "
                            "activated in this region for account:%s. Your "
                            "account administrator can activate STS in this "
                            "region using the IAM Console." % ACCT_B, 403)


class TestWebIdentity(Base):
    def test_happy_path(self):
        tok = mint()
        r = self.emu.client(unsigned=True).assume_role_with_web_identity(
            RoleArn=ROLE_A, RoleSessionName="web", WebIdentityToken=tok)
        self.assertEqual(r["SubjectFromWebIdentityToken"],
                         "system:serviceaccount:default:app")
        self.assertEqual(r["Audience"], "sts.amazonaws.com")
        self.assertEqual(r["Provider"], OIDC_ARN)
        self.assertEqual(r["AssumedRoleUser"]["Arn"], "arn:aws:sts::%s:"
                         "assumed-role/account-a-role/web" % ACCT_A)
        self.assertRegex(r["Credentials"]["AccessKeyId"], r"^ASIA")
        rec = self.emu.log(action="AssumeRoleWithWebIdentity")[0]
        self.assertEqual(rec["auth"]["verdict"], "not-required")
        self.assertTrue(rec["web_identity_token"]["present"])
        self.assertEqual(rec["web_identity_token"]["length"], len(tok))
        self.assertEqual(rec["web_identity_token"]["claims"]["sub"],
                         "system:serviceaccount:default:app")
        self.assertNotIn("WebIdentityToken", rec["params"])
        who = self.emu.client_for(r["Credentials"]).get_caller_identity()
        self.assertEqual(who["Arn"], r["AssumedRoleUser"]["Arn"])

    def test_sub_glob_and_role_lifetime(self):
        t0 = time.time()
        r = self.emu.client(unsigned=True).assume_role_with_web_identity(
            RoleArn=ROLE_NS, RoleSessionName="ww",
            WebIdentityToken=mint(sub="system:serviceaccount:prod:worker"))
        left = r["Credentials"]["Expiration"].timestamp() - t0
        self.assertTrue(110 <= left <= 122, left)
        with self.assertRaises(ClientError) as cm:
            self.emu.client(unsigned=True).assume_role_with_web_identity(
                RoleArn=ROLE_NS, RoleSessionName="ww",
                WebIdentityToken=mint())
        self.assertStsError(cm, "AccessDenied", "Not authorized to perform "
                            "sts:AssumeRoleWithWebIdentity", 403)

    def test_token_errors(self):
        cl = self.emu.client(unsigned=True)
        cases = [
            (mint(aud="someone-else"), "InvalidIdentityToken", 400,
             r"^Incorrect token audience$"),
            (mint(ttl=-30), "ExpiredTokenException", 400,
             r"^Token expired: current date/time \d+ must be before the "
             r"expiration date/time \d+$"),
            (mint(extra=["--nbf", "600"]), "InvalidIdentityToken", 400,
             r"not yet valid"),
            ("not-a-jwt", "InvalidIdentityToken", 400,
             r"^The ID Token provided is not a valid JWT\. \(You may see this "
             r"error if you sent an Access Token\)$"),
            (mint(iss="https://issuer.invalid/id/X"), "InvalidIdentityToken",
             400, r"^No OpenIDConnect provider found in your account for "
             r"https://issuer\.invalid/id/X$"),
        ]
        for tok, code, status, rx in cases:
            with self.subTest(code=code, rx=rx):
                with self.assertRaises(ClientError) as cm:
                    cl.assume_role_with_web_identity(
                        RoleArn=ROLE_A, RoleSessionName="ww",
                        WebIdentityToken=tok)
                self.assertStsError(cm, code, status=status, message_re=rx)
        # the provider lives in account A, not in account B
        with self.assertRaises(ClientError) as cm:
            cl.assume_role_with_web_identity(RoleArn=ROLE_B,
                                             RoleSessionName="ww",
                                             WebIdentityToken=mint())
        self.assertStsError(cm, "InvalidIdentityToken", message_re="No "
                            "OpenIDConnect provider found in your account")

    def test_mint_token(self):
        tok = mint(ttl=120, extra=["--claim", "azp=client-1"])
        self.assertEqual(len(tok.split(".")), 3)
        c = jwt_claims(tok)
        self.assertEqual((c["iss"], c["sub"], c["aud"], c["azp"]),
                         (ISS, "system:serviceaccount:default:app",
                          "sts.amazonaws.com", "client-1"))
        self.assertTrue(110 <= c["exp"] - time.time() <= 125)


class TestSignatures(Base):
    GCI = {"Action": "GetCallerIdentity", "Version": "2011-06-15"}
    AR = {"Action": "AssumeRole", "Version": "2011-06-15", "RoleArn": ROLE_A,
          "RoleSessionName": "flip"}
    MISMATCH = ("The request signature we calculated does not match the "
                "signature you provided. Check your AWS Secret Access Key "
                "and signing method. Consult the service documentation for "
                "details.")

    def assertMismatch(self, res, msg=None):
        st, _, body = res
        self.assertEqual(st, 403, body)
        t, code, m, _ = parse_error(body)
        self.assertEqual((t, code), ("Sender", "SignatureDoesNotMatch"))
        self.assertEqual(m, msg or self.MISMATCH)

    @staticmethod
    def flip(s, i):
        b = bytearray(s.encode() if isinstance(s, str) else s)
        b[i] ^= 0x01
        return bytes(b)

    def test_unmodified_is_accepted(self):
        for p in (self.GCI, self.AR):
            st, _, body = self.emu.signed(p)
            self.assertEqual(st, 200, body)

    def test_flipped_body_bit(self):
        for p in (self.GCI, self.AR):
            def m(d):
                d["body"] = self.flip(d["body"], len(d["body"]) - 1)
            self.assertMismatch(self.emu.signed(p, mutate=m))
        rec = self.emu.log()[-1]
        self.assertEqual(rec["auth"]["verdict"], "invalid")
        self.assertEqual(rec["auth"]["error_code"], "SignatureDoesNotMatch")
        self.assertEqual(rec["caller"], None)

    def test_flipped_date_bit(self):
        def m(d):
            v = d["headers"]["X-Amz-Date"]
            d["headers"]["X-Amz-Date"] = self.flip(v, len(v) - 2).decode()
        self.assertMismatch(self.emu.signed(self.GCI, mutate=m))
        self.assertMismatch(self.emu.signed(self.AR, mutate=m))

    def test_flipped_signature_bit(self):
        def m(d):
            a = d["authz"]
            i = a.index("Signature=") + len("Signature=")
            while not a[i].isdigit():
                i += 1
            d["authz"] = self.flip(a, i).decode()
        self.assertMismatch(self.emu.signed(self.GCI, mutate=m))
        self.assertMismatch(self.emu.signed(self.AR, mutate=m))

    def test_curl_aws_sigv4_is_accepted(self):
        curl = shutil.which("curl")
        if curl is None:
            self.skipTest("curl is missing")
        for secret, want in ((ALICE[1], "200"), ("z" * 40, "403")):
            p = subprocess.run(
                [curl, "-s", "-o", "/dev/null", "-w", "%{http_code}",
                 "--max-time", "20", "--aws-sigv4", "aws:amz:eu-west-1:sts",
                 "--user", "%s:%s" % (ALICE[0], secret),
                 "-d", "Action=GetCallerIdentity&Version=2011-06-15",
                 self.emu.url + "/"], capture_output=True, timeout=30,
                stdin=subprocess.DEVNULL)
            self.assertEqual(p.stdout.decode(), want, p.stderr)
        recs = self.emu.log()
        self.assertEqual([r["auth"]["verdict"] for r in recs],
                         ["valid", "invalid"])
        self.assertEqual(recs[0]["auth"]["region"], "eu-west-1")

    def test_wrong_secret(self):
        self.assertMismatch(self.emu.signed(self.GCI, creds=(ALICE[0],
                                                             "x" * 40)))

    def test_signed_user_agent_header_is_honoured(self):
        st, _, body = self.emu.signed(self.GCI, extra_headers={
            "User-Agent": "custom-signer/1.0"}, mutate=lambda d: None)
        self.assertEqual(st, 200, body)

    def test_body_hash_header(self):
        h = hashlib.sha256(b"Action=GetCallerIdentity&Version=2011-06-15")
        st, _, body = self.emu.signed(self.GCI, extra_headers={
            "X-Amz-Content-SHA256": h.hexdigest()})
        self.assertEqual(st, 200, body)
        self.assertMismatch(self.emu.signed(self.GCI, extra_headers={
            "X-Amz-Content-SHA256": hashlib.sha256(b"x").hexdigest()}),
            "The provided 'x-amz-content-sha256' header does not match what "
            "was computed.")

    def test_clock_skew(self):
        now = time.time()
        old = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - 1000))
        res = self.emu.signed(self.GCI, amz_date=old)
        self.assertEqual(res[0], 403)
        _, code, msg, _ = parse_error(res[2])
        self.assertEqual(code, "SignatureDoesNotMatch")
        self.assertRegex(msg, r"^Signature expired: %s is now earlier than "
                         r"\d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$" % old)
        new = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now + 1000))
        _, code, msg, _ = parse_error(self.emu.signed(self.GCI,
                                                      amz_date=new)[2])
        self.assertEqual(code, "SignatureDoesNotMatch")
        self.assertRegex(msg, r"^Signature not yet current: %s is still later "
                         r"than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$"
                         % new)
        ok = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - 600))
        self.assertEqual(self.emu.signed(self.GCI, amz_date=ok)[0], 200)

    def test_scope_checks(self):
        self.assertMismatch(self.emu.signed(self.GCI, service="iam"),
                            "Credential should be scoped to correct service: "
                            "'sts'. ")
        st, _, body = self.emu.signed(self.GCI, mutate=lambda d: d.update(
            authz=d["authz"].replace("/aws4_request", "")))
        self.assertEqual(st, 400)
        self.assertEqual(parse_error(body)[1], "IncompleteSignature")
        self.assertRegex(parse_error(body)[2], r"^Credential must have exactly "
                         r"5 slash-delimited elements")

    def test_missing_and_incomplete_auth(self):
        res = self.emu.signed(self.AR, mutate=lambda d: d.update(authz=None))
        self.assertEqual(res[0], 403)
        self.assertEqual(parse_error(res[2])[1:3], (
            "MissingAuthenticationToken",
            "Request is missing Authentication Token"))
        self.assertEqual(self.emu.log()[-1]["auth"]["verdict"], "missing")

        def m(d):
            d["authz"] = d["authz"].split(",")[0]
        st, _, body = self.emu.signed(self.GCI, mutate=m)
        self.assertEqual(st, 400)
        _, code, msg, _ = parse_error(body)
        self.assertEqual(code, "IncompleteSignature")
        self.assertTrue(msg.startswith(
            "Authorization header requires 'Signature' parameter. "
            "Authorization header requires 'SignedHeaders' parameter. "
            "Authorization=AWS4-HMAC-SHA256 Credential="), msg)

    def test_key_ids_and_tokens(self):
        invalid = "The security token included in the request is invalid."
        with self.assertRaises(ClientError) as cm:
            self.emu.client(("AKIAUNKNOWN000000000", "x" * 40)) \
                .get_caller_identity()
        self.assertStsError(cm, "InvalidClientTokenId", invalid, 403)
        with self.assertRaises(ClientError) as cm:
            self.emu.client(ALICE, token="bogus").get_caller_identity()
        self.assertStsError(cm, "InvalidClientTokenId", invalid, 403)
        c = self.emu.client().assume_role(RoleArn=ROLE_A,
                                          RoleSessionName="tt")["Credentials"]
        keys = (c["AccessKeyId"], c["SecretAccessKey"])
        with self.assertRaises(ClientError) as cm:
            self.emu.client(keys).get_caller_identity()
        self.assertStsError(cm, "InvalidClientTokenId", invalid, 403)
        with self.assertRaises(ClientError) as cm:
            self.emu.client(keys, token=c["SessionToken"][:-4] + "AAAA") \
                .get_caller_identity()
        self.assertStsError(cm, "InvalidClientTokenId", invalid, 403)
        self.emu.client(keys, token=c["SessionToken"]).get_caller_identity()

    def test_expired_temporary_keys(self):
        self.emu.control("POST", "config", {"lifetime_seconds": 2})
        c = self.emu.client().assume_role(RoleArn=ROLE_A,
                                          RoleSessionName="tt")["Credentials"]
        time.sleep(2.3)
        with self.assertRaises(ClientError) as cm:
            self.emu.client_for(c).get_caller_identity()
        self.assertStsError(cm, "ExpiredToken", "The security token included "
                            "in the request is expired", 400)


class TestLifetime(Base):
    def test_runtime_config(self):
        st, cfg = self.emu.control("POST", "config", {"lifetime_seconds": 90})
        self.assertEqual((st, cfg["lifetime_seconds"]), (200, 90))
        t0 = time.time()
        c = self.emu.client().assume_role(RoleArn=ROLE_A, RoleSessionName="ll",
                                          DurationSeconds=3600)["Credentials"]
        left = c["Expiration"].timestamp() - t0
        self.assertTrue(80 <= left <= 92, left)
        st, cfg = self.emu.control("POST", "config", {"lifetime_seconds": None})
        self.assertIsNone(cfg["lifetime_seconds"])
        st, _ = self.emu.control("POST", "config", {"nonsense": 1})
        self.assertEqual(st, 400)

    def test_world_and_flag(self):
        world = dict(WORLD, lifetime_seconds=75)
        for args, want in (((), 75), (("--lifetime", "60"), 60)):
            e = Emulator(world=world, extra_args=args, name="life")
            try:
                t0 = time.time()
                c = e.client().assume_role(RoleArn=ROLE_A,
                                           RoleSessionName="ll")["Credentials"]
                left = c["Expiration"].timestamp() - t0
                self.assertTrue(want - 10 <= left <= want + 2, (args, left))
            finally:
                self.assertEqual(e.stop(), 0)


class TestFaults(Base):
    def ar(self, role=ROLE_A, cl=None):
        return (cl or self.emu.client()).assume_role(RoleArn=role,
                                                     RoleSessionName="ff")

    def test_throttle_count(self):
        self.emu.fault(action="AssumeRole", kind="throttle", count=2,
                       match={"RoleArn": ROLE_A})
        for _ in range(2):
            with self.assertRaises(ClientError) as cm:
                self.ar()
            self.assertStsError(cm, "Throttling", "Rate exceeded", 400)
        self.ar()
        recs = self.emu.log(action="AssumeRole")
        self.assertEqual([r["status"] for r in recs], [400, 400, 200])
        self.assertEqual([(r["fault"] or {}).get("kind") for r in recs],
                         ["throttle", "throttle", None])
        self.assertEqual(recs[0]["auth"]["verdict"], "valid")

    def test_match_skip_and_forever(self):
        self.emu.fault(action="AssumeRole", kind="throttle", count=-1,
                       match={"RoleArn": "*no-tags*"})
        self.ar(ROLE_B)
        for _ in range(3):
            with self.assertRaises(ClientError):
                self.ar(ROLE_NOTAG)
        st, faults = self.emu.control("GET", "faults")
        self.assertEqual(faults[0]["applied"], 3)
        self.emu.control("DELETE", "faults")
        self.ar(ROLE_NOTAG)
        self.emu.fault(kind="throttle", skip=1, count="forever")
        self.emu.client().get_caller_identity()
        with self.assertRaises(ClientError):
            self.emu.client().get_caller_identity()

    def test_status(self):
        self.emu.fault(action="GetCallerIdentity", kind="status", status=503,
                       code="ServiceUnavailable")
        st, _, body = self.emu.signed(TestSignatures.GCI)
        self.assertEqual(st, 503)
        self.assertEqual(parse_error(body)[:2], ("Receiver",
                                                 "ServiceUnavailable"))
        self.emu.fault(kind="status", code="RegionDisabledException")
        with self.assertRaises(ClientError) as cm:
            self.ar()
        self.assertStsError(cm, "RegionDisabledException", status=403,
                            message_re="^STS is not activated in this region "
                            "for account:%s" % ACCT_U)
        self.emu.fault(kind="status", status=500, empty_body=True)
        st, h, body = self.emu.signed(TestSignatures.GCI)
        self.assertEqual((st, body, h["content-length"]), (500, b"", "0"))

    def test_delay(self):
        self.emu.fault(action="GetCallerIdentity", kind="delay", seconds=1.0)
        t = time.time()
        self.emu.client().get_caller_identity()
        self.assertGreaterEqual(time.time() - t, 1.0)
        self.assertEqual(self.emu.log()[-1]["status"], 200)

    def test_malformed(self):
        self.emu.fault(kind="malformed")
        st, h, body = self.emu.signed(TestSignatures.AR)
        self.assertEqual((st, h["content-type"]), (200, "text/xml"))
        self.assertEqual(int(h["content-length"]), len(body))
        with self.assertRaises(ET.ParseError):
            ET.fromstring(body)

    def test_truncated(self):
        self.emu.fault(kind="truncated")
        c = self.emu.conn()
        try:
            with self.assertRaises(http.client.IncompleteRead) as cm:
                self.emu.signed(TestSignatures.AR, conn=c)
            self.assertGreater(cm.exception.expected, 0)
            self.assertGreater(len(cm.exception.partial), 0)
        finally:
            c.close()

    def test_oversized(self):
        self.emu.fault(kind="oversized")
        st, _, body = self.emu.signed(TestSignatures.AR)
        self.assertEqual((st, len(body)), (200, 1024 * 1024))
        root = ET.fromstring(body)
        self.assertIsNotNone(root.find(".//" + NSB + "AccessKeyId"))
        self.emu.fault(kind="oversized", bytes=300000, complete=False)
        st, _, body = self.emu.signed(TestSignatures.AR)
        self.assertEqual((st, len(body)), (200, 300000))
        self.assertTrue(body.startswith(b'<AssumeRoleResponse xmlns="'))
        with self.assertRaises(ET.ParseError):
            ET.fromstring(body)

    def _raw_reset(self, emu):
        emu.fault(kind="reset")
        with self.assertRaises(ConnectionResetError):
            emu.signed(TestSignatures.GCI)
        rec = emu.log()[-1]
        self.assertEqual((rec["fault"]["kind"], rec["status"]),
                         ("reset", None))
        # the server is fine afterwards
        self.assertEqual(emu.signed(TestSignatures.GCI)[0], 200)

    def test_reset(self):
        self._raw_reset(self.emu)

    def test_reset_tls(self):
        if HTTPS is None:
            self.skipTest("openssl is missing: no TLS emulator")
        HTTPS.reset()
        self._raw_reset(HTTPS)

    def test_idp(self):
        self.emu.fault(action="AssumeRoleWithWebIdentity", kind="idp")
        with self.assertRaises(ClientError) as cm:
            self.assume_a_via_web()
        self.assertStsError(cm, "IDPCommunicationError", status=400,
                            message_re="identity provider")
        self.assume_a_via_web()

    def test_bad_fault_specs(self):
        st, doc = self.emu.control("POST", "faults", {"kind": "explode"})
        self.assertEqual(st, 400)
        self.assertIn("unknown fault kind", doc["error"])
        st, _ = self.emu.control("POST", "faults", {"kind": "status"})
        self.assertEqual(st, 400)


class TestLogAndControl(Base):
    def test_log_file_and_no_secrets(self):
        tok = mint()
        a = self.emu.client(unsigned=True).assume_role_with_web_identity(
            RoleArn=ROLE_A, RoleSessionName="ss",
            WebIdentityToken=tok)["Credentials"]
        b = self.emu.client_for(a).assume_role(
            RoleArn=ROLE_B, RoleSessionName="bb", ExternalId="ext-1",
            Tags=[{"Key": "team", "Value": "x"}], TransitiveTagKeys=["team"],
            SourceIdentity="src-1", DurationSeconds=1800)["Credentials"]
        self.emu.client_for(b).get_caller_identity()
        with open(self.emu.log_path) as f:
            text = f.read()
        lines = [json.loads(ln) for ln in text.splitlines()]
        mem = self.emu.log()
        self.assertEqual([r["seq"] for r in mem],
                         [r["seq"] for r in lines[-3:]])
        st, mem_text = self.emu.control("GET", "log")
        blob = text + json.dumps(mem_text)
        for secret in (ALICE[1], a["SecretAccessKey"], a["SessionToken"],
                       b["SecretAccessKey"], b["SessionToken"], tok,
                       tok.split(".")[2]):
            self.assertNotIn(secret, blob)
        ar = mem[1]
        self.assertEqual(ar["action"], "AssumeRole")
        self.assertEqual((ar["role_arn"], ar["role_session_name"],
                          ar["external_id"], ar["duration_seconds"],
                          ar["source_identity"]),
                         (ROLE_B, "bb", "ext-1", 1800, "src-1"))
        self.assertEqual(ar["tags"], [{"Key": "team", "Value": "x"}])
        self.assertEqual(ar["transitive_tag_keys"], ["team"])
        self.assertIsNone(ar["web_identity_token"])
        self.assertEqual(ar["auth"]["access_key_id"], a["AccessKeyId"])
        self.assertRegex(ar["auth"]["credential_scope"],
                         r"^\d{8}/us-east-1/sts/aws4_request$")
        self.assertIn("x-amz-security-token", ar["auth"]["signed_headers"])
        self.assertEqual(ar["issued"]["access_key_id"], b["AccessKeyId"])
        for k in ("time", "epoch", "method", "status", "error_code", "fault",
                  "caller", "params", "request_id", "duration_ms"):
            self.assertIn(k, ar)
        self.assertEqual(mem[2]["caller"]["arn"], "arn:aws:sts::%s:"
                         "assumed-role/account-b-role/bb" % ACCT_B)
        st, sess = self.emu.control("GET", "sessions")
        self.assertTrue(any(s["access_key_id"] == b["AccessKeyId"]
                            for s in sess))
        self.assertNotIn(b["SessionToken"], json.dumps(sess))
        st, since = self.emu.control("GET", "log?since=%d" % mem[1]["seq"])
        self.assertEqual([r["seq"] for r in since], [mem[2]["seq"]])

    def test_reset_clears_log_and_faults(self):
        self.emu.client().get_caller_identity()
        self.emu.fault(kind="throttle", count=-1)
        self.emu.control("POST", "reset")
        self.assertEqual(self.emu.log(), [])
        self.emu.client().get_caller_identity()

    def test_control_endpoints(self):
        st, h = self.emu.control("GET", "health")
        self.assertEqual((st, h["ok"], h["port"]), (200, True, self.emu.port))
        st, _ = self.emu.control("GET", "nope")
        self.assertEqual(st, 404)
        self.assertEqual(self.emu.log(), [])
        carol = ("AKIACAROL0EXAMPLE009", "carolSecretKeyEXAMPLEcarolSecretKey00"
                 "09")
        world = json.loads(json.dumps(WORLD))
        world["users"].append({"arn": "arn:aws:iam::%s:user/carol" % ACCT_U,
                               "access_key_id": carol[0],
                               "secret_access_key": carol[1]})
        st, _ = self.emu.control("POST", "world", world)
        self.assertEqual(st, 200)
        try:
            who = self.emu.client(carol).get_caller_identity()
            self.assertTrue(who["Arn"].endswith(":user/carol"))
        finally:
            self.emu.control("POST", "world", WORLD)


class TestAwsCli(Base):
    def setUp(self):
        super().setUp()
        if not os.access(AWS_CLI, os.X_OK):
            self.skipTest("AWS CLI %s is missing (apt-get install awscli)"
                          % AWS_CLI)
        self.home = tempfile.mkdtemp(prefix="acfs-sts-cli-")
        self.addCleanup(shutil.rmtree, self.home, True)

    def cli(self, emu, args, creds=ALICE, token=None, extra_env=None):
        cfg = os.path.join(self.home, "config")
        cred = os.path.join(self.home, "credentials")
        with open(cfg, "w") as f:
            f.write("[default]\nregion = us-east-1\noutput = json\n")
        with open(cred, "w") as f:
            f.write("[default]\naws_access_key_id = %s\n"
                    "aws_secret_access_key = %s\n" % creds)
            if token:
                f.write("aws_session_token = %s\n" % token)
        env = {"HOME": self.home, "AWS_CONFIG_FILE": cfg,
               "AWS_SHARED_CREDENTIALS_FILE": cred, "PATH": "/usr/bin:/bin",
               "AWS_EC2_METADATA_DISABLED": "true", "AWS_PAGER": "",
               "LANG": "C.UTF-8"}
        env.update(extra_env or {})
        p = subprocess.run([AWS_CLI] + args + ["--endpoint-url", emu.url],
                           env=env, capture_output=True, timeout=90,
                           stdin=subprocess.DEVNULL)
        return p.returncode, p.stdout.decode(), p.stderr.decode()

    def test_get_caller_identity(self):
        rc, out, err = self.cli(self.emu, ["sts", "get-caller-identity"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["Arn"], ALICE_ARN)
        rec = self.emu.log()[-1]
        self.assertEqual(rec["auth"]["verdict"], "valid")
        self.assertTrue(rec["user_agent"].startswith("aws-cli/2"),
                        rec["user_agent"])

    def test_assume_role_then_use_session(self):
        rc, out, err = self.cli(self.emu, [
            "sts", "assume-role", "--role-arn", ROLE_EXT,
            "--role-session-name", "cli", "--external-id", EXTERNAL_ID])
        self.assertEqual(rc, 0, err)
        c = json.loads(out)["Credentials"]
        rc, out, err = self.cli(self.emu, ["sts", "get-caller-identity"],
                                creds=(c["AccessKeyId"],
                                       c["SecretAccessKey"]),
                                token=c["SessionToken"])
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["Arn"], "arn:aws:sts::%s:"
                         "assumed-role/external-id-role/cli" % ACCT_B)

    def test_wrong_secret_is_rejected(self):
        rc, out, err = self.cli(self.emu, ["sts", "get-caller-identity"],
                                creds=(ALICE[0], "y" * 40))
        self.assertNotEqual(rc, 0)
        self.assertIn("SignatureDoesNotMatch", err)

    def test_https_with_ca_bundle(self):
        if HTTPS is None:
            self.skipTest("openssl is missing: no TLS emulator")
        HTTPS.reset()
        rc, out, err = self.cli(HTTPS, ["sts", "get-caller-identity"],
                                extra_env={"AWS_CA_BUNDLE": TLS["ca"]})
        self.assertEqual(rc, 0, err)
        self.assertEqual(json.loads(out)["Arn"], ALICE_ARN)
        self.assertTrue(HTTPS.log()[-1]["tls"])


class TestTls(Base):
    def setUp(self):
        if HTTPS is None:
            self.skipTest("openssl is missing: no TLS emulator")
        self.emu = HTTPS
        self.emu.reset()

    def test_botocore_over_tls(self):
        who = self.emu.client().get_caller_identity()
        self.assertEqual(who["Arn"], ALICE_ARN)
        a = self.assume_a_via_web()
        b = self.emu.client_for(a).assume_role(RoleArn=ROLE_B,
                                               RoleSessionName="tls")
        self.assertIn("Credentials", b)
        recs = self.emu.log()
        self.assertTrue(all(r["tls"] for r in recs))

    def test_raw_signed_over_tls(self):
        st, _, body = self.emu.signed(TestSignatures.AR)
        self.assertEqual(st, 200, body)

        def m(d):
            d["body"] = TestSignatures.flip(d["body"], 3)
        self.assertEqual(self.emu.signed(TestSignatures.AR, mutate=m)[0], 403)

    def test_certificate_is_really_checked(self):
        ctx = ssl.create_default_context()  # system CAs only
        with socket.create_connection(("127.0.0.1", self.emu.port),
                                      timeout=10) as s:
            with self.assertRaises(ssl.SSLCertVerificationError):
                ctx.wrap_socket(s, server_hostname="127.0.0.1")
        ctx = ssl.create_default_context(cafile=TLS["ca"])
        with socket.create_connection(("127.0.0.1", self.emu.port),
                                      timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                self.assertIsNotNone(t.version())


class TestProcess(unittest.TestCase):
    def test_sigterm_and_sigint_exit_cleanly(self):
        for sig in (signal.SIGTERM, signal.SIGINT):
            e = Emulator(name="sig")
            st, _ = e.control("GET", "health")
            self.assertEqual(st, 200)
            t = time.time()
            self.assertEqual(e.stop(sig), 0)
            self.assertLess(time.time() - t, 5)

    def test_bad_world_is_refused(self):
        d = tempfile.mkdtemp(prefix="acfs-sts-bad-")
        try:
            w = os.path.join(d, "w.json")
            with open(w, "w") as f:
                json.dump({"roles": [{"arn": "not-an-arn"}]}, f)
            p = subprocess.run([PYTHON, EMULATOR, "--world", w, "--port", "0"],
                               capture_output=True, timeout=30,
                               stdin=subprocess.DEVNULL)
            self.assertEqual(p.returncode, 2)
            self.assertIn(b"bad role ARN", p.stderr)
        finally:
            shutil.rmtree(d, ignore_errors=True)


# ---------------------------------------------------------------------------

def report_suite(name, passed, failed, skipped):
    """Prints a suite's counts as tl_report does, and appends them to
    $ACFS_RESULTS (name prefixed by $ACFS_SUITE_PREFIX).  Every Python
    suite reports through this."""
    prefix = os.environ.get("ACFS_SUITE_PREFIX", "")
    print("suite %s%s: passed=%d failed=%d skipped=%d"
          % (prefix, name, passed, failed, skipped), flush=True)
    path = os.environ.get("ACFS_RESULTS")
    if path:
        with open(path, "a") as f:
            f.write("%s%s %d %d %d\n" % (prefix, name, passed, failed,
                                         skipped))


def main(argv):
    verbosity = 2 if ("-v" in argv) else 1
    loader = unittest.TestLoader()
    if "-k" in argv:
        loader.testNamePatterns = ["*%s*" % argv[argv.index("-k") + 1]]
    suite = loader.loadTestsFromModule(sys.modules[__name__])
    res = unittest.TextTestRunner(stream=sys.stderr, verbosity=verbosity) \
        .run(suite)
    failed = len(res.failures) + len(res.errors) + \
        len(res.unexpectedSuccesses)
    skipped = len(res.skipped)
    passed = max(0, res.testsRun - len(res.failures) - len(res.errors) -
                 len(res.unexpectedSuccesses) - skipped -
                 len(res.expectedFailures))
    report_suite("emulator", passed, failed, skipped)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
