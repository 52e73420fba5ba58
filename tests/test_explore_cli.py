"""`ceasefire explore` on the command line: runs on the core install (no Solara needed)."""

from __future__ import annotations

import pytest

from sim.cli import build_parser, main
from sim.commands import explore as explore_command


def test_explore_without_the_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(explore_command, "missing_extra", lambda: "solara")
    assert main(["explore"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["ceasefire explore: error: " + explore_command.INSTALL_HINT]


def test_explore_refuses_a_bad_port(capsys: pytest.CaptureFixture) -> None:
    assert main(["explore", "--port", "70000"]) == 2
    assert "--port: expected 0 to 65535" in capsys.readouterr().err


def test_the_server_command_stays_local_and_offline() -> None:
    parsed = build_parser().parse_args(["explore"])
    assert parsed.host == "127.0.0.1"
    command = explore_command.solara_command(parsed)
    assert "--no-check-version" in command and "--no-open" in command
    assert command[command.index("--host") + 1] == "127.0.0.1"
