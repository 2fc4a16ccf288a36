"""Offline JSON-LD: a frozen document loader over bundled, sha256-pinned contexts, and safe-mode expansion.

Never fetches: a context URL that is not bundled raises :class:`UnknownContext`. Safe mode (VC Data
Integrity §4.6, "dataset poisoning"; VCDM 2.0 §4.3): a property or type that does not expand to an absolute
IRI raises :class:`UndefinedTerm` instead of being silently dropped.
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import Any

from pyld import jsonld

from proofs.errors import ProofsError
from proofs.jsonld.caches import ContextCache
from proofs.jsonld.expansion import expand
from proofs.jsonld.fragments import Fragment
from proofs.jsonld.locate import TermKind, locate_term
from schemas import CONTEXTS_DIR

__all__ = [
    "CONTEXTS_DIR",
    "AliasedTerm",
    "ContextIntegrityError",
    "DocumentLoader",
    "InvalidContext",
    "JsonLdFailure",
    "UndefinedTerm",
    "UnknownContext",
    "bundled_loader",
    "expand_safe",
    "json_copy",
]

# Relative IRIs are resolved against this sentinel base so that they can be recognised and refused.
_SENTINEL_BASE = "https://relative-iri.invalid/"


class JsonLdFailure(ProofsError):
    """JSON-LD processing failed (malformed document or context). ``code``: the JSON-LD 1.1 API error code
    pyld gave (``invalid @id value``, …), None when pyld failed without one."""

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class InvalidContext(JsonLdFailure):
    """A context cannot be processed (a JSON-LD 1.1 API context processing error: an invalid IRI mapping,
    a protected term redefined, a context that is neither a URL nor an object, …)."""


class UnknownContext(JsonLdFailure):
    """A context URL is not among the bundled ones; nothing is fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(f"unknown JSON-LD context: {url}")
        self.url = url


class AliasedTerm(JsonLdFailure):
    """A member names a property that a published context names by another name (the property's IRI, a
    compact IRI, a term of an inline context), or attaches properties to another node (``@nest``,
    ``@included``, ``@reverse``). Its RDF, and so its proof, is the same as the document's with the
    published name, but a reader of the JSON (every check after the proof: status, validity, issuer) would
    not find the property where it is: a revoked credential with ``credentialStatus`` written as its IRI
    would verify. VCDM 2.0 §1.3: a conforming document is in compacted form."""

    def __init__(self, member: str, iri: str) -> None:
        super().__init__(f"the member {member!r} names {iri} by another name than its context's")
        self.member = member
        self.iri = iri


class UndefinedTerm(JsonLdFailure):
    """A property or type is not defined by the document's contexts (it would be dropped).

    ``path`` is where the term was written (a JSONPath into the compact document, ``pointer`` the same
    place as a JSON Pointer) when it can be found there; else the place in the expanded document.
    """

    def __init__(self, term: str, path: str, *, pointer: str | None = None) -> None:
        super().__init__(f"undefined term {term!r} at {path}")
        self.term = term
        self.path = path
        self.pointer = pointer

    def located(self, document: Any) -> UndefinedTerm:
        """The same failure, with the compact field of ``document`` that holds the term, when found."""
        kind: TermKind = "property"
        if self.path.endswith(".type"):
            kind = "type"
        elif self.path.endswith(".id"):
            kind = "id"
        found = locate_term(document, self.term, kind, None if self.path == "$" else self.path)
        if found is None:
            return self
        return UndefinedTerm(self.term, found[0], pointer=found[1])


class ContextIntegrityError(RuntimeError):
    """A bundled context file does not match its pinned sha256: the installation is broken (raised when
    the loader is built, at start-up). Deliberately not a :class:`~proofs.errors.ProofsError`, which
    says the *input* was wrong: no handler of bad input should catch it."""


class DocumentLoader:
    """A frozen pyld document loader: serves only the documents it was built with.

    Each loader owns the caches of the contexts processed with it (:attr:`context_cache`), so two loaders
    that serve different documents under the same URL never see each other's results.
    """

    def __init__(self, documents: Mapping[str, Any]) -> None:
        # Its own copy: what the caller does to its objects later cannot reach the caches.
        self._documents = {url: json_copy(document) for url, document in documents.items()}
        self._context_cache = ContextCache(self._documents)

    @property
    def context_cache(self) -> ContextCache:
        """The caches of the contexts processed with this loader (:mod:`proofs.jsonld.caches`)."""
        return self._context_cache

    def __contains__(self, url: object) -> bool:
        return url in self._documents

    def urls(self) -> Iterator[str]:
        return iter(self._documents)

    def document(self, url: str) -> Any:
        try:
            return self._documents[url]
        except KeyError:
            raise UnknownContext(url) from None

    def with_documents(self, extra: Mapping[str, Any]) -> DocumentLoader:
        return DocumentLoader({**self._documents, **extra})

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": self.document(url)}

    def check_terms(self, document: Mapping[str, Any]) -> None:
        """Safe-mode check only (raises UndefinedTerm / UnknownContext)."""
        expand_safe(document, loader=self)


