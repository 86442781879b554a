"""Photo and document uploads, re-sends by file_id, and downloads through getFile."""

from __future__ import annotations

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile
from telegram.error import BadRequest

from emulator import BotApiEmulator
from emulator.harness import png_bytes


async def test_send_photo_keeps_bytes_caption_and_sizes(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(40)
    await user.send("/start")
    image = png_bytes(1000, 500)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("Report", callback_data="report")]])

    sent = await bot.send_photo(
        40, image, caption="Domain <b>A</b> strengths", parse_mode="HTML", reply_markup=keyboard
    )

    assert [(p.width, p.height) for p in sent.photo] == [
        (90, 45),
        (320, 160),
        (800, 400),
        (1000, 500),
    ]
    assert sent.caption == "Domain A strengths"
    assert sent.caption_entities[0].type == "bold"
    seen = user.last_message
    assert seen is not None
    assert seen.photo == image
    assert seen.caption == "Domain A strengths"
    assert seen.text is None
    assert seen.button("Rep").callback_data == "report"

    again = await bot.send_photo(40, sent.photo[-1].file_id, caption="again")
    assert again.photo[-1].file_unique_id == sent.photo[-1].file_unique_id
    assert user.messages[-1].photo == image

    downloaded = await (await bot.get_file(sent.photo[-1].file_id)).download_as_bytearray()
    assert bytes(downloaded) == image


async def test_send_document_keeps_bytes_filename_and_mime(emu: BotApiEmulator, bot: Bot) -> None:
    user = emu.user(41)
    await user.send("/start")
    payload = b"area;score\nA;3.8\n"

    sent = await bot.send_document(
        41, InputFile(payload, filename="selfie-report.csv"), caption="Full report"
    )

    assert sent.document is not None
    assert sent.document.file_name == "selfie-report.csv"
    assert sent.document.mime_type == "text/csv"
    assert sent.document.file_size == len(payload)
    seen = user.last_message
    assert seen is not None and seen.document is not None
    assert (seen.document.data, seen.document.filename) == (payload, "selfie-report.csv")
    assert seen.caption == "Full report"

    resent = await bot.send_document(41, sent.document.file_id)
    assert resent.document is not None and resent.document.file_id == sent.document.file_id
    file = await bot.get_file(sent.document.file_id)
    assert bytes(await file.download_as_bytearray()) == payload
    request = emu.calls("sendDocument")[0]
    assert request["document"].filename == "selfie-report.csv"
    assert request["caption"] == "Full report"


async def test_upload_errors(emu: BotApiEmulator, bot: Bot) -> None:
    await emu.user(42).send("/start")
    with pytest.raises(BadRequest, match=r"^Image_process_failed$"):
        await bot.send_photo(42, b"this is not an image")
    with pytest.raises(BadRequest, match=r"^Wrong file identifier/http url specified$"):
        await bot.send_photo(42, "AgACAgUnknownFileId")
    document = await bot.send_document(42, b"x", filename="x.bin")
    assert document.document is not None
    with pytest.raises(BadRequest, match=r"^Can't use file of type document as photo$"):
        await bot.send_photo(42, document.document.file_id)
