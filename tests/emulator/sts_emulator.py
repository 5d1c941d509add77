#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Local AWS STS emulator for the awscredsfs tests.

Speaks the STS Query protocol (Version 2011-06-15) over HTTP/1.1 (keep-alive)
or HTTPS, on loopback only by default, and answers with the real STS wire
format: text/xml bodies in the https://sts.amazonaws.com/doc/2011-06-15/
namespace, ResponseMetadata/RequestId, ErrorResponse with Error/Type/Code/
Message and RequestId beside Error, and an x-amzn-RequestId header.

Run it with Debian's Python and botocore (python3-botocore), nothing else:

    /usr/bin/python3 sts_emulator.py --world WORLD.json [--host 127.0.0.1]
        [--port 0] [--port-file FILE] [--log FILE.jsonl]
        [--tls-cert CERT.pem --tls-key KEY.pem] [--lifetime SECONDS] [--quiet]

    /usr/bin/python3 sts_emulator.py mint-token --iss ISS --sub SUB --aud AUD
        [--ttl SECONDS] [--nbf SECONDS] [--iat SECONDS] [--kid KID]
        [--claim NAME=JSON ...] [--tags JSON]

The bound port is written (atomically, followed by a newline) to --port-file
once the socket is listening, so tests start it with --port 0 and wait for
the file. SIGTERM and SIGINT stop it cleanly (exit status 0).

Actions: AssumeRole, AssumeRoleWithWebIdentity, GetCallerIdentity,
GetSessionToken. Anything else is 400 InvalidAction.

Signatures
----------
Every action except AssumeRoleWithWebIdentity must carry an
"Authorization: AWS4-HMAC-SHA256 ..." header. It is verified with botocore:
the request is rebuilt from exactly the headers named in SignedHeaders and
botocore.auth.SigV4Auth(Credentials(akid, secret, token), service, region)
computes canonical_request / string_to_sign / signature with
req.context["timestamp"] = X-Amz-Date; the result is compared with
hmac.compare_digest. (The verifier subclass lifts botocore's own
"never sign User-Agent/Expect" list, because a header the client chose to sign
must be used as sent.) Also checked: algorithm, credential scope shape,
service "sts", terminator "aws4_request", scope date == X-Amz-Date date, the
clock skew (<= 900 s, worded as real STS words it), X-Amz-Content-SHA256 if
present, the key id (world user keys and issued temporary keys; unknown ->
403 InvalidClientTokenId), X-Amz-Security-Token for temporary keys (missing or
wrong -> 403 InvalidClientTokenId; a token with user keys -> the same) and
their expiry (400 ExpiredToken). Any region is accepted and recorded.
Presigned (query-string) SigV4 is not supported (400 IncompleteSignature).
AssumeRoleWithWebIdentity is unsigned, as in real STS; if it carries a
signature anyway it is checked and the verdict logged, but not enforced.

