#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""EC2 instance metadata (IMDSv2) emulator for the awscredsfs tests.

What SDKs reach at http://169.254.169.254/ for credential_source =
Ec2InstanceMetadata, here on loopback (point clients at it with
AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:PORT/):

    /usr/bin/python3 imds_emulator.py \\
        --sts-url http://127.0.0.1:STS_PORT --base-key AKID:SECRET \\
        --role-arn arn:aws:iam::111122223333:role/ec2-instance-role \\
        [--role-name NAME | --no-role] [--allow-imdsv1]
        [--session-name i-0123456789abcdef0] [--region us-east-1]
        [--duration-seconds N] [--session-tag K=V ...]
        [--transitive-tag-key K ...] [--refresh-before SECONDS]
        [--host 127.0.0.1] [--port 0] [--port-file FILE] [--log FILE.jsonl]
        [--sts-ca CA.pem] [--config FILE.json] [--quiet]

Wire format, after the recorded IMDS traffic in shared/conformance:

* PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds: 1..21600
  answers 200 text/plain with a 56-character token ("AQAE…==") and the TTL
  header. A missing or bad TTL is 400; an X-Forwarded-For header is 403;
  another method is 405.
* Every other request needs X-aws-ec2-metadata-token with a token that has
  not expired, or it is 401 (IMDSv2 only; --allow-imdsv1 lets requests
  without the header through). Answers carry the remaining TTL in
  X-Aws-Ec2-Metadata-Token-Ttl-Seconds.
* GET /latest/meta-data/iam/security-credentials/ lists the role name;
  …/security-credentials/NAME is the credentials document in the real layout
  ({"Code" : "Success", … "Expiration" : "…"} with two-space indent and no
  final newline), text/plain. With no role attached, or another name: 404.
* Errors are the EC2ws HTML page ("404 - Not Found"), text/html. Every
  answer has Server: EC2ws and Connection: close.
* The credentials are those of --role-arn, from sts:AssumeRole on the STS
  emulator signed with --base-key; cached as in pod_identity_agent.py.

