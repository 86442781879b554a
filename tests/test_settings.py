from pathlib import Path

import pytest

from bot.settings import TELEGRAM_API_URL, SettingsError, load_settings


def test_defaults_need_no_environment(tmp_path: Path) -> None:
    settings = load_settings(None)
    assert settings.api_url == TELEGRAM_API_URL
    assert settings.timezone == "Europe/Riga"
    assert settings.admins == frozenset()
    assert settings.resolved_file_api_url == "https://api.telegram.org/file/bot"


def test_polling_pauses_only_on_postgresql_unless_told(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_settings(None).resolved_poll_interval == 0.0
    monkeypatch.setenv("SELFIE_DATABASE", "postgresql://selfie@127.0.0.1/selfie")
    assert load_settings(None).resolved_poll_interval == 0.02
    monkeypatch.setenv("SELFIE_POLL_INTERVAL", "0")
    assert load_settings(None).resolved_poll_interval == 0.0


def test_values_come_from_an_env_file(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text(
        "SELFIE_BOT_TOKEN=123:abc\nSELFIE_ADMINS=1, 2,3\nSELFIE_API_URL=http://127.0.0.1:8081/bot\n"
    )
    settings = load_settings(env)
    assert settings.require_token() == "123:abc"
    assert settings.admins == {1, 2, 3}
    assert settings.resolved_file_api_url == "http://127.0.0.1:8081/file/bot"
    assert "123:abc" not in repr(settings)


def test_environment_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("SELFIE_TIMEZONE=Europe/Tallinn\n")
    monkeypatch.setenv("SELFIE_TIMEZONE", "Europe/Vilnius")
    assert load_settings(env).timezone == "Europe/Vilnius"


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"admins": "1,two"}, "SELFIE_ADMINS"),
        ({"timezone": "Mars/Olympus"}, "SELFIE_TIMEZONE"),
        ({"api_url": "api.telegram.org"}, "SELFIE_API_URL"),
        ({"webhook_port": 0}, "SELFIE_WEBHOOK_PORT"),
        ({"tick_seconds": "inf"}, "SELFIE_TICK_SECONDS"),
    ],
)
def test_a_wrong_value_fails_with_one_line_naming_it(
    overrides: dict[str, object], named: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(None, **overrides)
    message = str(raised.value)
    assert message.startswith(named)
    assert "\n" not in message


def test_a_missing_token_explains_how_to_get_one() -> None:
    with pytest.raises(SettingsError, match=r"SELFIE_BOT_TOKEN.*@BotFather"):
        load_settings(None).require_token()


def test_webhook_mode_needs_a_url() -> None:
    with pytest.raises(SettingsError, match="SELFIE_WEBHOOK_URL"):
        load_settings(None, mode="webhook")


WEBHOOK = {"mode": "webhook", "webhook_url": "https://bot.example.org/telegram"}


def test_webhook_mode_requires_a_configured_secret(tmp_path: Path) -> None:
    """Several workers share one secret: none is made up at start, unset or empty."""
    env = tmp_path / ".env"
    env.write_text("SELFIE_WEBHOOK_SECRET=\n")
    for env_file in (None, env):
        with pytest.raises(SettingsError) as raised:
            load_settings(env_file, **WEBHOOK)
        message = str(raised.value)
        assert message.startswith("SELFIE_WEBHOOK_SECRET is required when SELFIE_MODE is webhook")
        assert "secrets.token_urlsafe(32)" in message and "\n" not in message
    assert load_settings(None).webhook_secret is None  # polling needs none


def test_registering_a_webhook_needs_its_url_and_secret() -> None:
    with pytest.raises(SettingsError, match=r"^SELFIE_WEBHOOK_URL"):
        load_settings(None).require_webhook()
    with pytest.raises(SettingsError, match=r"^SELFIE_WEBHOOK_SECRET"):
        load_settings(None, webhook_url="https://bot.example.org/telegram").require_webhook()
    settings = load_settings(None, **WEBHOOK, webhook_secret="Our_own-secret-42")
    assert settings.require_webhook() == ("https://bot.example.org/telegram", "Our_own-secret-42")


def test_a_configured_webhook_secret_is_kept() -> None:
    settings = load_settings(None, **WEBHOOK, webhook_secret="Our_own-secret-42")
    assert settings.webhook_secret is not None
    assert settings.webhook_secret.get_secret_value() == "Our_own-secret-42"


@pytest.mark.parametrize("secret", ["has spaces", "semi;colon", "ā-latvian", "x" * 257])
def test_a_webhook_secret_telegram_would_refuse_is_refused_without_echo(secret: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(None, **WEBHOOK, webhook_secret=secret)
    message = str(raised.value)
    assert message.startswith("SELFIE_WEBHOOK_SECRET")
    assert secret not in message


def test_library_log_level_is_unset_unless_asked_for(tmp_path: Path) -> None:
    assert load_settings(None).library_log_level is None
    env = tmp_path / ".env"
    env.write_text("SELFIE_LIBRARY_LOG_LEVEL=\n")
    assert load_settings(env).library_log_level is None
    assert load_settings(None, library_log_level="DEBUG").library_log_level == "DEBUG"
    with pytest.raises(SettingsError, match=r"^SELFIE_LIBRARY_LOG_LEVEL"):
        load_settings(None, library_log_level="LOUD")


@pytest.mark.parametrize(
    "admins",
    ["99999999999999999999999", "1, 4503599627370496", "0", "-5", "²", "1;2", {2**60}, {0}],
)
def test_admins_must_be_telegram_user_ids(admins: object) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(None, admins=admins)
    message = str(raised.value)
    assert message.startswith("SELFIE_ADMINS: ") and "is not a Telegram user id" in message
    assert "\n" not in message


def test_the_largest_telegram_user_id_is_an_admin_id() -> None:
    assert load_settings(None, admins=" 4503599627370495 ,7").admins == {2**52 - 1, 7}


def test_the_broadcast_rate_stays_within_telegrams_free_limit_unless_paid(
    tmp_path: Path,
) -> None:
    env = tmp_path / ".env"
    env.write_text("SELFIE_BROADCAST_RATE=31\n")
    with pytest.raises(SettingsError) as raised:
        load_settings(env)
    assert str(raised.value).startswith("SELFIE_BROADCAST_RATE: at most 30 messages a second")
    assert "SELFIE_PAID_BROADCAST=true" in str(raised.value)
    env.write_text("SELFIE_BROADCAST_RATE=30\n")
    assert load_settings(env).broadcast_rate == 30
    assert load_settings(env).paid_broadcast is False


def test_paid_broadcasts_allow_up_to_a_thousand_messages_a_second(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SELFIE_PAID_BROADCAST=true\nSELFIE_BROADCAST_RATE=1000\n")
    settings = load_settings(env)
    assert (settings.paid_broadcast, settings.broadcast_rate) == (True, 1000)
    env.write_text("SELFIE_PAID_BROADCAST=true\nSELFIE_BROADCAST_RATE=1001\n")
    with pytest.raises(SettingsError, match=r"^SELFIE_BROADCAST_RATE: at most 1000 .* even with"):
        load_settings(env)
    env.write_text("SELFIE_PAID_BROADCAST=true\nSELFIE_BROADCAST_RATE=0\n")
    with pytest.raises(SettingsError, match=r"^SELFIE_BROADCAST_RATE"):
        load_settings(env)
