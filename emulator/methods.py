"""The Bot API methods: validation, effects on the emulated state, and results shaped like
Telegram's. Transport-free: the HTTP layer parses requests into Params and calls `call`.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from emulator import errors
from emulator.balancer import is_loopback_host
from emulator.errors import bad_request, conflict, forbidden
from emulator.formatting import parse_text
from emulator.limits import RateLimiter
from emulator.media import MAX_DOWNLOAD_BYTES, MAX_UPLOAD_BYTES, StoredFile, guess_mime_type
from emulator.params import Params, UploadedFile
from emulator.state import (
    CallbackAnswer,
    ChatMessage,
    ChatState,
    EmulatorState,
    JsonDict,
    WebhookConfig,
)

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_ANSWER_TEXT = 200
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
COMMAND_SCOPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

Handler = Callable[["BotApi", Params], Any]
H = TypeVar("H", bound=Handler)

# lower-cased method name -> (canonical name, implementation)
_REGISTRY: dict[str, tuple[str, Handler]] = {}


def api_method(name: str) -> Callable[[H], H]:
    def register(func: H) -> H:
        _REGISTRY[name.lower()] = (name, func)
        return func

    return register


def canonical_name(method: str) -> str | None:
    """The Bot API spelling of a method name given in any case, or None if unknown."""
    if method.lower() == "getupdates":
        return "getUpdates"
    entry = _REGISTRY.get(method.lower())
    return entry[0] if entry else None


@dataclass
class PollTicket:
    """One getUpdates call in progress."""

    generation: int
    limit: int
    deadline: float


class BotApi:
    def __init__(
        self,
        state: EmulatorState,
        limiter: RateLimiter,
        *,
        callback_query_ttl: float | None = None,
        max_poll_timeout: float = 50.0,
    ) -> None:
        self.state = state
        self.limiter = limiter
        self.callback_query_ttl = callback_query_ttl
        self.max_poll_timeout = max_poll_timeout
        self.closing = False
        self._poll_generation = 0

    def call(self, method: str, params: Params) -> Any:
        entry = _REGISTRY.get(method.lower())
        if entry is None:
            raise errors.not_found()
        return entry[1](self, params)

    # -- getUpdates: split so the HTTP layer can wait between the synchronous steps ---------

    def begin_poll(self, p: Params) -> PollTicket:
        if self.state.webhook is not None:
            raise conflict(errors.WEBHOOK_ACTIVE)
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            self.state.updates.allowed = frozenset(str(kind) for kind in allowed) or None
        offset = p.get_int("offset")
        if offset:
            self.state.updates.confirm(offset)
        limit = min(100, max(1, p.get_int("limit") or 100))
        timeout = min(self.max_poll_timeout, max(0.0, p.get_float("timeout") or 0.0))
        # A newer getUpdates terminates an older one that is still waiting, like Telegram.
        self._poll_generation += 1
        self.state.updates_changed.notify()
        return PollTicket(self._poll_generation, limit, time.monotonic() + timeout)

    def poll_result(self, ticket: PollTicket) -> list[JsonDict] | None:
        """The updates to answer with, or None to keep waiting."""
        if ticket.generation != self._poll_generation:
            raise conflict(errors.POLL_TERMINATED)
        if self.state.webhook is not None:
            raise conflict(errors.WEBHOOK_ACTIVE)
        updates = self.state.updates.peek(ticket.limit)
        if updates or self.closing or time.monotonic() >= ticket.deadline:
            return [update.to_api() for update in updates]
        return None

    # -- helpers ----------------------------------------------------------------------------

    def _chat(self, p: Params, *, sending: bool = True) -> ChatState:
        raw = p.get_str("chat_id", required=True)
        assert raw is not None
        try:
            chat_id = int(raw.strip())
        except ValueError:
            raise bad_request(errors.CHAT_NOT_FOUND) from None
        chat = self.state.chats.get(chat_id)
        if chat is None or not chat.started:
            raise bad_request(errors.CHAT_NOT_FOUND)
        if sending and chat.blocked:
            raise forbidden(errors.BLOCKED)
        return chat

    def _flood(self, chat_id: int, p: Params | None = None) -> None:
        """Count a call against the flood limits; `p` given: a new message, which may be sent
        with allow_paid_broadcast."""
        new_message = p is not None
        paid = p is not None and bool(p.get_bool("allow_paid_broadcast"))
        self.limiter.check(chat_id, new_message=new_message, paid=paid)
        stats = self.state.stats
        if self.limiter.record(chat_id, new_message=new_message, paid=paid):
            stats.paid_messages += 1
        if paid:
            stats.paid_broadcasts += 1

    def _formatted(
        self, p: Params, field: str, entities_field: str, limit: int
    ) -> tuple[str | None, list[JsonDict]]:
        raw = p.get_str(field)
        if raw is None or raw == "":
            return None, []
        entities = p.get_json(entities_field)
        text, parsed = parse_text(
            raw, p.get_str("parse_mode"), entities if isinstance(entities, list) else None
        )
        if len(text) > limit:
            raise bad_request(
                errors.MESSAGE_TOO_LONG if field == "text" else errors.CAPTION_TOO_LONG
            )
        return text, parsed

    def _text(self, p: Params) -> tuple[str, list[JsonDict]]:
        text, entities = self._formatted(p, "text", "entities", MAX_TEXT)
        if not text:
            raise bad_request(errors.TEXT_EMPTY)
        return text, entities

    def _markup(self, p: Params, *, inline_only: bool = False) -> tuple[JsonDict | None, bool]:
        """(inline keyboard to attach, whether reply_markup was given at all)."""
        markup = p.get_object("reply_markup")
        if markup is None:
            return None, False
        if "inline_keyboard" in markup:
            return _validate_inline(markup), True
        if inline_only:
            raise bad_request("inline keyboard expected")
        return None, True

    def _apply_reply_keyboard(self, p: Params, chat: ChatState) -> None:
        markup = p.get_object("reply_markup")
        if markup is None:
            return
        if "keyboard" in markup:
            chat.reply_keyboard = markup
        elif markup.get("remove_keyboard"):
            chat.reply_keyboard = None

    def _reply_to(self, p: Params, chat: ChatState) -> ChatMessage | None:
        reply = p.get_object("reply_parameters")
        message_id: int | None = None
        allow_missing = p.get_bool("allow_sending_without_reply")
        if reply is not None:
            message_id = int(reply.get("message_id", 0))
            allow_missing = bool(reply.get("allow_sending_without_reply", False))
        elif "reply_to_message_id" in p:
            message_id = p.get_int("reply_to_message_id")
        if not message_id:
            return None
        target = chat.live(message_id)
        if target is None and not allow_missing:
            raise bad_request("message to be replied not found")
        return target

    def _new_bot_message(self, chat: ChatState, p: Params, **content: Any) -> JsonDict:
        self._apply_reply_keyboard(p, chat)
        options: JsonDict = {
            key: p.get_bool(key) for key in ("disable_notification", "protect_content") if key in p
        }
        if options.get("protect_content"):
            options["has_protected_content"] = True
        preview = p.get_object("link_preview_options")
        if preview is not None:
            options["link_preview_options"] = preview
        elif "disable_web_page_preview" in p:
            options["link_preview_options"] = {
                "is_disabled": p.get_bool("disable_web_page_preview")
            }
        if "parse_mode" in p:
            options["parse_mode"] = p.get_str("parse_mode")
        message = chat.add(
            ChatMessage(
                message_id=chat.allocate_id(),
                chat_id=chat.id,
                date=self.state.now(),
                from_bot=True,
                sender=self.state.bot.user_dict(),
                seq=self.state.next_seq(),
                options=options,
                **content,
            )
        )
        chat.bot_acted.notify()
        self.state.notify()
        return message.to_api(chat.user.chat_dict())

    def _message_to_edit(self, p: Params) -> tuple[ChatState, ChatMessage]:
        if "inline_message_id" in p and "chat_id" not in p:
            raise bad_request("inline messages are not supported by the emulator")
        chat = self._chat(p)
        message_id = p.require_int("message_id")
        message = chat.live(message_id)
        if message is None:
            raise bad_request(errors.EDIT_NOT_FOUND)
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return chat, message

    def _mark_edited(self, chat: ChatState, message: ChatMessage) -> JsonDict:
        message.edit_seqs.append(self.state.next_seq())
        message.edit_date = self.state.now()
        chat.bot_acted.notify()
        self.state.notify()
        return message.to_api(chat.user.chat_dict())

    def _input_file(self, p: Params, field: str, kind: str) -> UploadedFile | StoredFile:
        value = p.get_file(field)
        if value is None or value == "":
            raise bad_request(f"there is no {kind} in the request")
        if isinstance(value, UploadedFile):
            if not value.data:
                raise bad_request("file must be non-empty")
            if len(value.data) > MAX_UPLOAD_BYTES:
                raise bad_request("file is too big")
            return value
        if value.startswith(("http://", "https://")):
            raise bad_request("failed to get HTTP URL content")
        stored = self.state.files.get(value)
        if stored is None:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if stored.kind != kind:
            raise bad_request(f"can't use file of type {stored.kind.title()} as {kind.title()}")
        return stored

    # -- bot identity -----------------------------------------------------------------------

    @api_method("getMe")
    def get_me(self, p: Params) -> JsonDict:
        return self.state.bot.get_me()

    @api_method("logOut")
    def log_out(self, p: Params) -> bool:
        return True

    @api_method("close")
    def close(self, p: Params) -> bool:
        return True

    # -- webhook ----------------------------------------------------------------------------

    @api_method("setWebhook")
    def set_webhook(self, p: Params) -> bool:
        url = p.get_str("url") or ""
        if not url:
            return self.delete_webhook(p)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise bad_request("bad webhook: invalid webhook URL specified")
        if not is_loopback_host(parts.hostname):
            raise bad_request("bad webhook: the emulator only delivers to loopback addresses")
        secret = p.get_str("secret_token")
        if secret is not None and not _SECRET_RE.fullmatch(secret):
            raise bad_request("secret token contains unallowed characters")
        max_connections = p.get_int("max_connections") or 40
        if not 1 <= max_connections <= 100:
            raise bad_request("invalid max_connections specified")
        allowed = p.get_json("allowed_updates")
        if isinstance(allowed, list):
            self.state.updates.allowed = frozenset(str(kind) for kind in allowed) or None
        if p.get_bool("drop_pending_updates"):
            self.state.updates.clear()
        self.state.webhook = WebhookConfig(
            url=url,
            secret_token=secret or None,
            max_connections=max_connections,
            ip_address=p.get_str("ip_address"),
            allowed_updates=allowed if isinstance(allowed, list) else None,
        )
        self.state.updates_changed.notify()
        return True

    @api_method("deleteWebhook")
    def delete_webhook(self, p: Params) -> bool:
        self.state.webhook = None
        if p.get_bool("drop_pending_updates"):
            self.state.updates.clear()
        self.state.updates_changed.notify()
        return True

    @api_method("getWebhookInfo")
    def get_webhook_info(self, p: Params) -> JsonDict:
        pending = len(self.state.updates)
        if self.state.webhook is None:
            return {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        return self.state.webhook.info(pending)

    # -- messages ---------------------------------------------------------------------------

    @api_method("sendMessage")
    def send_message(self, p: Params) -> JsonDict:
        chat = self._chat(p)
        text, entities = self._text(p)
        inline, _ = self._markup(p)
        reply_to = self._reply_to(p, chat)
        self._flood(chat.id, p)
        return self._new_bot_message(
            chat, p, text=text, entities=entities, markup=inline, reply_to=reply_to
        )

    @api_method("sendPhoto")
    def send_photo(self, p: Params) -> JsonDict:
        chat = self._chat(p)
        source = self._input_file(p, "photo", "photo")
        caption, caption_entities = self._formatted(p, "caption", "caption_entities", MAX_CAPTION)
        inline, _ = self._markup(p)
        reply_to = self._reply_to(p, chat)
        self._flood(chat.id, p)
        if isinstance(source, UploadedFile):
            sizes = self.state.files.add_photo(source.data)
        else:
            sizes = self.state.files.photo_ladder(source.file_id) or [source]
        return self._new_bot_message(
            chat,
            p,
            photo_sizes=sizes,
            caption=caption,
            caption_entities=caption_entities,
            markup=inline,
            reply_to=reply_to,
        )

    @api_method("sendDocument")
    def send_document(self, p: Params) -> JsonDict:
        chat = self._chat(p)
        source = self._input_file(p, "document", "document")
        caption, caption_entities = self._formatted(p, "caption", "caption_entities", MAX_CAPTION)
        inline, _ = self._markup(p)
        reply_to = self._reply_to(p, chat)
        self._flood(chat.id, p)
        if isinstance(source, UploadedFile):
            document = self.state.files.add(
                "document",
                source.data,
                filename=source.filename or "file",
                mime_type=guess_mime_type(source.filename, source.content_type),
            )
        else:
            document = source
        return self._new_bot_message(
            chat,
            p,
            document=document,
            caption=caption,
            caption_entities=caption_entities,
            markup=inline,
            reply_to=reply_to,
        )

    @api_method("editMessageText")
    def edit_message_text(self, p: Params) -> JsonDict:
        chat, message = self._message_to_edit(p)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities = self._text(p)
        inline, _ = self._markup(p, inline_only=True)
        if text == message.text and entities == message.entities and inline == message.markup:
            raise bad_request(errors.NOT_MODIFIED)
        self._flood(chat.id)
        message.text, message.entities, message.markup = text, entities, inline
        return self._mark_edited(chat, message)

    @api_method("editMessageCaption")
    def edit_message_caption(self, p: Params) -> JsonDict:
        chat, message = self._message_to_edit(p)
        if message.text is not None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._formatted(p, "caption", "caption_entities", MAX_CAPTION)
        inline, _ = self._markup(p, inline_only=True)
        if (
            caption == message.caption
            and entities == message.caption_entities
            and inline == message.markup
        ):
            raise bad_request(errors.NOT_MODIFIED)
        self._flood(chat.id)
        message.caption, message.caption_entities, message.markup = caption, entities, inline
        return self._mark_edited(chat, message)

    @api_method("editMessageReplyMarkup")
    def edit_message_reply_markup(self, p: Params) -> JsonDict:
        chat, message = self._message_to_edit(p)
        inline, _ = self._markup(p, inline_only=True)
        if inline == message.markup:
            raise bad_request(errors.NOT_MODIFIED)
        self._flood(chat.id)
        message.markup = inline
        return self._mark_edited(chat, message)

    @api_method("deleteMessage")
    def delete_message(self, p: Params) -> bool:
        chat = self._chat(p, sending=False)
        message = chat.live(p.require_int("message_id"))
        if message is None:
            raise bad_request(errors.DELETE_NOT_FOUND)
        message.deleted = True
        self.state.notify()
        return True

    @api_method("deleteMessages")
    def delete_messages(self, p: Params) -> bool:
        chat = self._chat(p, sending=False)
        ids = p.get_json("message_ids")
        if not isinstance(ids, list) or not 1 <= len(ids) <= 100:
            raise bad_request("message_ids must be a non-empty list of at most 100 ids")
        for message_id in ids:
            message = chat.live(int(message_id))
            if message is not None:
                message.deleted = True
        self.state.notify()
        return True

    @api_method("answerCallbackQuery")
    def answer_callback_query(self, p: Params) -> bool:
        query_id = p.require_str("callback_query_id")
        query = self.state.callback_queries.get(query_id)
        expired = (
            query is not None
            and self.callback_query_ttl is not None
            and self.state.clock() - query.created > self.callback_query_ttl
        )
        if query is None or query.answered or expired:
            raise bad_request(errors.QUERY_INVALID)
        text = p.get_str("text")
        if text is not None and len(text) > MAX_ANSWER_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        chat = self.state.chat_for(query.chat_id)
        chat.answers.append(CallbackAnswer(query_id, text or None, p.get_bool("show_alert")))
        chat.answer_seqs.append(self.state.next_seq())
        chat.bot_acted.notify()
        self.state.notify()
        return True

    @api_method("sendChatAction")
    def send_chat_action(self, p: Params) -> bool:
        chat = self._chat(p)
        action = p.require_str("action")
        if action not in CHAT_ACTIONS:
            raise bad_request("wrong parameter action in request")
        chat.actions.append(action)
        self.state.notify()
        return True

    # -- files ------------------------------------------------------------------------------

    @api_method("getFile")
    def get_file(self, p: Params) -> JsonDict:
        stored = self.state.files.get(p.require_str("file_id"))
        if stored is None:
            raise bad_request("invalid file_id")
        if stored.size > MAX_DOWNLOAD_BYTES:
            raise bad_request("file is too big")
        return stored.file_object()

    # -- chats ------------------------------------------------------------------------------

    @api_method("getChat")
    def get_chat(self, p: Params) -> JsonDict:
        chat = self._chat(p, sending=False)
        return {
            **chat.user.chat_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
            },
        }

    @api_method("setChatMenuButton")
    def set_chat_menu_button(self, p: Params) -> bool:
        button = p.get_object("menu_button") or {"type": "default"}
        if "chat_id" in p:
            self._chat(p, sending=False).menu_button = button
        else:
            self.state.menu_button = button
        return True

    @api_method("getChatMenuButton")
    def get_chat_menu_button(self, p: Params) -> JsonDict:
        if "chat_id" in p:
            chat = self._chat(p, sending=False)
            if chat.menu_button is not None:
                return chat.menu_button
        return self.state.menu_button or {"type": "default"}

    # -- commands and profile texts -----------------------------------------------------------

    @api_method("setMyCommands")
    def set_my_commands(self, p: Params) -> bool:
        commands = p.get_json("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad_request("commands must be a list of at most 100 commands")
        cleaned: list[JsonDict] = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand")
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not _COMMAND_RE.fullmatch(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("command description must be 1-256 characters long")
            cleaned.append({"command": command, "description": description})
        self.state.commands[self._command_key(p)] = cleaned
        return True

    @api_method("getMyCommands")
    def get_my_commands(self, p: Params) -> list[JsonDict]:
        return list(self.state.commands.get(self._command_key(p), []))

    @api_method("deleteMyCommands")
    def delete_my_commands(self, p: Params) -> bool:
        self.state.commands.pop(self._command_key(p), None)
        return True

    def _command_key(self, p: Params) -> tuple[str, str]:
        scope = p.get_object("scope")
        if scope is not None and scope.get("type") not in COMMAND_SCOPES:
            raise bad_request("wrong parameter scope in request")
        language = p.get_str("language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad_request("invalid language code specified")
        return self.state.scope_key(scope, language)

    def _set_text(self, p: Params, kind: str, limit: int) -> bool:
        value = p.get_str(kind) or ""
        if len(value) > limit:
            raise bad_request(f"{kind} is too long")
        self.state.texts.setdefault(kind, {})[p.get_str("language_code") or ""] = value
        return True

    def _get_text(self, p: Params, kind: str) -> JsonDict:
        texts = self.state.texts.get(kind, {})
        language = p.get_str("language_code") or ""
        value = texts.get(language) or texts.get("", "")
        if kind == "name" and not value:
            value = self.state.bot.first_name
        return {kind: value}

    @api_method("setMyDescription")
    def set_my_description(self, p: Params) -> bool:
        return self._set_text(p, "description", 512)

    @api_method("getMyDescription")
    def get_my_description(self, p: Params) -> JsonDict:
        return self._get_text(p, "description")

    @api_method("setMyShortDescription")
    def set_my_short_description(self, p: Params) -> bool:
        return self._set_text(p, "short_description", 120)

    @api_method("getMyShortDescription")
    def get_my_short_description(self, p: Params) -> JsonDict:
        return self._get_text(p, "short_description")

    @api_method("setMyName")
    def set_my_name(self, p: Params) -> bool:
        return self._set_text(p, "name", 64)

    @api_method("getMyName")
    def get_my_name(self, p: Params) -> JsonDict:
        return self._get_text(p, "name")


def _validate_inline(markup: JsonDict) -> JsonDict | None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not str(button.get("text", "")):
                raise bad_request("BUTTON_TEXT_INVALID")
            if "callback_data" in button:
                data = button["callback_data"]
                size = len(str(data).encode("utf-8"))
                if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA:
                    raise bad_request(errors.BUTTON_DATA_INVALID)
            elif "url" in button:
                if not str(button["url"]).startswith(("http://", "https://", "tg://")):
                    raise bad_request(
                        f"inline keyboard button URL '{button['url']}' is invalid: Wrong HTTP URL"
                    )
            elif not any(key in button for key in _OTHER_BUTTON_KINDS):
                raise bad_request("text buttons are unallowed in the inline keyboard")
    # An empty keyboard is no keyboard: sending one removes the current keyboard.
    return {"inline_keyboard": rows} if any(rows) else None


_OTHER_BUTTON_KINDS = (
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
