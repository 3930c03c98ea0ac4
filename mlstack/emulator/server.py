"""The emulator's server: moto's WSGI app with the extensions, on a free port of localhost, in a daemon thread.

Each request passes the front (front.py: its own Host, no Origin, signed with the run's access key id), then
goes to the first request handler registered in wsgi.REQUEST_HANDLERS that claims it, else to moto.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from mlstack.emulator import wsgi
from mlstack.emulator.catalogue import seed_dlami_parameters
from mlstack.emulator.front import Credentials, Front
from mlstack.emulator.install import install


def dispatch(moto_app: wsgi.WSGIApp) -> wsgi.WSGIApp:
    """A WSGI app giving each request to the first registered handler that claims it, else to moto."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        for handler in wsgi.REQUEST_HANDLERS:
            claimed = handler(environ)
            if claimed is not None:
                return claimed(environ, start_response)
        return moto_app(environ, start_response)

    return app


class Emulator:
    """moto server with the extensions, on `port` (0: a free one) of localhost, in a daemon thread.

    `dlami_parameters`: the public DLAMI SSM parameter paths to serve (the starter knows which the app reads).
    `credentials`: the only ones it answers (default: issued for this emulator, random).
    """

    def __init__(self, port: int = 0, *, dlami_parameters: Iterable[str] = (), credentials: Credentials | None = None):
        self.port = port
        self.dlami_parameters = tuple(dlami_parameters)
        self.credentials = credentials or Credentials.issue()
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        # `localhost`, not 127.0.0.1: S3 virtual-hosted addressing resolves <bucket>.localhost.
        return f"http://localhost:{self.port}"

    def start(self) -> Emulator:
        # What moto.server.ThreadedMotoServer does, with the request handlers in front of moto's app.
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
        from werkzeug.serving import make_server

        install()
        seed_dlami_parameters(self.dlami_parameters)
        moto_app = DomainDispatcherApplication(create_backend_app)
        front = Front(dispatch(moto_app), self.credentials, self.port)
        self._server = make_server("127.0.0.1", self.port, front, threaded=True, request_handler=MotoRequestHandler)
        self.port = front.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()  # frees the port now, not when the socket is collected
            self._server = None
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
