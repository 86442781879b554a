"""A small JSON control API under `/_emulator/`, so a driver in another process (a benchmark,
a demo script, curl) can act as users and read the chats of a standalone emulator.

    GET  /_emulator/info                       bot, urls, users, webhook, stats
    POST /_emulator/stats/reset
    POST /_emulator/users/<id>/send            {"text": "...", "first_name": "...", ...}
    POST /_emulator/users/<id>/press           {"message_id": 5, "data": "..."} or {"button": "Yes"}
    POST /_emulator/users/<id>/block | unblock
    GET  /_emulator/users/<id>/messages?after=N&timeout=S
         the bot's messages (deleted ones included, in order); waits up to S seconds until
         there are more than N of them
    POST /_emulator/faults                     {"method": "sendMessage", "status": 502, ...}
    DELETE /_emulator/faults
    POST /_emulator/rate_limits                {"global_per_second": 30, "per_chat_per_second": 1}
    GET  /_emulator/webhook/workers            what webhook delivery is doing, per worker
    POST /_emulator/webhook/workers            {"urls": ["http://127.0.0.1:9001/hook", ...],
                                                "policy": "round_robin" | "least_busy"}
                                               ([] delivers to the setWebhook URL again)
"""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any

import tornado.web

from emulator.server import Route
from emulator.state import ChatMessage

if TYPE_CHECKING:
    from emulator.emulator import BotApiEmulator
    from emulator.users import EmulatedUser


class _ControlHandler(tornado.web.RequestHandler):
    emu: BotApiEmulator

    def initialize(self, emu: BotApiEmulator) -> None:
        self.emu = emu

    def check_xsrf_cookie(self) -> None:
        """Scripts send no cookies."""

    def body(self) -> dict[str, Any]:
        if not self.request.body:
            return {}
        try:
            data = json.loads(self.request.body)
        except ValueError as exc:
            raise tornado.web.HTTPError(400, "body must be JSON") from exc
        if not isinstance(data, dict):
            raise tornado.web.HTTPError(400, "body must be a JSON object")
        return data

    def reply(self, payload: Any, status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload, ensure_ascii=False, default=str))

    def user_for(self, user_id: str, data: dict[str, Any] | None = None) -> EmulatedUser:
        data = data or {}
        return self.emu.user(
            int(user_id),
            data.get("first_name"),
            last_name=data.get("last_name"),
            username=data.get("username"),
            language_code=data.get("language_code"),
        )


class InfoHandler(_ControlHandler):
    def get(self) -> None:
        webhook = self.emu.webhook
        self.reply(
            {
                "base_url": self.emu.base_url,
                "base_file_url": self.emu.base_file_url,
                "bot": self.emu.bot.get_me(),
                "users": [user.id for user in self.emu.users],
                "webhook": webhook.info(len(self.emu.state.updates)) if webhook else None,
                "pending_updates": len(self.emu.state.updates),
                "stats": self.emu.stats.as_dict(),
                "webhook_delivery": self.emu.webhook_delivery(),
            }
        )


class StatsResetHandler(_ControlHandler):
    def post(self) -> None:
        self.emu.stats.reset()
        self.reply({"ok": True})


class SendHandler(_ControlHandler):
    async def post(self, user_id: str) -> None:
        data = self.body()
        text = data.get("text")
        if not isinstance(text, str) or not text:
            raise tornado.web.HTTPError(400, "text is required")
        message = await self.user_for(user_id, data).send(text)
        self.reply({"message_id": message.message_id})


class PressHandler(_ControlHandler):
    async def post(self, user_id: str) -> None:
        data = self.body()
        user = self.user_for(user_id)
        try:
            if "button" in data:
                query_id = await user.click(str(data["button"]))
            else:
                query_id = await user.press(int(data["message_id"]), str(data["data"]))
        except (LookupError, ValueError, RuntimeError) as exc:
            self.reply({"error": str(exc)}, status=400)
            return
        self.reply({"callback_query_id": query_id})


class BlockHandler(_ControlHandler):
    def post(self, user_id: str, action: str) -> None:
        user = self.user_for(user_id)
        if action == "block":
            user.block()
        else:
            user.unblock()
        self.reply({"blocked": user.blocked})


class MessagesHandler(_ControlHandler):
    async def get(self, user_id: str) -> None:
        user = self.user_for(user_id)
        after = int(self.get_argument("after", "0"))
        timeout = float(self.get_argument("timeout", "0"))

        def bot_messages() -> list[ChatMessage]:
            return [m for m in user.chat.history if m.from_bot]

        if timeout > 0:
            with contextlib.suppress(TimeoutError):
                await self.emu.wait_for(lambda: len(bot_messages()) > after, timeout)
        messages = bot_messages()
        chat = user.chat.user.chat_dict()
        self.reply(
            {
                "count": len(messages),
                "messages": [
                    {**m.to_api(chat), "edits": m.edits, "deleted": m.deleted}
                    for m in messages[after:]
                ],
                "answers": [answer._asdict() for answer in user.answers],
            }
        )


class FaultsHandler(_ControlHandler):
    def post(self) -> None:
        data = self.body()
        try:
            fault = self.emu.inject_fault(
                data.get("method"),
                status=data.get("status"),
                count=data.get("count", 1),
                delay=data.get("delay"),
                retry_after=data.get("retry_after"),
                description=data.get("description"),
                chat_id=data.get("chat_id"),
            )
        except ValueError as exc:
            self.reply({"error": str(exc)}, status=400)
            return
        self.reply({"method": fault.method, "status": fault.status, "count": fault.remaining})

    def delete(self) -> None:
        self.emu.clear_faults()
        self.reply({"ok": True})


class RateLimitsHandler(_ControlHandler):
    def post(self) -> None:
        data = self.body()
        self.emu.set_rate_limits(data.get("global_per_second"), data.get("per_chat_per_second"))
        self.reply({"ok": True})


class WebhookWorkersHandler(_ControlHandler):
    def get(self) -> None:
        self.reply(self.emu.webhook_delivery())

    def post(self) -> None:
        data = self.body()
        urls = data.get("urls", [])
        policy = data.get("policy")
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            raise tornado.web.HTTPError(400, "urls must be a list of strings")
        if policy is not None and not isinstance(policy, str):
            raise tornado.web.HTTPError(400, "policy must be a string")
        try:
            self.emu.set_webhook_workers(urls, policy=policy)
        except ValueError as exc:
            self.reply({"error": str(exc)}, status=400)
            return
        self.reply(self.emu.webhook_delivery())


def control_routes(emu: BotApiEmulator) -> list[Route]:
    args = {"emu": emu}
    return [
        (r"/_emulator/info", InfoHandler, args),
        (r"/_emulator/stats/reset", StatsResetHandler, args),
        (r"/_emulator/users/(\d+)/send", SendHandler, args),
        (r"/_emulator/users/(\d+)/press", PressHandler, args),
        (r"/_emulator/users/(\d+)/(block|unblock)", BlockHandler, args),
        (r"/_emulator/users/(\d+)/messages", MessagesHandler, args),
        (r"/_emulator/faults", FaultsHandler, args),
        (r"/_emulator/rate_limits", RateLimitsHandler, args),
        (r"/_emulator/webhook/workers", WebhookWorkersHandler, args),
    ]
