import io
from datetime import date
from enum import StrEnum

import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image

from bot.handlers.calendar import typed_dates
from bot.handlers.callback_data import (
    MAX_BYTES,
    CoordinationAction,
    DraftAction,
    DraftOp,
    SchoolAction,
    SchoolOp,
    SessionAction,
    SessionOp,
    decode,
    decode_coordination,
    encode_coordination,
)
from bot.handlers.qr import label_font, labelled_qr_png, qr_png, wrapped

IDS = st.integers(1, 10**12 - 1)
actions: st.SearchStrategy[CoordinationAction] = st.one_of(
    st.builds(DraftAction, IDS, st.just(DraftOp.LEVEL), st.sampled_from(["primary", "vet"])),
    st.builds(
        DraftAction,
        IDS,
        st.just(DraftOp.EDIT_OWN),
        st.from_regex(r"S(10|[1-9])\.(text|groups)", fullmatch=True),
    ),
    st.builds(DraftAction, IDS, st.just(DraftOp.DAY), st.from_regex(r"[0-9]{8}", fullmatch=True)),
    st.builds(
        DraftAction,
        IDS,
        st.sampled_from(
            [
                DraftOp.SAVE,
                DraftOp.DISCARD,
                DraftOp.NOTHING,
                DraftOp.ADD_OWN,
                DraftOp.OWN_GROUPS_DONE,
            ]
        ),
    ),
    st.builds(
        SessionAction,
        IDS,
        st.sampled_from(SessionOp).filter(
            lambda op: op not in (SessionOp.PREVIEW, SessionOp.SCHEDULE_FOLLOW_UP)
        ),
    ),
    st.builds(
        SessionAction,
        IDS,
        st.just(SessionOp.SCHEDULE_FOLLOW_UP),
        st.from_regex(r"[36]\.[0-9]{8}", fullmatch=True),
    ),
    st.builds(
        SessionAction,
        IDS,
        st.just(SessionOp.PREVIEW),
        st.sampled_from(["", "leader.lv", "student.en"]),
    ),
    st.builds(
        SchoolAction,
        IDS,
        st.just(SchoolOp.REMOVE_CONFIRMED),
        st.from_regex(r"[1-9][0-9]{0,14}", fullmatch=True),
    ),
)

# The operations as they travel in callback_data: buttons of messages sent before an upgrade
# must still mean what they meant.
WIRE = {
    DraftOp: "lvl cust opt tog own add ov oe olt od oa og ogd osk back dates cal day rev go drop "
    "resume nop rsp bg oq oqk oqw oqn",
    SessionOp: "card st pv ln eds edd rem cls clsy cnl cnly res fu fuy",
    SchoolOp: "new inv team rm rmy",
}


@pytest.mark.parametrize("ops", WIRE)
def test_every_operation_keeps_its_form_on_the_wire(ops: type[StrEnum]) -> None:
    assert [op.value for op in ops] == WIRE[ops].split()


@pytest.mark.parametrize(
    ("action", "data"),
    [
        (DraftAction(12, DraftOp.EDIT_OWN, "S3.help"), "d:12:oe:S3.help"),
        (DraftAction(12, DraftOp.DAY, "20261123"), "d:12:day:20261123"),
        (DraftAction(7, DraftOp.SAVE), "d:7:go"),
        (
            DraftAction(7, DraftOp.OPEN_PICK, "trainer.company_strength"),
            "d:7:oqk:trainer.company_strength",
        ),
        (SessionAction(5, SessionOp.PREVIEW, "teacher.uk"), "s:5:pv:teacher.uk"),
        (SessionAction(5, SessionOp.CLOSE_CONFIRMED), "s:5:clsy"),
        (SessionAction(5, SessionOp.CANCEL), "s:5:cnl"),
        (SessionAction(5, SessionOp.CANCEL_CONFIRMED), "s:5:cnly"),
        (SessionAction(5, SessionOp.SCHEDULE_FOLLOW_UP, "6.20270524"), "s:5:fuy:6.20270524"),
        (SchoolAction(3, SchoolOp.REMOVE, "123456789"), "k:3:rm:123456789"),
    ],
)
def test_a_button_s_bytes_are_those_of_before(action: CoordinationAction, data: str) -> None:
    assert encode_coordination(action) == data
    assert decode_coordination(data) == action


@given(actions)
def test_coordinator_buttons_round_trip_within_telegrams_limit(action: CoordinationAction) -> None:
    data = encode_coordination(action)
    assert 1 <= len(data.encode()) <= MAX_BYTES
    assert decode_coordination(data) == action
    assert decode(data) is None  # never mistaken for a participant's button


@pytest.mark.parametrize(
    "data",
    [
        "d:1:lvl:university",
        "d:1:lvl",
        "d:1:go:now",
        "d:1:unknown",
        "d:x:go",
        "s:1:pv:leader.de",
        "s:1:eds:1",
        "s:1:cnly:1",
        "s:1:fuy",
        "s:1:fuy:4.20270301",
        "s:1:fuy:3.2027031",
        "d:1:oqk:teacher",
        "d:1:oqk:principal.strength",
        "d:1:oqk:teacher.Strength",
        "d:1:oq:teacher.strength",
        "k:1:rm:abc",
        "k:1:rm",
        "q:1:go",
        "d:1:go\n",
        "d:" + "9" * 60 + ":go",
        None,
    ],
)
def test_garbled_coordinator_data_is_rejected(data: object) -> None:
    assert decode_coordination(data) is None


@given(st.text(max_size=80))
def test_decoding_arbitrary_text_never_raises(data: str) -> None:
    action = decode_coordination(data)
    if action is not None:
        assert encode_coordination(action) == data


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("23.11.2026", [date(2026, 11, 23)]),
        ("2026-11-23", [date(2026, 11, 23)]),
        ("23.11.2026 – 06.12.2026", [date(2026, 11, 23), date(2026, 12, 6)]),
        ("2026-12-06 and 23.11.2026", [date(2026, 12, 6), date(2026, 11, 23)]),  # as typed
        ("31.02.2026", None),
        ("next week", None),
        ("23.11.", None),
        ("23.11.2026 4", None),
    ],
)
def test_typed_dates(text: str, expected: list[date] | None) -> None:
    assert typed_dates(text) == expected


def test_qr_codes_are_png_images() -> None:
    assert qr_png("https://t.me/demo_bot?start=abc").startswith(b"\x89PNG\r\n\x1a\n")


def test_a_qr_code_is_labelled_with_the_school_the_group_and_the_session() -> None:
    link = "https://t.me/demo_bot?start=abc"
    plain = Image.open(io.BytesIO(qr_png(link)))
    school = "Liepājas Raiņa 6. vidusskola ar ļoti garu nosaukumu, kas neietilpst vienā rindā"
    labelled = Image.open(io.BytesIO(labelled_qr_png(link, school, ["skolēni", "#3"])))
    assert labelled.height > plain.height + 100
    under = labelled.convert("L").crop((0, plain.height, labelled.width, labelled.height))
    darkest, _ = under.getextrema()
    assert isinstance(darkest, int) and darkest < 100  # something dark is drawn under the code
    other = labelled_qr_png(link, school, ["skolotāji", "#3"])
    assert other != labelled_qr_png(link, school, ["skolēni", "#3"])


def test_a_long_name_is_wrapped_between_words() -> None:
    lines = wrapped("Liepājas Raiņa 6. vidusskola " * 4, label_font(True, 26), 440)
    assert len(lines) > 1
    assert all(label_font(True, 26).getlength(line) <= 440 for line in lines)
