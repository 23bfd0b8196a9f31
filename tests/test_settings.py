"""The settings file: strict, typed, every error with file and line; documented in the README."""

from __future__ import annotations

from pathlib import Path

import pytest

from archiver.exceptions import SettingsError
from archiver.settings import describe, load

ROOT = Path(__file__).resolve().parent.parent


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "archiver.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    s = load(tmp_path / "absent.toml")
    assert s.fetch.timeout == 30.0 and s.fetch.allow_private is False
    assert s.schedule.cron == "0 3 * * *"


def test_values_override_defaults(tmp_path: Path) -> None:
    s = load(write(tmp_path, "[fetch]\ntimeout = 5\nper_host_delay = 0.5\n"
                             "[notify]\nsmtp_to = ['a@example.org']\n"))
    assert s.fetch.timeout == 5.0 and isinstance(s.fetch.timeout, float)
    assert s.fetch.per_host_delay == 0.5
    assert s.notify.smtp_to == ["a@example.org"]


@pytest.mark.parametrize("text, line, words", [
    ("[fetch]\ntimeout = 5\ntimout = 3\n", 3, "unknown setting fetch.timout"),
    ("[fetch]\n\n[fecth]\nx = 1\n", 3, "unknown section [fecth]"),
    ("[fetch]\nallow_private = 'yes'\n", 2, "true or false"),
    ("[fetch]\nretries = 2.5\n", 2, "whole number"),
    ("[schedule]\ncron = 5\n", 2, "string"),
    ("[fetch\ntimeout = 5\n", 1, "not valid TOML"),
])
def test_errors_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(SettingsError) as info:
        load(path)
    assert info.value.line == line
    assert words in str(info.value)
    assert str(info.value).startswith(f"{path}:{line}: ")


def test_out_of_range_values_are_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="fetch.timeout must be positive"):
        load(write(tmp_path, "[fetch]\ntimeout = 0\n"))


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [key for key, _, _ in describe() if f"`{key}`" not in readme]
    assert not missing, f"settings missing from README.md: {missing}"


def test_default_user_agent_names_the_installed_version() -> None:
    from archiver import __version__
    from archiver.settings import FetchSettings

    agent = FetchSettings().user_agent
    assert agent.startswith(f"archiver/{__version__} (+https://")
    assert "evidence preservation" in agent
