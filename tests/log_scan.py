"""The log scan: a pytest plugin (loaded by tests/conftest.py) that keeps every log record of the test run and,
at the end of the session, fails the run when one holds a secret the tests used.

What is captured: every record that reaches the root logger, with the ``shomei`` loggers lowered to DEBUG so
that the access log and every INFO line of the app are kept (the app's own stderr handler keeps its level, so
nothing more is printed). For each record its message with the arguments applied, the arguments, the
``extra`` fields, the formatted exception and stack.

What counts as a secret (``SecretRegistry``): the tests' admin token and key-encryption key; every value
the in-process client (``app.testing.SyncClient``, wrapped for the session) sends or receives in a
secret-bearing place: the credential of an ``Authorization`` header, a recipient's ``email``,
``identifier`` and ``id`` (request bodies), a credential subject's ``id``, an ``identityHash``, the
``recipient`` query parameter, and any ``token``, ``tx_code``, ``access_token``, ``refresh_token``,
``pre-authorized_code``, ``code``, ``code_verifier``, ``secret`` (a webhook signing secret), ``view``,
``response_code``, ``vp_token`` or ``wallet_nonce`` string in a JSON or form body, a query string or a
redirect; and the private part of every signing key the app generates (``LocalKeyCustody.generate``,
wrapped for the session). Values under 6 characters are ignored; matching ignores case and needs a value
to stand alone (no letter or digit just before or after it), so that a 6-digit tx_code is not found inside
a longer number. ``SHOMEI_LOG_SCAN_DUMP=<file>`` appends the captured records to a file, for a look.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import os
import re
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from app.keystore import LocalKeyCustody
from app.testing import SyncClient
from proofs.keys import KeyAlgorithm, PrivateKey, PublicKey, open_sealed

__all__ = ["LogCapture", "SecretRegistry", "active", "find_leaks"]

MIN_LENGTH = 6
_KEY = 6  # a secret is found through its last 6 characters (MIN_LENGTH)
_SECRET_KEYS = frozenset(
    {
        "token",
        "tx_code",
        "access_token",
        "refresh_token",
        "pre-authorized_code",
        "code",
        "code_verifier",
        "secret",
    }
    # OpenID4VP: the employer page's secret, the same-device response code, a wallet's presentations
    | {"view", "response_code", "vp_token", "wallet_nonce"}
)
_RECIPIENT_KEYS = ("email", "identifier", "id")
# An error or reason code (kebab-case words, or UPPER_SNAKE_CASE): a "code" member that holds one is a
# word of the service's vocabulary, not an authorization code.
_VOCABULARY = re.compile(r"[a-z]+(?:-[a-z]+)+|[A-Z]+(?:_[A-Z]+)+")
_RESERVED = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_WORKER_OUTPUT = "log_scan"
_MAX_JSON = 2_000_000
_DUMP = os.environ.get("SHOMEI_LOG_SCAN_DUMP", "")


class SecretRegistry:
    """The secret values seen in the run, each with what it is (for the report)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}  # lower-cased value -> kind

    def add(self, kind: str, value: object) -> None:
        if isinstance(value, str) and len(text := value.strip()) >= MIN_LENGTH:
            if kind == "code" and _VOCABULARY.fullmatch(text):
                return  # a reason code of ours ("network-error", "STATUS_RETRIEVAL_ERROR"), not a secret
            self.values.setdefault(text.lower(), kind)

    def add_query(self, url: str) -> None:
        for name, value in parse_qsl(urlsplit(url).query):
            if name in _SECRET_KEYS:
                self.add(name, value)
            elif name == "recipient":
                self.add("recipient", value)

    def add_document(self, data: Any, *, depth: int = 0) -> None:
        """Secret-bearing members of a JSON value (a body, a form): secret keys, recipients."""
        if depth > 12:
            return
        if isinstance(data, dict):
            for key, value in data.items():
                if key in _SECRET_KEYS:
                    self.add(str(key), value)
                elif key == "recipient" and isinstance(value, dict):
                    for name in _RECIPIENT_KEYS:
                        self.add(f"recipient {name}", value.get(name))
                elif key == "recipient":
                    self.add("recipient", value)
                elif key == "identityHash":  # an OB 3.0 IdentityObject (plain when hashed is false)
                    self.add("recipient identifier", value)
                elif key == "credentialSubject" and isinstance(value, dict):
                    self.add("recipient id", value.get("id"))
                self.add_document(value, depth=depth + 1)
        elif isinstance(data, list):
            for item in data:
                self.add_document(item, depth=depth + 1)

    def add_request(self, url: str, kwargs: dict[str, Any]) -> None:
        self.add_query(url)
        headers = kwargs.get("headers") or {}
        items: Iterable[tuple[Any, Any]] = headers.items() if isinstance(headers, dict) else headers
        for name, value in items:
            if str(name).lower() == "authorization" and isinstance(value, str):
                self.add("bearer token", value.partition(" ")[2])
        params = kwargs.get("params")
        if isinstance(params, dict):
            self.add_document(params)
        for body in (kwargs.get("json"), kwargs.get("data")):
            if body is not None:
                self.add_document(body)

    def add_response(self, response: httpx.Response) -> None:
        location = response.headers.get("location")
        if location:
            self.add_query(location)
        content_type = response.headers.get("content-type", "")
        if "json" not in content_type or len(response.content) > _MAX_JSON:
            return
        try:
            data = json.loads(response.content)
        except ValueError:
            return
        self.add_document(data)

    def add_private_key(self, key: PrivateKey) -> None:
        der = key.to_pkcs8()
        self.add("private key (jwk d)", key.private_jwk().get("d"))
        self.add("private key (pkcs8, base64)", base64.b64encode(der).decode())
        self.add("private key (pkcs8, hex)", der.hex())


