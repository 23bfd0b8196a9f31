"""Classify a failed request: an error kind and a sentence for humans.

Errors are classified by exception type, never by message text: the types in
the exception's cause chain (causes, contexts and the members of exception
groups) decide the :data:`~archiver.models.FetchErrorKind`
(:func:`classify_error`). The fetcher (``fetch.py``) calls it for every
request that failed.
"""

from __future__ import annotations

import ssl

import httpx

from .http11 import NoAnswer
from .models import FetchErrorKind
from .netpolicy import ForbiddenAddress, ResolutionError, ResolutionTimeout


def _chain(exc: BaseException) -> list[BaseException]:
    """*exc*, its causes and contexts, and the members of exception groups."""
    out: list[BaseException] = []
    todo: list[BaseException] = [exc]
    while todo and len(out) < 64:
        current = todo.pop(0)
        if any(current is seen for seen in out):
            continue
        out.append(current)
        if isinstance(current, BaseExceptionGroup):
            todo.extend(current.exceptions)
        nxt = current.__cause__ or current.__context__
        if nxt is not None:
            todo.append(nxt)
    return out


def classify_error(exc: BaseException, *, during_tls: bool = False) -> tuple[FetchErrorKind, str]:
    """The error kind of a failed request and a sentence for humans.

    Decided from the types in the exception's cause chain. *during_tls* says
    that the TLS handshake had started, so a closed connection is a TLS
    failure.
    """
    chain = _chain(exc)

    def find(*types: type[BaseException]) -> BaseException | None:
        return next((e for e in chain if isinstance(e, types)), None)

    if (e := find(ForbiddenAddress)) is not None:
        return "policy", str(e)
    if (e := find(ResolutionTimeout)) is not None:
        return "timeout", str(e)
    if (e := find(ResolutionError)) is not None:
        return "dns", str(e)
    if isinstance(e := find(ssl.SSLCertVerificationError), ssl.SSLCertVerificationError):
        message = e.verify_message or e.reason or "verification failed"
        return "tls", f"invalid certificate: {message}"
    if isinstance(e := find(ssl.SSLError), ssl.SSLError):
        return "tls", f"TLS handshake failed: {e.reason or type(e).__name__}"
    if find(httpx.TimeoutException, TimeoutError) is not None:  # AttemptTimeout included
        what = "connect" if find(httpx.ConnectTimeout) is not None else "response"
        return "timeout", f"{what} timed out"
    if find(ConnectionRefusedError) is not None:
        return "refused", "connection refused"
    if find(httpx.ConnectError) is not None:
        if during_tls:
            return "tls", "TLS handshake failed: the server closed the connection"
        return "connect", f"connection failed: {_cause_name(chain)}"
    if find(NoAnswer) is not None:  # a connection failure, retried as one
        return "connect", "the server closed the connection without answering"
    if find(httpx.InvalidURL, httpx.UnsupportedProtocol) is not None:
        return "invalid-url", str(exc)
    if find(httpx.ProtocolError) is not None:
        return "protocol", f"malformed response: {exc}"
    if find(httpx.NetworkError) is not None:
        return "protocol", f"connection broken during the exchange: {_cause_name(chain)}"
    return "connect", f"request failed: {type(exc).__name__}"


def _cause_name(chain: list[BaseException]) -> str:
    return type(chain[-1]).__name__