Control API under /_emulator/ and the request log: see README.md.
"""

import base64
import email.utils
import json
import math
import os
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import emucommon as ec  # noqa: E402
import emusts  # noqa: E402

NAME = "imds-emulator"
TOKEN_PATH = "/latest/api/token"
CREDS_PATH = "/latest/meta-data/iam/security-credentials"
TTL_HEADER = "X-Aws-Ec2-Metadata-Token-Ttl-Seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
MAX_TTL = 21600
PURGE_AFTER = 300  # seconds an expired token is still told from an unknown
FAULT_KINDS = ("status", "delay", "hang", "malformed", "reset")
TARGETS = ("token", "list", "credentials", "other")
HTML_PAGE = (
    '<?xml version="1.0" encoding="iso-8859-1"?>\n'
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n'
    '\t\t "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
    '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n'
    ' <head>\n  <title>%(t)s</title>\n </head>\n'
    ' <body>\n  <h1>%(t)s</h1>\n </body>\n</html>\n')
CREDS_DOC = ('{\n  "Code" : "Success",\n  "LastUpdated" : %s,\n'
             '  "Type" : "AWS-HMAC",\n  "AccessKeyId" : %s,\n'
             '  "SecretAccessKey" : %s,\n  "Token" : %s,\n'
             '  "Expiration" : %s\n}')


def html_error(status, extra=()):
    title = "%d - %s" % (status, ec.reason(status))
    return status, (HTML_PAGE % {"t": title}).encode("iso-8859-1"), \
        [("Content-Type", "text/html")] + list(extra)


def text_headers(last_modified, extra):
    return [("Content-Type", "text/plain"), ("Accept-Ranges", "none"),
            ("Last-Modified", email.utils.formatdate(last_modified,
                                                     usegmt=True))] + extra


def credentials_doc(c):
    q = json.dumps
    return (CREDS_DOC % (q(ec.fmt_utc(c["fetched_at"])), q(c["AccessKeyId"]),
                         q(c["SecretAccessKey"]), q(c["Token"]),
                         q(c["Expiration"]))).encode("utf-8")


def parse_ttl(raw):
    try:
        ttl = int(raw.strip()) if raw is not None else None
    except ValueError:
        return None
    return ttl if ttl is not None and 1 <= ttl <= MAX_TTL else None


def route(path):
    """(fault target, role name asked for)."""
    if path in (CREDS_PATH, CREDS_PATH + "/"):
        return "list", None
    if path.startswith(CREDS_PATH + "/"):
        return "credentials", path[len(CREDS_PATH) + 1:]
    return "other", None


class Tokens:
    """Issued session tokens and when they expire."""

    def __init__(self):
        self.lock = threading.Lock()
        self.expiry = {}

    def issue(self, ttl):
        token = base64.urlsafe_b64encode(b"\x01\x00\x04\x00" +
                                         os.urandom(36)).decode("ascii")
        now = time.time()
        with self.lock:
            for t in [t for t, e in self.expiry.items()
                      if e <= now - PURGE_AFTER]:
                del self.expiry[t]
            self.expiry[token] = now + ttl
        return token

    def check(self, token):
        """("valid", remaining seconds) or ("unknown"|"expired", None)."""
        with self.lock:
            exp = self.expiry.get(token)
        if exp is None:
            return "unknown", None
        left = exp - time.time()
        return ("valid", math.ceil(left)) if left > 0 else ("expired", None)

    def clear(self, doc):
        if isinstance(doc, dict) and doc.get("tokens"):
            with self.lock:
                self.expiry.clear()


class ImdsHandler(ec.BaseHandler):
    server_header = "EC2ws"

    def reply(self, status, body, headers=()):
        self.close_connection = True
        super().reply(status, body, headers)

    def handle_request(self, split, body):
        rec = self.new_record(split)
        if split.path == TOKEN_PATH:
            return self.with_faults(rec, "token",
                                    lambda: self.issue_token(rec))
        target, role = route(split.path)
        tok = self.check_token(rec)
        self.with_faults(rec, target,
                         lambda: self.metadata(rec, tok, target, role))

    def issue_token(self, rec):
        raw = self.headers.get(TOKEN_HEADER + "-ttl-seconds")
        rec["ttl_requested"] = raw
        if self.command != "PUT":
            return html_error(405)
        if self.headers.get("X-Forwarded-For") is not None:
            return html_error(403)
        ttl = parse_ttl(raw)
        if ttl is None:
            return html_error(400)
        token = self.server.tokens.issue(ttl)
        rec["token_issued"] = {"sha256": ec.sha256_hex(token),
                               "ttl_seconds": ttl}
        return 200, token.encode("ascii"), [("Content-Type", "text/plain"),
                                            (TTL_HEADER, str(ttl))]

    def check_token(self, rec):
        value = self.headers.get(TOKEN_HEADER)
        if value is None:
            v1 = self.server.state.get("allow_imdsv1")
            verdict, remaining = ("imdsv1" if v1 else "missing"), None
        else:
            verdict, remaining = self.server.tokens.check(value)
        rec["token"] = {"present": value is not None,
                        "sha256": ec.sha256_hex(value), "verdict": verdict,
                        "remaining_seconds": remaining}
        return rec["token"]

    def metadata(self, rec, tok, target, role):
        if tok["verdict"] not in ("valid", "imdsv1"):
            rec["error_message"] = "token " + tok["verdict"]
            return html_error(401)
        extra = [(TTL_HEADER, str(tok["remaining_seconds"]))] \
            if tok["remaining_seconds"] else []
        attached = self.server.state.get("role_name")
        if self.command not in ("GET", "HEAD"):
            return html_error(405, extra)
        if target == "list" and attached:
            return 200, attached.encode("utf-8"), \
                text_headers(self.server.started, extra)
        if target == "credentials" and attached and role == attached:
            return self.credentials(rec, extra)
        rec["error_message"] = "404 - Not Found"
        return html_error(404, extra)

    def credentials(self, rec, extra):
        try:
            c = self.server.state.source.get_logged(rec)
        except emusts.StsCallError:
            return html_error(500, extra)
        return 200, credentials_doc(c), text_headers(c["fetched_at"], extra)

    def fault_answer(self, fault):
        if fault["kind"] == "malformed":
            body = fault.get("body", '{\n  "Code" : "Success",\n  "LastUp')
            return 200, body.encode("utf-8"), [("Content-Type", "text/plain")]
        status, body, headers = html_error(int(fault.get("status", 500)))
        if "body" in fault:
            body = fault["body"].encode("utf-8")
        if "content_type" in fault:
            headers = [("Content-Type", fault["content_type"])]
        return status, body, headers


@ec.nullable
def role_name_value(v):
    if v is not None and (not isinstance(v, str) or not v or "/" in v):
        raise ValueError("role_name must be a name without / (or null)")
    return v


def main(argv):
    opts = ec.Options(prog="imds_emulator.py",
                      description="Local EC2 IMDSv2 emulator.")
    opts.add("--role-name", help="the attached role's name (default: the "
             "last part of --role-arn)")
    opts.add("--no-role", action="store_true", help="no role attached: the "
             "credentials paths answer 404")
    opts.add("--allow-imdsv1", action="store_true", help="serve requests "
             "without a session token (default: 401, IMDSv2 only)")
    emusts.add_sts_args(opts, "i-0123456789abcdef0")
    a = opts.parse(argv)
    name = None if a.no_role else (a.role_name or a.role_arn.rsplit("/")[-1])
    state = emusts.credential_state(
        NAME, opts, a, {"role_name": name, "allow_imdsv1": a.allow_imdsv1},
        {"role_name": role_name_value, "allow_imdsv1": ec.boolean},
        ec.Faults(FAULT_KINDS, TARGETS))
    try:
        role_name_value(name)
    except ValueError as e:
        opts.error(str(e))
    tokens = Tokens()
    state.reset_hooks.append(tokens.clear)
    return ec.serve(state, ImdsHandler, a, tokens=tokens, started=time.time())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
