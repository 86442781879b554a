"""A webhook worker's HTTP server: an update is acknowledged only once it has been handled.

python-telegram-bot's own webhook server puts each update in a queue and answers 200 at once.
Telegram sends a chat's next update only after the previous one was acknowledged, so with one
process the order survives; with several behind a load balancer it does not: the next press
may reach another worker while the first is still being handled. Here the answer waits for
the handlers (and, when one fails, for the error handler), so a chat has at most one update
in flight across all workers, and Telegram's per-chat order holds.

An update whose handler raised is still answered 200: the error handler has logged it and
told the person, and a non-2xx answer would make Telegram send it again and again, holding
back every later update of that chat. Only what never reached the handlers is refused: a
wrong or missing secret (403, before the body is read), a body over MAX_BODY_BYTES (413), a
body that is not an update (400), and anything arriving while the worker shuts down (503,
which Telegram retries, so the load balancer hands it to another worker).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from http import HTTPStatus
from typing import Any

from telegram import Update
from telegram.ext import Application
from tornado.httpserver import HTTPServer
from tornado.web import Application as TornadoApplication
from tornado.web import RequestHandler, stream_request_body

from bot.logs import describe_error

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram"
HEALTH_PATH = "/healthz"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update is a few kilobytes; a message of 4096 characters with its entities and a quoted
# reply stays far below this.
MAX_BODY_BYTES = 1024 * 1024
# How long a stopping worker waits for the updates it is handling.
DRAIN_SECONDS = 30.0

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


class WebhookServer:
    """Serves POST WEBHOOK_PATH (updates) and GET HEALTH_PATH on one address."""

    def __init__(
        self,
        application: AnyApplication,
        *,
        secret: str,
        listen: str,
        port: int,
        max_body_bytes: int = MAX_BODY_BYTES,
    ) -> None:
        if not secret:
            raise ValueError("a webhook needs a secret")
        self.application = application
        self.listen = listen
        self.port = port
        self.max_body_bytes = max_body_bytes
        self.closing = False
        self.handled = 0  # updates handed to the handlers and answered
        self._secret = secret.encode()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._server: HTTPServer | None = None

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def secret_matches(self, given: str | None) -> bool:
        # compare_digest takes as long for any wrong secret of a length, however close it is.
        return hmac.compare_digest((given or "").encode(), self._secret)

    async def start(self) -> None:
        routes = TornadoApplication(
            [
                (WEBHOOK_PATH, _UpdateHandler, {"server": self}),
                (HEALTH_PATH, _HealthHandler, {"server": self}),
            ],
            # Tornado would log each request line at INFO, and every refusal at WARNING.
            log_function=lambda handler: None,
        )
        self._server = HTTPServer(routes, max_body_size=self.max_body_bytes, xheaders=False)
        self._server.listen(self.port, address=self.listen)

    async def stop(self, drain_seconds: float = DRAIN_SECONDS) -> None:
        """Stop taking connections, let the updates being handled finish, close the rest."""
        self.closing = True
        if self._server is None:
            return
        self._server.stop()
        try:
            await asyncio.wait_for(self._idle.wait(), drain_seconds)
        except TimeoutError:
            log.warning(
                "stopped with %d update(s) still being handled: Telegram sends them again",
                self._in_flight,
            )
        await self._server.close_all_connections()
        self._server = None

    async def handle(self, update: Update) -> None:
        """Hand the update to the application's processor; return when it was handled."""
        self._in_flight += 1
        self._idle.clear()
        application = self.application
        try:
            await application.update_processor.process_update(
                update, application.process_update(update)
            )
        except Exception as error:  # process_update gives handler errors to the error handler
            log.error("update %d could not be handled: %s", update.update_id, describe_error(error))
        finally:
            self._in_flight -= 1
            self.handled += 1
            if self._in_flight == 0:
                self._idle.set()


@stream_request_body
class _UpdateHandler(RequestHandler):
    SUPPORTED_METHODS = ("POST",)

    def initialize(self, server: WebhookServer) -> None:
        self.server = server
        self.chunks: list[bytes] = []

    def prepare(self) -> None:
        # The headers alone decide whether the body is read at all.
        server = self.server
        if not server.secret_matches(self.request.headers.get(SECRET_HEADER)):
            self._refuse(HTTPStatus.FORBIDDEN)
            return
        if server.closing:
            self._refuse(HTTPStatus.SERVICE_UNAVAILABLE)
            return
        length = self.request.headers.get("Content-Length")
        if length is not None and (not length.isdigit() or int(length) > server.max_body_bytes):
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)

    def data_received(self, chunk: bytes) -> None:
        self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
            if not isinstance(data, dict):
                raise TypeError("not a JSON object")
            update = Update.de_json(data, self.server.application.bot)
        except Exception as error:  # what failed may quote the body: a person's words
            log.warning("refused a webhook body that is not an update: %s", type(error).__name__)
            self._refuse(HTTPStatus.BAD_REQUEST)
            return
        await self.server.handle(update)
        self.set_status(HTTPStatus.OK)
        await self.finish()

    def _refuse(self, status: HTTPStatus) -> None:
        self.set_status(status)
        if status is not HTTPStatus.BAD_REQUEST:
            # Refused from the headers alone: the body is left unread, so the connection
            # cannot carry another request, and the client is told so.
            self.set_header("Connection", "close")
        self.finish()


class _HealthHandler(RequestHandler):
    """200 while the worker takes updates, 503 once it is stopping: for probes on the host."""

    SUPPORTED_METHODS = ("GET",)

    def initialize(self, server: WebhookServer) -> None:
        self.server = server

    def get(self) -> None:
        if self.server.closing:
            self.set_status(HTTPStatus.SERVICE_UNAVAILABLE)
            self.finish("stopping\n")
        else:
            self.finish(f"ok {self.server.in_flight} in flight\n")
