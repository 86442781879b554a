import logging

import pytest

from bot.logs import REDACTED, configure_logging

TOKEN = "123456:AAFakeTokenForTests"


def test_secrets_never_reach_the_log(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("DEBUG", [TOKEN])
    log = logging.getLogger("bot.test")
    log.info("calling https://api.telegram.org/bot%s/getMe", TOKEN)
    try:
        raise RuntimeError(f"failed at /bot{TOKEN}/sendMessage")
    except RuntimeError:
        log.exception("request failed")
    logging.getLogger("httpx").info("HTTP Request: POST https://x/bot%s/getUpdates", TOKEN)
    err = capsys.readouterr().err
    assert TOKEN not in err
    assert err.count(REDACTED) == 2  # the message and the exception text
    assert "getUpdates" not in err  # httpx request lines are silenced
