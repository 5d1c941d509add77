#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""EKS Pod Identity Agent emulator for the awscredsfs tests.

The container credentials endpoint that SDKs reach through
AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.23/v1/credentials with
AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE), here on loopback:

    /usr/bin/python3 pod_identity_agent.py --token-file TOKEN \\
        --sts-url http://127.0.0.1:STS_PORT --base-key AKID:SECRET \\
        --role-arn arn:aws:iam::111122223333:role/assoc-role \\
        [--session-name eks-pod-identity] [--region us-east-1]
        [--duration-seconds N] [--session-tag K=V ...]
        [--transitive-tag-key K ...] [--refresh-before SECONDS]
        [--path /v1/credentials | --path '*'] [--layout agent|recorded]
        [--host 127.0.0.1] [--port 0] [--port-file FILE] [--log FILE.jsonl]
        [--sts-ca CA.pem] [--config FILE.json] [--quiet]

Wire format, after aws/eks-pod-identity-agent (Go net/http):

* GET (any method, as the Go mux does) on the path answers 200
  application/json with the Go json.Marshal of EksCredentialsResponse:
  {"AccessKeyId":"…","SecretAccessKey":"…","Token":"…","AccountId":"…",
  "Expiration":"2026-01-01T00:00:00Z"}: compact, in that order, no newline.
  `--layout recorded` sends the layout of the recorded smithy-rs fixture
  instead (a leading "RoleArn", `"Expiration" : "…"`, and the
  X-Rate-Limit-* headers of that recording).
* Errors are Go http.Error: text/plain; charset=utf-8, X-Content-Type-Options:
  nosniff, the message and a newline. No Authorization header (or an empty
  one): 400 "Service account token cannot be empty". One that is not the
  current content of --token-file (re-read on every request, compared byte
  for byte, nothing stripped): 400 "[REQUEST-ID]: (InvalidTokenException):
  … , fault: client", the agent's rendering of an EKS Auth error. Another
  path: 404 "404 page not found".
* The credentials are those of --role-arn, from sts:AssumeRole on the STS
  emulator signed with --base-key. They are cached, and fetched again once
  fewer than min(--refresh-before, lifetime/2) seconds are left. An STS error
  is passed on with its status: "[RID]: (CODE): MESSAGE, fault: client|server".

Control API under /_emulator/ and the request log: see README.md.
"""

import hmac
import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emucommon as ec  # noqa: E402
import emusts  # noqa: E402

NAME = "pod-identity-agent"
DEFAULT_PATH = "/v1/credentials"
GO_TEXT = [("Content-Type", "text/plain; charset=utf-8"),
           ("X-Content-Type-Options", "nosniff")]
JSON = [("Content-Type", "application/json")]
FAULT_KINDS = ("status", "error_json", "throttle", "delay", "hang",
               "malformed", "reset")
EMPTY_TOKEN = "Service account token cannot be empty"
INVALID_TOKEN = ("The service account token included in the request is "
                 "invalid")


def go_error(status, message):
    """What Go's http.Error(w, message, status) sends."""
    return status, (message + "\n").encode("utf-8"), GO_TEXT


def eks_auth_error(status, code, message, request_id, fault):
    """The agent's rendering of an EKS Auth API error (errors.go)."""
    return go_error(status, "[%s]: (%s): %s, fault: %s" % (
        request_id, code, message, fault))


def agent_body(c):
    doc = [("AccessKeyId", c["AccessKeyId"]),
           ("SecretAccessKey", c["SecretAccessKey"]), ("Token", c["Token"]),
           ("AccountId", c["AccountId"]), ("Expiration", c["Expiration"])]
    return json.dumps(dict(doc), separators=(",", ":")).encode("utf-8")


def recorded_body(c, role_arn):
    q = json.dumps
    return ('{"RoleArn":%s,"AccessKeyId":%s,"SecretAccessKey":%s,"Token":%s,'
            '"AccountId":%s,"Expiration" : %s}' % (
                q(role_arn), q(c["AccessKeyId"]), q(c["SecretAccessKey"]),
                q(c["Token"]), q(c["AccountId"]), q(c["Expiration"]))
            ).encode("utf-8")


