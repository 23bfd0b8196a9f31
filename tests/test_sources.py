"""sources.yaml loading: the values read, and every refusal with its line."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver import sources as sources_mod
from archiver.exceptions import InputError, SourcesError
from archiver.models import Sources
from archiver.sources import load_sources, url_problem

try:
    import resource
except ImportError:  # not on Windows
    resource = None  # type: ignore[assignment]

REPO = Path(__file__).resolve().parent.parent

GOOD = """\
report:
  title: Taiwanese extradited to the PRC
  publisher: Safeguard Defenders
events:
  - id: 2016-05-01-malaysia
    date: 2016-05-01
    country: Malaysia
    count: 32
    mechanism: deportation
    reason: telecom fraud
    sources:
      - url: https://thediplomat.com/2016/05/kowtow-to-china/
        printed: https://thediplomat.com/2016/05/kowtowto-china/
      - https://www.cnn.com/2016/05/02/asia/index.html
  - id: unknown-date-kenya
    date: null
    country: Kenya
    sources:
      - https://thediplomat.com/2016/04/kenya/
"""


def write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "sources.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(tmp_path: Path, text: str | bytes) -> Sources:
    return load_sources(write(tmp_path, text))


def refusal(tmp_path: Path, text: str | bytes) -> SourcesError:
    path = write(tmp_path, text)
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert info.value.path == path
    return info.value


def one_event(body: str) -> str:
    """A file with one event whose mapping starts on line 2."""
    return "events:\n" + textwrap.indent(textwrap.dedent(body), "  ")


# -- what a good file gives -----------------------------------------------------


def test_good_file_values_and_lines(tmp_path: Path) -> None:
    sources = load(tmp_path, GOOD)
    assert sources.report == {"title": "Taiwanese extradited to the PRC",
                              "publisher": "Safeguard Defenders"}
    first, second = sources.events
    assert first.id == "2016-05-01-malaysia"
    assert first.date == dt.date(2016, 5, 1)
    assert (first.country, first.count) == ("Malaysia", 32)
    assert (first.mechanism, first.reason) == ("deportation", "telecom fraud")
    assert first.line == 5
    mapped, bare = first.citations
    assert mapped.url == "https://thediplomat.com/2016/05/kowtow-to-china/"
    assert mapped.printed == "https://thediplomat.com/2016/05/kowtowto-china/"
    assert (mapped.event_id, mapped.line) == ("2016-05-01-malaysia", 12)
    assert bare.url == "https://www.cnn.com/2016/05/02/asia/index.html"
    assert (bare.printed, bare.line) == (None, 14)
    assert second.date is None and second.count is None and second.mechanism is None
    assert second.line == 15
    assert sources.urls() == [
        "https://thediplomat.com/2016/05/kowtow-to-china/",
        "https://www.cnn.com/2016/05/02/asia/index.html",
        "https://thediplomat.com/2016/04/kenya/",
    ]


def test_unknown_keys_are_accepted_and_ignored_at_every_level(tmp_path: Path) -> None:
    text = """\
        version: 3
        report: {title: T, pages: 12, editors: [a, b]}
        events:
          - id: e1
            notes: {free: form}
            extra: [1, 2]
            sources:
              - url: https://example.org/a
                archived_by: someone
                checked: 2020-01-01
    """
    sources = load(tmp_path, text)
    assert sources.report == {"title": "T", "pages": "12"}
    (event,) = sources.events
    assert event.id == "e1"
    assert event.citations[0].url == "https://example.org/a"
    assert event.citations[0].printed is None


def test_bare_string_source_is_the_same_as_url_mapping(tmp_path: Path) -> None:
    bare = load(tmp_path, one_event("- id: a\n  sources: [https://example.org/x]\n"))
    mapped = load(tmp_path, one_event("- id: a\n  sources: [{url: https://example.org/x}]\n"))
    assert bare.events[0].citations == mapped.events[0].citations


@pytest.mark.parametrize(("written", "expected"), [
    ("2016-05-01", dt.date(2016, 5, 1)),
    ("'2016-05-01'", dt.date(2016, 5, 1)),
    ("null", None),
    ("~", None),
    ("", None),
])
def test_date_forms_accepted(tmp_path: Path, written: str, expected: dt.date | None) -> None:
    sources = load(tmp_path, one_event(f"- id: a\n  date: {written}\n  sources: [http://a.b/]\n"))
    assert sources.events[0].date == expected


def test_missing_date_and_country_are_none(tmp_path: Path) -> None:
    (event,) = load(tmp_path, one_event("- id: a\n  sources: [http://a.b/]\n")).events
    assert event.date is None and event.country is None


@pytest.mark.parametrize(("written", "expected"), [
    ("0", 0), ("017", 17), ("1_000", 1000), ("+5", 5),
    ("1_000_000_000", 10**9), ("0001000000000", 10**9),  # the largest; leading zeros count not
])
def test_count_is_read_as_decimal(tmp_path: Path, written: str, expected: int) -> None:
    sources = load(tmp_path, one_event(f"- id: a\n  count: {written}\n  sources: [http://a.b/]\n"))
    assert sources.events[0].count == expected


@pytest.mark.parametrize("written", ["2016", "2016-05-01", "'abc-1'"])
def test_id_is_the_text_as_written(tmp_path: Path, written: str) -> None:
    sources = load(tmp_path, one_event(f"- id: {written}\n  sources: [http://a.b/]\n"))
    assert sources.events[0].id == written.strip("'")


@pytest.mark.parametrize("url", [
    "http://例え.jp/パス",
    "https://xn--r8jz45g.jp/",
    "http://127.0.0.1:8080/x",
    "http://[::1]/",
    "http://[2001:db8::1]:8443/a?b=c#d",
    "HTTPS://Example.ORG/",
    "https://example.org./",
    "http://ß.invalid/",
    "http://xn--zca.invalid/",  # the same name, as punycode
    "http://" + "a" * 63 + ".invalid/",  # the longest label
    "http://" + ".".join(["a" * 63] * 3 + ["b" * 53, "invalid"]) + "./",  # the longest name
])
def test_idn_hosts_and_ip_literals_are_accepted(tmp_path: Path, url: str) -> None:
    sources = load(tmp_path, one_event(f"- id: a\n  sources:\n    - url: '{url}'\n"))
    assert sources.events[0].citations[0].url == url


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    data = "\ufeff".encode() + textwrap.dedent(GOOD).encode("utf-8")
    assert len(load(tmp_path, data).events) == 2


def test_real_data_file_loads() -> None:
    sources = load_sources(REPO / "data" / "sources.yaml")
    assert len(sources.events) == 18
    assert sources.report["publisher"] == "Safeguard Defenders"


# -- refusals, each with its line ---------------------------------------------------

REFUSALS = [
    # (id, text, line, words in the message)
    ("yaml-syntax", "events:\n  - id: a\n    sources: [http://a.b/\n  - id: b\n", 4, "YAML"),
    ("yaml-tab", "events:\n\t- id: a\n", 2, "YAML"),
    ("two-documents", "events: []\n---\nevents: []\n", 2, "single document"),
    ("empty-file", "", 1, "empty"),
    ("only-comments", "# nothing here\n\n", 1, "empty"),
    ("top-is-list", "\n- id: a\n", 2, "mapping"),
    ("no-events", "report:\n  title: T\n", 1, "no 'events'"),
    ("events-null", "report: {}\nevents:\n", 2, "must be a list"),
    ("events-mapping", "report: {}\nevents:\n  id: a\n", 3, "must be a list"),
    ("events-empty", "\nevents: []\n", 2, "empty"),
    ("event-not-mapping", "events:\n  - id: a\n    sources: [http://a.b/]\n  - just text\n",
     4, "must be a mapping"),
    ("id-missing", "events:\n  - date: 2016-01-01\n    sources: [http://a.b/]\n", 2, "'id'"),
    ("id-null", "events:\n  - id:\n    sources: [http://a.b/]\n", 2, "'id'"),
    ("id-uppercase", "events:\n  - sources: [http://a.b/]\n    id: Kenya-2016\n", 3,
     "invalid id"),
    ("id-space", "events:\n  - id: a b\n    sources: [http://a.b/]\n", 2, "invalid id"),
    ("id-list", "events:\n  - id: [a]\n    sources: [http://a.b/]\n", 2, "'id'"),
    ("id-duplicate",
     "events:\n  - id: a\n    sources: [http://a.b/]\n  - id: b\n    sources: [http://a.b/]\n"
     "  - id: a\n    sources: [http://a.b/]\n", 6, "line 2"),
    ("id-duplicate-not-first-key",
     "events:\n  - sources: [http://a.b/]\n    id: a\n  - country: X\n    sources: [http://a.b/]\n"
     "    id: a\n", 6, "first used on line 3"),
    ("date-slashes", "events:\n  - id: a\n    date: 2016/05/01\n    sources: [http://a.b/]\n",
     3, "ISO date"),
    ("date-impossible", "events:\n  - id: a\n    date: 2016-02-30\n    sources: [http://a.b/]\n",
     3, "not a valid date"),
    ("date-impossible-quoted",
     "events:\n  - id: a\n    date: '2016-13-01'\n    sources: [http://a.b/]\n", 3, "valid date"),
    ("date-with-time",
     "events:\n  - id: a\n    date: 2016-05-01 10:00:00\n    sources: [http://a.b/]\n",
     3, "time of day"),
    ("date-iso-datetime",
     "events:\n  - id: a\n    date: 2016-05-01T10:00:00Z\n    sources: [http://a.b/]\n",
     3, "time of day"),
    ("date-number", "events:\n  - id: a\n    date: 2016\n    sources: [http://a.b/]\n", 3, "date"),
    ("date-list", "events:\n  - id: a\n    date: [2016]\n    sources: [http://a.b/]\n", 3,
     "date"),
    ("count-negative", "events:\n  - id: a\n    count: -3\n    sources: [http://a.b/]\n", 3,
     "negative"),
    ("count-text", "events:\n  - id: a\n    count: many\n    sources: [http://a.b/]\n", 3,
     "whole number"),
    ("count-float", "events:\n  - id: a\n    count: 3.5\n    sources: [http://a.b/]\n", 3,
     "whole number"),
    ("count-bool", "events:\n  - id: a\n    count: yes\n    sources: [http://a.b/]\n", 3,
     "whole number"),
    ("count-hex", "events:\n  - id: a\n    count: 0x1f\n    sources: [http://a.b/]\n", 3,
     "decimal"),
    ("count-sexagesimal", "events:\n  - id: a\n    count: 1:20\n    sources: [http://a.b/]\n",
     3, "decimal"),
    ("country-bool", "events:\n  - id: a\n    country: no\n    sources: [http://a.b/]\n", 3,
     "quote it"),
    ("country-list", "events:\n  - id: a\n    country: [a, b]\n    sources: [http://a.b/]\n",
     3, "'country' must be a string"),
    ("mechanism-number", "events:\n  - id: a\n    mechanism: 3\n    sources: [http://a.b/]\n",
     3, "'mechanism' must be a string"),
    ("reason-mapping", "events:\n  - id: a\n    sources: [http://a.b/]\n    reason: {a: 1}\n",
     4, "'reason' must be a string"),
    ("sources-missing", "events:\n  - id: a\n    country: Kenya\n", 2, "no 'sources'"),
    ("sources-null", "events:\n  - id: a\n    sources:\n", 3, "list"),
    ("sources-empty", "events:\n  - id: a\n    sources: []\n", 3, "empty"),
    ("sources-string", "events:\n  - id: a\n    sources: http://a.b/\n", 3, "list"),
    ("source-number", "events:\n  - id: a\n    sources:\n      - http://a.b/\n      - 42\n",
     5, "a source must be"),
    ("source-null", "events:\n  - id: a\n    sources:\n      - http://a.b/\n      -\n",
     5, "a source must be"),
    ("source-list", "events:\n  - id: a\n    sources:\n      - [http://a.b/]\n", 4,
     "a source must be"),
    ("url-missing", "events:\n  - id: a\n    sources:\n      - printed: http://a.b/\n", 4,
     "without a 'url'"),
    ("url-null", "events:\n  - id: a\n    sources:\n      - url:\n        printed: x\n", 4,
     "'url' must be a string"),
    ("url-list", "events:\n  - id: a\n    sources:\n      - url: [http://a.b/]\n", 4,
     "'url' must be a string"),
    ("printed-number",
     "events:\n  - id: a\n    sources:\n      - url: http://a.b/\n        printed: 12\n",
     5, "'printed' must be a string"),
    ("url-twice-in-event",
     "events:\n  - id: a\n    sources:\n      - http://a.b/\n      - url: http://a.b/\n",
     5, "twice"),
    # the same request: the scheme's case, a fragment (never sent)
    ("url-twice-other-case",
     "events:\n  - id: a\n    sources:\n      - http://a.b/x\n      - HTTP://a.b/x\n",
     5, "twice"),
    ("url-twice-with-fragment",
     "events:\n  - id: a\n    sources:\n      - http://a.b/x\n      - http://a.b/x#top\n",
     5, "twice"),
    # a site's root with and without its slash: both are GET /
    ("url-twice-root-slash",
     "events:\n  - id: a\n    sources:\n      - http://a.b\n      - http://a.b/\n",
     5, "twice"),
    ("key-repeated", "events:\n  - id: a\n    sources: [http://a.b/]\n    id: b\n", 4,
     "repeated"),
    ("merge-key", "base: &b {sources: [http://a.b/]}\nevents:\n  - <<: *b\n    id: a\n", 3,
     "merge"),
    ("report-list", "report: [a]\nevents:\n  - id: a\n    sources: [http://a.b/]\n", 1,
     "'report' must be a mapping"),
    ("subject-list-of-mappings",
     "report:\n  subject:\n    - {name: Taiwan}\nevents:\n  - id: a\n    sources: [http://a.b/]\n",
     3, "'subject' must be a name or a list of names, found a mapping"),
    ("subject-mapping",
     "report:\n  subject: {name: Taiwan}\nevents:\n  - id: a\n    sources: [http://a.b/]\n",
     2, "'subject' must be a name or a list of names, found a mapping"),
    # SQLite stores integers up to 2**63-1: a larger count crashed the store later
    ("count-above-int64",
     "events:\n  - id: a\n    count: 9223372036854775808\n    sources: [http://a.b/]\n", 3,
     "'count' is too large: 9223372036854775808 is more than 1,000,000,000 people"),
    ("count-above-max",
     "events:\n  - id: a\n    count: 1_000_000_001\n    sources: [http://a.b/]\n", 3,
     "more than 1,000,000,000 people"),
    ("count-thousands-of-digits",
     "events:\n  - id: a\n    count: " + "9" * 5000 + "\n    sources: [http://a.b/]\n", 3,
     "'count' is too large: 99999999999999999999... is more than"),
    # nested past Python's recursion limit: the line the reader had come to
    ("nested-too-deeply",
     "events:\n  - id: a\n    sources: [http://a.b/]\n    notes: " + "[" * 5000 + "]" * 5000
     + "\n", 4, "YAML nested too deeply"),
]


@pytest.mark.parametrize(("text", "line", "words"), [r[1:] for r in REFUSALS],
                         ids=[r[0] for r in REFUSALS])
def test_refusals_name_file_and_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    error = refusal(tmp_path, text)
    assert error.line == line, str(error)
    assert words in error.message, str(error)
    assert str(error).startswith(f"{tmp_path / 'sources.yaml'}:{line}: ")
    assert isinstance(error, InputError)


BAD_URLS = [
    ("relative", "/2016/05/page.html", "no scheme"),
    ("scheme-relative", "//example.org/page", "no scheme"),
    ("bare-host", "example.org/page", "no scheme"),
    ("ftp", "ftp://example.org/file", "only http and https URLs can be cited, not ftp ones"),
    ("javascript", "javascript:alert(1)", "only http and https"),
    ("file", "file:///etc/passwd", "only http and https"),
    ("mailto", "mailto:editor@example.org", "only http and https"),
    ("data", "data:text/html,hello", "only http and https"),
    ("no-slashes", "http:example.org", "'//'"),
    ("no-host", "http:///path", "no host"),
    ("port-only", "http://:80/", "no host"),
    ("credentials", "https://user:secret@example.org/", "credentials"),
    ("user-only", "https://user@example.org/", "credentials"),
    ("empty-userinfo", "https://@example.org/", "credentials"),
    ("space", "https://example.org/a page", "space"),
    ("bad-port", "https://example.org:99999/", "malformed"),
    ("octal-ipv4", "http://0177.0.0.1/x", "leading zero"),
    ("zero-padded-ipv4", "http://127.000.000.001/x", "leading zero"),
    ("text-port", "https://example.org:http/", "malformed"),
    ("port-zero", "https://example.org:0/", "port 0"),
    ("empty-label", "https://example..org/", "invalid host"),
    ("bad-ipv6", "http://[zz::1]/", "malformed"),
    ("junk-after-ipv6", "http://[::1]junk/", "invalid host"),
    ("nfkc-slash", "http://a\uff0fb.example/", "malformed"),
    # what httpx cannot parse: each failed at fetch time, as a crash or a "dead" link
    ("xn-emoji", "http://xn--ls8h.invalid/", "not valid punycode/IDNA (Codepoint U+1F4A9"),
    ("xn-bad-a-label", "http://xn--zz.invalid/", "not valid punycode/IDNA"),
    ("xn-empty", "http://xn--.invalid/", "invalid host 'xn--.invalid': not valid punycode"),
    ("xn-control", "http://xn--a.invalid/", "not valid punycode/IDNA"),
    ("xn-with-port", "http://xn--zz.invalid:8080/", "not valid punycode/IDNA"),
    ("ipv4-out-of-range", "http://999.1.1.1/", "Invalid IPv4 address: '999.1.1.1'"),
    ("zero-width-joiner", "http://a\u200d.invalid/", "Invalid IDNA hostname"),
    ("fullwidth-letter", "http://\uff41.invalid/", "Invalid IDNA hostname"),
    ("soft-hyphen", "http://a\u00ad.invalid/", "Invalid IDNA hostname"),
    ("label-too-long", "http://" + "a" * 64 + ".invalid/",
     "is 64 characters long, more than the 63 DNS allows"),
    ("name-too-long", "http://" + ".".join(["a" * 63] * 3 + ["b" * 54, "invalid"]) + "/",
     "host name is 254 characters long, more than the 253 DNS allows"),
    ("lone-surrogate", "http://127.0.0.1/\ud800", "lone surrogate (\\ud800)"),
]


@pytest.mark.parametrize(("url", "words"), [b[1:] for b in BAD_URLS],
                         ids=[b[0] for b in BAD_URLS])
def test_bad_urls_refused_with_line(tmp_path: Path, url: str, words: str) -> None:
    text = ("events:\n  - id: a\n    sources:\n      - https://example.org/ok\n"
            f"      - url: {url!r}\n")
    error = refusal(tmp_path, text.replace("'", "\""))
    assert error.line == 5, str(error)
    assert words in error.message, str(error)
    assert url_problem(url) is not None


def test_bad_bare_url_refused_with_line(tmp_path: Path) -> None:
    error = refusal(tmp_path, "events:\n  - id: a\n    sources:\n\n      - ftp://x.org/\n")
    assert error.line == 5
    assert "ftp" in error.message


# -- lone surrogates: a YAML escape gives one, no UTF-8 text can hold one ----------

SURROGATES = [
    # (id, text with "\\udc80" or "\\ud800" escapes, line, the field named)
    ("country", 'events:\n  - id: a\n    country: "\\udc80"\n    sources: [http://a.b/]\n',
     3, "'country'"),
    ("mechanism", 'events:\n  - id: a\n    mechanism: "x\\ud800"\n    sources: [http://a.b/]\n',
     3, "'mechanism'"),
    ("reason", 'events:\n  - id: a\n    sources: [http://a.b/]\n    reason: "\\udfff"\n',
     4, "'reason'"),
    ("pair", 'events:\n  - id: a\n    country: "\\ud83d\\udca9"\n    sources: [http://a.b/]\n',
     3, "'country'"),  # a YAML escape names a code point: a pair is two lone halves
    ("printed", 'events:\n  - id: a\n    sources:\n      - url: http://a.b/\n'
     '        printed: "\\ud800"\n', 5, "'printed'"),
    ("url", 'events:\n  - id: a\n    sources:\n      - "http://127.0.0.1/\\ud800"\n', 4, "URL"),
    ("report-title", 'report:\n  title: "\\ud800"\nevents:\n  - id: a\n    sources: [http://a.b/]\n',
     2, "'title'"),
    ("report-publisher", 'report:\n  title: T\n  publisher: "\\ud800"\nevents:\n  - id: a\n'
     '    sources: [http://a.b/]\n', 3, "'publisher'"),
    ("report-key", 'report:\n  "\\ud800": x\nevents:\n  - id: a\n    sources: [http://a.b/]\n',
     2, "'report'"),
    ("report-subject", 'report:\n  subject: "\\ud800"\nevents:\n  - id: a\n'
     '    sources: [http://a.b/]\n', 2, "'subject'"),
    ("report-subject-list", 'report:\n  subject:\n    - Taiwan\n    - "\\ud800"\nevents:\n'
     '  - id: a\n    sources: [http://a.b/]\n', 4, "'subject'"),
]


@pytest.mark.parametrize(("text", "line", "field"), [r[1:] for r in SURROGATES],
                         ids=[r[0] for r in SURROGATES])
def test_lone_surrogate_in_a_kept_text_is_refused(tmp_path: Path, text: str, line: int,
                                                  field: str) -> None:
    error = refusal(tmp_path, text)
    assert error.line == line, str(error)
    assert error.message.startswith(field) and "lone surrogate" in error.message, str(error)
    str(error).encode("utf-8")  # the message itself can be printed


def test_lone_surrogate_in_an_ignored_key_is_ignored(tmp_path: Path) -> None:
    sources = load(tmp_path, 'events:\n  - id: a\n    note: "\\ud800"\n'
                             '    sources: [http://a.b/]\n')
    assert sources.events[0].id == "a"


# -- the file itself --------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert info.value.path == path and info.value.line is None
    assert "cannot read" in info.value.message


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(SourcesError, match="cannot read the sources file: it is a directory"):
        load_sources(tmp_path)


@pytest.mark.skipif(not Path("/dev/zero").is_char_device() or resource is None,
                    reason="needs /dev/zero and resource limits")
def test_device_instead_of_file_is_refused_unread() -> None:
    # /dev/zero was read until memory ran out: under a limit, in a child process
    code = ("import resource, sys; from pathlib import Path\n"
            "resource.setrlimit(resource.RLIMIT_AS, (2 << 30, resource.RLIM_INFINITY))\n"
            "from archiver.sources import load_sources\n"
            "load_sources(Path('/dev/zero'))\n")
    child = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=120, check=False)
    assert child.returncode == 1
    last = child.stderr.strip().splitlines()[-1]
    assert last == ("archiver.exceptions.SourcesError: /dev/zero: cannot read the sources "
                    "file: it is a device, not a file"), child.stderr[-2000:]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_fifo_instead_of_file_is_refused_unopened(tmp_path: Path) -> None:
    # opening a FIFO waits for a writer: a writer here, so that a loader that
    # opened it would read a good file rather than hang
    fifo = tmp_path / "sources.yaml"
    os.mkfifo(fifo)

    def writer() -> None:
        with contextlib.suppress(BrokenPipeError), open(fifo, "w", encoding="utf-8") as pipe:
            pipe.write(textwrap.dedent(GOOD))

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        with pytest.raises(SourcesError) as info:
            load_sources(fifo)
        assert info.value.message == "cannot read the sources file: it is a pipe (FIFO), not a file"
    finally:
        os.close(os.open(fifo, os.O_RDONLY | os.O_NONBLOCK))  # lets the writer's open return
        thread.join(5)


def test_file_larger_than_the_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "sources.yaml"
    with open(path, "wb") as file:
        file.truncate(sources_mod.MAX_SOURCES_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(SourcesError) as info:
        load_sources(path)
    assert info.value.message.startswith("the sources file is larger than 256 MB")
    assert info.value.path == path and info.value.line is None


def test_file_size_limit_is_inclusive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, GOOD)
    monkeypatch.setattr(sources_mod, "MAX_SOURCES_BYTES", path.stat().st_size)
    assert len(load_sources(path).events) == 2
    monkeypatch.setattr(sources_mod, "MAX_SOURCES_BYTES", path.stat().st_size - 1)
    with pytest.raises(SourcesError, match="the sources file is larger than"):
        load_sources(path)


def test_file_that_grows_beyond_its_size_is_still_limited(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a file whose size says 0 (as in /proc) or that grows while read: reading stops
    path = write(tmp_path, GOOD + "#" * 5000 + "\n")
    real_stat = os.stat

    def stat_of_empty(target: object) -> os.stat_result:
        info = real_stat(target)  # type: ignore[arg-type]
        return os.stat_result((info.st_mode, info.st_ino, info.st_dev, info.st_nlink,
                               info.st_uid, info.st_gid, 0, 0, 0, 0))

    monkeypatch.setattr(sources_mod, "MAX_SOURCES_BYTES", 4096)
    monkeypatch.setattr(os, "stat", stat_of_empty)  # as archiver.files reads it
    with pytest.raises(SourcesError, match="the sources file is larger than"):
        load_sources(path)


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="file permissions do not stop root, and need POSIX modes")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    path.chmod(0)
    try:
        with pytest.raises(SourcesError, match="cannot read"):
            load_sources(path)
    finally:
        path.chmod(0o600)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    data = b"events:\n  - id: a\n    country: Espa\xf1a\n    sources: [http://a.b/]\n"
    error = refusal(tmp_path, data)
    assert error.line == 3
    assert "UTF-8" in error.message


def test_control_character_names_the_line(tmp_path: Path) -> None:
    error = refusal(tmp_path, "events:\n  - id: a\n    country: K\x07enya\n")
    assert error.line == 3
    assert "#x0007" in error.message


def test_deep_nesting_is_a_sources_error(tmp_path: Path) -> None:
    error = refusal(tmp_path, "events: " + "[" * 700 + "]" * 700 + "\n")
    assert "YAML" in error.message


def test_recursive_alias_is_a_sources_error(tmp_path: Path) -> None:
    error = refusal(tmp_path, "events:\n  - &e {id: a, sources: [*e]}\n")
    assert error.line == 2
    assert "without a 'url'" in error.message


# -- the loader raises nothing but SourcesError ----------------------------------

KEYS = ["report", "events", "id", "date", "country", "count", "mechanism", "reason",
        "sources", "url", "printed", "title", "<<"]
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True)
           | st.text(max_size=30) | st.dates() | st.datetimes()
           | st.sampled_from(["http://a.b/", "https://例え.jp/", "ftp://x/", "2016-05-01",
                              "a-b", "http://u:p@h/", "http://[::1]/", "-1", "yes"]))
STRUCTURES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=8), children, max_size=6),
    max_leaves=12,
)


def only_sources_error(tmp_path: Path, data: str | bytes) -> None:
    path = tmp_path / "fuzz.yaml"
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    path.write_bytes(data)
    try:
        sources = load_sources(path)
    except SourcesError as error:
        assert error.path == path
        assert error.message
    else:
        assert sources.events
        ids = [e.id for e in sources.events]
        assert len(ids) == len(set(ids))
        for citation in sources.citations:
            assert url_problem(citation.url) is None


FUZZ = settings(max_examples=100, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(st.text())
def test_arbitrary_text(tmp_path: Path, text: str) -> None:
    only_sources_error(tmp_path, text)


@FUZZ
@given(st.binary())
def test_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    only_sources_error(tmp_path, data)


@FUZZ
@given(STRUCTURES)
def test_arbitrary_structures(tmp_path: Path, value: object) -> None:
    only_sources_error(tmp_path, yaml.safe_dump(value, allow_unicode=True))


@settings(FUZZ, max_examples=40)
@given(st.lists(st.dictionaries(st.sampled_from(KEYS), STRUCTURES, max_size=8), max_size=3))
def test_arbitrary_events(tmp_path: Path, events: list[dict[str, object]]) -> None:
    only_sources_error(tmp_path, yaml.safe_dump({"events": events}, allow_unicode=True))


@FUZZ
@given(st.data())
def test_damaged_good_file(tmp_path: Path, data: st.DataObject) -> None:
    text = textwrap.dedent(GOOD)
    cut = data.draw(st.integers(0, len(text)))
    insert = data.draw(st.text(alphabet=":-[]{}&*!|>'\"# \n\tx", max_size=5))
    only_sources_error(tmp_path, text[:cut] + insert + text[cut:])


YAML_TOKENS = st.sampled_from([
    ":", "-", "[", "]", "{", "}", "&a", "*a", "!!", "!x", "|", ">", "'", '"', "#", "?", ",",
    " ", "  ", "\n", "\t", "<<", "---", "...", "%YAML 1.1", "events", "id", "sources", "url",
    "date", "count", "http://", "a.b", "@", "2016-02-30", "null", "no", "-1", "0x1",
])


@FUZZ
@given(st.lists(YAML_TOKENS, max_size=40).map("".join))
def test_yaml_shaped_text(tmp_path: Path, text: str) -> None:
    only_sources_error(tmp_path, text)


EVENT_IDS = st.text(alphabet="abcz0129-", min_size=1, max_size=12)
HOSTS = st.sampled_from(["example.org", "例え.jp", "127.0.0.1", "[::1]", "a.b.example"])


@settings(FUZZ, max_examples=80)
@given(st.lists(
    st.tuples(EVENT_IDS, st.none() | st.dates(), st.none() | st.integers(0, 10**6),
              st.lists(st.tuples(HOSTS, st.text(alphabet="az09/%?=&", max_size=12)),
                       min_size=1, max_size=3, unique=True)),
    min_size=1, max_size=5, unique_by=lambda e: e[0]))
def test_valid_events_round_trip(tmp_path: Path, rows: list[tuple[
        str, dt.date | None, int | None, list[tuple[str, str]]]]) -> None:
    events = [{"id": i, "date": d, "count": c,
               "sources": [f"https://{h}/{p}" for h, p in urls]} for i, d, c, urls in rows]
    path = tmp_path / "round.yaml"
    path.write_text(yaml.safe_dump({"events": events}, allow_unicode=True), encoding="utf-8")
    sources = load_sources(path)
    assert [(e.id, e.date, e.count) for e in sources.events] == [r[:3] for r in rows]
    assert [[c.url for c in e.citations] for e in sources.events] == [
        ev["sources"] for ev in events]


# -- libyaml scans, PyYAML's composer builds: the same result either way ---------

FAST_SAMPLE = """\
# a report's sources
report:
  title: "Deportations: a record"
  publisher: Lab
