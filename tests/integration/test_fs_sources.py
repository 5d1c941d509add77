#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Filesystem integration tests: the container endpoint (EKS Pod Identity)
and IMDSv2 as chain sources, through the mount.

    ACFS_BUILD=/abs/build /usr/bin/python3 tests/integration/test_fs_sources.py [-v] [-k PAT]

Acceptance of issue 5:
 - the seed Pod Identity scenario: the agent emulator serves the
   association role's keys (account 111122223333); the `target` profile
   (credential_source = EcsContainer, ExternalId, session tags) resolves
   through the mount to eks-pod-identity-aws-resources in 222233334444; the
   STS emulator's log shows the ExternalId, the tags and a signature by the
   association role's temporary keys; AWS CLI v2 reading the mounted file
   gets the target role's ARN; without sts:TagSession in the trust rule the
   AccessDenied message is in status verbatim;
 - token rotation: the second call to the agent carries the new token;
 - host rules: a FULL_URI with http:// to a host that is not allowed is
   refused with a clear error, and a listener on that host sees no
   connection;
 - IMDSv2 credentials resolve through the emulator; with IMDS disabled,
   resolution fails cleanly without a request;
 - web identity from the environment (AWS_ROLE_ARN,
   AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_SESSION_NAME), as the IRSA webhook
   sets it up, is served as the `default` profile.

Needs root and /dev/fuse (see fslib.py), and ip(8)/nsenter(1) for the host
rule test.  Ends with "suite integration-fs-sources: passed=N failed=M
skipped=S" (and $ACFS_RESULTS).
"""

import errno
import hashlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fslib import (  # noqa: E402
    AWS_CLI, REPO, ROLE_A, SLOW, FsCase, assumed_arn, main)

sys.path.insert(0, os.path.join(REPO, "tests", "emulator"))
# The emulators' own world: the node user, the association role and the
# instance role.
from test_pod_identity_imds import (  # noqa: E402
    ACCT, ACCT_POD, AGENT, ASSOC_ROLE, IMDS, INSTANCE_ROLE, NODE, NODE_ARN,
    Proc)

TARGET = "arn:aws:iam::%s:role/eks-pod-identity-aws-resources" % ACCT_POD
TARGET_NOTAG = "arn:aws:iam::%s:role/no-tag-session" % ACCT_POD
FROM_EC2 = "arn:aws:iam::%s:role/from-ec2" % ACCT_POD
EXTERNAL_ID = "region/111122223333/cluster/ns/sa"

WORLD = {
    "users": [{"arn": NODE_ARN, "access_key_id": NODE[0],
               "secret_access_key": NODE[1]}],
    "roles": [
        {"arn": ASSOC_ROLE, "trust": [
            {"principal": NODE_ARN, "allow_tag_session": True}]},
        {"arn": INSTANCE_ROLE, "trust": [{"principal": NODE_ARN}]},
        {"arn": TARGET, "trust": [
            {"principal": ASSOC_ROLE, "external_id": EXTERNAL_ID,
             "allow_tag_session": True}]},
        {"arn": TARGET_NOTAG, "trust": [
            {"principal": ASSOC_ROLE, "external_id": EXTERNAL_ID}]},
        {"arn": FROM_EC2, "trust": [{"principal": INSTANCE_ROLE}]},
    ],
}

CONFIG = """\
[profile target]
credential_source = EcsContainer
role_arn = %s
external_id = %s
session_tags = eks-cluster-name=prod
role_session_name = pod

[profile target_notag]
credential_source = EcsContainer
role_arn = %s
external_id = %s
session_tags = eks-cluster-name=prod
role_session_name = pod

