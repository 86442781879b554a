from bot.sessions.tokens import invite_link, is_start_payload, new_token


def test_tokens_are_start_payloads_of_at_least_128_bits() -> None:
    tokens = {new_token() for _ in range(500)}
    assert len(tokens) == 500
    for token in tokens:
        assert is_start_payload(token)
        assert len(token) * 6 >= 128  # base64url carries 6 bits a character


def test_start_payload_rules() -> None:
    assert is_start_payload("abc_DEF-123")
    assert not is_start_payload("")
    assert not is_start_payload("a" * 65)
    assert not is_start_payload("has space")
    assert not is_start_payload("šķ")
    assert not is_start_payload("abc\n")


def test_invite_link() -> None:
    assert invite_link("selfie_bot", "tok") == "https://t.me/selfie_bot?start=tok"
