"""Run the emulator standalone: `python -m emulator --port 8081 --token 123:ABC`.

The first line on stdout is the base_url to give the bot (PTB's `base_url`); the file URL and
the control API are printed to stderr. With `--chat USER_ID` the terminal becomes that user's
chat with the bot.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys

from emulator.balancer import POLICIES, check_worker_url
from emulator.console import Console
from emulator.emulator import BotApiEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to bind")
    parser.add_argument("--port", type=int, default=8081, help="0 picks a free port")
    parser.add_argument("--token", default="123456:TEST")
    parser.add_argument("--username", default="emulated_bot")
    parser.add_argument("--first-name", default=None)
    parser.add_argument("--rate-limit", type=int, default=None, help="messages/s for the bot")
    parser.add_argument("--per-chat-rate-limit", type=int, default=None, help="messages/s/chat")
    parser.add_argument(
        "--webhook-worker",
        action="append",
        default=[],
        metavar="URL",
        type=_worker_url,
        help="a worker behind the webhook URL, as a load balancer sees it (repeat for each)",
    )
    parser.add_argument(
        "--webhook-policy",
        choices=POLICIES,
        default="round_robin",
        help="how the load balancer picks a worker for each delivery",
    )
    parser.add_argument("--no-request-log", action="store_true", help="for long benchmarks")
    parser.add_argument("--chat", type=int, default=None, metavar="USER_ID")
    parser.add_argument("--first-name-user", default="Demo", help="name of the --chat user")
    parser.add_argument("--language", default=None, help="language_code of the --chat user")
    return parser.parse_args(argv)


def _worker_url(url: str) -> str:
    try:
        return check_worker_url(url)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


async def serve(args: argparse.Namespace) -> None:
    emu = BotApiEmulator(
        args.token,
        username=args.username,
        first_name=args.first_name,
        host=args.host,
        port=args.port,
        global_rate_limit=args.rate_limit,
        per_chat_rate_limit=args.per_chat_rate_limit,
        record_requests=not args.no_request_log,
        webhook_workers=args.webhook_worker,
        webhook_policy=args.webhook_policy,
    )
    async with emu:
        print(emu.base_url, flush=True)
        print(
            f"Bot API emulator for @{emu.bot.username} on {emu.url}\n"
            f"  base_url      {emu.base_url}\n"
            f"  base_file_url {emu.base_file_url}\n"
            f"  control API   {emu.url}/_emulator/info",
            file=sys.stderr,
            flush=True,
        )
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        if args.chat is not None:
            user = emu.user(args.chat, args.first_name_user, language_code=args.language)
            console = asyncio.create_task(Console(emu, user).run())
            console.add_done_callback(lambda _: stop.set())
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()
