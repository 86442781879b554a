"""What the emulated Telegram knows: the bot, users and their private chats, messages,
pending updates, callback queries, commands and the webhook.

Everything here is plain synchronous data manipulated from one asyncio loop; the HTTP layer
and the test-side API both work on it.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import json
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from emulator.media import FileStore, StoredFile
from emulator.stats import EmulatorStats

JsonDict = dict[str, Any]

# Telegram's default when allowed_updates was never given: everything but these.
_NOT_DEFAULT_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class Signal:
    """Wakes every waiter whenever something changed; waiters re-check their own condition."""

    def __init__(self) -> None:
        self._event = asyncio.Event()
        self.notified_at = 0.0  # time.perf_counter() of the last notify

    def notify(self) -> None:
        self.notified_at = time.perf_counter()
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Return on the next notify, or after `seconds`, whichever comes first."""
        event = self._event
        # Not asyncio.wait_for: on 3.11 it can swallow a cancellation that arrives just as the
        # event is set, and a stopping emulator would then wait for the full timeout.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(0.0, seconds)):
                await event.wait()


@dataclass
class BotProfile:
    id: int
    username: str
    first_name: str
    can_join_groups: bool = True
    can_read_all_group_messages: bool = False
    supports_inline_queries: bool = False

    def user_dict(self) -> JsonDict:
        return {
            "id": self.id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def get_me(self) -> JsonDict:
        return {
            **self.user_dict(),
            "can_join_groups": self.can_join_groups,
            "can_read_all_group_messages": self.can_read_all_group_messages,
            "supports_inline_queries": self.supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }


@dataclass
class UserProfile:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def user_dict(self) -> JsonDict:
        result: JsonDict = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            result["last_name"] = self.last_name
        if self.username:
            result["username"] = self.username
        if self.language_code:
            result["language_code"] = self.language_code
        return result

    def chat_dict(self) -> JsonDict:
        result: JsonDict = {"id": self.id, "first_name": self.first_name}
        if self.last_name:
            result["last_name"] = self.last_name
        if self.username:
            result["username"] = self.username
        result["type"] = "private"
        return result


@dataclass(frozen=True)
class InlineButton:
    """One button of an inline keyboard, as the user sees it."""

    text: str
    callback_data: str | None
    url: str | None
    message_id: int
    row: int
    column: int
    raw: JsonDict = field(compare=False, repr=False)


class CallbackAnswer(NamedTuple):
    callback_query_id: str
    text: str | None
    show_alert: bool


@dataclass(eq=False)
class ChatMessage:
    """A message in a private chat, kept current through edits (the live object)."""

    message_id: int
    chat_id: int
    date: int
    from_bot: bool
    sender: JsonDict
    text: str | None = None
    entities: list[JsonDict] = field(default_factory=list)
    caption: str | None = None
    caption_entities: list[JsonDict] = field(default_factory=list)
    markup: JsonDict | None = None
    photo_sizes: list[StoredFile] = field(default_factory=list)
    document: StoredFile | None = None
    reply_to: ChatMessage | None = None
    edit_seqs: list[int] = field(default_factory=list)
    edit_date: int | None = None
    deleted: bool = False
    seq: int = 0
    options: JsonDict = field(default_factory=dict)

    @property
    def edits(self) -> int:
        return len(self.edit_seqs)

    @property
    def photo(self) -> bytes | None:
        """The bytes of the photo as uploaded (its largest size)."""
        return self.photo_sizes[-1].data if self.photo_sizes else None

    @property
    def reply_markup(self) -> list[list[InlineButton]]:
        """The inline keyboard as rows of buttons; an empty list when there is none."""
        if not self.markup:
            return []
        rows = self.markup.get("inline_keyboard", [])
        return [
            [
                InlineButton(
                    text=str(button.get("text", "")),
                    callback_data=button.get("callback_data"),
                    url=button.get("url"),
                    message_id=self.message_id,
                    row=r,
                    column=c,
                    raw=button,
                )
                for c, button in enumerate(row)
            ]
            for r, row in enumerate(rows)
        ]

    @property
    def buttons(self) -> list[InlineButton]:
        return [button for row in self.reply_markup for button in row]

    def button(self, text_prefix: str) -> InlineButton:
        """The first inline button whose text starts with text_prefix."""
        for button in self.buttons:
            if button.text.startswith(text_prefix):
                return button
        labels = [button.text for button in self.buttons]
        raise LookupError(
            f"no button starting with {text_prefix!r} in message {self.message_id}; "
            f"buttons: {labels}"
        )

    @property
    def content(self) -> str:
        """Text or caption, whichever the message has."""
        return self.text if self.text is not None else (self.caption or "")

    def to_api(self, chat: JsonDict, *, with_reply: bool = True) -> JsonDict:
        result: JsonDict = {
            "message_id": self.message_id,
            "from": self.sender,
            "chat": chat,
            "date": self.date,
        }
        if self.edit_date is not None:
            result["edit_date"] = self.edit_date
        if with_reply and self.reply_to is not None and not self.reply_to.deleted:
            result["reply_to_message"] = self.reply_to.to_api(chat, with_reply=False)
        if self.text is not None:
            result["text"] = self.text
            if self.entities:
                result["entities"] = self.entities
        if self.photo_sizes:
            result["photo"] = [size.photo_size() for size in self.photo_sizes]
        if self.document is not None:
            result["document"] = self.document.document()
        if self.caption is not None:
            result["caption"] = self.caption
            if self.caption_entities:
                result["caption_entities"] = self.caption_entities
        if self.markup:
            result["reply_markup"] = self.markup
        if self.options.get("has_protected_content"):
            result["has_protected_content"] = True
        return result

    def __repr__(self) -> str:
        who = "bot" if self.from_bot else "user"
        body = self.text if self.text is not None else f"[media] {self.caption or ''}"
        extra = f", edits={self.edits}" if self.edits else ""
        extra += ", deleted" if self.deleted else ""
        return f"<ChatMessage {self.message_id} from {who}: {body!r}{extra}>"


@dataclass
class ChatState:
    """A private chat between the bot and one user."""

    user: UserProfile
    started: bool = False
    blocked: bool = False
    history: list[ChatMessage] = field(default_factory=list)
    by_id: dict[int, ChatMessage] = field(default_factory=dict)
    next_message_id: int = 1
    actions: list[str] = field(default_factory=list)
    answers: list[CallbackAnswer] = field(default_factory=list)
    answer_seqs: list[int] = field(default_factory=list)
    reply_keyboard: JsonDict | None = None
    menu_button: JsonDict | None = None
    # Notified on every bot action in this chat: lets a driver of many users wait on one chat.
    bot_acted: Signal = field(default_factory=Signal, repr=False, compare=False)

    @property
    def id(self) -> int:
        return self.user.id

    def add(self, message: ChatMessage) -> ChatMessage:
        self.history.append(message)
        self.by_id[message.message_id] = message
        return message

    def allocate_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.history if m.from_bot and not m.deleted]

    def live(self, message_id: int) -> ChatMessage | None:
        message = self.by_id.get(message_id)
        return None if message is None or message.deleted else message


