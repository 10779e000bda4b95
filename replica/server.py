"""The replicas' HTTP server: a proxy-style front that dispatches on the requested host.

Clients send absolute-form targets (`GET http://www.cqcs.gov.cn/path HTTP/1.1`, as to an HTTP proxy)
or origin-form targets with a Host header. Every answer goes through the portal's `handle()`; this
module adds what servers do around it: conditional requests (ETag / Last-Modified -> 304; static
.html files always carry an ETag, as nginx sends for published pages), keep-alive,
and the misbehaviours a portal asks for (reset, hang, truncated body).
"""

from __future__ import annotations

import hashlib
import socket
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import importlib
import importlib.util

from crawler import registry

from . import extras
from .site import Portal, Request, Response, http_date

#: Every registry portal: the replica serves them all.
PORTALS = tuple(registry.keys())


def _static(req: Request) -> bool:
    """A published .html file or folder index (no query string): nginx gives those an ETag, as here."""
    return req.method in ("GET", "HEAD") and not req.query and req.path.endswith((".html", ".htm", "/"))


def portal_class(name: str) -> type[Portal]:
    """The portal's own replica (`replica/portals/<name>.py`), else its platform's generator."""
    if importlib.util.find_spec(f"{__package__}.portals.{name}") is not None:
        module = importlib.import_module(f"{__package__}.portals.{name}")
        return next(v for v in vars(module).values()
                    if isinstance(v, type) and issubclass(v, Portal) and getattr(v, "name", "") == name)
    from .platforms import generator_for

    return generator_for(registry.get(name))


