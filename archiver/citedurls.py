"""Which URLs a sources file may cite: :func:`url_problem`.

A cited URL is checked when the sources file is loaded, so that a URL the
fetcher could not use is refused with the file and line it was written on,
never found later as a crash or a "dead" link. The check is in two steps:

* the text as written: absolute ``http``/``https``, a host, a valid port, no
  user credentials, no whitespace, control characters or lone surrogates, no
  IPv4 address written with a leading zero (octal to some programs);
* the URL as the fetcher will read it: ``httpx.URL(url)`` must parse it and
  give its host and port. That refuses what only httpx knows, such as an
  ``xn--`` label that is not valid punycode/IDNA (``xn--zz``), a name IDNA
  refuses (a fullwidth letter, a zero-width joiner) and an impossible IPv4
  address (``999.1.1.1``). Host names longer than DNS allows (253 characters,
  63 a label, counted in their ASCII form) are refused too: no name server
  could answer for them.

Which *addresses* may be fetched is decided at fetch time, not here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import httpx

from .exchange import parse_url

__all__ = ["MAX_HOST_LENGTH", "MAX_LABEL_LENGTH", "lone_surrogate", "url_problem"]

#: The longest host name DNS can carry (RFC 1035, written without the final dot).
MAX_HOST_LENGTH = 253
#: The longest label of a host name (RFC 1035).
MAX_LABEL_LENGTH = 63

#: Characters that never belong in a URL as written in the file.
_URL_FORBIDDEN = re.compile(r"[\s\x00-\x20\x7f-\x9f<>\"{}|\\^`]")
_HOST_FORBIDDEN = re.compile(r"[\x00-\x20\x7f-\x9f/?#@:%\[\]<>\"{}|\\^`]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(text: str) -> str | None:
    """The first lone surrogate in *text*, escaped (``\\ud800``), or None.

    A YAML escape such as ``"\\ud800"`` gives one; it is not a character, and
    no UTF-8 text (a database, a report) can hold it.
    """
    found = _SURROGATE.search(text)
    return None if found is None else f"\\u{ord(found.group()):04x}"


def url_problem(url: str) -> str | None:
    """Why *url* cannot be a cited URL, or None when it can.

    Accepted: absolute ``http``/``https`` URLs with a host (a name, an IDN
    name, or an IP literal), an optional valid port, no user credentials and
    no whitespace or control characters, that httpx parses with its host and
    port, and whose host name fits in DNS.
    """
    if not url:
        return "empty URL"
    if _URL_FORBIDDEN.search(url):
        return "URL contains a space, control character or character not allowed in URLs"
    surrogate = lone_surrogate(url)
    if surrogate:
        return f"URL contains a lone surrogate ({surrogate}), which is not a character"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return f"malformed URL ({exc})"
    if not parts.scheme:
        return "not an absolute URL (no scheme)"
    if parts.scheme not in ("http", "https"):
        return f"only http and https URLs can be cited, not {parts.scheme} ones"
    if not url.lower().startswith(parts.scheme + "://"):
        return "not an absolute URL (expected '//' after the scheme)"
    if "@" in parts.netloc:
        return "URL carries user credentials (user:password@host); remove them"
    host = parts.hostname or ""
    if not host:
        return "URL has no host"
    if port == 0:
        return "URL has port 0"
    if parts.netloc.startswith("["):
        if not re.fullmatch(r"\[[^\]]+\](:[0-9]*)?", parts.netloc):
            return f"invalid host {parts.netloc!r}"
        return _fetcher_problem(url, host)  # an IPv6 literal: urlsplit has checked it
    labels = host[:-1].split(".") if host.endswith(".") else host.split(".")
    if any(not label for label in labels) or _HOST_FORBIDDEN.search(host):
        return f"invalid host {host!r}"
    if all(label.isdigit() for label in labels) and \
            any(len(label) > 1 and label[0] == "0" for label in labels):
        # 0177.0.0.1 is 127.0.0.1 to a browser and no address to others
        return (f"host {host!r} is an IPv4 address with a leading zero, read as octal by "
                "some programs and refused by others: write it without")
    return _fetcher_problem(url, host)


def _fetcher_problem(url: str, host: str) -> str | None:
    """Why httpx, which fetches, cannot use *url* (whose host urlsplit read as *host*)."""
    try:
        parsed = parse_url(url)  # httpx.URL(url), as the fetcher makes it
        parsed.port  # noqa: B018 -- checked when read
    except (httpx.InvalidURL, ValueError) as exc:  # idna's errors are ValueErrors too
        return f"URL cannot be fetched ({exc})"
    try:
        parsed.host  # noqa: B018 -- decodes an ``xn--`` label, which may fail
    except ValueError as exc:
        return f"invalid host {host!r}: not valid punycode/IDNA ({exc})"
    name = parsed.raw_host.rstrip(b".")  # the ASCII (IDNA) form
    if len(name) > MAX_HOST_LENGTH:
        return (f"host name is {len(name)} characters long, more than the "
                f"{MAX_HOST_LENGTH} DNS allows")
    for label in name.split(b"."):
        if len(label) > MAX_LABEL_LENGTH:
            return (f"host name label {label[:20].decode('ascii', 'replace')!r}... is "
                    f"{len(label)} characters long, more than the {MAX_LABEL_LENGTH} "
                    "DNS allows")
    return None