@dataclass(eq=False)
class Update:
    update_id: int
    kind: str
    payload: JsonDict
    # Telegram keeps each chat's updates in order; updates of different chats are independent.
    chat_id: int | None = None
    # No longer pending: acknowledged by a webhook, confirmed by getUpdates, dropped or cleared.
    done: bool = False

    def to_api(self) -> JsonDict:
        return {"update_id": self.update_id, self.kind: self.payload}


def ordering_chat(payload: JsonDict) -> int | None:
    """The chat whose order an update belongs to (its sender's id for updates without a chat)."""
    for holder in (payload, payload.get("message")):
        chat = holder.get("chat") if isinstance(holder, dict) else None
        if isinstance(chat, dict) and isinstance(chat.get("id"), int):
            return int(chat["id"])
    sender = payload.get("from")
    if isinstance(sender, dict) and isinstance(sender.get("id"), int):
        return int(sender["id"])
    return None


class UpdateQueue:
    """Updates not yet confirmed by the bot, oldest first.

    A webhook acknowledges updates out of order (chats are delivered in parallel): such an
    update is marked done where it stands and swept out once everything before it is gone.
    """

    def __init__(self, first_update_id: int = 1) -> None:
        self._next_id = first_update_id
        self._pending: deque[Update] = deque()
        self._done_inside = 0  # done updates still in _pending, behind a pending one
        self.allowed: frozenset[str] | None = None

    def __len__(self) -> int:
        return len(self._pending) - self._done_inside

    def __iter__(self) -> Iterator[Update]:
        return (update for update in self._pending if not update.done)

    def accepts(self, kind: str) -> bool:
        if self.allowed is None:
            return kind not in _NOT_DEFAULT_UPDATES
        return kind in self.allowed

    def push(self, kind: str, payload: JsonDict) -> Update | None:
        """Queue an update, unless the bot's allowed_updates exclude its type."""
        if not self.accepts(kind):
            return None
        update = Update(self._next_id, kind, payload, chat_id=ordering_chat(payload))
        self._next_id += 1
        self._pending.append(update)
        return update

    def confirm(self, offset: int) -> None:
        """Apply getUpdates' offset: drop what is below it; a negative offset keeps the last N."""
        if offset < 0:
            while len(self) > -offset:
                self._pop_oldest()
            return
        while self._pending and self._pending[0].update_id < offset:
            self._pop_oldest()

    def remove(self, update: Update) -> bool:
        """Take one update out wherever it stands; False when it was no longer pending."""
        if update.done:
            return False
        update.done = True
        self._done_inside += 1
        self._sweep()
        return True

    def since(self, update_id: int) -> list[Update]:
        """Pending updates newer than update_id, oldest first."""
        newer: list[Update] = []
        for update in reversed(self._pending):
            if update.update_id <= update_id:
                break
            if not update.done:
                newer.append(update)
        newer.reverse()
        return newer

    def peek(self, limit: int) -> list[Update]:
        return list(itertools.islice(iter(self), limit))

    def clear(self) -> None:
        for update in self._pending:
            update.done = True
        self._pending.clear()
        self._done_inside = 0

    def _pop_oldest(self) -> None:
        """The front is always pending (see _sweep); retire it."""
        self._pending.popleft().done = True
        self._sweep()

    def _sweep(self) -> None:
        while self._pending and self._pending[0].done:
            self._pending.popleft()
            self._done_inside -= 1