@dataclass
class Leak:
    """A secret found in a captured record: what it is, which logger, in which test."""

    kind: str
    logger: str
    test: str
    excerpt: str

    def describe(self) -> str:
        return f"{self.kind} in a record of {self.logger!r} (test {self.test or 'set-up'}): {self.excerpt}"


class LogCapture(logging.Handler):
    """Keeps the text of every record it handles: (logger, test, text)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.test = ""
        self.records: list[tuple[str, str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.name, self.test, record_text(record)))


def record_text(record: logging.LogRecord) -> str:
    """Everything a formatter could write of a record: message, arguments, extra fields, exception, stack."""
    parts: list[str] = []
    try:
        parts.append(record.getMessage())
    except Exception:  # a record whose arguments do not fit its message still has both scanned
        parts.append(str(record.msg))
    if record.args:
        parts.append(repr(record.args))
    parts += [
        f"{k}={v!r} {v}" for k, v in vars(record).items() if k not in _RESERVED and not k.startswith("_")
    ]
    if record.exc_info and record.exc_info[1] is not None:
        parts.append("".join(traceback.format_exception(record.exc_info[1])))
    elif record.exc_text:
        parts.append(record.exc_text)
    if record.stack_info:
        parts.append(record.stack_info)
    return "\n".join(parts)


def _stands_alone(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not before.isalnum() and not after.isalnum()


def _excerpt(text: str, start: int, value: str, kind: str) -> str:
    """The text around the secret at ``start``, every occurrence of it masked."""
    window = text[max(0, start - 60) : start + len(value) + 60]
    masked = re.sub(re.escape(value), f"<{kind}>", window, flags=re.IGNORECASE)
    return " ".join(masked.split())


def find_leaks(registry: SecretRegistry, records: Iterable[tuple[str, str, str]]) -> list[Leak]:
    """The records that hold a registered secret (one leak per record and secret kind)."""
    by_tail: dict[str, list[str]] = {}
    for value in registry.values:
        by_tail.setdefault(value[-_KEY:], []).append(value)
    leaks: list[Leak] = []
    for logger, test, text in records:
        lowered = text.lower()
        seen: set[str] = set()
        for end in range(_KEY, len(lowered) + 1):
            for value in by_tail.get(lowered[end - _KEY : end], ()):
                start = end - len(value)
                if start < 0 or lowered[start:end] != value or not _stands_alone(lowered, start, end):
                    continue
                kind = registry.values[value]
                if kind in seen:
                    continue
                seen.add(kind)
                leaks.append(
                    Leak(kind=kind, logger=logger, test=test, excerpt=_excerpt(text, start, value, kind))
                )
    return leaks


# --- the session -----------------------------------------------------------------------------------------


@dataclass
class _Session:
    registry: SecretRegistry
    capture: LogCapture
    restore: list[Callable[[], None]]
    leaks: list[Leak]
    scanned: int = 0


_active: _Session | None = None


def active() -> tuple[SecretRegistry, LogCapture] | None:
    """The session's registry and capture (None outside a test run with the plugin)."""
    return (_active.registry, _active.capture) if _active is not None else None