def json_copy(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), several times faster than ``copy.deepcopy``.

    Anything that is not plain JSON (a dict subclass, a tuple, ...) is handed to ``copy.deepcopy``.
    """
    kind = type(value)
    if kind is dict:
        return {k: json_copy(v) for k, v in value.items()}
    if kind is list:
        return [json_copy(v) for v in value]
    if kind in (str, int, float, bool) or value is None:
        return value
    return copy.deepcopy(value)


def bundled_loader(directory: Path = CONTEXTS_DIR) -> DocumentLoader:
    """Load every context in ``manifest.json``, verifying each file's sha256."""
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    documents: dict[str, Any] = {}
    for url, entry in manifest["contexts"].items():
        data = (directory / entry["file"]).read_bytes()
        if hashlib.sha256(data).hexdigest() != entry["sha256"]:
            raise ContextIntegrityError(f"{entry['file']} does not match its pinned sha256")
        documents[url] = json.loads(data)
    return DocumentLoader(documents)


# JSON-LD 1.1 API §9.4.2 (JsonLdErrorCode): the codes raised while processing a context.
_CONTEXT_CODES = frozenset(
    (
        "context overflow",
        "cyclic IRI mapping",
        "invalid @import value",
        "invalid @propagate value",
        "invalid @version value",
        "invalid base direction",
        "invalid base IRI",
        "invalid container mapping",
        "invalid context entry",
        "invalid context nullification",
        "invalid default language",
        "invalid IRI mapping",
        "invalid JSON literal",
        "invalid keyword alias",
        "invalid language mapping",
        "invalid local context",
        "invalid prefix value",
        "invalid protected value",
        "invalid remote context",
        "invalid reverse property",
        "invalid scoped context",
        "invalid term definition",
        "invalid type mapping",
        "invalid vocab mapping",
        "keyword redefinition",
        "loading remote context failed",
        "processing mode conflict",
        "protected term redefinition",
        "recursive context inclusion",
    )
)


def _failure(exc: Any) -> JsonLdFailure:
    """Our error for a pyld JsonLdError: :class:`InvalidContext` for a context processing error code."""
    code = getattr(exc, "code", None)
    code = code if isinstance(code, str) else None
    message = f"JSON-LD processing failed: {code or getattr(exc, 'type', None) or 'error'}"
    return (InvalidContext if code in _CONTEXT_CODES else JsonLdFailure)(message, code=code)