@dataclass
class CallbackQuery:
    id: str
    chat_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


@dataclass
class WebhookConfig:
    url: str
    secret_token: str | None = None
    max_connections: int = 40
    ip_address: str | None = None
    allowed_updates: list[str] | None = None
    last_error_date: int | None = None
    last_error_message: str | None = None

    def info(self, pending: int) -> JsonDict:
        result: JsonDict = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
            "max_connections": self.max_connections,
        }
        if self.ip_address:
            result["ip_address"] = self.ip_address
        if self.allowed_updates is not None:
            result["allowed_updates"] = self.allowed_updates
        if self.last_error_date is not None:
            result["last_error_date"] = self.last_error_date
            result["last_error_message"] = self.last_error_message
        return result


class EmulatorState:
    """All the emulated Telegram data of one bot."""

    def __init__(
        self, bot: BotProfile, clock: Callable[[], float], stats: EmulatorStats | None = None
    ) -> None:
        self.bot = bot
        self.clock = clock
        self.stats = stats or EmulatorStats()
        self.files = FileStore(bot.id)
        self.users: dict[int, UserProfile] = {}
        self.chats: dict[int, ChatState] = {}
        self.updates = UpdateQueue()
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.commands: dict[tuple[str, str], list[JsonDict]] = {}
        self.webhook: WebhookConfig | None = None
        self.texts: dict[str, dict[str, str]] = {}
        self.menu_button: JsonDict | None = None
        self.changed = Signal()
        self.updates_changed = Signal()
        self._seq = itertools.count(1)
        self._query_seq = itertools.count(1)

    def now(self) -> int:
        return int(self.clock())

    def next_seq(self) -> int:
        return next(self._seq)

    def notify(self) -> None:
        self.changed.notify()

    # -- users and chats ------------------------------------------------------------------

    def chat_for(self, user_id: int) -> ChatState:
        chat = self.chats.get(user_id)
        if chat is None:
            chat = ChatState(self.users[user_id])
            self.chats[user_id] = chat
        return chat

    def chat_instance(self, chat_id: int) -> str:
        digest = hashlib.sha256(f"{self.bot.id}:{chat_id}".encode()).digest()
        return str(int.from_bytes(digest[:8], "big", signed=True))

    # -- updates ------------------------------------------------------------------------

    def push_update(self, kind: str, payload: JsonDict) -> Update | None:
        update = self.updates.push(kind, payload)
        if update is not None:
            self.stats.updates_queued += 1
            self.updates_changed.notify()
        self.notify()
        return update

    def user_message(
        self,
        user_id: int,
        text: str,
        *,
        entities: list[JsonDict],
        reply_to: ChatMessage | None = None,
    ) -> tuple[ChatMessage, Update | None]:
        chat = self.chat_for(user_id)
        chat.started = True
        message = chat.add(
            ChatMessage(
                message_id=chat.allocate_id(),
                chat_id=chat.id,
                date=self.now(),
                from_bot=False,
                sender=chat.user.user_dict(),
                text=text,
                entities=entities,
                reply_to=reply_to,
                seq=self.next_seq(),
            )
        )
        update = self.push_update("message", message.to_api(chat.user.chat_dict()))
        return message, update

    def press(self, user_id: int, message: ChatMessage, data: str) -> CallbackQuery:
        chat = self.chat_for(user_id)
        query = CallbackQuery(
            id=str(4_000_000_000_000_000_000 + next(self._query_seq) * 1_000_003 + user_id),
            chat_id=chat.id,
            message_id=message.message_id,
            data=data,
            created=self.clock(),
        )
        self.callback_queries[query.id] = query
        self.push_update(
            "callback_query",
            {
                "id": query.id,
                "from": chat.user.user_dict(),
                "message": message.to_api(chat.user.chat_dict()),
                "chat_instance": self.chat_instance(chat.id),
                "data": data,
            },
        )
        return query

    def membership_change(self, user_id: int, *, blocked: bool) -> None:
        chat = self.chat_for(user_id)
        member = {"status": "member", "user": self.bot.user_dict()}
        kicked = {"status": "kicked", "user": self.bot.user_dict(), "until_date": 0}
        self.push_update(
            "my_chat_member",
            {
                "chat": chat.user.chat_dict(),
                "from": chat.user.user_dict(),
                "date": self.now(),
                "old_chat_member": member if blocked else kicked,
                "new_chat_member": kicked if blocked else member,
            },
        )

    # -- commands -----------------------------------------------------------------------

    @staticmethod
    def scope_key(scope: JsonDict | None, language_code: str | None) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), language_code or ""