class Site:
    """Every registry portal, each built on first use and rebuilt when its --reports files change."""

    def __init__(self, reports_dir=None, break_portal: str | None = None, scale: float = 1,
                 faults: bool = False, portals=None, break_files: str | None = None, layout_unchanged: bool = False):
        #: The portals served: every registry portal, or those named.
        self.names = tuple(portals or PORTALS)
        broken = [name for name in (break_portal, break_files) if name]
        unknown = [name for name in (*self.names, *broken) if name not in PORTALS]
        if unknown:
            raise ValueError(f"unknown portal {', '.join(map(repr, unknown))} (see `nianbao portals`)")
        self.reports_dir, self.break_portal, self.scale, self.faults = reports_dir, break_portal, scale, faults
        self.break_files = break_files
        self.layout_unchanged = layout_unchanged
        self._lock = threading.Lock()
        self._portals: dict[str, tuple[tuple, Portal]] = {}
        self.shutdown = threading.Event()
        #: Host -> the portals served on it (several lines of the registry may share a host).
        self.hosts: dict[str, list[str]] = {}
        for name in self.names:
            for host in portal_class(name).hosts:
                self.hosts.setdefault(host, []).append(name)

    def portal(self, name: str) -> Portal:
        sig = extras.signature(self.reports_dir, name)
        hit = self._portals.get(name)
        if hit is not None and hit[0] == sig:
            return hit[1]
        with self._lock:
            hit = self._portals.get(name)
            if hit is None or hit[0] != sig:
                portal = portal_class(name)(
                    scale=self.scale, faults=self.faults, broken=self.break_portal == name,
                    extras=extras.load(self.reports_dir, name), broken_files=self.break_files == name,
                    layout_unchanged=self.layout_unchanged)
                portal.shutdown = self.shutdown
                if hit is not None:
                    portal._served_once = hit[1]._served_once
                hit = self._portals[name] = (sig, portal)
            return hit[1]

    def portal_for_host(self, host: str) -> Portal | None:
        """The first portal served on `host` (the one that answers what no other claims)."""
        names = self.hosts.get(host.lower().split(":")[0])
        return self.portal(names[0]) if names else None

    def portal_for(self, req: Request) -> Portal | None:
        """The portal that answers `req`: on a host of several, the one whose column holds the
        address (the registry's owner), else the first that has a route for it, else the first."""
        names = self.hosts.get(req.host)
        if not names:
            return None
        if len(names) == 1:
            return self.portal(names[0])
        owner = registry.owner(f"{req.scheme}://{req.host}{req.path}")
        if owner in names:
            portal = self.portal(owner)
            if portal.answers(req):
                return portal
        return next((p for p in map(self.portal, names) if p.answers(req)), self.portal(names[0]))

    def manifest(self) -> list[dict]:
        return [line for name in self.names for line in self.portal(name).manifest()]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: Site

    def version_string(self) -> str:
        return "nginx"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        if self.server.verbose:  # type: ignore[attr-defined]
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def do_CONNECT(self) -> None:
        # HTTPS through the proxy would need the portals' certificates: clients use http:// here.
        self._send(Response(405, b"CONNECT not supported: request http:// URLs", [("Content-Type", "text/plain")]))
        self.close_connection = True

    def do_GET(self) -> None:
        self._dispatch()

    def do_HEAD(self) -> None:
        self._dispatch(head=True)

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self, head: bool = False) -> None:
        target = self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            scheme, host, path, query = parts.scheme, parts.netloc, parts.path or "/", parts.query
        else:
            parts = urlsplit(target)
            scheme, host, path, query = "http", self.headers.get("Host", ""), parts.path, parts.query
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        req = Request(self.command, scheme, host.lower().split(":")[0], path, query, headers, body)
        portal = self.site.portal_for(req)
        if portal is None:
            resp = Response(502, f"unknown host {req.host!r}".encode(), [("Content-Type", "text/plain")])
        else:
            try:
                resp = portal.handle(req)
            except Exception as exc:  # a replica bug must show, not hang the client
                import traceback

                traceback.print_exc()
                resp = Response(500, f"replica error: {exc!r}".encode(), [("Content-Type", "text/plain")])
        self._answer(req, resp, head)

    def _answer(self, req: Request, resp: Response, head: bool) -> None:
        if resp.action == "reset":
            self._reset()
            return
        if resp.action == "hang":
            self.site.shutdown.wait(120)
            self.close_connection = True
            return
        etag = None
        if (resp.etag or _static(req)) and resp.status == 200:
            etag = '"' + hashlib.md5(resp.body).hexdigest()[:16] + '"'
        lm = http_date(resp.last_modified) if resp.last_modified and resp.status == 200 else None
        if etag or lm:
            inm = req.headers.get("if-none-match")
            ims = req.headers.get("if-modified-since")
            if (inm and etag and etag in [t.strip() for t in inm.split(",")]) or (not inm and ims and lm and ims == lm):
                extra = [(k, v) for k, v in resp.headers if k.lower() == "set-cookie"]
                self._send(Response(304, b"", extra), etag=etag, last_modified=lm, head=True)
                return
        self._send(resp, etag=etag, last_modified=lm, head=head)

    def _send(self, resp: Response, *, etag=None, last_modified=None, head=False) -> None:
        self.send_response(resp.status)
        body = resp.body
        for k, v in resp.headers:
            self.send_header(k, v)
        if etag:
            self.send_header("ETag", etag)
        if last_modified:
            self.send_header("Last-Modified", last_modified)
        if resp.action == "truncate":
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 3])
            self.wfile.flush()
            self.close_connection = True
            return
        if resp.status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and resp.status != 304:
            self.wfile.write(body)

    def _reset(self) -> None:
        # SO_LINGER 0: close() sends RST, as the real platform's firewall does.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.close()
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256
    verbose = False

    def handle_error(self, request, client_address) -> None:
        # Clients that hang up (timeouts, resets we caused ourselves) are normal here, not errors.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, OSError)):
            return
        super().handle_error(request, client_address)


class ReplicaServer:
    """The replicas of every registry portal on 127.0.0.1, served from a background thread.

    >>> with ReplicaServer() as replica:
    ...     replica.url   # 'http://127.0.0.1:<port>'
    """

    def __init__(self, reports_dir=None, break_portal: str | None = None, scale: float = 1,
                 faults: bool = False, port: int = 0, host: str = "127.0.0.1", verbose: bool = False, portals=None,
                 break_files: str | None = None, layout_unchanged: bool = False):
        self.site = Site(reports_dir, break_portal, scale, faults, portals, break_files=break_files,
                         layout_unchanged=layout_unchanged)
        handler = type("BoundHandler", (Handler,), {"site": self.site})
        self.httpd = _Server((host, port), handler)
        self.httpd.verbose = verbose
        self.port = self.httpd.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None

    def manifest(self) -> list[dict]:
        return self.site.manifest()

    def start(self) -> "ReplicaServer":
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name="nianbao-replica", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.site.shutdown.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread:
            self._thread.join(5)

    def serve_forever(self) -> None:
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.site.shutdown.set()
            self.httpd.server_close()

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