events:
  - id: e-1
    date: 2016-04-12
    country: Kenya
    count: 45
    reason: 'telecom fraud'
    sources:
      - https://example.com/news/1
      - {url: "https://example.com/news/2", printed: true}
  - id: e-2
    date: 2017-02-01
    country: Malaysia
    sources: [https://example.org/a/b#c]
"""


@pytest.mark.skipif(sources_mod._FastLoader is None,
                    reason="PyYAML built without libyaml: only its own scanner exists")
@pytest.mark.parametrize("text", [
    FAST_SAMPLE,
    FAST_SAMPLE.replace("date: 2017-02-01", "date: 2017-13-01"),  # refused by the checks
    FAST_SAMPLE.replace("[https://example.org/a/b#c]", "[https://example.org/a"),  # bad YAML
    FAST_SAMPLE + "  - id: e-1\n    date: 2016-01-01\n    country: Laos\n    sources: [http://x.y/]\n",
    "events:\n  - &a {id: e-9, date: 2016-01-01, country: Laos, sources: [http://x.y/]}\n",
    "events: " + "[" * 3000 + "]" * 3000 + "\n",
])
def test_libyaml_scanning_changes_nothing(tmp_path: Path, text: str,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sources.yaml"

    def outcome() -> object:
        try:
            return sources_mod.parse_sources(text, path)
        except SourcesError as exc:
            return (str(exc), exc.line)

    fast = outcome()
    monkeypatch.setattr(sources_mod, "_FastLoader", None)
    assert outcome() == fast


@pytest.mark.skipif(sources_mod._FastLoader is None,
                    reason="PyYAML built without libyaml: its own scanner refuses this")
def test_a_url_with_a_query_reads_in_a_flow_list(tmp_path: Path) -> None:
    """PyYAML's own scanner refuses '?' inside [...]; libyaml reads it, as YAML allows."""
    path = tmp_path / "sources.yaml"
    path.write_text("events:\n  - id: e-1\n    date: 2016-04-12\n    country: Kenya\n"
                    "    sources: [https://example.org/story?id=12&p=2]\n", encoding="utf-8")
    sources = load_sources(path)
    assert [c.url for c in sources.citations] == ["https://example.org/story?id=12&p=2"]


@pytest.mark.parametrize(("report", "subject"), [
    ("report:\n  title: T\n  subject: Uyghurs\n", ("Uyghurs",)),
    ("report:\n  subject: Uyghurs, Hong Kong ,\n", ("Uyghurs", "Hong Kong")),
    ("report:\n  subject: [Taiwan, Uyghurs]\n", ("Taiwan", "Uyghurs")),
    # a list's items are names as they are, commas and all
    ("report:\n  subject: ['Korea, Republic of', ' Taiwan', Taiwan]\n",
     ("Korea, Republic of", "Taiwan")),
    ("report:\n  subject: ''\n", ()),  # none: only the event's country counts
    # none given: the report this tool was made for
    ("report:\n  title: Deportations from Kenya\n", ("Taiwan",)),
    ("", ("Taiwan",)),
    ("report:\n  subject:\n", ("Taiwan",)),  # null: none given
])
def test_every_event_gets_the_reports_subject(tmp_path: Path, report: str,
                                              subject: tuple[str, ...]) -> None:
    text = report + "events:\n  - id: a\n    sources: [http://a.b/]\n" \
                    "  - id: b\n    country: Kenya\n    sources: [http://a.b/c]\n"
    path = tmp_path / "sources.yaml"
    path.write_text(text, encoding="utf-8")
    sources = load_sources(path)
    assert [e.subject for e in sources.events] == [subject, subject]
    assert sources.events[1].country == "Kenya"


def test_the_reports_sources_name_taiwan_as_the_subject() -> None:
    sources = load_sources(REPO / "data" / "sources.yaml")
    assert {e.subject for e in sources.events} == {("Taiwan",)}


def test_a_long_bad_value_is_quoted_cut(tmp_path: Path) -> None:
    """A 3 MB URL with a space was repeated whole in its refusal: a 3 MB line."""
    from archiver.exceptions import SourcesError
    from archiver.sources import QUOTED_CHARS, load_sources

    path = tmp_path / "sources.yaml"
    url = "http://127.0.0.1/" + "x" * 3_000_000 + " y"
    path.write_text(f"events:\n  - id: a\n    sources: ['{url}']\n", encoding="utf-8")
    with pytest.raises(SourcesError) as refused:
        load_sources(path)
    said = str(refused.value)
    assert len(said) < QUOTED_CHARS + 300 and "3,000,019 characters" in said, said[:400]
    assert f"{path}:3:" in said
