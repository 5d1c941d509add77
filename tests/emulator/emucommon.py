#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Shared plumbing of the loopback credential emulators.

pod_identity_agent.py (the EKS Pod Identity Agent) and imds_emulator.py
(EC2 IMDSv2) have this in common: the command line (and its --config JSON
file), faults, the request log, the HTTP handler base with the control API
under /_emulator/, and the server lifecycle (--port 0 --port-file F,
SIGTERM/SIGINT exit 0). Where their credentials come from is emusts.py.

Only Debian's Python and botocore (python3-botocore) are needed.
"""

import argparse
import datetime
import hashlib
import http.client
import http.server
import importlib
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
import uuid

CONTROL_PREFIX = "/_emulator/"
MAX_BODY = 1024 * 1024
EXPIRATION_FMT = "%Y-%m-%dT%H:%M:%SZ"


# --------------------------------------------------------------------------
# small helpers

def sha256_hex(data):
    if data is None:
        return None
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    return hashlib.sha256(data).hexdigest()


def iso_ms(ts):
    d = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (d.microsecond // 1000)


def reason(status):
    """The reason phrase of an HTTP status ("Not Found")."""
    return http.client.responses.get(status, "Status %d" % status)


def fmt_utc(ts):
    return datetime.datetime.fromtimestamp(
        int(ts), datetime.timezone.utc).strftime(EXPIRATION_FMT)


# --------------------------------------------------------------------------
# command line

class Options:
    """The command line of an emulator. Each long option may also be given
    in the JSON object of --config FILE (key: the option name with "-" or
    "_"); the command line wins. Options listed in `required` are checked
    after both are merged."""

    def __init__(self, prog, description):
        self.ap = argparse.ArgumentParser(prog=prog, description=description)
        self.required = []
        self.server_args()

    def add(self, *names, required=False, **kw):
        action = self.ap.add_argument(*names, **kw)
        if required:
            self.required.append(action)
        return action

    def server_args(self):
        self.add("--config", help="JSON file of options (keys: long option "
                 "names); the command line overrides it")
        self.add("--host", default="127.0.0.1")
        self.add("--port", type=int, default=0)
        self.add("--port-file", help="written atomically (port + newline) "
                 "once listening")
        self.add("--log", help="append the request log here (JSON lines)")
        self.add("--quiet", action="store_true", help="no access log on "
                 "stderr")

    def parse(self, argv):
        pre = argparse.ArgumentParser(add_help=False)
        pre.add_argument("--config")
        known, _ = pre.parse_known_args(argv)
        if known.config:
            self.ap.set_defaults(**self.load_config(known.config))
        a = self.ap.parse_args(argv)
        for action in self.required:
            if getattr(a, action.dest) in (None, ""):
                self.ap.error("%s is required" % action.option_strings[0])
        return a

    def load_config(self, path):
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            self.ap.error("bad --config %s: %s" % (path, e))
        if not isinstance(doc, dict):
            self.ap.error("--config %s: not a JSON object" % path)
        dests = {a.dest for a in self.ap._actions}
        out = {}
        for k, v in doc.items():
            dest = k.replace("-", "_")
            if dest not in dests or dest in ("config", "help"):
                self.ap.error("--config %s: unknown key %r" % (path, k))
            out[dest] = config_value(v)
        return out

    def error(self, msg):
        self.ap.error(msg)


def config_value(v):
    """A JSON value as argparse would hold it: {"k": "v"} -> ["k=v"]."""
    if isinstance(v, dict):
        return ["%s=%s" % kv for kv in v.items()]
    return v


# --------------------------------------------------------------------------
# faults

class Faults:
    """Faults added through POST /_emulator/faults. Each applies to `count`
    requests (-1 or "forever": no limit) for one `target` ("*" for any),
    after letting `skip` matching requests through."""

    def __init__(self, kinds, targets):
        self.kinds = kinds
        self.targets = targets
        self.lock = threading.Lock()
        self.items = []
        self.seq = 0

    def validate(self, spec):
        if not isinstance(spec, dict):
            raise ValueError("a fault is a JSON object")
        if spec.get("kind") not in self.kinds:
            raise ValueError("unknown fault kind %r (one of %s)" % (
                spec.get("kind"), ", ".join(self.kinds)))
        target = spec.get("target", "*")
        if target != "*" and target not in self.targets:
            raise ValueError("unknown target %r (one of *, %s)" % (
                target, ", ".join(self.targets)))
        if "status" in spec and not 100 <= int(spec["status"]) <= 599:
            raise ValueError("status must be 100..599")
        float(spec.get("seconds", 0))
        int(spec.get("skip", 0))
        return -1 if spec.get("count") == "forever" else int(
            spec.get("count", 1))

    def add(self, spec):
        count = self.validate(spec)
        with self.lock:
            self.seq += 1
            f = dict(spec, id=self.seq, target=spec.get("target", "*"),
                     count=count, remaining=count, applied=0, seen=0,
                     skip=int(spec.get("skip", 0)))
            self.items.append(f)
            return f["id"]

    def take(self, target):
        with self.lock:
            for f in self.items:
                if f["remaining"] == 0 or f["target"] not in ("*", target):
                    continue
                f["seen"] += 1
                if f["seen"] <= f["skip"]:
                    continue
                if f["remaining"] > 0:
                    f["remaining"] -= 1
                f["applied"] += 1
                return {k: v for k, v in f.items()
                        if k not in ("remaining", "seen", "applied")}
        return None

    def list(self):
        with self.lock:
            return [dict(f) for f in self.items]

    def clear(self):
        with self.lock:
            self.items.clear()


# --------------------------------------------------------------------------
# request log

class RequestLog:
    """One JSON object per request: in memory (GET /_emulator/log) and
    appended to --log as JSON lines, flushed per request."""

    def __init__(self, path):
        self.lock = threading.Lock()
        self.records = []
        self.seq = 0
        self.file = open(path, "a", encoding="utf-8") if path else None

    def next_seq(self):
        with self.lock:
            self.seq += 1
            return self.seq

    def append(self, rec):
        line = json.dumps(rec, sort_keys=True, ensure_ascii=False)
        with self.lock:
            self.records.append(rec)
            if len(self.records) > 100000:
                del self.records[:10000]
            if self.file:
                self.file.write(line + "\n")
                self.file.flush()

    def since(self, seq):
        with self.lock:
            return [r for r in self.records if r["seq"] > seq]

    def clear(self):
        with self.lock:
            self.records.clear()

    def close(self):
        if self.file:
            self.file.close()


# --------------------------------------------------------------------------
# state

class State:
    """What one emulator process holds. `config` is what GET/POST
    /_emulator/config reads and changes; `converters` maps each key to a
    function that checks a new value (None restores the start value unless
    the converter is nullable). `source` is the CredentialSource."""

    def __init__(self, name, config, converters, faults, log_path, quiet):
        self.name = name
        self.lock = threading.RLock()
        self.start_config = dict(config)
        self.config = dict(config)
        self.converters = converters
        self.faults = faults
        self.source = None
        self.reset_hooks = []
        self.log = RequestLog(log_path)
        self.quiet = quiet
        self.port = None
        self.conn_seq = 0

    def next_conn_id(self):
        with self.lock:
            self.conn_seq += 1
            return self.conn_seq

    def get(self, key):
        with self.lock:
            return self.config[key]

    def set_config(self, doc):
        if not isinstance(doc, dict):
            raise ValueError("config needs a JSON object")
        bad = sorted(set(doc) - set(self.converters))
        if bad:
            raise ValueError("unknown config keys %s" % bad)
        new = {k: self.converted(k, v) for k, v in doc.items()}
        with self.lock:
            self.config.update(new)
            return dict(self.config)

    def converted(self, key, value):
        conv = self.converters[key]
        value = conv(value)
        if value is None and not getattr(conv, "nullable", False):
            return self.start_config[key]
        return value

    def reset(self, doc):
        doc = doc if isinstance(doc, dict) else {}
        self.faults.clear()
        self.log.clear()
        if doc.get("credentials"):
            self.source.drop()
        for hook in self.reset_hooks:
            hook(doc)
        if doc.get("config"):
            with self.lock:
                self.config = dict(self.start_config)


def nullable(fn):
    fn.nullable = True
    return fn


def non_negative_int(v):
    if v is None:
        return None
    v = int(v)
    if v < 0:
        raise ValueError("must be >= 0")
    return v


def boolean(v):
    if v is None:
        return None
    if not isinstance(v, bool):
        raise ValueError("must be true or false")
    return v


def one_of(*choices):
    def conv(v):
        if v is not None and v not in choices:
            raise ValueError("must be one of %s" % ", ".join(choices))
        return v
    return conv


# --------------------------------------------------------------------------
# HTTP

class BaseHandler(http.server.BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive handler with the control API. Subclasses
    implement handle_request(split, body) and fault_answer(fault), which
    returns (status, body, headers) for the kinds with_faults leaves them."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 120
    sys_version = ""
    server_header = None

    # plumbing -------------------------------------------------------------
    def setup(self):
        super().setup()
        self.conn_id = self.server.state.next_conn_id()
        self.req_on_conn = 0
        self._abort = False

    def finish(self):
        if self._abort:
            for f in (self.rfile, self.wfile, self.connection):
                try:
                    f.close()
                except OSError:
                    pass
            return
        try:
            super().finish()
        except OSError:
            pass

    def log_message(self, fmt, *args):
        if not self.server.state.quiet:
            sys.stderr.write("%s: %s %s\n" % (
                self.server.state.name, self.address_string(), fmt % args))

    def send_response(self, code, message=None):
        self.log_request(code)
        self.send_response_only(code, message)
        if self.server_header:
            self.send_header("Server", self.server_header)
        self.send_header("Date", self.date_time_string())

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_GET

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n < 0 or n > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(n) if n else b""

    def reply(self, status, body, headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def json_reply(self, status, obj):
        self.reply(status, (json.dumps(obj, indent=1, sort_keys=True) + "\n")
                   .encode("utf-8"), [("Content-Type", "application/json")])

    def reset_connection(self):
        """No answer: TCP RST (SO_LINGER 0, then close)."""
        self._abort = True
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
        except OSError:
            pass

    def drop_connection(self):
        """No answer: an orderly close (FIN)."""
        self._abort = True
        self.close_connection = True

    # dispatch --------------------------------------------------------------
    def dispatch(self):
        self.req_on_conn += 1
        split = urllib.parse.urlsplit(self.path)
        try:
            body = self.read_body()
        except ValueError:
            self.close_connection = True
            self.send_error(400, "Bad request body")
            return
        if split.path.startswith(CONTROL_PREFIX):
            try:
                self.control(split.path[len(CONTROL_PREFIX):], split.query,
                             body)
            except (ValueError, TypeError, KeyError) as e:
                self.json_reply(400, {"error": str(e)})
            return
        self.handle_request(split, body)

    # request records -------------------------------------------------------
    def new_record(self, split):
        t0 = time.time()
        return {"seq": self.server.state.log.next_seq(), "time": iso_ms(t0),
                "epoch": t0, "connection_id": self.conn_id,
                "request_on_connection": self.req_on_conn,
                "remote": "%s:%s" % self.client_address[:2],
                "method": self.command, "path": split.path,
                "query": split.query, "host": self.headers.get("Host"),
                "user_agent": self.headers.get("User-Agent"),
                "status": None, "error_message": None, "fault": None,
                "sts": None, "credentials": None, "duration_ms": None}

    def finish_record(self, rec, status):
        rec["status"] = status
        rec["duration_ms"] = round((time.time() - rec["epoch"]) * 1000, 3)
        self.server.state.log.append(rec)

    def answer(self, rec, status, body, headers):
        self.finish_record(rec, status)
        self.reply(status, body, headers)

    def with_faults(self, rec, target, normal):
        """Answers with the first fault for `target`, or with normal(),
        which returns (status, body, headers)."""
        fault = self.server.state.faults.take(target)
        rec["fault"] = fault
        kind = fault["kind"] if fault else None
        if kind in ("reset", "hang"):
            if kind == "hang":
                time.sleep(max(0.0, float(fault.get("seconds", 5))))
            self.finish_record(rec, None)
            return (self.reset_connection if kind == "reset"
                    else self.drop_connection)()
        if kind == "delay":
            time.sleep(max(0.0, float(fault.get("seconds", 1))))
        answer = None
        if kind not in (None, "delay"):
            answer = self.fault_answer(fault)
        status, body, headers = answer or normal()
        if answer is not None and status >= 400:
            rec["error_message"] = "fault %d: %s" % (fault["id"], kind)
        self.answer(rec, status, body, headers)

    # control API -------------------------------------------------------------
    def control(self, name, query, body):
        st = self.server.state
        doc = json.loads(body.decode("utf-8")) if body.strip() else None
        handler = self.CONTROL.get((name, self.command))
        if handler is not None:
            return handler(self, st, doc, query)
        return self.json_reply(404, {"error": "no such control endpoint %s %s"
                                     % (self.command, CONTROL_PREFIX + name)})

    def c_health(self, st, doc, query):
        self.json_reply(200, {"ok": True, "port": st.port, "name": st.name})

    def c_add_faults(self, st, doc, query):
        specs = doc if isinstance(doc, list) else [doc]
        for s in specs:
            st.faults.validate(s)
        self.json_reply(200, {"ids": [st.faults.add(s) for s in specs]})

    def c_list_faults(self, st, doc, query):
        self.json_reply(200, st.faults.list())

    def c_clear_faults(self, st, doc, query):
        st.faults.clear()
        self.json_reply(200, {"ok": True})

    def c_reset(self, st, doc, query):
        st.reset(doc)
        self.json_reply(200, {"ok": True})

    def c_get_config(self, st, doc, query):
        with st.lock:
            self.json_reply(200, dict(st.config))

    def c_set_config(self, st, doc, query):
        self.json_reply(200, st.set_config(doc))

    def c_log(self, st, doc, query):
        since = int(urllib.parse.parse_qs(query).get("since", ["0"])[0])
        self.json_reply(200, st.log.since(since))

    def c_credentials(self, st, doc, query):
        self.json_reply(200, st.source.describe())

    CONTROL = {
        ("health", "GET"): c_health,
        ("faults", "POST"): c_add_faults,
        ("faults", "GET"): c_list_faults,
        ("faults", "DELETE"): c_clear_faults,
        ("reset", "POST"): c_reset,
        ("config", "GET"): c_get_config,
        ("config", "POST"): c_set_config,
        ("log", "GET"): c_log,
        ("credentials", "GET"): c_credentials,
    }


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, socket.timeout, TimeoutError)):
            return
        if not self.state.quiet:
            super().handle_error(request, client_address)


def write_port_file(path, port):
    tmp = path + ".tmp.%d" % os.getpid()
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def serve(state, handler_cls, a, **server_attrs):
    """Listens until SIGTERM or SIGINT; returns the exit status. The
    server_attrs become attributes of the server (self.server.NAME)."""
    try:
        importlib.import_module("botocore.auth")
    except ImportError as e:
        sys.stderr.write("%s: botocore is needed (Debian: python3-botocore, "
                         "run with /usr/bin/python3): %s\n" % (state.name, e))
        return 2
    try:
        srv = Server((a.host, a.port), handler_cls)
    except OSError as e:
        sys.stderr.write("%s: cannot listen on %s:%d: %s\n" % (
            state.name, a.host, a.port, e))
        return 2
    srv.state = state
    for k, v in server_attrs.items():
        setattr(srv, k, v)
    state.port = srv.server_address[1]
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: stop.set())
    th = threading.Thread(target=srv.serve_forever,
                          kwargs={"poll_interval": 0.2}, daemon=True)
    th.start()
    if a.port_file:
        write_port_file(a.port_file, state.port)
    if not state.quiet:
        sys.stderr.write("%s: listening on http://%s:%d\n" % (
            state.name, a.host, state.port))
    while not stop.wait(0.5):
        pass
    srv.shutdown()
    srv.server_close()
    state.log.close()
    return 0


def new_request_id():
    return str(uuid.uuid4())