[profile ec2]
credential_source = Ec2InstanceMetadata
role_arn = %s
role_session_name = ec2
""" % (TARGET, EXTERNAL_ID, TARGET_NOTAG, EXTERNAL_ID, FROM_EC2)


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


class SourcesCase(FsCase):
    world = WORLD

    def setUp(self):
        super().setUp()
        self.pod_token = os.path.join(self.tmp, "eks-pod-identity-token")
        self.write(self.pod_token, self.new_pod_token())
        self.write(self.config, CONFIG)
        base = ["--sts-url", self.emu.url, "--base-key", "%s:%s" % NODE]
        self.agent = Proc(AGENT, base + [
            "--role-arn", ASSOC_ROLE, "--token-file", self.pod_token,
            "--session-tag", "eks-cluster-name=emu-cluster"], "agent")
        self.addCleanup(self.agent.stop)
        self.imds = Proc(IMDS, base + ["--role-arn", INSTANCE_ROLE], "imds")
        self.addCleanup(self.imds.stop)

    @staticmethod
    def new_pod_token():
        # A projected service account token file has no final newline.
        return "eyJhbGciOiJSUzI1NiJ9.%s.sig" % secrets.token_urlsafe(24)

    def env(self, **extra):
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI":
               "%s/v1/credentials" % self.agent.url,
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": self.pod_token,
               "AWS_EC2_METADATA_SERVICE_ENDPOINT": self.imds.url + "/"}
        env.update(extra)
        return self.daemon_env(**env)

    def agent_log(self):
        st, log = self.agent.control("GET", "log")
        self.assertEqual(st, 200)
        return [r for r in log if r.get("path", "").startswith("/v1/")]

    def imds_log(self):
        st, log = self.imds.control("GET", "log")
        self.assertEqual(st, 200)
        return log

    def path(self, d, profile, f="credentials"):
        return os.path.join(d.mnt, profile, f)

    def assertEIO(self, path):
        with self.assertRaises(OSError) as cm:
            self.read(path)
        self.assertEqual(cm.exception.errno, errno.EIO, cm.exception)


class TestPodIdentity(SourcesCase):

    def test_target_role_through_the_agent(self):
        d = self.start(env=self.env())
        c = self.assertCredentialsIni(
            self.read(self.path(d, "target")), "target")
        self.assertEqual(self.caller_arn(c), assumed_arn(TARGET, "pod"))
        served = self.agent_log()
        self.assertEqual(len(served), 1, served)
        self.assertEqual(served[0]["status"], 200)
        self.assertTrue(served[0]["authorization"]["matched"])
        assoc_key = served[0]["credentials"]["access_key_id"]
        self.assertEqual(served[0]["credentials"]["account_id"], ACCT)
        recs = [r for r in self.sts_log(action="AssumeRole")
                if r["role_arn"] == TARGET]
        self.assertEqual(len(recs), 1, recs)
        r = recs[0]
        self.assertEqual(r["external_id"], EXTERNAL_ID)
        self.assertEqual(r["tags"], [{"Key": "eks-cluster-name",
                                      "Value": "prod"}])
        self.assertEqual(r["auth"]["verdict"], "valid")
        self.assertEqual(r["auth"]["access_key_id"], assoc_key)
        self.assertTrue(r["auth"]["security_token_present"])
        self.assertEqual(r["caller"]["role_arn"], ASSOC_ROLE)
        status = self.status(d.mnt, "target")
        self.assertEqual(status["state"], "fresh", status)
        self.assertEqual([h["type"] for h in status["chain"]],
                         ["container", "assume-role"], status)

        # AWS CLI v2 reads the mounted file and gets the target role.
        home = os.path.join(self.tmp, "cli-home")
        os.makedirs(home)
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "LANG": "C.UTF-8",
               "AWS_SHARED_CREDENTIALS_FILE": self.path(d, "target"),
               "AWS_CONFIG_FILE": self.path(d, "target", "config"),
               "AWS_REGION": "us-east-1"}
        p = self.runp([AWS_CLI, "sts", "get-caller-identity", "--output",
                       "json", "--endpoint-url", self.emu.url], env=env)
        self.assertEqual(p.returncode, 0, p.stderr.decode())
        self.assertEqual(json.loads(p.stdout)["Arn"],
                         assumed_arn(TARGET, "pod"))

    def test_default_profile_from_the_environment(self):
        d = self.start(env=self.env())
        self.assertIn("default", self.listdir(d.mnt))
        c = self.process_json(d.mnt, "default")
        served = self.agent_log()
        self.assertEqual(c["AccessKeyId"],
                         served[-1]["credentials"]["access_key_id"])
        self.assertEqual(self.caller_arn(c).split("/")[:2],
                         ["arn:aws:sts::%s:assumed-role" % ACCT,
                          "assoc-role"])

    def test_missing_tag_session_is_access_denied_verbatim(self):
        d = self.start(env=self.env())
        self.assertEIO(self.path(d, "target_notag"))
        recs = [r for r in self.sts_log(action="AssumeRole")
                if r["role_arn"] == TARGET_NOTAG]
        self.assertTrue(recs)
        self.assertEqual(recs[-1]["error_code"], "AccessDenied")
        raw = self.read(self.path(d, "target_notag", "status"))
        self.assertIn("AccessDenied", raw)
        self.assertIn(json.dumps(recs[-1]["error_message"])[1:-1], raw)
        self.assertIn("sts:TagSession", recs[-1]["error_message"])
        # The other profile is unaffected.
        self.assertCredentialsIni(self.read(self.path(d, "target")), "target")

    def test_agent_error_body_reaches_status(self):
        st, _ = self.agent.control("POST", "faults", {
            "kind": "error_json", "status": 400, "code": "AccessDeniedException",
            "message": "pod is not associated with any role", "count": -1})
        self.assertEqual(st, 200)
        d = self.start(env=self.env())
        self.assertEIO(self.path(d, "default"))
        raw = self.read(self.path(d, "default", "status"))
        self.assertIn("AccessDeniedException", raw)
        self.assertIn("pod is not associated with any role", raw)

    def test_token_rotation_between_refreshes(self):
        # 20-second sessions: the hop is refreshed after half of that.
        self.set_lifetime(20)
        d = self.start(env=self.env())
        first = self.process_json(d.mnt, "default")
        old = open(self.pod_token).read()
        new = self.new_pod_token()
        self.write(self.pod_token, new)
        deadline = time.monotonic() + 30 * SLOW
        second = first
        while second["AccessKeyId"] == first["AccessKeyId"] and \
                time.monotonic() < deadline:
            time.sleep(0.5)
            second = self.process_json(d.mnt, "default")
        self.assertNotEqual(second["AccessKeyId"], first["AccessKeyId"],
                            "the hop was never refreshed")
        calls = self.agent_log()
        self.assertGreaterEqual(len(calls), 2, calls)
        self.assertEqual(calls[0]["authorization"]["sha256"], sha(old))
        self.assertEqual(calls[-1]["authorization"]["sha256"], sha(new))
        self.assertTrue(all(c["authorization"]["matched"] for c in calls),
                        calls)


LISTENER = r"""
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 0)); s.listen(16)
open(sys.argv[2] + ".tmp", "w").write("%d\n" % s.getsockname()[1])
import os; os.rename(sys.argv[2] + ".tmp", sys.argv[2])
while True:
    c, _ = s.accept()
    with open(sys.argv[3], "a") as f:
        f.write("connection\n")
    c.close()
