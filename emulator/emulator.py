"""BotApiEmulator: the server, its state and the test-side controls in one object."""

# The test-side API takes plain `timeout=` seconds on purpose: tests read better that way.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import ipaddress
import time
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import Any, TypeVar

from tornado.httpserver import HTTPServer
from tornado.netutil import bind_sockets

from emulator.balancer import LoadBalancer
from emulator.limits import Fault, FaultInjector, RateLimiter
from emulator.methods import BotApi, canonical_name
from emulator.server import ApiErrorRecord, ApiRequest, Route, ServerContext, build_application
from emulator.state import BotProfile, EmulatorState, JsonDict, UserProfile, WebhookConfig
from emulator.stats import EmulatorStats
from emulator.users import EmulatedUser
from emulator.webhook import WebhookDispatcher

T = TypeVar("T")


class BotApiEmulator:
    """A local Telegram Bot API for one bot, served over HTTP on a loopback address.

    Point a real python-telegram-bot Application at `base_url` / `base_file_url`, then act as
    its users through `user(...)`.
    """

    def __init__(
        self,
        token: str = "123456:TEST",
        *,
        username: str = "emulated_bot",
        first_name: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        supports_inline_queries: bool = False,
        global_rate_limit: int | None = None,
        per_chat_rate_limit: int | None = None,
        callback_query_ttl: float | None = None,
        max_poll_timeout: float = 50.0,
        webhook_retry_attempts: int = 5,
        webhook_retry_backoff: float = 0.05,
        webhook_timeout: float = 5.0,
        webhook_workers: Sequence[str] = (),
        webhook_policy: str = "round_robin",
        webhook_worker_down_for: float = 1.0,
        membership_updates: bool = True,
        record_requests: bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError("token must look like '<numeric bot id>:<secret>'")
        if not _is_loopback(host):
            raise ValueError(f"the emulator only listens on loopback addresses, not {host!r}")
        self.token = token
        self.host = host
        self.port = port
        self.membership_updates = membership_updates
        self.stats = EmulatorStats()
        profile = BotProfile(
            id=int(bot_id),
            username=username,
            first_name=first_name or username.removesuffix("_bot").replace("_", " ").title(),
            can_join_groups=can_join_groups,
            can_read_all_group_messages=can_read_all_group_messages,
            supports_inline_queries=supports_inline_queries,
        )
        self.state = EmulatorState(profile, clock, self.stats)
        self.limiter = RateLimiter(global_rate_limit, per_chat_rate_limit)
        self.faults = FaultInjector()
        self.api = BotApi(
            self.state,
            self.limiter,
            callback_query_ttl=callback_query_ttl,
            max_poll_timeout=max_poll_timeout,
        )
        self._ctx = ServerContext(
            token=token,
            api=self.api,
            state=self.state,
            faults=self.faults,
            record_requests=record_requests,
        )
        self.balancer = LoadBalancer(
            webhook_workers, policy=webhook_policy, down_for=webhook_worker_down_for
        )
        self._webhook = WebhookDispatcher(
            self.state,
            self.stats,
            self.balancer,
            attempts=webhook_retry_attempts,
            backoff=webhook_retry_backoff,
            timeout=webhook_timeout,
        )
        self._users: dict[int, EmulatedUser] = {}
        self._server: HTTPServer | None = None
        self._extra_routes: list[Route] = []

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> BotApiEmulator:
        if self._server is not None:
            raise RuntimeError("emulator already started")
        from emulator.control import control_routes

        self._ctx.stopping = asyncio.Event()
        self.api.closing = False
        sockets = bind_sockets(self.port, address=self.host)
        self.port = sockets[0].getsockname()[1]
        app = build_application(self._ctx, [*control_routes(self), *self._extra_routes])
        self._server = HTTPServer(app, xheaders=False, max_body_size=64 * 1024 * 1024)
        self._server.add_sockets(sockets)
        self._webhook.start()
        return self

    async def stop(self) -> None:
        if self._server is None:
            return
        self._ctx.stopping.set()
        self.api.closing = True
        self.state.updates_changed.notify()
        self.state.notify()
        await self._webhook.stop()
        self._server.stop()
        # Let waiting long polls answer before their connections are closed.
        await asyncio.sleep(0)
        await self._server.close_all_connections()
        self._server = None

    async def __aenter__(self) -> BotApiEmulator:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ApplicationBuilder.base_url: PTB appends the token."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        return f"{self.url}/file/bot"

    @property
    def bot(self) -> BotProfile:
        return self.state.bot

    # -- users ----------------------------------------------------------------------------

    def user(
        self,
        user_id: int,
        first_name: str | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        started: bool = False,
    ) -> EmulatedUser:
        """The user with this id (created on first use); their private chat has the same id.
        Details given for a user who exists already replace theirs.

        `started`: the user pressed Start some time ago, so the bot can write to them, but no
        update is queued for it (for seeding many people who joined before the bot started).
        """
        existing = self._users.get(user_id)
        if existing is not None:
            # What is given again is what the user's client now says (a changed app language,
            # a new name), as Telegram reports it in the user's next updates.
            profile = existing.profile
            profile.first_name = first_name or profile.first_name
            profile.last_name = last_name if last_name is not None else profile.last_name
            profile.username = username if username is not None else profile.username
            if language_code is not None:
                profile.language_code = language_code
            return existing
        if user_id <= 0:
            raise ValueError("user ids are positive")
        profile = UserProfile(
            id=user_id,
            first_name=first_name or f"User {user_id}",
            last_name=last_name,
            username=username,
            language_code=language_code,
        )
        self.state.users[user_id] = profile
        created = EmulatedUser(self, profile)
        self._users[user_id] = created
        if started:
            self.state.chat_for(user_id).started = True
        return created

    @property
    def users(self) -> list[EmulatedUser]:
        return list(self._users.values())

    # -- faults and limits ------------------------------------------------------------------

    def inject_fault(
        self,
        method: str | None = None,
        *,
        status: int | None = None,
        count: int | None = 1,
        delay: float | None = None,
        retry_after: int | None = None,
        description: str | None = None,
        chat_id: int | None = None,
    ) -> Fault:
        """Make the next `count` matching calls fail (`status`) and/or hang (`delay` seconds).

        `method=None` matches every method; `count=None` keeps the fault until clear_faults().
        A delay without a status still performs the call afterwards, as a slow Telegram would:
        the client may have timed out although the message was sent.
        """
        if status is None and delay is None:
            raise ValueError("a fault needs a status, a delay or both")
        name = canonical_name(method) or method if method else None
        return self.faults.add(
            Fault(
                method=name,
                status=status,
                remaining=count,
                delay=delay,
                retry_after=retry_after,
                description=description,
                chat_id=chat_id,
            )
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    def set_rate_limits(
        self, global_per_second: int | None = None, per_chat_per_second: int | None = None
    ) -> None:
        """Enable flood limits (None disables each); windows restart empty."""
        self.limiter.configure(global_per_second, per_chat_per_second)

    # -- observation ----------------------------------------------------------------------

    @property
    def requests(self) -> list[ApiRequest]:
        return self._ctx.requests

    @property
    def errors(self) -> list[ApiErrorRecord]:
        return self._ctx.errors

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every logged call of this method (any spelling of its name)."""
        name = canonical_name(method) or method
        return [request.params for request in self.requests if request.method == name]

    def call_count(self, method: str) -> int:
        return self.stats.calls[canonical_name(method) or method]

    def reset_log(self) -> None:
        self._ctx.requests.clear()
        self._ctx.errors.clear()

    def commands(self, scope: JsonDict | None = None, language_code: str = "") -> list[JsonDict]:
        return list(self.state.commands.get(self.state.scope_key(scope, language_code), []))

    @property
    def webhook(self) -> WebhookConfig | None:
        return self.state.webhook

    def set_webhook_workers(self, urls: Sequence[str], *, policy: str | None = None) -> None:
        """Deliver webhook updates to these worker URLs instead of the webhook's own, as a load
        balancer behind the webhook URL would (`policy`: "round_robin" or "least_busy").
        An empty list delivers to the webhook URL again. Raises ValueError for a bad URL."""
        self.balancer.configure(urls, policy)

    def webhook_delivery(self) -> JsonDict:
        """What webhook delivery is doing now, and per worker what it has done."""
        now = self.balancer.clock()
        return {
            "policy": self.balancer.policy,
            "in_flight": self._webhook.slots.in_use,
            "waiting_for_connection": self._webhook.slots.waiting,
            "busy_chats": self._webhook.busy_chats,
            "workers": [
                {
                    "url": worker.url,
                    "up": worker.up(now),
                    "in_flight": worker.in_flight,
                    "deliveries": self.stats.webhook_deliveries[worker.url],
                    "failures": self.stats.webhook_worker_failures[worker.url],
                }
                for worker in self.balancer.workers
            ],
        }

    @property
    def pending_updates(self) -> list[JsonDict]:
        return [update.to_api() for update in self.state.updates]

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float = 5.0,
        description: str | Callable[[], str] | None = None,
    ) -> T:
        """Wait until predicate() is truthy and return its value.

        Re-checked on every emulator state change, and at least every 50 ms for predicates that
        look at the outside world (a database, files).
        """
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                text = description() if callable(description) else description
                raise TimeoutError(self.explain_timeout(timeout, text or _name_of(predicate)))
            await self.state.changed.wait(min(remaining, 0.05))

    async def wait_until_idle(self, quiet: float = 0.1, timeout: float = 5.0) -> None:
        """Wait until no update is pending and the bot made no new call for `quiet` seconds."""
        seen = {"requests": self.stats.requests, "at": time.monotonic()}

        def idle() -> bool:
            if self.stats.requests != seen["requests"]:
                seen["requests"], seen["at"] = self.stats.requests, time.monotonic()
            return len(self.state.updates) == 0 and time.monotonic() - seen["at"] >= quiet

        await self.wait_for(idle, timeout, "the bot to go idle")

    def explain_timeout(self, timeout: float, what: str, chat_id: int | None = None) -> str:
        lines = [f"Timed out after {timeout:g}s waiting for {what}."]
        if chat_id is not None and chat_id in self.state.chats:
            recent = self.state.chats[chat_id].history[-4:]
            lines.append(f"Last messages in chat {chat_id}: {recent or 'none'}")
        if self.errors:
            shown = [f"{e.method} -> {e.status} {e.description!r}" for e in self.errors[-5:]]
            lines.append("Recent Bot API errors: " + "; ".join(shown))
        if self.requests:
            lines.append("Recent calls: " + ", ".join(r.method for r in self.requests[-8:]))
        else:
            lines.append("The bot has made no calls to the emulator.")
        if len(self.state.updates):
            lines.append(f"{len(self.state.updates)} update(s) still pending (not confirmed).")
        return "\n".join(lines)

    def add_routes(self, routes: list[Route]) -> None:
        """Extra tornado routes served next to the API; takes effect at start()."""
        self._extra_routes.extend(routes)


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _name_of(predicate: Callable[..., Any] | Callable[..., Awaitable[Any]]) -> str:
    name = getattr(predicate, "__name__", None)
    return f"{name}()" if name and name != "<lambda>" else "the condition"
