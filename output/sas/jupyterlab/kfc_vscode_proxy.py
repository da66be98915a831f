"""Jupyter server extension: VS Code (code-server) under ``{base_url}vscode/`` on the Jupyter port.

Why this and not something else:
- Kubeflow gives a notebook one port (8888) and one prefix ($NB_PREFIX); every tool must be reachable
  under it. jupyter-server-proxy (what the seed used) is not packaged in Debian and no Python index is
  a source for these images, so this module is the small part of it that we need.
- An nginx in front would be a second long-running process to supervise and would sit in the path of
  every Jupyter request (and of the idle culler); here Jupyter stays the only front, code-server is
  started lazily on the first request to /vscode/ (so it costs nothing at container start), and the
  Jupyter auth (token, when JUPYTER_TOKEN is set) protects VS Code too.

code-server listens on a free 127.0.0.1 port with ``--auth none``; HTTP requests are forwarded
(buffered) and WebSocket connections are relayed frame by frame. The original Host header is kept
because code-server compares it with the Origin of WebSocket requests.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import socket
import time

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import httpclient, httputil, web, websocket

__version__ = "0.1.0"

PREFIX = "vscode"
START_TIMEOUT = float(os.environ.get("KFC_VSCODE_START_TIMEOUT", "60"))
MAX_BODY = 1024 * 1024 * 1024
# Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded in either direction.
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "trailers",
    "transfer-encoding",
    "upgrade",
}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class CodeServer:
    """One code-server process per Jupyter server, started on first use, restarted if it died."""

    def __init__(self, log):
        self.log = log
        self.proc: asyncio.subprocess.Process | None = None
        self.port: int | None = None
        self._lock = asyncio.Lock()

    def command(self, port: int) -> list[str]:
        exe = shutil.which("code-server") or "/usr/local/bin/code-server"
        home = os.path.expanduser("~")
        return [
            exe,
            "--bind-addr", f"127.0.0.1:{port}",
            "--auth", "none",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            os.environ.get("KFC_VSCODE_FOLDER", home),
        ]

    async def ensure(self) -> int:
        async with self._lock:
            if self.proc is not None and self.proc.returncode is None and self.port is not None:
                return self.port
            port = _free_port()
            cmd = self.command(port)
            self.log.info("kfc_vscode_proxy: starting %s", " ".join(cmd))
            env = dict(os.environ)
            env.pop("JUPYTER_TOKEN", None)
            self.proc = await asyncio.create_subprocess_exec(*cmd, env=env, cwd=os.path.expanduser("~"))
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                if self.proc.returncode is not None:
                    raise web.HTTPError(502, f"code-server exited with status {self.proc.returncode}")
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise web.HTTPError(504, "code-server did not start in time") from None
                    await asyncio.sleep(0.1)
            self.port = port
            return port

    def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()


class VSCodeProxyHandler(websocket.WebSocketHandler, JupyterHandler):
    """Forwards {base_url}vscode/<path> to code-server's /<path>, HTTP and WebSocket alike."""

    def initialize(self, code_server: CodeServer) -> None:
        self.code_server = code_server
        self.upstream: websocket.WebSocketClientConnection | None = None
        self.port: int | None = None

    # code-server runs with --auth none behind Jupyter's own authentication (@web.authenticated);
    # its requests carry no Jupyter _xsrf field, so Jupyter's XSRF check does not apply here.
    def check_xsrf_cookie(self) -> None:
        return None

    def check_origin(self, origin: str = "") -> bool:
        return JupyterHandler.check_origin(self, origin)

    def _upstream_path(self, path: str | None) -> str:
        target = path or "/"
        if self.request.query:
            target += "?" + self.request.query
        return target

    def _forward_headers(self) -> httputil.HTTPHeaders:
        headers = httputil.HTTPHeaders()
        for name, value in self.request.headers.get_all():
            if name.lower() in HOP_BY_HOP or name.lower().startswith("sec-websocket"):
                continue
            headers.add(name, value)
        headers["X-Forwarded-Proto"] = self.request.protocol
        headers.setdefault("X-Forwarded-Host", self.request.host)
        return headers

    async def _proxy_http(self, path: str | None) -> None:
        port = await self.code_server.ensure()
        method = self.request.method or "GET"
        body = self.request.body if method in ("POST", "PUT", "PATCH", "DELETE") else None
        if method in ("POST", "PUT", "PATCH") and body is None:
            body = b""
        req = httpclient.HTTPRequest(
            f"http://127.0.0.1:{port}{self._upstream_path(path)}",
            method=method,
            headers=self._forward_headers(),
            body=body,
            follow_redirects=False,
            decompress_response=False,
            allow_nonstandard_methods=True,
            request_timeout=3600,
        )
        client = httpclient.AsyncHTTPClient(max_body_size=MAX_BODY)
        try:
            resp = await client.fetch(req, raise_error=False)
        except (OSError, httpclient.HTTPClientError) as e:
            raise web.HTTPError(502, f"code-server: {e}") from e
        if resp.code == 599:
            raise web.HTTPError(502, f"code-server: {resp.error}")
        self.set_status(resp.code, resp.reason)
        self._headers = httputil.HTTPHeaders()
        for name, value in resp.headers.get_all():
            if name.lower() in HOP_BY_HOP or name.lower() == "content-length":
                continue
            self.add_header(name, value)
        if resp.body and resp.code not in (204, 304) and method != "HEAD":
            self.write(resp.body)

    @web.authenticated
    async def get(self, path: str | None = None) -> None:
        if path is None:
            self.redirect(self.request.path + "/" + ("?" + self.request.query if self.request.query else ""))
            return
        if self.request.headers.get("Upgrade", "").lower() == "websocket":
            self.port = await self.code_server.ensure()
            await websocket.WebSocketHandler.get(self, path)
            return
        await self._proxy_http(path)

    @web.authenticated
    async def post(self, path: str | None = None) -> None:
        await self._proxy_http(path)

    @web.authenticated
    async def put(self, path: str | None = None) -> None:
        await self._proxy_http(path)

    @web.authenticated
    async def patch(self, path: str | None = None) -> None:
        await self._proxy_http(path)

    @web.authenticated
    async def delete(self, path: str | None = None) -> None:
        await self._proxy_http(path)

    @web.authenticated
    async def head(self, path: str | None = None) -> None:
        await self._proxy_http(path)

    @web.authenticated
    async def options(self, path: str | None = None) -> None:
        await self._proxy_http(path)

    # ---- WebSocket relay ----
    async def open(self, path: str | None = None) -> None:
        req = httpclient.HTTPRequest(
            f"ws://127.0.0.1:{self.port}{self._upstream_path(path)}",
            headers=self._forward_headers(),
            request_timeout=START_TIMEOUT,
        )
        try:
            self.upstream = await websocket.websocket_connect(
                req, on_message_callback=self._from_upstream, max_message_size=MAX_BODY
            )
        except Exception as e:  # noqa: BLE001 - any failure closes the client side
            self.log.warning("kfc_vscode_proxy: websocket to code-server failed: %s", e)
            self.close(1011, "code-server unavailable")

    def _from_upstream(self, message: str | bytes | None) -> None:
        if message is None:
            self.close()
            return
        try:
            self.write_message(message, binary=isinstance(message, bytes))
        except websocket.WebSocketClosedError:
            if self.upstream is not None:
                self.upstream.close()

    async def on_message(self, message: str | bytes) -> None:
        if self.upstream is not None:
            try:
                await self.upstream.write_message(message, binary=isinstance(message, bytes))
            except websocket.WebSocketClosedError:
                self.close()

    def on_close(self) -> None:
        if self.upstream is not None:
            self.upstream.close()
            self.upstream = None

    def on_ping(self, data: bytes) -> None:
        if self.upstream is not None:
            self.upstream.ping(data)


def _jupyter_server_extension_points():
    return [{"module": "kfc_vscode_proxy"}]


def _load_jupyter_server_extension(serverapp) -> None:
    code_server = CodeServer(serverapp.log)
    web_app = serverapp.web_app
    web_app.settings.setdefault("websocket_max_message_size", MAX_BODY)
    base_url = web_app.settings.get("base_url", "/")
    pattern = url_path_join(base_url, PREFIX) + r"(?P<path>/.*)?"
    web_app.add_handlers(".*$", [(pattern, VSCodeProxyHandler, {"code_server": code_server})])
    # code-server is also in tini's process group (tini -g), so a container stop reaches it too.
    atexit.register(code_server.stop)
    serverapp.log.info("kfc_vscode_proxy: VS Code is served at %s/", url_path_join(base_url, PREFIX))
