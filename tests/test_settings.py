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


# --------------------------------------------------------------------------
# values out of range: refused with the file and the line, never a traceback


def refused(path: Path, line: int | None, *words: str) -> SettingsError:
    """The SettingsError that loading *path* raises, checked to name the file and *line*."""
    with pytest.raises(SettingsError) as info:
        load(path)
    where = f"{path}:{line}: " if line is not None else f"{path}: "
    assert str(info.value).startswith(where), str(info.value)
    assert info.value.line == line
    for word in words:
        assert word in str(info.value)
    return info.value


FLOAT_SETTINGS = [key for key, default, _ in describe() if isinstance(default, float)]


@pytest.mark.parametrize("key", FLOAT_SETTINGS)
@pytest.mark.parametrize("value", ["inf", "-inf", "+inf", "nan", "1" + "0" * 400])
def test_every_float_setting_refuses_infinity_and_nan(tmp_path: Path, key: str,
                                                       value: str) -> None:
    section, name = key.split(".")
    path = write(tmp_path, f"[{section}]\n# {value}\n{name} = {value}\n")
    refused(path, 3, f"{key} must be a finite number")


@pytest.mark.parametrize("key, value, words", [
    ("fetch.timeout", "86400.5", "at most 86400 (a day)"),
    ("fetch.connect_timeout", "1e9", "at most 86400 (a day)"),
    ("fetch.per_host_delay", "86401", "at most 86400 (a day)"),
    ("fetch.backoff", "1e300", "at most 86400 (a day)"),
    ("fetch.max_retry_after", "1e300", "at most 86400 (a day)"),
    ("wayback.timeout", "100000", "at most 86400 (a day)"),
    ("fetch.retries", "21", "between 1 and 20"),
])
def test_delays_and_timeouts_are_bounded(tmp_path: Path, key: str, value: str,
                                         words: str) -> None:
    section, name = key.split(".")
    refused(write(tmp_path, f"[{section}]\n\n{name} = {value}\n"), 3, f"{key} must", words)


def test_a_day_is_the_longest_delay_or_timeout(tmp_path: Path) -> None:
    s = load(write(tmp_path, "[fetch]\ntimeout = 86400\nper_host_delay = 86400\n"
                             "backoff = 86400\nmax_retry_after = 86400\nretries = 20\n"
                             "[wayback]\ntimeout = 86400\n"))
    assert s.fetch.timeout == s.fetch.backoff == s.wayback.timeout == 86400.0


@pytest.mark.parametrize("agent", [
    "archivér ☃",  # non-ASCII: httpx would fail with UnicodeEncodeError at the first fetch
    "a\\r\\nX-Evil: 1",  # a second header smuggled in
    "archiver\\tbot",
    "archiver\\u007f",
    "",
])
def test_user_agent_must_be_printable_ascii(tmp_path: Path, agent: str) -> None:
    path = write(tmp_path, f'[fetch]\ntimeout = 5\nuser_agent = "{agent}"\n')
    refused(path, 3, "fetch.user_agent must be printable ASCII")


def test_a_printable_user_agent_is_kept(tmp_path: Path) -> None:
    agent = "newsroom-archiver/2 (+https://example.org/contact; ops@example.org)"
    assert load(write(tmp_path, f'[fetch]\nuser_agent = "{agent}"\n')).fetch.user_agent == agent