def _wrap_client(registry: SecretRegistry) -> Callable[[], None]:
    original = SyncClient.request

    @functools.wraps(original)
    def request(self: SyncClient, method: str, url: str, **kwargs: Any) -> httpx.Response:
        registry.add_request(url, kwargs)
        response = original(self, method, url, **kwargs)
        registry.add_response(response)
        return response

    SyncClient.request = request  # type: ignore[method-assign]

    def restore() -> None:
        SyncClient.request = original  # type: ignore[method-assign]

    return restore


def _wrap_custody(registry: SecretRegistry) -> Callable[[], None]:
    original = LocalKeyCustody.generate

    @functools.wraps(original)
    def generate(self: LocalKeyCustody, algorithm: KeyAlgorithm, *, key_id: str) -> tuple[PublicKey, bytes]:
        public, sealed = original(self, algorithm, key_id=key_id)
        registry.add_private_key(PrivateKey.from_pkcs8(open_sealed(self.kek, sealed, aad=key_id.encode())))
        return public, sealed

    LocalKeyCustody.generate = generate  # type: ignore[method-assign]

    def restore() -> None:
        LocalKeyCustody.generate = original  # type: ignore[method-assign]

    return restore


def _lower(logger: logging.Logger, level: int) -> Callable[[], None]:
    previous = logger.level
    logger.setLevel(level)
    return lambda: logger.setLevel(previous)


def pytest_configure(config: pytest.Config) -> None:
    global _active
    if _active is not None:
        return
    from tests.conftest import ADMIN_TOKEN, TEST_KEK  # the plugin is loaded by conftest: import it late

    registry = SecretRegistry()
    registry.add("admin token", ADMIN_TOKEN)
    registry.add("key-encryption key", TEST_KEK)
    registry.add("key-encryption key", base64.b64decode(TEST_KEK).decode("latin-1"))
    capture = LogCapture()
    root = logging.getLogger()
    root.addHandler(capture)
    restore = [
        lambda: root.removeHandler(capture),
        _lower(logging.getLogger("shomei"), logging.DEBUG),
        _wrap_client(registry),
        _wrap_custody(registry),
    ]
    _active = _Session(registry=registry, capture=capture, restore=restore, leaks=[])


def pytest_unconfigure(config: pytest.Config) -> None:
    global _active
    if _active is not None:
        for undo in reversed(_active.restore):
            undo()
        _active = None


def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    if _active is not None:
        _active.capture.test = nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist controller: take what a worker found."""
    if _active is not None:
        _active.leaks += [Leak(**raw) for raw in json.loads(node.workeroutput.get(_WORKER_OUTPUT, "[]"))]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _active is None:
        return
    records = _active.capture.records
    _active.leaks += find_leaks(_active.registry, records)
    _active.scanned += len(records)
    if _DUMP:  # SHOMEI_LOG_SCAN_DUMP=<file>: keep the captured records for a look
        with open(_DUMP, "a", encoding="utf-8") as out:
            for logger, test, text in records:
                out.write(json.dumps({"logger": logger, "test": test, "text": text}) + "\n")
    records.clear()
    workeroutput = getattr(session.config, "workeroutput", None)
    if workeroutput is not None:  # an xdist worker: the controller reports
        workeroutput[_WORKER_OUTPUT] = json.dumps([asdict(leak) for leak in _active.leaks])
    elif _active.leaks:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    if _active is None or hasattr(config, "workeroutput"):
        return
    if not _active.leaks:
        if _active.scanned:
            terminalreporter.line(
                f"log scan: {_active.scanned} log records, {len(_active.registry.values)} secrets: none logged"
            )
        return
    terminalreporter.section("log scan", sep="=", red=True)
    terminalreporter.line(f"{len(_active.leaks)} log records hold a secret the tests used:")
    for leak in _unique(_active.leaks):
        terminalreporter.line("  " + leak.describe())


def _unique(leaks: list[Leak]) -> Iterator[Leak]:
    seen: set[tuple[str, str, str]] = set()
    for leak in leaks:
        key = (leak.kind, leak.logger, leak.excerpt)
        if key not in seen:
            seen.add(key)
            yield leak