"""


class TestHostRules(SourcesCase):
    """A FULL_URI to a host the SDK rules do not allow over plain http.
    The host is a non-loopback address on lo in a network namespace of the
    test's own; the daemon and a listener on that address run in it,
    and the listener must see no connection (a probe from inside the
    namespace shows that it would)."""

    ADDR = "10.250.77.1"

    def netns(self):
        if not shutil.which("ip") or not shutil.which("nsenter"):
            self.skipTest("ip(8) or nsenter(1) is missing")
        ns = "acfs-hostrule-%d" % os.getpid()
        run = lambda *a: subprocess.run(a, check=True, capture_output=True)
        run("ip", "netns", "add", ns)
        self.addCleanup(subprocess.run, ["ip", "netns", "del", ns],
                        capture_output=True)
        # On lo, but not a loopback address: the rule is the host's.
        run("ip", "-n", ns, "addr", "add", self.ADDR + "/32", "dev", "lo")
        run("ip", "-n", ns, "link", "set", "lo", "up")
        return ["nsenter", "--net=/run/netns/%s" % ns]

    def test_plain_http_to_a_disallowed_host_makes_no_connection(self):
        enter = self.netns()
        port_file = os.path.join(self.tmp, "listener.port")
        seen = os.path.join(self.tmp, "listener.seen")
        lst = subprocess.Popen(enter + ["/usr/bin/python3", "-c", LISTENER,
                                        self.ADDR, port_file, seen],
                               stdin=subprocess.DEVNULL)
        self.addCleanup(lambda: (lst.kill(), lst.wait()))
        deadline = time.monotonic() + 10
        while not os.path.exists(port_file) and time.monotonic() < deadline:
            time.sleep(0.02)
        port = int(open(port_file).read())
        # The listener works: a connection from inside the namespace counts.
        probe = subprocess.run(enter + [
            "/usr/bin/python3", "-c", "import socket,sys; socket.create_"
            "connection((sys.argv[1], int(sys.argv[2])), 5).close()",
            self.ADDR, str(port)], capture_output=True)
        self.assertEqual(probe.returncode, 0, probe.stderr)
        deadline = time.monotonic() + 5
        while not os.path.exists(seen) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(open(seen).read(), "connection\n")
        os.unlink(seen)

        url = "http://%s:%d/v1/credentials" % (self.ADDR, port)
        d = self.start(env=self.env(AWS_CONTAINER_CREDENTIALS_FULL_URI=url),
                       prefix=enter)
        self.assertEIO(self.path(d, "default"))
        raw = self.read(self.path(d, "default", "status"))
        self.assertIn(self.ADDR, raw)
        self.assertRegex(raw, r"not allowed|refus")
        time.sleep(0.2)
        self.assertFalse(os.path.exists(seen),
                         "the daemon connected to %s" % url)


class TestImds(SourcesCase):

    def test_imdsv2_credentials_then_a_role(self):
        d = self.start(env=self.env())
        c = self.assertCredentialsIni(self.read(self.path(d, "ec2")), "ec2")
        self.assertEqual(self.caller_arn(c), assumed_arn(FROM_EC2, "ec2"))
        log = self.imds_log()
        self.assertEqual([(r["method"], r["path"]) for r in log][:1],
                         [("PUT", "/latest/api/token")], log)
        gets = [r for r in log if r["method"] == "GET"]
        self.assertEqual([r["path"] for r in gets], [
            "/latest/meta-data/iam/security-credentials/",
            "/latest/meta-data/iam/security-credentials/ec2-instance-role"],
            log)
        self.assertTrue(all(r["status"] == 200 for r in log), log)
        rec = [r for r in self.sts_log(action="AssumeRole")
               if r["role_arn"] == FROM_EC2]
        self.assertEqual(rec[0]["caller"]["role_arn"], INSTANCE_ROLE)

    def test_imds_disabled_fails_cleanly(self):
        d = self.start(env=self.env(AWS_EC2_METADATA_DISABLED="true"))
        self.assertEIO(self.path(d, "ec2"))
        raw = self.read(self.path(d, "ec2", "status"))
        self.assertIn("AWS_EC2_METADATA_DISABLED", raw)
        self.assertEqual(self.imds_log(), [])
        self.assertEqual(self.sts_log(action="AssumeRole"), [])
        # The daemon is still up and serves the container profiles.
        self.assertCredentialsIni(self.read(self.path(d, "target")), "target")


class TestWebIdentityFromEnvironment(FsCase):
    """The IRSA webhook's variables and no config: a `default` directory
    that resolves the way the SDK default chain would."""

    def test_irsa_default(self):
        self.write(self.config, "")
        d = self.start(env=self.daemon_env(
            AWS_ROLE_ARN=ROLE_A, AWS_WEB_IDENTITY_TOKEN_FILE=self.token_path,
            AWS_ROLE_SESSION_NAME="irsa-pod"))
        self.assertIn("default", self.listdir(d.mnt))
        self.assertEqual(self.sts_log(), [], "listing called STS")
        c = self.assertCredentialsIni(
            self.read(os.path.join(d.mnt, "default", "credentials")),
            "default")
        self.assertEqual(self.caller_arn(c), assumed_arn(ROLE_A, "irsa-pod"))
        recs = self.sts_log(action="AssumeRoleWithWebIdentity")
        self.assertEqual(len(recs), 1, recs)
        self.assertEqual(recs[0]["role_session_name"], "irsa-pod")
        status = self.status(d.mnt, "default")
        self.assertEqual([h["type"] for h in status["chain"]],
                         ["web-identity"], status)


if __name__ == "__main__":
    sys.exit(main("integration-fs-sources", sys.modules[__name__], sys.argv,
                  parallel=True))
