"""An interactive chat on the terminal: type as one emulated user, see the bot's messages.

Lines are sent as messages; `!N` presses button N of the last bot message; `!block`,
`!unblock`, `!stats` and `!help` do what they say.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from emulator.emulator import BotApiEmulator
from emulator.state import ChatMessage
from emulator.users import EmulatedUser

HELP = "Type a message, !N to press button N, !block, !unblock, !stats, !help; Ctrl-D quits."


def render(message: ChatMessage, number: int = 0) -> str:
    lines = [f"bot #{message.message_id}" + (" (edited)" if message.edits else "") + ":"]
    if message.photo_sizes:
        size = message.photo_sizes[-1]
        lines.append(f"  [photo {size.width}x{size.height}, {size.size} bytes]")
    if message.document is not None:
        lines.append(f"  [document {message.document.filename}, {message.document.size} bytes]")
    lines.extend(f"  {line}" for line in message.content.splitlines() or [""])
    for row in message.reply_markup:
        cells = []
        for button in row:
            number += 1
            cells.append(f"[{number}] {button.text}")
        lines.append("  " + "   ".join(cells))
    return "\n".join(lines)


class Console:
    def __init__(self, emu: BotApiEmulator, user: EmulatedUser, out: TextIO = sys.stdout) -> None:
        self.emu = emu
        self.user = user
        self.out = out
        self._seen: dict[int, tuple[int, bool]] = {}
        self._answers_shown = 0

    async def run(self) -> None:
        self.out.write(HELP + "\n")
        self.out.flush()
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def on_input() -> None:
            line = sys.stdin.readline()
            lines.put_nowait(line if line else None)

        loop.add_reader(sys.stdin.fileno(), on_input)
        watcher = asyncio.create_task(self._watch())
        try:
            while (line := await lines.get()) is not None:
                await self.handle(line.rstrip("\n"))
        finally:
            loop.remove_reader(sys.stdin.fileno())
            watcher.cancel()

    async def handle(self, line: str) -> None:
        if not line.strip():
            return
        try:
            if line == "!help":
                self.out.write(HELP + "\n")
            elif line == "!block":
                self.user.block()
            elif line == "!unblock":
                self.user.unblock()
            elif line == "!stats":
                self.out.write(f"{self.emu.stats.as_dict()}\n")
            elif line.startswith("!") and line[1:].isdigit():
                await self._press(int(line[1:]))
            else:
                await self.user.send(line)
        except (LookupError, ValueError, RuntimeError) as exc:
            self.out.write(f"! {exc}\n")
        self.out.flush()

    async def _press(self, number: int) -> None:
        last = self.user.last_message
        buttons = last.buttons if last else []
        if not 1 <= number <= len(buttons):
            raise LookupError(f"no button {number} in the last message")
        button = buttons[number - 1]
        if button.url:
            self.out.write(f"(opens {button.url})\n")
            return
        await self.user.press(button)

    async def _watch(self) -> None:
        while True:
            for message in self.user.messages:
                state = (message.edits, message.deleted)
                if self._seen.get(message.message_id) != state:
                    self._seen[message.message_id] = state
                    self.out.write(render(message) + "\n")
            answers = self.user.answers
            for answer in answers[self._answers_shown :]:
                if answer.text:
                    kind = "alert" if answer.show_alert else "toast"
                    self.out.write(f"  ({kind}: {answer.text})\n")
            self._answers_shown = len(answers)
            self.out.flush()
            await self.emu.state.changed.wait(1.0)