Web identity tokens are JWTs. Header and payload are base64url-decoded and
iss (must match an OIDC provider of the role's account), aud, sub, exp and nbf
are checked. The JWT signature is NOT verified (mint-token makes a dummy one).

World file (JSON)
-----------------
{
  "lifetime_seconds": 3600,            # optional cap on every issued lifetime
                                       # (--lifetime and POST /_emulator/config
                                       # override it); null/absent: no cap
  "disabled_regions": ["me-south-1"],  # optional: signed AssumeRole /
                                       # GetSessionToken scoped to these ->
                                       # 403 RegionDisabledException
  "users": [                           # long-lived keys (IAM users or root)
    {"arn": "arn:aws:iam::123456789012:user/alice",   # or ...:root
     "access_key_id": "AKIA...", "secret_access_key": "...",
     "user_id": "AIDA..."}             # optional, derived from the ARN
  ],
  "oidc_providers": [
    {"arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",
     "issuer": "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE",  # optional,
                                       # default "https://" + the ARN's path
     "client_ids": ["sts.amazonaws.com"]}  # optional audience list of the
                                       # provider; token aud must be one of
                                       # them (else InvalidIdentityToken)
  ],
  "roles": [
    {"arn": "arn:aws:iam::111122223333:role/account-a-role",
     "role_id": "AROA...",             # optional, derived from the ARN
     "max_session_duration": 3600,     # 3600..43200, default 3600
     "lifetime_seconds": 120,          # optional per-role cap on lifetimes
     "trust": [                        # statements, any one may match
       {"federated": "<oidc provider ARN>",
        "sub": "system:serviceaccount:default:*",   # glob (fnmatch), or list
        "aud": "sts.amazonaws.com",                  # string or list, optional
        "allow_tag_session": false, "allow_source_identity": false},
       {"principal": "arn:aws:iam::111122223333:role/other-role",
        "external_id": "optional",       # string or list: ExternalId required
        "allow_tag_session": true,       # sts:TagSession (Tags/TransitiveTagKeys,
                                         # inherited transitive tags)
        "allow_source_identity": false}  # sts:SetSourceIdentity
     ]}
  ]
}
"principal" is a string or a list. Each entry is a user ARN; a role ARN
(meaning any session of that role); an assumed-role session ARN
(arn:aws:sts::ACCT:assumed-role/ROLE/SESSION, that session only); an account
root "arn:aws:iam::ACCT:root" or a bare 12-digit account id (any user or
session of that account); or "*" (any authenticated caller).
Root keys may not assume roles (AccessDenied), as in real STS.

Control API (same port, paths under /_emulator/, never signed, never logged)
-----------------------------------------------------------------------------
GET  /_emulator/health            {"ok": true, "port": N, "tls": bool}
POST /_emulator/faults            one fault or a list; returns {"ids": [...]}
GET  /_emulator/faults            the faults with "remaining" and "applied"
DELETE /_emulator/faults          drop all faults
POST /_emulator/reset             clear faults and the log; body (optional)
                                  {"sessions": true} also forgets issued keys,
                                  {"config": true} restores the start config
GET|POST /_emulator/config        read / change {"lifetime_seconds": 90 or null,
                                  "clock_offset_seconds": 0, "max_skew_seconds":
                                  900, "session_token_length": 736}
GET  /_emulator/log[?since=SEQ]   the request log (JSON array), seq > SEQ only
GET  /_emulator/sessions          issued temporary keys, without secrets
POST /_emulator/world             replace the world (same schema as the file)

A fault is {"action": "AssumeRole" | "*" (default any),
            "match": {"RoleArn": "arn:...", ...},  # request parameters; also
                     # "AccessKeyId" (signing key), "Region" (scope region),
                     # "CallerArn"; values are exact strings, globs, or lists
            "count": 2,        # requests it applies to; -1 = forever; default 1
            "skip": 0,         # matching requests to let through first
            "kind": ...}
kinds: "status"    {"status": 500, "code": "InternalFailure", "message": "..."}
                   (code alone takes the real status/message from the table;
                   "empty_body": true sends no body)
       "throttle"  400 Throttling "Rate exceeded"
       "delay"     {"seconds": 2.5} then the normal answer
       "malformed" 200 text/xml with broken XML ("body" overrides it)
       "truncated" the normal answer with Content-Length larger than the
                   bytes sent (half the body), then the connection is closed
       "oversized" the normal answer padded to {"bytes": N} (default 1 MiB);
                   with "complete": true (default) it stays a well-formed
                   document (padding is an XML comment), with false it is a
                   well-formed prefix followed by blanks that never closes
       "reset"     no answer: TCP RST (SO_LINGER 0, then close)
       "idp"       400 IDPCommunicationError
The signature is still verified and logged before a fault applies.

Request log
-----------
One JSON object per STS request, kept in memory (GET /_emulator/log) and
appended to --log as JSON lines (flushed per request). Keys:
 seq, time (ISO 8601 UTC, ms), epoch, request_id, connection_id,
 request_on_connection, remote, tls, method, path, host, user_agent,
 action, version,
 params          every request parameter except WebIdentityToken and TokenCode
 role_arn, role_session_name, external_id, duration_seconds, source_identity,
 tags [{"Key","Value"}], transitive_tag_keys [...], policy_present,
 policy_arns [...],                  (null / [] when absent)
 web_identity_token {"present", "length", "header", "claims"} or null
 auth {"present", "access_key_id", "credential_scope", "scope_date", "region",
       "service", "signed_headers", "x_amz_date", "security_token_present",
       "content_sha256_present", "verdict" ("valid" | "invalid" | "missing" |
       "not-required", or "not-required:valid" / "not-required:invalid" for
       a signed AssumeRoleWithWebIdentity), "error_code", "error_message"
       (why the signature was refused), "canonical_request_sha256"}
 caller {"type" ("user" | "root" | "assumed-role" | "web-identity"), "arn",
         "account", "user_id", "access_key_id", "role_arn", "session_name",
         "issued_by_seq", "temporary"} or null
 status, error_code, error_message, fault {"id", "kind", ...} or null,
 issued {"access_key_id", "expiration", "lifetime_seconds", "arn",
         "assumed_role_id", "source_identity", "tags", "transitive_tag_keys"}
         or null,
 duration_ms
Secrets (secret keys, session tokens, web identity tokens, MFA codes) are
never logged.
"""

import argparse
import base64
import datetime
import fnmatch
import hashlib
import hmac
import http.server
import json
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import unicodedata
import urllib.parse
import uuid
from xml.sax.saxutils import escape as _xml_escape

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
API_VERSION = "2011-06-15"
MAX_BODY = 1024 * 1024
DEFAULT_TOKEN_LENGTH = 736
CONTROL_PREFIX = "/_emulator/"
AMZ_DATE_FMT = "%Y%m%dT%H%M%SZ"
EXPIRATION_FMT = "%Y-%m-%dT%H:%M:%SZ"
KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
SECRET_ALPHABET = ("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                   "0123456789+/")

# code -> (HTTP status, default message). Codes and statuses follow
# sts-error-codes.extracted.json (awsQueryErrorCode) and the common errors.
ERRORS = {
    "AccessDenied": (403, "Access denied"),
    "InvalidIdentityToken": (400, "The web identity token that was passed "
                             "could not be validated by Amazon Web Services. "
                             "Get a new identity token from the identity "
                             "provider and then retry the request."),
    "ExpiredToken": (400, "The security token included in the request is "
                     "expired"),
    "ExpiredTokenException": (400, "The web identity token that was passed is "
                              "expired or is not valid. Get a new identity "
                              "token from the identity provider and then "
                              "retry the request."),
    "ValidationError": (400, "Validation error"),
    "InvalidParameterValue": (400, "Invalid parameter value"),
    "InvalidClientTokenId": (403, "The security token included in the request "
                             "is invalid."),
    "SignatureDoesNotMatch": (403, "The request signature we calculated does "
                              "not match the signature you provided. Check "
                              "your AWS Secret Access Key and signing method. "
                              "Consult the service documentation for "
                              "details."),
    "IncompleteSignature": (400, "The request signature does not conform to "
                            "AWS standards."),
    "MissingAuthenticationToken": (403, "Request is missing Authentication "
                                   "Token"),
    "Throttling": (400, "Rate exceeded"),
    "IDPCommunicationError": (400, "The request could not be fulfilled "
                              "because the identity provider (IDP) that was "
                              "asked to verify the incoming identity token "
                              "could not be reached."),
    "IDPRejectedClaim": (403, "The identity provider (IdP) reported that "
                         "authentication failed."),
    "RegionDisabledException": (403, "STS is not activated in this region for "
                                "account:{account}. Your account administrator "
                                "can activate STS in this region using the "
                                "IAM Console."),
    "MalformedPolicyDocument": (400, "The policy is not in the valid JSON "
                                "format."),
    "PackedPolicyTooLarge": (400, "Packed policy consumes {pct}% of allotted "
                             "space, please use smaller policy."),
    "InvalidAction": (400, "Could not find operation {action} for version "
                      "{version}"),
    "InternalFailure": (500, "An internal error occurred."),
    "ServiceUnavailable": (503, "Service is unable to handle request."),
}


class StsError(Exception):
    def __init__(self, code, message=None, status=None, **fmt):
        dstatus, dmsg = ERRORS.get(code, (400, code))
        if message is None:
            try:
                message = dmsg.format(**fmt)
            except (KeyError, IndexError):
                message = dmsg
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = int(status if status is not None else dstatus)

    @property
    def type(self):
        return "Receiver" if self.status >= 500 else "Sender"


class Validation:
    """Collects "Value ... at ... failed to satisfy constraint" errors."""

    def __init__(self):
        self.errors = []

    def null(self, member):
        self.errors.append("Value null at '%s' failed to satisfy constraint: "
                           "Member must not be null" % member)

    def _add(self, value, member, what):
        self.errors.append("Value '%s' at '%s' failed to satisfy constraint: "
                           "Member must %s" % (value, member, what))

    def length(self, value, member, lo, hi):
        if lo is not None and len(value) < lo:
            self._add(value, member,
                      "have length greater than or equal to %d" % lo)
        if hi is not None and len(value) > hi:
            self._add(value, member,
                      "have length less than or equal to %d" % hi)

    def pattern(self, value, member, ok, text):
        if not ok:
            self._add(value, member,
                      "satisfy regular expression pattern: %s" % text)

    def value_range(self, raw, value, member, lo, hi):
        if value < lo:
            self._add(raw, member,
                      "have value greater than or equal to %d" % lo)
        elif value > hi:
            self._add(raw, member, "have value less than or equal to %d" % hi)

    def raise_if_any(self):
        n = len(self.errors)
        if n:
            raise StsError("ValidationError", "%d validation error%s detected: "
                           "%s" % (n, "s" if n > 1 else "",
                                   "; ".join(self.errors)))


RE_SESSION_NAME = re.compile(r"[\w+=,.@-]*", re.ASCII)
RE_EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]*", re.ASCII)
RE_SOURCE_IDENTITY = RE_SESSION_NAME
PAT_SESSION_NAME = r"[\w+=,.@-]*"
PAT_EXTERNAL_ID = r"[\w+=,.@:\/-]*"
PAT_TAG_KEY = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
PAT_TAG_VALUE = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
RE_ROLE_ARN = re.compile(r"^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):iam::"
                         r"(\d{12}):role/((?:[\w+=,.@-]+/)*)([\w+=,.@-]{1,64})$",
                         re.ASCII)
RE_ACCOUNT = re.compile(r"^\d{12}$")


def tag_text_ok(s, allow_empty):
    if not s:
        return allow_empty
    for ch in s:
        if ch in "_.:/=+-@":
            continue
        if unicodedata.category(ch)[0] in "LZN":
            continue
        return False
    return True


def arn_account(arn):
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def derived_id(prefix, seed, n=17):
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    b32 = base64.b32encode(digest).decode("ascii")
    return prefix + b32[:n]


def fmt_amz(ts):
    return datetime.datetime.fromtimestamp(
        int(ts), datetime.timezone.utc).strftime(AMZ_DATE_FMT)


def fmt_expiration(ts):
    return datetime.datetime.fromtimestamp(
        int(ts), datetime.timezone.utc).strftime(EXPIRATION_FMT)


def iso_ms(ts):
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def b64url_decode(s):
    s = s.strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]*", s):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def x(s):
    return _xml_escape(str(s))


# --------------------------------------------------------------------------
# World

class WorldError(Exception):
    pass


def _as_list(v):
    if v is None:
        return []
    if isinstance(v, (list, tuple)):
        return list(v)
    return [v]


class World:
    def __init__(self, doc):
        if not isinstance(doc, dict):
            raise WorldError("world must be a JSON object")
        self.doc = doc
        self.lifetime_seconds = doc.get("lifetime_seconds")
        if self.lifetime_seconds is not None:
            self.lifetime_seconds = int(self.lifetime_seconds)
            if self.lifetime_seconds < 1:
                raise WorldError("lifetime_seconds must be >= 1")
        self.disabled_regions = set(_as_list(doc.get("disabled_regions")))
        self.users = {}
        for u in _as_list(doc.get("users")):
            for k in ("arn", "access_key_id", "secret_access_key"):
                if not isinstance(u.get(k), str) or not u[k]:
                    raise WorldError("user needs %r: %r" % (k, u))
            arn = u["arn"]
            acct = arn_account(arn)
            if not RE_ACCOUNT.match(acct):
                raise WorldError("bad user ARN %r" % arn)
            root = arn.endswith(":root")
            self.users[u["access_key_id"]] = {
                "arn": arn, "account": acct,
                "type": "root" if root else "user",
                "secret": u["secret_access_key"],
                "user_id": u.get("user_id") or (
                    acct if root else derived_id("AIDA", arn)),
            }
        self.providers = {}
        for p in _as_list(doc.get("oidc_providers")):
            arn = p.get("arn")
            if not isinstance(arn, str) or ":oidc-provider/" not in arn:
                raise WorldError("bad oidc provider %r" % p)
            issuer = p.get("issuer") or ("https://" + arn.split(
                ":oidc-provider/", 1)[1])
            self.providers[arn] = {
                "arn": arn, "account": arn_account(arn),
                "issuer": issuer, "issuer_key": self.issuer_key(issuer),
                "client_ids": _as_list(p.get("client_ids")),
            }
        self.roles = {}
        for r in _as_list(doc.get("roles")):
            arn = r.get("arn")
            m = RE_ROLE_ARN.match(arn or "")
            if not m:
                raise WorldError("bad role ARN %r" % arn)
            msd = int(r.get("max_session_duration", 3600))
            if not 3600 <= msd <= 43200:
                raise WorldError("max_session_duration of %s must be "
                                 "3600..43200" % arn)
            trust = []
            for st in _as_list(r.get("trust")):
                if not isinstance(st, dict) or (
                        ("principal" in st) == ("federated" in st)):
                    raise WorldError("trust statement of %s needs exactly one "
                                     "of principal/federated: %r" % (arn, st))
                trust.append(st)
            lt = r.get("lifetime_seconds")
            self.roles[arn] = {
                "arn": arn, "account": m.group(2), "name": m.group(4),
                "role_id": r.get("role_id") or derived_id("AROA", arn),
                "max_session_duration": msd,
                "lifetime_seconds": int(lt) if lt is not None else None,
                "trust": trust,
            }

    @staticmethod
    def issuer_key(iss):
        s = str(iss).strip()
        if s.startswith("https://"):
            s = s[len("https://"):]
        return s.rstrip("/")


def load_world(path):
    with open(path, "r", encoding="utf-8") as f:
        return World(json.load(f))


# --------------------------------------------------------------------------
# Signature verification (botocore)

_botocore = {}


def botocore_mods():
    if not _botocore:
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.compat import HTTPHeaders
        from botocore.credentials import Credentials

        class SignedHeadersVerifier(SigV4Auth):
            """SigV4Auth whose headers_to_sign uses every header of the
            rebuilt request (which holds exactly the SignedHeaders), including
            ones botocore itself never signs (User-Agent, Expect)."""

            def headers_to_sign(self, request):
                header_map = HTTPHeaders()
                for name, value in request.headers.items():
                    header_map[name.lower()] = value
                if "host" not in header_map:
                    header_map["host"] = urllib.parse.urlsplit(
                        request.url).netloc
                return header_map

        _botocore.update(SigV4Auth=SignedHeadersVerifier,
                         AWSRequest=AWSRequest, Credentials=Credentials)
    return _botocore


def parse_authorization(value):
    """Returns (algorithm, {Credential, SignedHeaders, Signature})."""
    value = value.strip()
    algo, _, rest = value.partition(" ")
    parts = {}
    for comp in rest.split(","):
        comp = comp.strip()
        if not comp:
            continue
        k, sep, v = comp.partition("=")
        if sep:
            parts[k.strip()] = v.strip()
    return algo, parts


# --------------------------------------------------------------------------
# State

class State:
    def __init__(self, world, lifetime_override, log_path, quiet):
        self.lock = threading.RLock()
        self.world = world
        self.start_config = {
            "lifetime_seconds": (lifetime_override if lifetime_override
                                 is not None else world.lifetime_seconds),
            "clock_offset_seconds": 0,
            "max_skew_seconds": 900,
            "session_token_length": DEFAULT_TOKEN_LENGTH,
        }
        self.config = dict(self.start_config)
        self.sessions = {}
        self.faults = []
        self.fault_seq = 0
        self.log = []
        self.seq = 0
        self.conn_seq = 0
        self.quiet = quiet
        self.log_file = open(log_path, "a", encoding="utf-8") if log_path \
            else None
        self.port = None
        self.tls = False

    def now(self):
        return time.time() + float(self.config.get("clock_offset_seconds", 0))

    def next_conn_id(self):
        with self.lock:
            self.conn_seq += 1
            return self.conn_seq

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def append_log(self, rec):
        line = json.dumps(rec, sort_keys=True, ensure_ascii=False)
        with self.lock:
            self.log.append(rec)
            if len(self.log) > 100000:
                del self.log[:10000]
            if self.log_file:
                self.log_file.write(line + "\n")
                self.log_file.flush()

    # faults ---------------------------------------------------------------
    FAULT_KINDS = ("status", "throttle", "delay", "malformed", "truncated",
                   "oversized", "reset", "idp")

    def add_fault(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        kind = spec.get("kind")
        if kind not in self.FAULT_KINDS:
            raise ValueError("unknown fault kind %r (one of %s)" % (
                kind, ", ".join(self.FAULT_KINDS)))
        count = spec.get("count", 1)
        if count == "forever":
            count = -1
        count = int(count)
        match = spec.get("match") or {}
        if not isinstance(match, dict):
            raise ValueError("match must be an object")
        if kind == "status" and "status" not in spec and "code" not in spec:
            raise ValueError("status fault needs status or code")
        if "status" in spec and not 100 <= int(spec["status"]) <= 599:
            raise ValueError("status must be 100..599")
        if kind == "delay":
            float(spec.get("seconds", 1))
        with self.lock:
            self.fault_seq += 1
            f = dict(spec)
            f.update(id=self.fault_seq, kind=kind, count=count,
                     remaining=count, skip=int(spec.get("skip", 0)),
                     applied=0, seen=0, match=match,
                     action=spec.get("action") or "*")
            self.faults.append(f)
            return f["id"]

    def take_fault(self, action, params, ctx):
        with self.lock:
            for f in self.faults:
                if f["remaining"] == 0:
                    continue
                if f["action"] not in ("*", action):
                    continue
                if not all(_match_value(_fault_field(k, params, ctx), v)
                           for k, v in f["match"].items()):
                    continue
                f["seen"] += 1
                if f["seen"] <= f["skip"]:
                    continue
                if f["remaining"] > 0:
                    f["remaining"] -= 1
                f["applied"] += 1
                return dict(f)
        return None


def _fault_field(key, params, ctx):
    if key in ctx:
        return ctx[key]
    return params.get(key)


def _match_value(actual, expected):
    if isinstance(expected, list):
        return any(_match_value(actual, e) for e in expected)
    if expected is None:
        return actual is None
    if actual is None:
        return False
    expected = str(expected)
    if any(c in expected for c in "*?["):
        return fnmatch.fnmatchcase(str(actual), expected)
    return str(actual) == expected


# --------------------------------------------------------------------------
# XML

def xml_doc(root, result_lines, request_id):
    out = ['<%sResponse xmlns="%s">' % (root, NS)]
    if result_lines is not None:
        out.append("  <%sResult>" % root)
        out.extend("    " + ln for ln in result_lines)
        out.append("  </%sResult>" % root)
    out.append("  <ResponseMetadata>")
    out.append("    <RequestId>%s</RequestId>" % request_id)
    out.append("  </ResponseMetadata>")
    out.append("</%sResponse>" % root)
    return ("\n".join(out) + "\n").encode("utf-8")


def xml_error(err, request_id):
    return ('<ErrorResponse xmlns="%s">\n'
            '  <Error>\n'
            '    <Type>%s</Type>\n'
            '    <Code>%s</Code>\n'
            '    <Message>%s</Message>\n'
            '  </Error>\n'
            '  <RequestId>%s</RequestId>\n'
            '</ErrorResponse>\n' % (NS, err.type, x(err.code), x(err.message),
                                    request_id)).encode("utf-8")


def credentials_lines(sess):
    return ["<Credentials>",
            "  <AccessKeyId>%s</AccessKeyId>" % sess["access_key_id"],
            "  <SecretAccessKey>%s</SecretAccessKey>" % sess["secret"],
            "  <SessionToken>%s</SessionToken>" % sess["token"],
            "  <Expiration>%s</Expiration>" % fmt_expiration(
                sess["expiration"]),
            "</Credentials>"]


def assumed_user_lines(sess):
    return ["<AssumedRoleUser>",
            "  <AssumedRoleId>%s</AssumedRoleId>" % x(sess["user_id"]),
            "  <Arn>%s</Arn>" % x(sess["arn"]),
            "</AssumedRoleUser>"]


# --------------------------------------------------------------------------
# Request parameters

RE_TAG = re.compile(r"^Tags\.member\.(\d+)\.(Key|Value)$")
RE_TTK = re.compile(r"^TransitiveTagKeys\.member\.(\d+)$")
RE_PARN = re.compile(r"^PolicyArns\.member\.(\d+)\.arn$")
SECRET_PARAMS = ("WebIdentityToken", "TokenCode")


def collect_lists(params):
    tags = {}
    ttk = {}
    parns = {}
    for k, v in params.items():
        m = RE_TAG.match(k)
        if m:
            tags.setdefault(int(m.group(1)), {})[m.group(2)] = v
            continue
        m = RE_TTK.match(k)
        if m:
            ttk[int(m.group(1))] = v
            continue
        m = RE_PARN.match(k)
        if m:
            parns[int(m.group(1))] = v
    tag_list = [(n, tags[n].get("Key"), tags[n].get("Value"))
                for n in sorted(tags)]
    return (tag_list, [ttk[n] for n in sorted(ttk)],
            [parns[n] for n in sorted(parns)])


def parse_jwt(token):
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    header = json.loads(b64url_decode(parts[0]))
    claims = json.loads(b64url_decode(parts[1]))
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise ValueError("not JSON objects")
    return header, claims


def safe_claims(claims):
    keep = {}
    for k in ("iss", "sub", "aud", "exp", "nbf", "iat", "azp",
              "https://aws.amazon.com/tags"):
        if k in claims:
            keep[k] = claims[k]
    return keep


# --------------------------------------------------------------------------
# The STS logic

class Sts:
    def __init__(self, state):
        self.state = state

    # -- signature ---------------------------------------------------------
    def verify(self, req, auth_log):
        """Verifies the SigV4 Authorization header. Returns the caller
        principal dict. Raises StsError. Fills auth_log as it goes."""
        st = self.state
        authz = req["headers"].get("authorization")
        qkeys = {k.lower() for k in req["query_params"]}
        if authz is None:
            if "x-amz-algorithm" in qkeys or "x-amz-signature" in qkeys:
                auth_log["present"] = True
                raise StsError("IncompleteSignature", "Query-string (presigned)"
                               " SigV4 authentication is not supported by "
                               "this emulator.")
            auth_log["verdict"] = "missing"
            raise StsError("MissingAuthenticationToken")
        auth_log["present"] = True
        algo, parts = parse_authorization(authz)
        amz_date = req["headers"].get("x-amz-date")
        auth_log["x_amz_date"] = amz_date
        token = req["headers"].get("x-amz-security-token")
        auth_log["security_token_present"] = token is not None
        auth_log["content_sha256_present"] = (
            "x-amz-content-sha256" in req["headers"])
        if algo != "AWS4-HMAC-SHA256":
            raise StsError("IncompleteSignature", "Unsupported AWS 'algorithm'"
                           ": '%s'. Authorization=%s" % (algo, authz))
        missing = []
        for p in ("Credential", "Signature", "SignedHeaders"):
            if not parts.get(p):
                missing.append("Authorization header requires '%s' parameter."
                               % p)
        if amz_date is None:
            missing.append("Authorization header requires existence of either "
                           "a 'X-Amz-Date' or a 'Date' header.")
        if missing:
            raise StsError("IncompleteSignature", " ".join(missing) +
                           " Authorization=" + authz)
        cred = parts["Credential"]
        scope = cred.split("/")
        if len(scope) != 5:
            raise StsError("IncompleteSignature", "Credential must have exactly"
                           " 5 slash-delimited elements, e.g. keyid/date/"
                           "region/service/term, got '%s'" % cred)
        akid, sdate, region, service, term = scope
        signed_headers = parts["SignedHeaders"].split(";")
        auth_log.update(access_key_id=akid, credential_scope="/".join(
            scope[1:]), scope_date=sdate, region=region, service=service,
            signed_headers=signed_headers)
        try:
            t = datetime.datetime.strptime(amz_date, AMZ_DATE_FMT).replace(
                tzinfo=datetime.timezone.utc).timestamp()
        except ValueError:
            raise StsError("IncompleteSignature", "Date must be in ISO-8601 "
                           "'basic format'. Got '%s'. See "
                           "http://en.wikipedia.org/wiki/ISO_8601" % amz_date)
        if term != "aws4_request":
            raise StsError("SignatureDoesNotMatch", "Credential should be "
                           "scoped with a valid terminator: 'aws4_request', "
                           "not '%s'." % term)
        if service != "sts":
            raise StsError("SignatureDoesNotMatch", "Credential should be "
                           "scoped to correct service: 'sts'. ")
        if not region:
            raise StsError("SignatureDoesNotMatch", "Credential should be "
                           "scoped to a valid region. ")
        if sdate != amz_date[:8]:
            raise StsError("SignatureDoesNotMatch", "Date in Credential scope "
                           "does not match YYYYMMDD from ISO-8601 version of "
                           "date from HTTP: '%s' != '%s', from '%s'."
                           % (sdate, amz_date[:8], amz_date))
        now = st.now()
        with st.lock:
            user = st.world.users.get(akid)
            sess = st.sessions.get(akid)
        if user is not None:
            if token is not None:
                raise StsError("InvalidClientTokenId")
            secret = user["secret"]
            caller = {"type": user["type"], "arn": user["arn"],
                      "account": user["account"], "user_id": user["user_id"],
                      "access_key_id": akid, "role_arn": None,
                      "session_name": None, "issued_by_seq": None,
                      "temporary": False}
        elif sess is not None:
            if token is None or not hmac.compare_digest(
                    token.encode("utf-8"), sess["token"].encode("utf-8")):
                raise StsError("InvalidClientTokenId")
            if now >= sess["expiration"]:
                raise StsError("ExpiredToken")
            secret = sess["secret"]
            caller = {"type": sess["principal_type"], "arn": sess["arn"],
                      "account": sess["account"], "user_id": sess["user_id"],
                      "access_key_id": akid, "role_arn": sess["role_arn"],
                      "session_name": sess["session_name"],
                      "issued_by_seq": sess["issued_seq"],
                      "temporary": True}
        else:
            raise StsError("InvalidClientTokenId")
        skew = int(st.config.get("max_skew_seconds", 900))
        if t < now - skew:
            raise StsError("SignatureDoesNotMatch", "Signature expired: %s is "
                           "now earlier than %s (%s - %d min.)" % (
                               amz_date, fmt_amz(now - skew), fmt_amz(now),
                               skew // 60))
        if t > now + skew:
            raise StsError("SignatureDoesNotMatch", "Signature not yet current:"
                           " %s is still later than %s (%s + %d min.)" % (
                               amz_date, fmt_amz(now + skew), fmt_amz(now),
                               skew // 60))
        body = req["body"]
        csha = req["headers"].get("x-amz-content-sha256")
        if csha is not None and csha != "UNSIGNED-PAYLOAD" and \
                not hmac.compare_digest(csha.strip().lower(),
                                        hashlib.sha256(body).hexdigest()):
            raise StsError("SignatureDoesNotMatch", "The provided "
                           "'x-amz-content-sha256' header does not match what "
                           "was computed.")
        bc = botocore_mods()
        url = "%s://%s%s" % ("https" if st.tls else "http",
                             req["headers"].get("host") or "localhost",
                             req["path_decoded"])
        areq = bc["AWSRequest"](method=req["method"], url=url, data=body,
                                params=req["query_pairs"])
        for name in signed_headers:
            for v in req["header_all"].get(name.lower(), []):
                areq.headers[name.lower()] = v
        areq.context["timestamp"] = amz_date
        signer = bc["SigV4Auth"](bc["Credentials"](akid, secret, token),
                                 service, region)
        creq = signer.canonical_request(areq)
        sts = signer.string_to_sign(areq, creq)
        expected = signer.signature(sts, areq)
        auth_log["canonical_request_sha256"] = hashlib.sha256(
            creq.encode("utf-8")).hexdigest()
        if not hmac.compare_digest(expected.encode("ascii"),
                                   parts["Signature"].encode("utf-8",
                                                             "replace")):
            raise StsError("SignatureDoesNotMatch")
        return caller

    # -- issuing -----------------------------------------------------------
    def lifetime(self, requested, role):
        life = requested if requested is not None else 3600
        cap = self.state.config.get("lifetime_seconds")
        if cap is not None:
            life = min(life, int(cap))
        if role is not None and role.get("lifetime_seconds") is not None:
            life = min(life, role["lifetime_seconds"])
        return max(1, int(life))

    def new_keys(self):
        akid = "ASIA" + "".join(secrets.choice(KEY_ALPHABET)
                                for _ in range(16))
        secret = "".join(secrets.choice(SECRET_ALPHABET) for _ in range(40))
        n = int(self.state.config.get("session_token_length",
                                      DEFAULT_TOKEN_LENGTH))
        prefix = "IQoJb3JpZ2luX2Vj"
        raw = base64.b64encode(os.urandom(max(3, (n * 3) // 4 + 3))).decode()
        token = (prefix + raw)[:max(n, len(prefix) + 4)]
        return akid, secret, token

    def issue(self, seq, kind, role, session_name, life, extra):
        now = self.state.now()
        with self.state.lock:
            while True:
                akid, secret, token = self.new_keys()
                if akid not in self.state.sessions and \
                        akid not in self.state.world.users:
                    break
            if role is not None:
                arn = "arn:aws:sts::%s:assumed-role/%s/%s" % (
                    role["account"], role["name"], session_name)
                user_id = "%s:%s" % (role["role_id"], session_name)
                account = role["account"]
            else:
                arn, user_id, account = extra.pop("arn"), extra.pop(
                    "user_id"), extra.pop("account")
            sess = {"access_key_id": akid, "secret": secret, "token": token,
                    "expiration": int(now) + life, "issued_at": now,
                    "lifetime_seconds": life, "arn": arn, "user_id": user_id,
                    "account": account,
                    "role_arn": role["arn"] if role else None,
                    "session_name": session_name, "issued_seq": seq,
                    "principal_type": kind, "source_identity": None,
                    "tags": {}, "transitive_tag_keys": []}
            sess.update(extra)
            self.state.sessions[akid] = sess
        return sess

    # -- actions -----------------------------------------------------------
    def common_role_params(self, p, v, web):
        role_arn = p.get("RoleArn")
        if role_arn is None:
            v.null("roleArn")
        else:
            v.length(role_arn, "roleArn", 20, 2048)
        rsn = p.get("RoleSessionName")
        if rsn is None:
            v.null("roleSessionName")
        else:
            v.length(rsn, "roleSessionName", 2, 64)
            v.pattern(rsn, "roleSessionName",
                      RE_SESSION_NAME.fullmatch(rsn), PAT_SESSION_NAME)
        dur = None
        raw = p.get("DurationSeconds")
        if raw is not None:
            try:
                dur = int(raw)
            except ValueError:
                raise StsError("ValidationError", "Value '%s' for parameter "
                               "DurationSeconds is invalid. It must be an "
                               "integer." % raw)
            v.value_range(raw, dur, "durationSeconds", 900, 43200)
        pol = p.get("Policy")
        if pol is not None:
            v.length(pol, "policy", 1, 2048 if web else None)
        return role_arn, rsn, dur

    def check_policy(self, p, tags, policy_arns):
        pol = p.get("Policy")
        size = 0
        if pol is not None:
            try:
                doc = json.loads(pol)
            except ValueError:
                raise StsError("MalformedPolicyDocument")
            if not isinstance(doc, dict):
                raise StsError("MalformedPolicyDocument")
            size += len(json.dumps(doc, separators=(",", ":")))
        size += sum(len(k) + len(vv or "") + 2 for k, vv in tags)
        size += 24 * len(policy_arns)
        if pol is None and not tags and not policy_arns:
            return None
        pct = max(1, -(-size * 100 // 2048))
        if pct > 100:
            raise StsError("PackedPolicyTooLarge", pct=pct)
        return pct

    def find_role(self, arn):
        with self.state.lock:
            return self.state.world.roles.get(arn)

    @staticmethod
    def principal_matches(pattern, caller):
        if pattern == "*":
            return True
        if pattern == caller["arn"]:
            return True
        if RE_ACCOUNT.match(pattern):
            return caller["account"] == pattern
        if pattern.endswith(":root") and pattern.startswith("arn:"):
            return caller["account"] == arn_account(pattern)
        if caller.get("role_arn") and pattern == caller["role_arn"]:
            return True
        return False

    def assume_role(self, ctx, p):
        v = Validation()
        role_arn, rsn, dur = self.common_role_params(p, v, web=False)
        ext = p.get("ExternalId")
        if ext is not None:
            v.length(ext, "externalId", 2, 1224)
            v.pattern(ext, "externalId", RE_EXTERNAL_ID.fullmatch(ext),
                      PAT_EXTERNAL_ID)
        si = p.get("SourceIdentity")
        if si is not None:
            v.length(si, "sourceIdentity", 2, 64)
            v.pattern(si, "sourceIdentity", RE_SOURCE_IDENTITY.fullmatch(si),
                      PAT_SESSION_NAME)
        tags, ttk, parns = ctx["tags"], ctx["ttk"], ctx["policy_arns"]
        if len(tags) > 50:
            v._add("[%s]" % ", ".join("%s=%s" % (k, vv) for _, k, vv in tags),
                   "tags", "have length less than or equal to 50")
        for n, k, vv in tags:
            m = "tags.%d.member.key" % n
            if k is None:
                v.null(m)
            else:
                v.length(k, m, 1, 128)
                v.pattern(k, m, tag_text_ok(k, False), PAT_TAG_KEY)
            m = "tags.%d.member.value" % n
            if vv is None:
                v.null(m)
            else:
                v.length(vv, m, 0, 256)
                v.pattern(vv, m, tag_text_ok(vv, True), PAT_TAG_VALUE)
        if len(ttk) > 50:
            v._add("[%s]" % ", ".join(ttk), "transitiveTagKeys",
                   "have length less than or equal to 50")
        for i, k in enumerate(ttk, 1):
            m = "transitiveTagKeys.%d.member" % i
            v.length(k, m, 1, 128)
            v.pattern(k, m, tag_text_ok(k, False), PAT_TAG_KEY)
        v.raise_if_any()
        if si is not None and si.lower().startswith("aws:"):
            raise StsError("ValidationError", "SourceIdentity must not begin "
                           "with 'aws:'")
        lowered = [k.lower() for _, k, _ in tags]
        if len(set(lowered)) != len(lowered):
            raise StsError("InvalidParameterValue", "Duplicate tag keys found."
                           " Please note that Tag keys are case insensitive.")
        if any(k.lower() not in lowered for k in ttk):
            raise StsError("InvalidParameterValue", "The specified transitive "
                           "tag key must be included in the requested tags.")
        pct = self.check_policy(p, [(k, vv) for _, k, vv in tags], parns)
        m = RE_ROLE_ARN.match(role_arn)
        if not m:
            raise StsError("ValidationError", "Request ARN is invalid")
        caller = ctx["caller"]
        if ctx["region"] in self.state.world.disabled_regions:
            raise StsError("RegionDisabledException", account=m.group(2))
        if caller["type"] == "root":
            raise StsError("AccessDenied", "Roles may not be assumed by root "
                           "accounts.")

        def denied(action):
            return StsError("AccessDenied", "User: %s is not authorized to "
                            "perform: %s on resource: %s" % (
                                caller["arn"], action, role_arn))

        role = self.find_role(role_arn)
        if role is None:
            raise denied("sts:AssumeRole")
        cands = []
        for stmt in role["trust"]:
            if "principal" not in stmt:
                continue
            if not any(self.principal_matches(pp, caller)
                       for pp in _as_list(stmt["principal"])):
                continue
            want = _as_list(stmt.get("external_id"))
            if want and ext not in want:
                continue
            cands.append(stmt)
        if not cands:
            raise denied("sts:AssumeRole")
        parent = None
        if caller["type"] in ("assumed-role", "web-identity"):
            with self.state.lock:
                parent = self.state.sessions.get(caller["access_key_id"])
        inherited = {}
        inherited_ttk = []
        inherited_si = None
        if parent:
            for k in parent.get("transitive_tag_keys", []):
                if k.lower() in parent["tags"]:
                    inherited[k.lower()] = parent["tags"][k.lower()]
                    inherited_ttk.append(k)
            inherited_si = parent.get("source_identity")
        if (tags or ttk or inherited) and not any(
                c.get("allow_tag_session") for c in cands):
            raise denied("sts:TagSession")
        if (si is not None or inherited_si) and not any(
                c.get("allow_source_identity") for c in cands):
            raise denied("sts:SetSourceIdentity")
        chained = caller["type"] in ("assumed-role", "web-identity")
        if chained and dur is not None and dur > 3600:
            raise StsError("ValidationError", "The requested DurationSeconds "
                           "exceeds the 1 hour session limit for roles assumed "
                           "by role chaining.")
        if dur is not None and dur > role["max_session_duration"]:
            raise StsError("ValidationError", "The requested DurationSeconds "
                           "exceeds the MaxSessionDuration set for this role.")
        all_tags = dict(inherited)
        for _, k, vv in tags:
            all_tags[k.lower()] = {"Key": k, "Value": vv}
        all_ttk = inherited_ttk + [k for k in ttk if k.lower() not in
                                   {t.lower() for t in inherited_ttk}]
        life = self.lifetime(dur, role)
        sess = self.issue(ctx["seq"], "assumed-role", role, rsn, life, {
            "source_identity": si if si is not None else inherited_si,
            "tags": all_tags, "transitive_tag_keys": all_ttk,
            "issued_by": caller["access_key_id"]})
        lines = []
        if sess["source_identity"] is not None:
            lines.append("<SourceIdentity>%s</SourceIdentity>" %
                         x(sess["source_identity"]))
        lines += assumed_user_lines(sess) + credentials_lines(sess)
        if pct is not None:
            lines.append("<PackedPolicySize>%d</PackedPolicySize>" % pct)
        return sess, xml_doc("AssumeRole", lines, ctx["request_id"])

    def assume_role_with_web_identity(self, ctx, p):
        v = Validation()
        role_arn, rsn, dur = self.common_role_params(p, v, web=True)
        tok = p.get("WebIdentityToken")
        if tok is None:
            v.null("webIdentityToken")
        else:
            v.length("*" * min(len(tok), 20001), "webIdentityToken", 4, 20000)
        if v.errors and tok is not None:
            # never echo the token itself
            v.errors = [e.replace("*" * min(len(tok), 20001), "***")
                        for e in v.errors]
        v.raise_if_any()
        if not RE_ROLE_ARN.match(role_arn):
            raise StsError("ValidationError", "Request ARN is invalid")
        try:
            header, claims = parse_jwt(tok)
        except (ValueError, UnicodeDecodeError):
            raise StsError("InvalidIdentityToken", "The ID Token provided is "
                           "not a valid JWT. (You may see this error if you "
                           "sent an Access Token)")
        acct = arn_account(role_arn)
        iss = claims.get("iss")
        provider = None
        with self.state.lock:
            for pr in self.state.world.providers.values():
                if pr["account"] == acct and iss is not None and \
                        pr["issuer_key"] == World.issuer_key(iss):
                    provider = pr
                    break
        if provider is None:
            raise StsError("InvalidIdentityToken", "No OpenIDConnect provider "
                           "found in your account for %s" % iss)
        now = int(self.state.now())
        exp = claims.get("exp")
        if not isinstance(exp, (int, float)):
            raise StsError("InvalidIdentityToken", "The ID Token provided has "
                           "no valid 'exp' claim.")
        if now >= exp:
            raise StsError("ExpiredTokenException", "Token expired: current "
                           "date/time %d must be before the expiration "
                           "date/time %d" % (now, int(exp)))
        nbf = claims.get("nbf")
        if isinstance(nbf, (int, float)) and now < nbf:
            raise StsError("InvalidIdentityToken", "Token is not yet valid: "
                           "current date/time %d must be after the not-before "
                           "date/time %d" % (now, int(nbf)))
        auds = [str(a) for a in _as_list(claims.get("aud"))]
        if provider["client_ids"] and not set(auds) & set(
                provider["client_ids"]):
            raise StsError("InvalidIdentityToken", "Incorrect token audience")
        sub = claims.get("sub")
        denied = StsError("AccessDenied", "Not authorized to perform "
                          "sts:AssumeRoleWithWebIdentity")
        role = self.find_role(role_arn)
        if role is None or not isinstance(sub, str):
            raise denied
        cands = []
        for stmt in role["trust"]:
            if stmt.get("federated") != provider["arn"]:
                continue
            subs = _as_list(stmt.get("sub"))
            if subs and not any(fnmatch.fnmatchcase(sub, s) for s in subs):
                continue
            want_aud = _as_list(stmt.get("aud"))
            if want_aud and not set(auds) & set(want_aud):
                continue
            cands.append(stmt)
        if not cands:
            raise denied
        tag_claim = claims.get("https://aws.amazon.com/tags") or {}
        ptags = tag_claim.get("principal_tags") or {} \
            if isinstance(tag_claim, dict) else {}
        if ptags and not any(c.get("allow_tag_session") for c in cands):
            raise StsError("AccessDenied", "Not authorized to perform "
                           "sts:TagSession")
        if dur is not None and dur > role["max_session_duration"]:
            raise StsError("ValidationError", "The requested DurationSeconds "
                           "exceeds the MaxSessionDuration set for this role.")
        tags = {}
        for k, vals in ptags.items():
            val = vals[0] if isinstance(vals, list) and vals else vals
            tags[str(k).lower()] = {"Key": str(k), "Value": str(val)}
        life = self.lifetime(dur, role)
        aud_matched = auds[0] if auds else ""
        for a in auds:
            if a in (provider["client_ids"] or []) or a in [
                    str(w) for c in cands for w in _as_list(c.get("aud"))]:
                aud_matched = a
                break
        sess = self.issue(ctx["seq"], "web-identity", role, rsn, life, {
            "tags": tags,
            "transitive_tag_keys": list(tag_claim.get("transitive_tag_keys")
                                        or []) if isinstance(tag_claim, dict)
            else [],
            "issued_by": "web-identity:" + provider["arn"],
            "subject": sub, "provider": provider["arn"]})
        lines = ["<Audience>%s</Audience>" % x(aud_matched)]
        lines += assumed_user_lines(sess)
        lines.append("<Provider>%s</Provider>" % x(provider["arn"]))
        lines += credentials_lines(sess)
        lines.append("<SubjectFromWebIdentityToken>%s"
                     "</SubjectFromWebIdentityToken>" % x(sub))
        return sess, xml_doc("AssumeRoleWithWebIdentity", lines,
                             ctx["request_id"])

    def get_caller_identity(self, ctx, p):
        c = ctx["caller"]
        lines = ["<Arn>%s</Arn>" % x(c["arn"]),
                 "<UserId>%s</UserId>" % x(c["user_id"]),
                 "<Account>%s</Account>" % x(c["account"])]
        return None, xml_doc("GetCallerIdentity", lines, ctx["request_id"])

    def get_session_token(self, ctx, p):
        c = ctx["caller"]
        v = Validation()
        dur = None
        raw = p.get("DurationSeconds")
        if raw is not None:
            try:
                dur = int(raw)
            except ValueError:
                raise StsError("ValidationError", "Value '%s' for parameter "
                               "DurationSeconds is invalid. It must be an "
                               "integer." % raw)
            v.value_range(raw, dur, "durationSeconds", 900, 129600)
        v.raise_if_any()
        if ctx["region"] in self.state.world.disabled_regions:
            raise StsError("RegionDisabledException", account=c["account"])
        if c["type"] not in ("user", "root") or c["temporary"]:
            raise StsError("AccessDenied", "Cannot call GetSessionToken with "
                           "session credentials")
        if c["type"] == "root" and dur is not None and dur > 3600:
            dur = 3600
        life = self.lifetime(dur if dur is not None else 43200, None)
        sess = self.issue(ctx["seq"], c["type"], None, None, life, {
            "arn": c["arn"], "user_id": c["user_id"],
            "account": c["account"], "issued_by": c["access_key_id"]})
        return sess, xml_doc("GetSessionToken", credentials_lines(sess),
                             ctx["request_id"])

    ACTIONS = {
        "AssumeRole": ("assume_role", True),
        "AssumeRoleWithWebIdentity": ("assume_role_with_web_identity", False),
        "GetCallerIdentity": ("get_caller_identity", True),
        "GetSessionToken": ("get_session_token", True),
    }


# --------------------------------------------------------------------------
# HTTP

class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 120
    server_version = "sts-emulator"
    sys_version = ""

    # plumbing --------------------------------------------------------------
    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(10)
            self.request.do_handshake()
        super().setup()
        self.conn_id = self.server.state.next_conn_id()
        self.req_on_conn = 0
        self._abort = False

    def finish(self):
        if getattr(self, "_abort", False):
            for f in (self.rfile, self.wfile):
                try:
                    f.close()
                except OSError:
                    pass
            try:
                self.connection.close()
            except OSError:
                pass
            return
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if not self.server.state.quiet:
            sys.stderr.write("sts-emulator: %s %s\n" % (
                self.address_string(), fmt % args))

    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    def do_GET(self):
        self.dispatch()

    def do_POST(self):
        self.dispatch()

    def do_DELETE(self):
        self.dispatch()

    def do_PUT(self):
        self.dispatch()

    def read_body(self):
        te = (self.headers.get("Transfer-Encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                if not line:
                    raise ValueError("eof in chunked body")
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(8192) not in (b"\r\n", b"\n",
                                                            b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise OverflowError()
                chunks.append(self.rfile.read(size))
                self.rfile.readline(8)
            return b"".join(chunks)
        n = self.headers.get("Content-Length")
        if n is None:
            return b""
        n = int(n)
        if n < 0:
            raise ValueError("negative Content-Length")
        if n > MAX_BODY:
            raise OverflowError()
        data = b""
        while len(data) < n:
            chunk = self.rfile.read(n - len(data))
            if not chunk:
                raise ValueError("short body")
            data += chunk
        return data

    def write(self, status, body, ctype="text/xml", request_id=None,
              content_length=None, extra=()):
        self.send_response(status)
        if request_id:
            self.send_header("x-amzn-RequestId", request_id)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(
            len(body) if content_length is None else content_length))
        for k, v in extra:
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def json_reply(self, status, obj):
        self.write(status, (json.dumps(obj, indent=1, sort_keys=True) + "\n")
                   .encode("utf-8"), ctype="application/json")

    # dispatch -------------------------------------------------------------
    def dispatch(self):
        self.req_on_conn += 1
        split = urllib.parse.urlsplit(self.path)
        path = split.path or "/"
        try:
            body = self.read_body()
        except OverflowError:
            self.close_connection = True
            rid = str(uuid.uuid4())
            self.write(413, xml_error(StsError(
                "ValidationError", "Request body too large", 413), rid),
                request_id=rid)
            return
        except ValueError:
            self.close_connection = True
            self.send_error(400, "Bad request body")
            return
        if path.startswith(CONTROL_PREFIX):
            try:
                self.control(path[len(CONTROL_PREFIX):], split.query, body)
            except (ValueError, TypeError, KeyError, WorldError) as e:
                self.json_reply(400, {"error": str(e)})
            return
        self.sts_request(split, path, body)

    # control API ----------------------------------------------------------
    def control(self, name, query, body):
        st = self.server.state
        m = self.command
        doc = None
        if body.strip():
            doc = json.loads(body.decode("utf-8"))
        if name == "health" and m == "GET":
            return self.json_reply(200, {"ok": True, "port": st.port,
                                         "tls": st.tls})
        if name == "faults":
            if m == "POST":
                specs = doc if isinstance(doc, list) else [doc]
                ids = [st.add_fault(s) for s in specs]
                return self.json_reply(200, {"ids": ids})
            if m == "GET":
                with st.lock:
                    return self.json_reply(200, [dict(f) for f in st.faults])
            if m == "DELETE":
                with st.lock:
                    st.faults.clear()
                return self.json_reply(200, {"ok": True})
        if name == "reset" and m == "POST":
            with st.lock:
                st.faults.clear()
                st.log.clear()
                if isinstance(doc, dict) and doc.get("sessions"):
                    st.sessions.clear()
                if isinstance(doc, dict) and doc.get("config"):
                    st.config = dict(st.start_config)
            return self.json_reply(200, {"ok": True})
        if name == "config":
            if m == "POST":
                if not isinstance(doc, dict):
                    raise ValueError("config needs a JSON object")
                allowed = set(st.start_config)
                bad = set(doc) - allowed
                if bad:
                    raise ValueError("unknown config keys %s" % sorted(bad))
                with st.lock:
                    for k, val in doc.items():
                        if val is not None:
                            val = float(val) if k == "clock_offset_seconds" \
                                else int(val)
                        elif k != "lifetime_seconds":
                            val = st.start_config[k]
                        st.config[k] = val
            if m in ("GET", "POST"):
                with st.lock:
                    return self.json_reply(200, dict(st.config))
        if name == "log" and m == "GET":
            q = urllib.parse.parse_qs(query)
            since = int(q.get("since", ["0"])[0])
            with st.lock:
                recs = [r for r in st.log if r["seq"] > since]
            return self.json_reply(200, recs)
        if name == "sessions" and m == "GET":
            with st.lock:
                out = []
                for s in st.sessions.values():
                    out.append({k: s[k] for k in (
                        "access_key_id", "arn", "user_id", "account",
                        "role_arn", "session_name", "principal_type",
                        "expiration", "lifetime_seconds", "issued_seq",
                        "source_identity", "tags", "transitive_tag_keys")})
                    out[-1]["expiration_iso"] = fmt_expiration(s["expiration"])
            return self.json_reply(200, out)
        if name == "world" and m == "POST":
            w = World(doc)
            with st.lock:
                st.world = w
            return self.json_reply(200, {"ok": True})
        return self.json_reply(404, {"error": "no such control endpoint %s %s"
                                     % (m, CONTROL_PREFIX + name)})

    # STS ------------------------------------------------------------------
    def sts_request(self, split, path, body):
        st = self.server.state
        sts = self.server.sts
        t0 = time.time()
        rid = str(uuid.uuid4())
        seq = st.next_seq()
        query_pairs = [(urllib.parse.unquote(k), urllib.parse.unquote(v))
                       for k, _, v in (s.partition("=") for s in
                                       split.query.split("&") if s)]
        params = {}
        for k, v in urllib.parse.parse_qsl(split.query, keep_blank_values=True):
            params[k] = v
        ctype = (self.headers.get("Content-Type") or "").lower()
        if self.command == "POST" and body and (
                not ctype or "x-www-form-urlencoded" in ctype):
            for k, v in urllib.parse.parse_qsl(body.decode("utf-8", "replace"),
                                               keep_blank_values=True):
                params[k] = v
        header_all = {}
        for k, v in self.headers.items():
            header_all.setdefault(k.lower(), []).append(v)
        headers = {k: vs[-1] for k, vs in header_all.items()}
        req = {"method": self.command, "headers": headers,
               "header_all": header_all, "body": body,
               "path_decoded": urllib.parse.unquote(path),
               "query_pairs": query_pairs,
               "query_params": dict(query_pairs)}
        action = params.get("Action")
        version = params.get("Version")
        tags, ttk, parns = collect_lists(params)
        tok = params.get("WebIdentityToken")
        wit = None
        if tok is not None:
            wit = {"present": True, "length": len(tok), "header": None,
                   "claims": None}
            try:
                h, c = parse_jwt(tok)
                wit["header"] = {k: h[k] for k in ("alg", "kid", "typ")
                                 if k in h}
                wit["claims"] = safe_claims(c)
            except (ValueError, UnicodeDecodeError):
                pass
        dur_raw = params.get("DurationSeconds")
        try:
            dur_log = int(dur_raw) if dur_raw is not None else None
        except ValueError:
            dur_log = dur_raw
        auth_log = {"present": False, "access_key_id": None,
                    "credential_scope": None, "scope_date": None,
                    "region": None, "service": None, "signed_headers": None,
                    "x_amz_date": None, "security_token_present": False,
                    "content_sha256_present": False, "verdict": None,
                    "error_code": None, "error_message": None,
                    "canonical_request_sha256": None}
        rec = {
            "seq": seq, "time": iso_ms(t0), "epoch": t0, "request_id": rid,
            "connection_id": self.conn_id,
            "request_on_connection": self.req_on_conn,
            "remote": "%s:%s" % self.client_address[:2], "tls": st.tls,
            "method": self.command, "path": path,
            "host": headers.get("host"), "user_agent": headers.get(
                "user-agent"),
            "action": action, "version": version,
            "params": {k: v for k, v in params.items()
                       if k not in SECRET_PARAMS},
            "role_arn": params.get("RoleArn"),
            "role_session_name": params.get("RoleSessionName"),
            "external_id": params.get("ExternalId"),
            "duration_seconds": dur_log,
            "source_identity": params.get("SourceIdentity"),
            "tags": [{"Key": k, "Value": v} for _, k, v in tags],
            "transitive_tag_keys": ttk,
            "policy_present": "Policy" in params,
            "policy_arns": parns,
            "web_identity_token": wit,
            "auth": auth_log, "caller": None, "status": None,
            "error_code": None, "error_message": None, "fault": None,
            "issued": None, "duration_ms": None,
        }
        for k in SECRET_PARAMS:
            if k in params and k != "WebIdentityToken":
                rec["params"][k] = "<redacted>"

        caller = None
        auth_err = None
        spec = Sts.ACTIONS.get(action) if version == API_VERSION else None
        needs_sig = spec[1] if spec else True
        if needs_sig or "authorization" in headers:
            try:
                caller = sts.verify(req, auth_log)
                auth_log["verdict"] = "valid"
            except StsError as e:
                auth_err = e
                if auth_log["verdict"] is None:
                    auth_log["verdict"] = "invalid"
                auth_log["error_code"] = e.code
                auth_log["error_message"] = e.message
            if not needs_sig:
                auth_err = None
                caller = None
                auth_log["verdict"] = "not-required:" + (
                    auth_log["verdict"] or "")
        else:
            auth_log["verdict"] = "not-required"
        rec["caller"] = caller

        fctx = {"AccessKeyId": auth_log["access_key_id"],
                "Region": auth_log["region"],
                "CallerArn": caller["arn"] if caller else None}
        fault = st.take_fault(action, params, fctx)
        if fault:
            rec["fault"] = {k: v for k, v in fault.items()
                            if k not in ("remaining", "seen", "applied")}

        def normal():
            try:
                if auth_err is not None:
                    raise auth_err
                if spec is None:
                    raise StsError("InvalidAction", action=action or "",
                                   version=version or "NO_VERSION_SPECIFIED")
                ctx = {"seq": seq, "request_id": rid, "caller": caller,
                       "tags": tags, "ttk": ttk, "policy_arns": parns,
                       "region": auth_log["region"]}
                sess, doc = getattr(sts, spec[0])(ctx, params)
                if sess is not None:
                    rec["issued"] = {
                        "access_key_id": sess["access_key_id"],
                        "expiration": fmt_expiration(sess["expiration"]),
                        "lifetime_seconds": sess["lifetime_seconds"],
                        "arn": sess["arn"], "assumed_role_id": sess["user_id"],
                        "source_identity": sess["source_identity"],
                        "tags": list(sess["tags"].values()),
                        "transitive_tag_keys": sess["transitive_tag_keys"]}
                return 200, doc, None
            except StsError as e:
                return e.status, xml_error(e, rid), e

        def finish(status, err):
            rec["status"] = status
            if err is not None:
                rec["error_code"] = err.code
                rec["error_message"] = err.message
            rec["duration_ms"] = round((time.time() - t0) * 1000, 3)
            st.append_log(rec)

        kind = fault["kind"] if fault else None
        if kind == "reset":
            finish(None, None)
            self.close_connection = True
            self._abort = True
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            except OSError:
                pass
            return
        if kind in ("status", "throttle", "idp"):
            if kind == "throttle":
                err = StsError("Throttling", fault.get("message"),
                               fault.get("status"))
            elif kind == "idp":
                err = StsError("IDPCommunicationError", fault.get("message"),
                               fault.get("status"))
            else:
                status = fault.get("status")
                code = fault.get("code") or {
                    500: "InternalFailure", 503: "ServiceUnavailable",
                    429: "Throttling", 403: "AccessDenied"}.get(
                        int(status), "ServiceUnavailable" if int(status) >= 500
                        else "ValidationError")
                err = StsError(code, fault.get("message"), status,
                               account=(caller or {}).get("account", ""),
                               action=action, version=version, pct=101)
            finish(err.status, err)
            out = b"" if fault.get("empty_body") else xml_error(err, rid)
            self.write(err.status, out, request_id=rid)
            return
        if kind == "malformed":
            out = fault.get("body")
            if out is None:
                out = ('<%sResponse xmlns="%s">\n  <%sResult>\n    '
                       '<Credentials>\n      <AccessKeyId>ASIA</AccessKeyId'
                       '\n      <SecretAccessKey>&broken;</Credentials>\n'
                       '  </%sRes' % (action or "Unknown", NS,
                                      action or "Unknown", action or ""))
            out = out.encode("utf-8")
            finish(200, None)
            self.write(200, out, request_id=rid)
            return
        if kind == "delay":
            time.sleep(max(0.0, float(fault.get("seconds", 1))))
        status, doc, err = normal()
        finish(status, err)
        if kind == "truncated":
            self.close_connection = True
            cut = max(0, min(len(doc) - 1, int(fault.get("bytes_sent",
                                                         len(doc) // 2))))
            self.send_response(status)
            self.send_header("x-amzn-RequestId", rid)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(doc)))
            self.end_headers()
            self.wfile.write(doc[:cut])
            self.wfile.flush()
            return
        if kind == "oversized":
            n = int(fault.get("bytes", 1024 * 1024))
            nl = doc.index(b"\n") + 1
            if fault.get("complete", True):
                pad = n - len(doc) - len(b"<!---->\n")
                if pad >= 0:
                    doc = doc[:nl] + b"<!--" + b"x" * pad + b"-->\n" + doc[nl:]
            else:
                i = doc.find(b"<Credentials>")
                head = doc[:i if i > 0 else nl]
                doc = head + b" " * max(0, n - len(head))
            self.write(status, doc, request_id=rid)
            return
        self.write(status, doc, request_id=rid)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, socket.timeout,
                            TimeoutError, BrokenPipeError)):
            return
        if not self.state.quiet:
            super().handle_error(request, client_address)


# --------------------------------------------------------------------------
# mint-token

def mint_token(argv):
    ap = argparse.ArgumentParser(prog="sts_emulator.py mint-token",
                                 description="Print an (unsigned-in-effect) "
                                 "JWT for AssumeRoleWithWebIdentity.")
    ap.add_argument("--iss", required=True)
    ap.add_argument("--sub", required=True)
    ap.add_argument("--aud", required=True, action="append",
                    help="repeat for a list")
    ap.add_argument("--ttl", type=int, default=3600,
                    help="exp = now + TTL (negative: already expired)")
    ap.add_argument("--nbf", type=int, default=None,
                    help="nbf = now + NBF seconds (omit for no nbf)")
    ap.add_argument("--iat", type=int, default=0, help="iat = now + IAT")
    ap.add_argument("--kid", default="emulator-key-1")
    ap.add_argument("--claim", action="append", default=[],
                    help="extra claim NAME=JSON (or NAME=string)")
    ap.add_argument("--tags", default=None,
                    help='JSON for the "https://aws.amazon.com/tags" claim')
    a = ap.parse_args(argv)
    now = int(time.time())
    claims = {"iss": a.iss, "sub": a.sub,
              "aud": a.aud[0] if len(a.aud) == 1 else a.aud,
              "iat": now + a.iat, "exp": now + a.ttl}
    if a.nbf is not None:
        claims["nbf"] = now + a.nbf
    for c in a.claim:
        k, _, v = c.partition("=")
        try:
            claims[k] = json.loads(v)
        except ValueError:
            claims[k] = v
    if a.tags:
        claims["https://aws.amazon.com/tags"] = json.loads(a.tags)
    header = {"alg": "RS256", "kid": a.kid, "typ": "JWT"}
    tok = "%s.%s.%s" % (
        b64url(json.dumps(header, separators=(",", ":")).encode()),
        b64url(json.dumps(claims, separators=(",", ":")).encode()),
        b64url(os.urandom(256)))
    sys.stdout.write(tok + "\n")
    return 0


# --------------------------------------------------------------------------
# main

def serve(argv):
    ap = argparse.ArgumentParser(prog="sts_emulator.py",
                                 description="Local STS emulator.")
    ap.add_argument("--world", required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--log")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--lifetime", type=int, default=None,
                    help="cap every issued lifetime (seconds)")
    ap.add_argument("--quiet", action="store_true",
                    help="no access log on stderr")
    a = ap.parse_args(argv)
    if bool(a.tls_cert) != bool(a.tls_key):
        ap.error("--tls-cert and --tls-key go together")
    try:
        botocore_mods()
    except ImportError as e:
        sys.stderr.write("sts-emulator: botocore is needed (Debian: "
                         "python3-botocore, run with /usr/bin/python3): %s\n"
                         % e)
        return 2
    try:
        world = load_world(a.world)
    except (OSError, ValueError, WorldError) as e:
        sys.stderr.write("sts-emulator: bad world %s: %s\n" % (a.world, e))
        return 2
    state = State(world, a.lifetime, a.log, a.quiet)
    srv = Server((a.host, a.port), Handler, bind_and_activate=True)
    srv.state = state
    srv.sts = Sts(state)
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
                                     do_handshake_on_connect=False)
        state.tls = True
    state.port = srv.server_address[1]
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    th = threading.Thread(target=srv.serve_forever, kwargs={
        "poll_interval": 0.2}, daemon=True)
    th.start()
    if a.port_file:
        tmp = a.port_file + ".tmp.%d" % os.getpid()
        with open(tmp, "w") as f:
            f.write("%d\n" % state.port)
        os.replace(tmp, a.port_file)
    if not a.quiet:
        sys.stderr.write("sts-emulator: listening on %s://%s:%d\n" % (
            "https" if state.tls else "http", a.host, state.port))
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    srv.server_close()
    if state.log_file:
        state.log_file.close()
    return 0


def main(argv):
    if argv and argv[0] == "mint-token":
        return mint_token(argv[1:])
    if argv and argv[0] == "serve":
        argv = argv[1:]
    return serve(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