def recorded_headers(remote):
    return JSON + [("X-Rate-Limit-Duration", "1"), ("X-Rate-Limit-Limit", "40"),
                   ("X-Rate-Limit-Request-Forwarded-For", ""),
                   ("X-Rate-Limit-Request-Remote-Addr", remote)]


class AgentHandler(ec.BaseHandler):
    def handle_request(self, split, body):
        rec = self.new_record(split)
        path = self.server.state.get("path")
        if path != "*" and split.path != path:
            rec["error_message"] = "404 page not found"
            return self.answer(rec, *go_error(404, "404 page not found"))
        auth = self.check_token(rec)
        self.with_faults(rec, "credentials",
                         lambda: self.credentials_answer(rec, auth))

    def check_token(self, rec):
        """Compares the Authorization header with the token file, byte for
        byte; records only hashes."""
        value = self.headers.get("Authorization")
        got = value.encode("latin-1", "replace") if value else None
        want = read_token(self.server.token_file)
        matched = got is not None and want is not None and \
            hmac.compare_digest(got, want)
        rec["authorization"] = {"present": bool(got),
                                "length": len(got) if got else 0,
                                "sha256": ec.sha256_hex(got),
                                "matched": matched}
        rec["token_file"] = {"present": want is not None,
                             "sha256": ec.sha256_hex(want)}
        return rec["authorization"]

    def credentials_answer(self, rec, auth):
        if not auth["present"]:
            rec["error_message"] = EMPTY_TOKEN
            return go_error(400, EMPTY_TOKEN)
        if not auth["matched"]:
            rec["error_message"] = "InvalidTokenException"
            return eks_auth_error(400, "InvalidTokenException", INVALID_TOKEN,
                                  ec.new_request_id(), "client")
        try:
            c = self.server.state.source.get_logged(rec)
        except emusts.StsCallError as e:
            return self.sts_failure(e)
        if self.server.state.get("layout") == "recorded":
            return 200, recorded_body(c, self.server.role_arn), \
                recorded_headers(rec["remote"])
        return 200, agent_body(c), JSON

    @staticmethod
    def sts_failure(e):
        if e.status is None:
            return go_error(500, "unable to fetch credentials from EKS Auth: "
                            "%s" % e.message)
        return eks_auth_error(e.status, e.code, e.message,
                              e.request_id or ec.new_request_id(), e.fault)

    def fault_answer(self, fault):
        kind = fault["kind"]
        status = int(fault.get("status", 500))
        if kind == "throttle":
            return go_error(429, "Too Many Requests")
        if kind == "error_json":
            doc = {"code": fault.get("code", "InternalServerException"),
                   "message": fault.get("message", "An internal error "
                                        "occurred")}
            return status, json.dumps(doc, separators=(",", ":")).encode(), \
                JSON
        if kind == "malformed":
            return 200, fault.get("body", '{"AccessKeyId":"ASIA').encode(), \
                JSON
        if "body" in fault:
            return status, fault["body"].encode(), [
                ("Content-Type", fault.get("content_type", GO_TEXT[0][1]))]
        return go_error(status, fault.get("message",
                                          ec.reason(status)))


def path_value(v):
    if v is not None and (not isinstance(v, str) or not (
            v == "*" or v.startswith("/"))):
        raise ValueError("must start with / (or be '*')")
    return v


def read_token(path):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def main(argv):
    opts = ec.Options(prog="pod_identity_agent.py",
                      description="Local EKS Pod Identity Agent emulator.")
    opts.add("--token-file", required=True, help="the Authorization header "
             "must equal this file's current content")
    opts.add("--path", default=DEFAULT_PATH, help="the credentials path, or "
             "'*' for any path")
    opts.add("--layout", default="agent", choices=("agent", "recorded"))
    emusts.add_sts_args(opts, "eks-pod-identity")
    a = opts.parse(argv)
    try:
        path_value(a.path)
    except ValueError as e:
        opts.error("--path %s" % e)
    state = emusts.credential_state(
        NAME, opts, a, {"path": a.path, "layout": a.layout},
        {"path": path_value, "layout": ec.one_of("agent", "recorded")},
        ec.Faults(FAULT_KINDS, ("credentials",)))
    return ec.serve(state, AgentHandler, a, token_file=a.token_file,
                    role_arn=a.role_arn)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
