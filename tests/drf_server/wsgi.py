"""Serving: a threaded ``wsgiref`` server on loopback, and the glue that binds a request to its
server (urlconf, request log).

``wsgiref`` speaks HTTP/1.0 and closes each connection after one answer: slower than a production
server, but every request runs in its own thread through Django's real WSGI handler.
"""

from __future__ import annotations

import socketserver
from collections.abc import Callable, Iterable
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

from .state import LoggedRequest, ServerState

__all__ = ["QuietHandler", "ServerApp", "ServerUrlconfMiddleware", "ThreadingWSGIServer"]

_URLCONF = "tests.drf_server.urlconf"


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    """One thread per request; ``server_close()`` joins them (non-daemon threads), so no request
    is still touching the database once the server is closed."""

    daemon_threads = False
    block_on_close = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host name (socket.getfqdn), which can stall on a
        # machine with slow reverse DNS; a loopback server needs no name.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)
        self.setup_environ()


class QuietHandler(WSGIRequestHandler):
    """No access log on stderr; a client that connects and says nothing is dropped after 10 s."""

    timeout = 10

    def log_message(self, format: str, *args: Any) -> None:
        pass


class ServerApp:
    """The WSGI app of one server: tags each request with the server's urlconf, logs each answer."""

    def __init__(self, handler: WSGIApplication, state: ServerState, urlconf: object) -> None:
        self.handler = handler
        self.state = state
        self.urlconf = urlconf

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        environ[_URLCONF] = self.urlconf

        def logging_start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            retry_after = next((v for k, v in headers if k.lower() == "retry-after"), None)
            self.state.log(
                LoggedRequest(
                    method=environ["REQUEST_METHOD"],
                    path=environ["PATH_INFO"],
                    query=environ.get("QUERY_STRING", ""),
                    status=int(status.split()[0]),
                    retry_after=retry_after,
                )
            )
            return start_response(status, headers, exc_info)

        return self.handler(environ, logging_start_response)


class ServerUrlconfMiddleware:
    """Django middleware: route the request with its server's urlconf (``request.urlconf``)."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        urlconf = request.environ.get(_URLCONF)
        if urlconf is not None:
            request.urlconf = urlconf
        return self.get_response(request)