def _find_contexts(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _find_contexts(item)


def _check_context_urls(document: Any, loader: DocumentLoader) -> None:
    """Refuse unknown context URLs up front (also nested, scoped contexts are resolved by the loader)."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "@context":
                for url in _find_contexts(value):
                    if url not in loader:
                        raise UnknownContext(url)
            else:
                _check_context_urls(value, loader)
    elif isinstance(document, list):
        for item in document:
            _check_context_urls(item, loader)


def _is_absolute(iri: str) -> bool:
    # pyld's own test, the one its toRdf applies: a node @id or @type that fails it (a scheme not starting
    # with a letter, "1a:b"; whitespace, "did:example:a b") is left out of the dataset with every triple
    # naming it, so JSON under such a node would be unsigned.
    if iri.startswith(_SENTINEL_BASE):
        return False
    return bool(jsonld._is_absolute_iri(iri))


_RECURSE_KEYWORDS = frozenset(("@graph", "@list", "@set", "@included", "@reverse"))

# JSON-LD 1.1 §9.5: a value object's @language "MUST have the lexical form described in [BCP47]"; the
# well-formedness test of jsonld.js (whose safe mode refuses any other), case-insensitive.
_BCP47 = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*")


def _language_ok(value_object: Mapping[str, Any]) -> bool:
    language = value_object.get("@language")
    return not isinstance(language, str) or _BCP47.fullmatch(language) is not None


def _expanded_ok(node: Any, checked: frozenset[int] = frozenset()) -> bool:
    """True when :func:`_check_expanded` would pass (the same walk, iterative, without building paths).
    ``checked``: the ids of objects inside ``node`` already known to pass (memoized fragments)."""
    stack = [node]
    push = stack.append
    while stack:
        item = stack.pop()
        if checked and id(item) in checked:
            continue
        kind = type(item)  # expanded JSON-LD holds dicts, lists and scalars only
        if kind is list:
            for value in item:
                if type(value) is dict:
                    # A value object (most of them): its @type is a datatype, nothing in it recurses.
                    if "@value" in value and not (checked and id(value) in checked):
                        if ("@language" in value and not _language_ok(value)) or (
                            "@type" in value and type(value["@type"]) is not str
                        ):
                            return False
                    else:
                        push(value)
                elif type(value) is list:
                    push(value)
            continue
        if kind is not dict:
            continue
        if "@value" in item:  # a value object: its @type is a datatype, and nothing in it recurses
            if not _language_ok(item) or ("@type" in item and type(item["@type"]) is not str):
                return False
            continue
        types = item.get("@type")
        if types is not None:
            for t in types if type(types) is list else (types,):
                if type(t) is str and not _is_absolute(t):
                    return False
        node_id = item.get("@id")
        if type(node_id) is str and node_id and not _is_absolute(node_id):
            return False
        for key, value in item.items():
            if (key[:1] != "@" or key in _RECURSE_KEYWORDS) and (type(value) is list or type(value) is dict):
                push(value)
    return True


def _check_expanded(node: Any, path: str) -> None:
    if isinstance(node, list):
        for i, item in enumerate(node):
            _check_expanded(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if "@value" in node and not _language_ok(node):
        raise JsonLdFailure(
            f"the language tag {node['@language']!r} at {path} is not a well-formed BCP47 tag",
            code="invalid language-tagged string",
        )
    if "@value" in node and "@type" in node and not isinstance(node["@type"], str):
        # pyld's expansion of a value object or list under a type map ("@type": ["@list"]); its toRdf
        # refuses it (JSON-LD 1.1 API §5.1.2 step 13.4.7.4: a value object's @type is one IRI).
        raise JsonLdFailure(
            f"the value object at {path} has a @type that is not an IRI", code="invalid typed value"
        )
    for t in node.get("@type", []) if isinstance(node.get("@type"), list) else [node.get("@type")]:
        if isinstance(t, str) and not _is_absolute(t) and "@value" not in node:
            raise UndefinedTerm(t.removeprefix(_SENTINEL_BASE), f"{path}.type")
    node_id = node.get("@id")
    if isinstance(node_id, str) and node_id and not _is_absolute(node_id):
        raise UndefinedTerm(node_id.removeprefix(_SENTINEL_BASE), f"{path}.id")
    for key, value in node.items():
        if not key.startswith("@"):
            _check_expanded(value, f"{path}.{key}")
        elif key in ("@graph", "@list", "@set", "@included", "@reverse"):
            _check_expanded(value, path)


_JSON_SCALARS = frozenset((str, int, float, bool, type(None)))


def _checked_copy(value: Any, loader: DocumentLoader) -> Any:
    """:func:`json_copy` and :func:`_check_context_urls` in one walk."""
    kind = type(value)
    if kind is dict:
        out = {}
        for key, item in value.items():
            if key == "@context":
                for url in _find_contexts(item):
                    if url not in loader:
                        raise UnknownContext(url)
                out[key] = json_copy(item)
            elif type(item) in _JSON_SCALARS:  # most values: no call
                out[key] = item
            else:
                out[key] = _checked_copy(item, loader)
        return out
    if kind is list:
        return [item if type(item) in _JSON_SCALARS else _checked_copy(item, loader) for item in value]
    if kind in _JSON_SCALARS:
        return value
    if isinstance(value, (dict, list)):
        _check_context_urls(value, loader)
    return json_copy(value)


def expand_safe(
    document: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    fragments: Collection[str] = (),
    found: list[tuple[Any, Fragment]] | None = None,
    compacted: bool = True,
) -> list[Any]:
    """Expand with the frozen loader; raise on unknown contexts and on any dropped term, and (``compacted``,
    what every credential, presentation and proof must be) on a member that names a property of the
    published contexts by another name, or uses ``@nest``/``@included``/``@reverse`` (:class:`AliasedTerm`).

    ``fragments`` names properties whose node object values recur across documents (a credential
    template's ``achievement``): their expansion is memoized in the loader
    (:mod:`proofs.jsonld.fragments`) and each one is listed in ``found`` for
    :func:`proofs.rdf.quads_of_expanded`. The expanded document is the same either way; with
    ``fragments`` those parts of it are shared with the memo and must not be changed."""
    private = _checked_copy(dict(document), loader)
    dropped: list[str] = []
    aliased: list[tuple[str, str]] = []

    def on_dropped(term: str | None = None, *args: Any, **kwargs: Any) -> None:
        dropped.append(str(term))

    try:
        expanded = expand(
            private,
            loader,
            on_dropped=on_dropped,
            base=_SENTINEL_BASE,
            fragments=frozenset(fragments),
            found=found,
            aliased=aliased,
        )
    except UnknownContext:
        raise
    except jsonld.JsonLdError as exc:
        cause = exc
        while cause is not None:
            if isinstance(cause, UnknownContext):
                raise cause from None
            cause = getattr(cause, "cause", None) or cause.__cause__
        raise _failure(exc) from None
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError):
        # pyld's own failures on input it does not expect (not JsonLdErrors): still the input's fault.
        raise JsonLdFailure("JSON-LD processing failed on a malformed document or context") from None
    if dropped:
        raise UndefinedTerm(dropped[0], "$").located(document) from None
    if aliased and compacted:
        raise AliasedTerm(*aliased[0])
    # A memoized fragment that passed the check in an earlier document is not walked again.
    checked = frozenset(id(obj) for obj, fragment in found or () if fragment.checked)
    if not _expanded_ok(expanded, checked):
        try:
            _check_expanded(expanded, "$")  # the reference walk: raises, naming where
        except UndefinedTerm as exc:
            raise exc.located(document) from None
    for _, fragment in found or ():
        fragment.checked = True
    return expanded
