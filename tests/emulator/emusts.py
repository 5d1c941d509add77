#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Credentials from the local STS emulator, for the credential emulators.

pod_identity_agent.py and imds_emulator.py serve the temporary credentials of
one role. They get them from sts_emulator.py with an sts:AssumeRole call
signed by botocore.auth.SigV4Auth with a long-term "base" key, so the STS
emulator knows the keys it issued and verifies every later call signed with
them (role chaining). This module is that client and the cache in front of
it: the STS options of the command line, StsClient, CredentialSource.
"""

import datetime
import http.client
import re
import ssl
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import emucommon as ec

STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"
RE_ROLE_ARN = re.compile(r"^arn:aws[\w-]*:iam::(\d{12}):role/(?:[\w+=,.@-]+/)*"
                         r"([\w+=,.@-]{1,64})$", re.ASCII)
RE_ARN_ACCOUNT = re.compile(r"^arn:[\w-]+:[\w-]+:[\w-]*:(\d{12}):")


def parse_utc(text):
    return datetime.datetime.strptime(text, ec.EXPIRATION_FMT).replace(
        tzinfo=datetime.timezone.utc).timestamp()


def arn_account(arn):
    m = RE_ARN_ACCOUNT.match(arn or "")
    return m.group(1) if m else ""


# --------------------------------------------------------------------------
# command line

def add_sts_args(opts, session_name):
    """The options that say where the served credentials come from."""
    opts.add("--sts-url", required=True, help="the STS emulator, e.g. "
             "http://127.0.0.1:PORT")
    opts.add("--sts-ca", help="CA bundle for an https --sts-url")
    opts.add("--region", default="us-east-1", help="SigV4 signing region")
    opts.add("--base-key", required=True, metavar="AKID:SECRET",
             help="long-term key that signs the AssumeRole")
    opts.add("--role-arn", required=True, help="the role to serve")
    opts.add("--session-name", default=session_name)
    opts.add("--duration-seconds", type=int, help="DurationSeconds sent "
             "to STS (default: none, STS's 3600)")
    opts.add("--session-tag", action="append", default=[], metavar="K=V",
             help="session tag on the AssumeRole (repeat)")
    opts.add("--transitive-tag-key", action="append", default=[],
             metavar="K", help="transitive tag key (repeat)")
    opts.add("--refresh-before", type=int, default=300, metavar="SECONDS",
             help="fetch new credentials once fewer than this many "
             "seconds are left (at most half the lifetime)")


def parse_sts_options(opts, a):
    """Validates the STS options; returns (StsClient, AssumeRole params)."""
    akid, _, secret = (a.base_key or "").partition(":")
    if not akid or not secret:
        opts.error("--base-key must be AKID:SECRET")
    split = urllib.parse.urlsplit(a.sts_url)
    if split.scheme not in ("http", "https") or not split.hostname:
        opts.error("--sts-url must be http(s)://HOST[:PORT]")
    if not RE_ROLE_ARN.match(a.role_arn):
        opts.error("--role-arn is not a role ARN: %r" % a.role_arn)
    params = {"RoleArn": a.role_arn, "RoleSessionName": a.session_name}
    if a.duration_seconds is not None:
        params["DurationSeconds"] = str(a.duration_seconds)
    for i, tag in enumerate(a.session_tag, 1):
        k, eq, v = tag.partition("=")
        if not eq or not k:
            opts.error("--session-tag must be KEY=VALUE: %r" % tag)
        params["Tags.member.%d.Key" % i] = k
        params["Tags.member.%d.Value" % i] = v
    for i, k in enumerate(a.transitive_tag_key, 1):
        params["TransitiveTagKeys.member.%d" % i] = k
    return StsClient(a.sts_url, akid, secret, a.region, a.sts_ca), params


def credential_state(name, opts, a, config, converters, faults):
    """The State of an emulator that serves --role-arn's credentials. Its
    config also holds refresh_before_seconds (--refresh-before)."""
    sts, params = parse_sts_options(opts, a)
    state = ec.State(name, dict(config, refresh_before_seconds=a.refresh_before),
                     dict(converters,
                          refresh_before_seconds=ec.non_negative_int),
                     faults, a.log, a.quiet)
    state.source = CredentialSource(
        sts, params, lambda: state.get("refresh_before_seconds"))
    return state


# --------------------------------------------------------------------------
# STS client

class StsCallError(Exception):
    """AssumeRole failed: status is None when no HTTP answer came."""

    def __init__(self, status, code, message, request_id=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id

    @property
    def fault(self):
        return "server" if (self.status or 500) >= 500 else "client"

    def describe(self):
        return {"status": self.status, "request_id": self.request_id,
                "error_code": self.code, "error_message": self.message}


class StsClient:
    def __init__(self, url, akid, secret, region, ca=None, timeout=10):
        self.url = url.rstrip("/") + "/"
        self.akid = akid
        self.secret = secret
        self.region = region
        self.ca = ca
        self.timeout = timeout

    def signed_request(self, params):
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials
        body = urllib.parse.urlencode(dict(
            params, Action="AssumeRole", Version="2011-06-15"))
        req = AWSRequest(method="POST", url=self.url, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded; "
                            "charset=utf-8"})
        SigV4Auth(Credentials(self.akid, self.secret), "sts",
                  self.region).add_auth(req)
        return req.prepare()

    def connection(self):
        split = urllib.parse.urlsplit(self.url)
        if split.scheme == "https":
            ctx = ssl.create_default_context(cafile=self.ca)
            return http.client.HTTPSConnection(
                split.hostname, split.port or 443, timeout=self.timeout,
                context=ctx)
        return http.client.HTTPConnection(split.hostname, split.port or 80,
                                          timeout=self.timeout)

    def post(self, prepared):
        conn = self.connection()
        try:
            conn.request("POST", urllib.parse.urlsplit(prepared.url).path,
                         body=prepared.body, headers=dict(prepared.headers))
            r = conn.getresponse()
            return r.status, r.getheader("x-amzn-RequestId"), r.read()
        except (OSError, http.client.HTTPException) as e:
            raise StsCallError(None, None, "STS request failed: %s: %s" % (
                type(e).__name__, e))
        finally:
            conn.close()

    def assume_role(self, params):
        """Returns the issued credentials as a dict; raises StsCallError."""
        status, rid, body = self.post(self.signed_request(params))
        try:
            root = ET.fromstring(body)
        except ET.ParseError:
            raise StsCallError(status, "MalformedResponse", "STS answered "
                               "HTTP %d with a body that is not XML" % status,
                               rid)
        if status != 200:
            raise sts_error(status, root, rid)
        return parse_credentials(root, rid)


def sts_error(status, root, rid):
    e = root.find(STS_NS + "Error")
    if e is None:
        return StsCallError(status, "UnknownError", "STS answered HTTP %d"
                            % status, rid)
    return StsCallError(status, e.findtext(STS_NS + "Code"),
                        e.findtext(STS_NS + "Message"),
                        root.findtext(STS_NS + "RequestId") or rid)


def parse_credentials(root, rid):
    res = root.find(STS_NS + "AssumeRoleResult")
    c = res.find(STS_NS + "Credentials") if res is not None else None
    if c is None:
        raise StsCallError(200, "MalformedResponse", "STS answer has no "
                           "Credentials", rid)
    arn = res.findtext(STS_NS + "AssumedRoleUser/" + STS_NS + "Arn") or ""
    exp_text = c.findtext(STS_NS + "Expiration") or ""
    try:
        exp = parse_utc(exp_text)
    except ValueError:
        raise StsCallError(200, "MalformedResponse", "STS answer has a bad "
                           "Expiration %r" % exp_text, rid)
    return {"AccessKeyId": c.findtext(STS_NS + "AccessKeyId"),
            "SecretAccessKey": c.findtext(STS_NS + "SecretAccessKey"),
            "Token": c.findtext(STS_NS + "SessionToken"),
            "Expiration": exp_text, "expiration_epoch": exp,
            "AssumedRoleArn": arn, "AccountId": arn_account(arn),
            "fetched_at": time.time(), "request_id": rid}


# --------------------------------------------------------------------------
# credential cache

class CredentialSource:
    """The served role's credentials, fetched from STS and cached until
    fewer than min(refresh_before, lifetime / 2) seconds are left."""

    def __init__(self, sts, params, refresh_before):
        self.sts = sts
        self.params = params
        self.refresh_before = refresh_before
        self.lock = threading.Lock()
        self.cached = None
        self.fetches = 0

    def stale(self, c, now):
        life = c["expiration_epoch"] - c["fetched_at"]
        window = min(float(self.refresh_before()), life / 2.0)
        return c["expiration_epoch"] - now <= window

    def get(self):
        """Returns (credentials, fetched_now). Raises StsCallError."""
        with self.lock:
            c = self.cached
            if c is not None and not self.stale(c, time.time()):
                return c, False
            self.cached = None
            c = self.sts.assume_role(self.params)
            self.fetches += 1
            c["fetch"] = self.fetches
            self.cached = c
            return c, True

    def get_logged(self, rec):
        """The served credentials, recorded in rec. Raises StsCallError."""
        try:
            c, fetched = self.get()
        except StsCallError as e:
            rec["sts"] = e.describe()
            rec["error_message"] = e.message
            raise
        if fetched:
            rec["sts"] = {"status": 200, "request_id": c["request_id"],
                          "error_code": None, "error_message": None}
        rec["credentials"] = public_credentials(c, fetched)
        return c

    def drop(self):
        with self.lock:
            self.cached = None

    def describe(self):
        with self.lock:
            c = self.cached
            out = {"role_arn": self.params["RoleArn"], "fetches": self.fetches,
                   "cached": c is not None}
            if c is not None:
                out.update(public_credentials(c))
            return out


def public_credentials(c, fetched=None):
    """What the log may say about served credentials: never the secret key
    nor the session token."""
    out = {"access_key_id": c["AccessKeyId"], "expiration": c["Expiration"],
           "arn": c["AssumedRoleArn"], "account_id": c["AccountId"],
           "fetched_at": ec.iso_ms(c["fetched_at"]), "fetch": c.get("fetch"),
           "sts_request_id": c["request_id"]}
    if fetched is not None:
        out["fetched_now"] = fetched
    return out