@pytest.mark.parametrize("text, line, words", [
    ("[fetch]\ntimeout = 5\n\nmax_hops = 99\n", 4, "fetch.max_hops must be between 0 and 50"),
    ("[warc]\nprefix = 'a/b'\n", 2, "warc.prefix may only hold"),
    # a WARC file name past 255 bytes: the capture failed after the fetch
    ("[warc]\n\nprefix = '" + "a" * 216 + "'\n", 3, "warc.prefix may hold at most 100"),
    # TOML's dotted keys and sub-tables name the line as a [section] does
    ("# settings\nfetch.timeout = 0\n", 2, "fetch.timeout must be positive"),
    ("[fetch]\ntimeout = 5\n\n[fetch.sub]\na = 1\n", 4, "unknown setting fetch.sub"),
    ("[fetch]\nsub.a = 1\n", 2, "unknown setting fetch.sub"),
    ("# settings\nbogus.x = 1\n", 2, "unknown section [bogus]"),
    ("[fetch]\nretries.x = 1\n", 2, "fetch.retries must be a whole number"),
    # the worker's settings, refused at load as for the worker (`run` took them)
    ("[notify]\nretries = 0\n", 2, "notify.retries must be between 1 and 20"),
    ("[notify]\nsmtp_port = 70000\n", 2, "notify.smtp_port must be between 1 and 65535"),
    ("[notify]\nblocked_after_hours = 87601\n", 2, "notify.blocked_after_hours must not be"),
    ("[notify]\nwebhook_url = 'not a url'\n", 2, "notify.webhook_url must be an absolute"),
    ("[schedule]\njitter = -1\n", 2, "schedule.jitter must not be negative"),
    ("[schedule]\nmisfire_grace = 1e20\n", 2, "schedule.misfire_grace must be positive"),
    ("[fetch]\nmax_decoded_bytes = 0\n", 2, "fetch.max_decoded_bytes must be positive"),
    ("[fetch]\nmax_decoded_bytes = -1\n", 2, "fetch.max_decoded_bytes must be positive"),
    ("[check]\nprobe_similarity = 1.5\n", 2, "check.probe_similarity must be between 0 and 1"),
    ("[check]\ndrift_headline_similarity = -0.1\n", 2, "check.drift_headline_similarity"),
    ("[check]\ndrift_text_similarity = 2\n", 2, "check.drift_text_similarity"),
    ("[check]\nmoved_text_similarity = nan\n", 2, "check.moved_text_similarity"),
    ("[check]\ndate_tolerance_days = -1\n", 2, "check.date_tolerance_days must not be negative"),
    ("[fetch]\nmax_bytes = " + "9" * 30 + "\n", 2, "fetch.max_bytes must be a 64-bit"),
    # the lookup off or on: refused at once, not the day it is turned on
    ("[wayback]\nendpoint = 'ftp://127.0.0.1/x'\n", 2, "wayback.endpoint must be an absolute"),
    ("[wayback]\nenabled = true\nendpoint = ''\n", 3, "wayback.endpoint must be an absolute"),
    # an inline table: the line it is written on
    ("# settings\nfetch = { timeout = -1 }\n", 2, "fetch.timeout must be positive"),
])
def test_range_errors_name_file_and_line(tmp_path: Path, text: str, line: int,
                                         words: str) -> None:
    refused(write(tmp_path, text), line, words)


def test_similarity_bounds_are_inclusive(tmp_path: Path) -> None:
    s = load(write(tmp_path, "[check]\nprobe_similarity = 1\nmoved_text_similarity = 0\n"
                             "date_tolerance_days = 0\n"))
    assert (s.check.probe_similarity, s.check.moved_text_similarity) == (1.0, 0.0)


def test_a_dangling_settings_link_is_refused_not_ignored(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.symlink_to(tmp_path / "moved-away.toml")
    refused(path, None, "cannot read settings", "symbolic link")


def test_a_looping_settings_link_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    (tmp_path / "other.toml").symlink_to(path)
    path.symlink_to(tmp_path / "other.toml")
    refused(path, None, "cannot read settings")


def test_a_settings_link_to_a_device_or_folder_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "archiver.toml"
    path.symlink_to("/dev/zero")  # read to its end, it has none
    refused(path, None, "not a regular file")
    path.unlink()
    path.mkdir()
    refused(path, None, "not a regular file")


def test_an_overlong_settings_file_is_refused_unparsed(tmp_path: Path) -> None:
    path = write(tmp_path, "[fetch]\n" + "# padding\n" * 7000 + "timeout = 5\n")
    refused(path, None, "cannot read settings: longer than 65536 bytes")


def test_a_good_settings_link_is_followed(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text("[fetch]\ntimeout = 7\n", encoding="utf-8")
    (tmp_path / "archiver.toml").symlink_to(tmp_path / "real.toml")
    assert load(tmp_path / "archiver.toml").fetch.timeout == 7.0


@pytest.mark.parametrize("text", [
    "a = " + "9" * 5000,  # tomllib: ValueError, not TOMLDecodeError
    "a = " + "[" * 5000 + "]" * 5000,  # tomllib: RecursionError
])
def test_toml_the_parser_cannot_take_is_refused(tmp_path: Path, text: str) -> None:
    refused(write(tmp_path, text), None, "not valid TOML")


def test_sections_remember_where_their_values_were_read(tmp_path: Path) -> None:
    s = load(write(tmp_path, "[notify]\nsmtp_host = 'mail'\n\n[schedule]\ncron = '0 3 * * *'\n"))
    error = s.schedule.error("schedule.cron: wrong", "cron")
    assert str(error) == f"{tmp_path / 'archiver.toml'}:5: schedule.cron: wrong"
    # a key not in the file: the first given that is, else the file alone
    assert s.notify.error("x", "smtp_to", "smtp_host").line == 2
    assert s.notify.error("x", "smtp_to").line is None
    assert s.fetch.error("x", "timeout").path == tmp_path / "archiver.toml"
    assert load(None).schedule.error("x", "cron").path is None


def test_loaded_settings_still_pickle(tmp_path: Path) -> None:
    """The worker processes of check.processes receive the settings pickled."""
    import pickle

    path = write(tmp_path, "[check]\nprobe_similarity = 0.9\n")
    check = pickle.loads(pickle.dumps(load(path).check))
    assert check.probe_similarity == 0.9
    assert check.error("x", "probe_similarity").line == 2
