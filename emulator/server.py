"""The HTTP face of the emulator: `/bot<token>/<method>` and `/file/bot<token>/<path>`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import tornado.web
from tornado.iostream import StreamClosedError

from emulator import errors
from emulator.errors import ApiError
from emulator.limits import Fault, FaultInjector
from emulator.methods import BotApi, canonical_name
from emulator.params import Params, UploadedFile
from emulator.state import EmulatorState


class ApiRequest(NamedTuple):
    """One call the bot made: canonical method name and decoded parameters."""

    method: str
    params: dict[str, Any]


class ApiErrorRecord(NamedTuple):
    """One unsuccessful answer the emulator gave."""

    method: str
    status: int
    description: str
    params: dict[str, Any]


@dataclass
class ServerContext:
    """What the request handlers share."""

    token: str
    api: BotApi
    state: EmulatorState
    faults: FaultInjector
    record_requests: bool = True
    requests: list[ApiRequest] = field(default_factory=list)
    errors: list[ApiErrorRecord] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def sleep(self, seconds: float) -> None:
        """Sleep that ends early when the emulator stops."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), timeout=seconds)


_GATEWAY_PAGE = (
    "<html>\r\n<head><title>{code} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{code} {reason}</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
    "</body>\r\n</html>\r\n"
)


class _BaseHandler(tornado.web.RequestHandler):
    ctx: ServerContext

    def initialize(self, ctx: ServerContext) -> None:
        self.ctx = ctx
        self.client_gone = False

    def on_connection_close(self) -> None:
        self.client_gone = True
        self.ctx.state.updates_changed.notify()

    def write_json(self, status: int, payload: Any) -> None:
        if self.client_gone:
            return
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        with contextlib.suppress(StreamClosedError):
            self.finish(json.dumps(payload, ensure_ascii=False, separators=(",", ":")))

    def check_xsrf_cookie(self) -> None:
        """Bot API clients send no cookies."""


class ApiHandler(_BaseHandler):
    """Every Bot API method, GET or POST, any supported body encoding."""

    async def get(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def post(self, token: str, method: str) -> None:
        await self._handle(token, method)

    async def _handle(self, token: str, method: str) -> None:
        ctx, stats = self.ctx, self.ctx.state.stats
        name = canonical_name(method) or method
        params = Params({})
        fault: Fault | None = None
        with stats.measure():
            stats.requests += 1
            try:
                if token != ctx.token:
                    raise errors.unauthorized() if _well_formed(token) else errors.not_found()
                stats.calls[name] += 1
                params = self._params()
                if ctx.record_requests:
                    ctx.requests.append(ApiRequest(name, params.normalized()))
                fault = ctx.faults.take(name, _chat_id(params))
            except ApiError as exc:
                self._fail(name, exc, params)
                return
        if fault is not None:
            stats.faults_applied += 1
            if fault.delay:
                await ctx.sleep(fault.delay)
        with stats.measure():
            try:
                error = fault.error() if fault is not None else None
                if error is not None:
                    raise error
                if name == "getUpdates":
                    ticket = ctx.api.begin_poll(params)
                    updates = ctx.api.poll_result(ticket)
                else:
                    self._ok(ctx.api.call(method, params))
                    return
            except ApiError as exc:
                self._fail(name, exc, params)
                return
        while updates is None:
            await ctx.state.updates_changed.wait(ticket.deadline - time.monotonic())
            if self.client_gone:
                return
            with stats.measure():
                try:
                    updates = ctx.api.poll_result(ticket)
                except ApiError as exc:
                    self._fail(name, exc, params)
                    return
        with stats.measure():
            stats.updates_sent += len(updates)
            self._ok(updates)

    def _params(self) -> Params:
        values: dict[str, Any] = {
            name: raw[-1].decode("utf-8", "replace")
            for name, raw in self.request.query_arguments.items()
        }
        content_type = self.request.headers.get("Content-Type", "")
        if content_type.startswith("application/json"):
            try:
                body = json.loads(self.request.body or b"{}")
            except ValueError as exc:
                raise errors.bad_request("can't parse JSON encoded request body") from exc
            if not isinstance(body, dict):
                raise errors.bad_request("JSON encoded request body must be an object")
            values.update(body)
        else:
            for name, raw in self.request.body_arguments.items():
                values[name] = raw[-1].decode("utf-8", "replace")
        files = {
            name: UploadedFile(parts[0].filename, parts[0].content_type, parts[0].body)
            for name, parts in self.request.files.items()
            if parts
        }
        return Params(values, files)

    def _ok(self, result: Any) -> None:
        self.write_json(200, {"ok": True, "result": result})

    def _fail(self, method: str, error: ApiError, params: Params) -> None:
        stats = self.ctx.state.stats
        stats.errors += 1
        if error.status == 429:
            stats.rate_limited += 1
        self.ctx.errors.append(
            ApiErrorRecord(method, error.status, error.description, params.normalized())
        )
        if error.status in (502, 504) and not self.client_gone:
            # A gateway error comes from the front proxy as an HTML page, not JSON.
            reason = "Bad Gateway" if error.status == 502 else "Gateway Time-out"
            self.set_status(error.status)
            self.set_header("Content-Type", "text/html")
            with contextlib.suppress(StreamClosedError):
                self.finish(_GATEWAY_PAGE.format(code=error.status, reason=reason))
            return
        self.write_json(error.status, error.payload())


class FileHandler(_BaseHandler):
    """Downloads of files by the file_path that getFile returned."""

    def get(self, token: str, path: str) -> None:
        stored = self.ctx.state.files.by_path(path) if token == self.ctx.token else None
        if stored is None:
            self.write_json(404, errors.not_found().payload())
            return
        self.set_header("Content-Type", stored.mime_type or "application/octet-stream")
        self.finish(stored.data)


class NotFoundHandler(_BaseHandler):
    def prepare(self) -> None:
        self.write_json(404, errors.not_found().payload())


Route = tuple[str, type[tornado.web.RequestHandler], dict[str, Any]]


def build_application(ctx: ServerContext, extra_routes: list[Route]) -> tornado.web.Application:
    routes: list[Route] = [
        (r"/bot([^/]*)/([^/]*)", ApiHandler, {"ctx": ctx}),
        (r"/file/bot([^/]*)/(.+)", FileHandler, {"ctx": ctx}),
        *extra_routes,
        (r".*", NotFoundHandler, {"ctx": ctx}),
    ]
    # No access log: request URLs carry the bot token.
    return tornado.web.Application(routes, log_function=lambda handler: None)


def _well_formed(token: str) -> bool:
    bot_id, _, secret = token.partition(":")
    return bot_id.isdigit() and bool(secret)


def _chat_id(params: Params) -> int | None:
    try:
        return params.get_int("chat_id")
    except ApiError:
        return None
