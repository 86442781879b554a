import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.callback_data import (
    MAX_BYTES,
    Action,
    Answer,
    AnswerBackground,
    AwaitOpening,
    Back,
    BackBackground,
    Certificate,
    ChooseLanguage,
    Continue,
    Mute,
    SkipOpen,
    ToggleHelp,
    decode,
    encode,
)

actions = st.one_of(
    st.builds(
        Answer,
        st.integers(1, 10**12 - 1),
        st.from_regex(r"[A-H][1-9][0-9]?|S(10|[1-9])", fullmatch=True),
        st.integers(0, 5),
    ),
    st.builds(Back, st.integers(1, 10**12 - 1), st.from_regex(r"[A-H][1-9]", fullmatch=True)),
    st.builds(
        ToggleHelp,
        st.integers(1, 10**12 - 1),
        st.from_regex(r"[A-H][1-9]", fullmatch=True),
        st.booleans(),
    ),
    st.sampled_from([ChooseLanguage("lv"), ChooseLanguage("en")]),
    st.builds(Continue, st.integers(1, 10**12 - 1)),
    st.builds(Mute, st.integers(1, 10**12 - 1)),
    st.builds(Certificate, st.integers(1, 10**12 - 1)),
    st.builds(
        AnswerBackground,
        st.integers(1, 10**12 - 1),
        st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True),
        st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True),
    ),
    st.builds(
        BackBackground,
        st.integers(1, 10**12 - 1),
        st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True),
    ),
    st.builds(SkipOpen, st.integers(1, 10**12 - 1)),
    st.builds(AwaitOpening, st.from_regex(r"[A-Za-z0-9_-]{32}", fullmatch=True)),
)


@given(actions)
def test_every_action_round_trips_within_telegrams_limit(action: Action) -> None:
    data = encode(action)
    assert 1 <= len(data.encode()) <= MAX_BYTES
    assert decode(data) == action


@pytest.mark.parametrize(
    "data",
    [
        "",
        "a:1:A1:6",
        "a:1:A1:-1",
        "a:1:Z1:3",
        "a:x:A1:3",
        "a:1:A1:3\n",
        "a:1:A1:3:extra",
        "b:1:A1:3",
        "h:1:A1:2",
        "g:1:confidence",
        "g:1:Confidence:very",
        "g:1:confidence:very:1",
        "g:1:" + "x" * 17 + ":very",
        "gb:1:",
        "o:1:s",
        "l:de",
        "w:",
        "w:" + "a" * 63,
        "w:token with spaces",
        "a:" + "9" * 60 + ":A1:3",
        "\x00\xff",
        None,
        42,
    ],
)
def test_garbled_data_is_rejected(data: object) -> None:
    assert decode(data) is None


@given(st.text(max_size=200))
def test_decoding_arbitrary_text_never_raises(data: str) -> None:
    action = decode(data)
    if action is not None:
        assert encode(action) == data
