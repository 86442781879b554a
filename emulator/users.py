"""The test side: emulated users who write to the bot, press its buttons, and watch the chat.

Waiting helpers work relative to the user's last action (send, press): `wait_for_message`
returns the bot's messages that arrived since, one call per message, and `wait_for_edit`
an edit made since. So `send -> wait_for_message -> press -> wait_for_edit` reads top-down
without counting messages by hand.
"""

# The test-side API takes plain `timeout=` seconds on purpose: tests read better that way.
# ruff: noqa: ASYNC109

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import parse_qs, urlsplit

from emulator.formatting import command_entities
from emulator.state import (
    CallbackAnswer,
    ChatMessage,
    ChatState,
    InlineButton,
    JsonDict,
    UserProfile,
)

if TYPE_CHECKING:
    from emulator.emulator import BotApiEmulator

T = TypeVar("T")

_PAYLOAD_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")


class EmulatedUser:
    """A Telegram user in a private chat with the bot (chat id == user id)."""

    def __init__(self, emulator: BotApiEmulator, profile: UserProfile) -> None:
        self._emu = emulator
        self.profile = profile
        self._message_cursor = 0
        self._action_seq = 0
        self._edits_taken: dict[int, int] = {}
        self._answer_cursor = 0
        self._pressed: set[str] = set()  # the callback queries of the last action

    def __repr__(self) -> str:
        return f"<EmulatedUser {self.id} {self.profile.first_name!r}>"

    @property
    def id(self) -> int:
        return self.profile.id

    @property
    def chat(self) -> ChatState:
        return self._emu.state.chat_for(self.id)

    # -- what the user sees ----------------------------------------------------------------

    @property
    def messages(self) -> list[ChatMessage]:
        """The bot's messages in this chat, current state, deleted ones left out."""
        return self.chat.bot_messages()

    @property
    def last_message(self) -> ChatMessage | None:
        messages = self.messages
        return messages[-1] if messages else None

    @property
    def sent(self) -> list[ChatMessage]:
        """The user's own messages."""
        return [m for m in self.chat.history if not m.from_bot]

    @property
    def history(self) -> list[ChatMessage]:
        """Every message of the chat in order, both sides, deleted ones included."""
        return list(self.chat.history)

    @property
    def answers(self) -> list[CallbackAnswer]:
        """Callback query answers: (callback_query_id, text, show_alert)."""
        return list(self.chat.answers)

    @property
    def actions(self) -> list[str]:
        """Chat actions (typing ...) the bot sent, in order."""
        return list(self.chat.actions)

    @property
    def keyboard(self) -> list[list[str]]:
        """The reply keyboard currently shown, as rows of button texts."""
        markup = self.chat.reply_keyboard
        if not markup:
            return []
        return [
            [button if isinstance(button, str) else str(button.get("text", "")) for button in row]
            for row in markup.get("keyboard", [])
        ]

    @property
    def blocked(self) -> bool:
        return self.chat.blocked

    def button(self, text_prefix: str, message: ChatMessage | None = None) -> InlineButton:
        """The inline button whose text starts with text_prefix, in the last bot message."""
        target = message or self.last_message
        if target is None:
            raise LookupError(f"the bot has sent no message to user {self.id}")
        return target.button(text_prefix)

    # -- actions ----------------------------------------------------------------------------

    async def send(
        self,
        text: str,
        *,
        reply_to: ChatMessage | None = None,
        entities: list[JsonDict] | None = None,
    ) -> ChatMessage:
        """Write to the bot; commands get bot_command entities like Telegram sets them."""
        self._require_unblocked()
        self._mark_action()
        message, _ = self._emu.state.user_message(
            self.id,
            text,
            entities=command_entities(text) if entities is None else entities,
            reply_to=reply_to,
        )
        return message

    async def start(self, payload: str | None = None) -> ChatMessage:
        """Press Start, optionally through a deep link carrying `payload`."""
        if payload is not None and not _PAYLOAD_RE.fullmatch(payload):
            raise ValueError(
                f"Telegram would not pass {payload!r} as a start payload: "
                "use 1-64 characters of A-Z a-z 0-9 _ -"
            )
        return await self.send("/start" if payload is None else f"/start {payload}")

    async def open_link(self, link: str) -> ChatMessage:
        """Follow a t.me deep link to this bot, as a Telegram client would."""
        parts = urlsplit(link if "://" in link else f"https://{link}")
        username = parts.path.strip("/")
        if parts.hostname not in ("t.me", "telegram.me") or not username:
            raise ValueError(f"not a t.me link: {link!r}")
        if username.lower() != self._emu.bot.username.lower():
            raise ValueError(f"link points to @{username}, not to @{self._emu.bot.username}")
        payload = parse_qs(parts.query).get("start", [None])[0]
        return await self.start(payload)

    async def press(
        self,
        target: ChatMessage | InlineButton | int | str,
        data: str | None = None,
        *,
        force: bool = False,
    ) -> str:
        """Press an inline button and return the callback query id.

        `target` is a message (with `data`, the button's callback_data), a message id, an
        InlineButton, or a text prefix of a button in the last bot message. Unless `force`,
        the button must be present in the message's current keyboard, as in a real client.
        """
        self._require_unblocked()
        if isinstance(target, str):
            return await self.click(target)
        if isinstance(target, InlineButton):
            if target.callback_data is None:
                raise ValueError(f"button {target.text!r} has no callback_data to send")
            message = self._own_message(target.message_id)
            data = target.callback_data
        else:
            message_id = target if isinstance(target, int) else target.message_id
            message = self._own_message(message_id)
        if data is None:
            raise ValueError("press(message, data): the callback data is missing")
        if not force and data not in {b.callback_data for b in message.buttons}:
            shown = [(b.text, b.callback_data) for b in message.buttons]
            raise LookupError(
                f"message {message.message_id} has no button with callback_data {data!r} "
                f"now; its buttons: {shown}"
            )
        self._mark_action()
        query = self._emu.state.press(self.id, message, data).id
        self._pressed = {query}
        return query

    async def click(self, text_prefix: str, *, message: ChatMessage | None = None) -> str:
        """Press the button whose text starts with text_prefix (in the last bot message)."""
        return await self.press(self.button(text_prefix, message))

    def block(self) -> None:
        """Block the bot: from now on every send to this user answers 403."""
        chat = self.chat
        if chat.blocked:
            return
        chat.blocked = True
        if chat.started and self._emu.membership_updates:
            self._emu.state.membership_change(self.id, blocked=True)
        self._emu.state.notify()

    def unblock(self) -> None:
        chat = self.chat
        if not chat.blocked:
            return
        chat.blocked = False
        if chat.started and self._emu.membership_updates:
            self._emu.state.membership_change(self.id, blocked=False)
        self._emu.state.notify()

    # -- waiting ----------------------------------------------------------------------------

    async def wait_for_message(self, count: int = 1, timeout: float = 5.0) -> ChatMessage:
        """The `count`-th new bot message since the last one taken (or the last action)."""
        return (await self.wait_for_messages(count, timeout))[-1]

    async def wait_for_messages(self, count: int, timeout: float = 5.0) -> list[ChatMessage]:
        """The next `count` new bot messages, oldest first."""
        if count < 1:
            raise ValueError("count must be at least 1")
        start = self._message_cursor

        def arrived() -> bool:
            return len(self._all_bot_messages()) >= start + count

        await self._wait(
            arrived,
            timeout,
            lambda: (
                f"{count} new bot message(s) for user {self.id} "
                f"(got {len(self._all_bot_messages()) - start})"
            ),
        )
        self._message_cursor = start + count
        return self._all_bot_messages()[start : start + count]

    async def wait_for_edit(
        self, message: ChatMessage, count: int = 1, timeout: float = 5.0
    ) -> ChatMessage:
        """Wait until the bot edits `message` (`count` times) after the last action."""
        baseline = max(self._action_seq, self._edits_taken.get(message.message_id, 0))

        def new_edits() -> list[int]:
            return [seq for seq in message.edit_seqs if seq > baseline]

        await self._wait(
            lambda: len(new_edits()) >= count,
            timeout,
            lambda: (
                f"{count} edit(s) of message {message.message_id} for user {self.id} "
                f"(got {len(new_edits())}); it is now {message!r}"
            ),
        )
        self._edits_taken[message.message_id] = new_edits()[count - 1]
        return message

    async def wait_for_answer(self, timeout: float = 5.0) -> CallbackAnswer:
        """The next callback query answer since the last one taken (or the last action); after
        a press, the next answer to that press: one to an earlier press that comes late (the
        bot answers a press after showing what it leads to) is not it."""

        def after_next() -> int | None:  # the next one's index + 1 (never 0, which is falsy)
            answers = self.chat.answers
            for index in range(self._answer_cursor, len(answers)):
                if not self._pressed or answers[index].callback_query_id in self._pressed:
                    return index + 1
            return None

        self._answer_cursor = await self._wait(
            after_next, timeout, f"an answerCallbackQuery for user {self.id}"
        )
        return self.chat.answers[self._answer_cursor - 1]

    async def wait_for_response(self, timeout: float = 5.0) -> ChatMessage:
        """Whichever comes first since the last action: a new bot message or an edit."""

        def response() -> ChatMessage | None:
            fresh = self._all_bot_messages()[self._message_cursor :]
            candidates = [(m.seq, m) for m in fresh[:1]]
            for message in self._all_bot_messages():
                taken = max(self._action_seq, self._edits_taken.get(message.message_id, 0))
                later = [seq for seq in message.edit_seqs if seq > taken]
                if later:
                    candidates.append((later[0], message))
            return min(candidates, key=lambda pair: pair[0])[1] if candidates else None

        message = await self._wait(response, timeout, f"a reply or an edit for user {self.id}")
        if message in self._all_bot_messages()[self._message_cursor :]:
            self._message_cursor += 1
        else:
            taken = max(self._action_seq, self._edits_taken.get(message.message_id, 0))
            self._edits_taken[message.message_id] = min(s for s in message.edit_seqs if s > taken)
        return message

    async def wait_for_text(self, fragment: str, timeout: float = 5.0) -> ChatMessage:
        """Wait until a current bot message contains `fragment` in its text or caption."""

        def found() -> ChatMessage | None:
            for message in reversed(self.messages):
                if fragment in message.content:
                    return message
            return None

        return await self._wait(found, timeout, f"a bot message containing {fragment!r}")

    # -- internals --------------------------------------------------------------------------

    def _all_bot_messages(self) -> list[ChatMessage]:
        return [m for m in self.chat.history if m.from_bot]

    def _mark_action(self) -> None:
        self._message_cursor = len(self._all_bot_messages())
        self._action_seq = self._emu.state.next_seq()
        self._answer_cursor = len(self.chat.answers)
        self._pressed = set()

    def _own_message(self, message_id: int) -> ChatMessage:
        message = self.chat.live(message_id)
        if message is None or not message.from_bot:
            raise LookupError(f"no bot message {message_id} in the chat of user {self.id}")
        return message

    def _require_unblocked(self) -> None:
        if self.chat.blocked:
            raise RuntimeError(f"user {self.id} has blocked the bot; call unblock() first")

    async def _wait(
        self, predicate: Callable[[], T | None], timeout: float, what: str | Callable[[], str]
    ) -> T:
        def describe() -> str:
            return what() if callable(what) else what

        try:
            return await self._emu.wait_for(predicate, timeout, describe)
        except TimeoutError:
            raise TimeoutError(
                self._emu.explain_timeout(timeout, describe(), chat_id=self.id)
            ) from None
