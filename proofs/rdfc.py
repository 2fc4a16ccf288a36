"""RDF Dataset Canonicalization (RDFC-1.0, W3C Rec 2024) of an expanded JSON-LD document.

The quads come from :mod:`proofs.rdf` (the expanded form's RDF dataset, already serialized into canonical
N-Quads terms; expansion is :mod:`proofs.jsonld`'s) and are canonicalized here: §4.4 with §4.6 (hash first
degree quads), §4.7 (hash related blank node) and §4.8 (hash N-degree quads). Where the spec leaves a
choice (the order in which permutations are tried) it is pyld's, so the output is byte for byte that of
pyld's ``URDNA2015`` followed by RDFC-1.0 escaping; ``tests/unit/proofs/test_canon_cache.py`` holds the two
side by side on the vectors and on generated, fuzzed and symmetric documents.

The hash function of §4.6–4.8 is SHA-256 unless the caller names another: RDFC-1.0 §4.4 lets an
application choose it, and VC-DI-ECDSA §3.3 (ecdsa-rdfc-2019 transformation) chooses SHA-384 for P-384
keys (:data:`HASHES`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from itertools import chain
from typing import Any

from pyld.canon import permutations

from proofs.jsonld import DocumentLoader, JsonLdFailure, expand_safe
from proofs.jsonld.fragments import Fragment
from proofs.rdf import FragmentRdf, Quad, dataset_of_expanded, quads_of_dataset, quads_of_expanded

__all__ = [
    "HASHES",
    "MAX_CANONICAL_CHARS",
    "MAX_WORK_FACTOR",
    "Canonicalizer",
    "TooComplex",
    "TooLarge",
    "canonicalize",
    "canonicalize_dataset",
    "canonicalize_expanded",
    "canonicalize_expanded_relabeled",
]


class _Issuer:
    """RDFC-1.0 §4.5 identifier issuer (cheap to copy, unlike pyld's deep-copied one)."""

    __slots__ = ("existing", "order", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.existing: dict[str, str] = {}
        self.order: list[str] = []

    def issue(self, old: str) -> str:
        new = self.existing.get(old)
        if new is None:
            new = f"{self.prefix}{len(self.order)}"
            self.existing[old] = new
            self.order.append(old)
        return new

    def copy(self) -> _Issuer:
        other = _Issuer(self.prefix)
        other.existing = dict(self.existing)
        other.order = list(self.order)
        return other


# The hash functions RDFC-1.0 may be run with, by name ("sha256", its default; "sha384").
HASHES: Mapping[str, Callable[[bytes], Any]] = {"sha256": hashlib.sha256, "sha384": hashlib.sha384}
_DEFAULT_HASH = "sha256"


def _hex_of(hash_name: str) -> Callable[[Iterable[str]], str]:
    try:
        function = HASHES[hash_name]
    except KeyError:
        raise ValueError(f"RDFC-1.0 is not run with {hash_name!r} here") from None

    def hex_digest(parts: Iterable[str]) -> str:
        return str(function("".join(parts).encode()).hexdigest())

    return hex_digest


# RDFC-1.0 §6 (security considerations: "poison" datasets): the Hash N-Degree Quads calls one
# canonicalization may make, as a power of the number of blank nodes that share a first-degree hash.
# 1 is the default of Digital Bazaar's rdf-canonize (``maxWorkFactor``), the canonicalizer of the Node
# verifiers (jsonld-signatures, the DCC verifier): a dataset it refuses verifies nowhere else either.
MAX_WORK_FACTOR = 1.0


class TooComplex(JsonLdFailure):
    """The dataset needs more Hash N-Degree Quads calls than the work factor allows (RDFC-1.0 §6: a
    dataset made to be costly to canonicalize, e.g. many identical blank node structures)."""


# The canonical N-Quads one canonicalization may write, in characters of its terms. A term is written
# once per statement that names it, so a document can make its canonical form far larger than itself: a
# node whose id is a 900 KB URL and that has 1,000 tags is 1 MB of JSON and 900 MB of N-Quads, which cost
# seconds to write, sort and hash. Genuine credentials stay far below: an image embedded as a ``data:``
# URL is written in at most a few statements (its node's id, type and caption), and a CLR at the
# verifier's bound writes about 3 MB. Hashing 8 MiB and writing it costs about 30 ms.
MAX_CANONICAL_CHARS = 8 * 1024 * 1024


class TooLarge(TooComplex):
    """The canonical N-Quads of the dataset would be larger than the bound (:data:`MAX_CANONICAL_CHARS`):
    a document whose terms recur in far more statements than its size calls for (RDFC-1.0 §6)."""


class Canonicalizer:
    """RDFC-1.0 §4.4 over quads held as 4-tuples of serialized terms (graph ``""`` = default graph).
    ``max_work_factor``: Hash N-Degree Quads may run at most (blank nodes sharing a first-degree hash) to
    that power times (:data:`MAX_WORK_FACTOR`; ``math.inf``: no bound); past it :class:`TooComplex`.
    ``max_chars``: the canonical N-Quads may hold at most that many characters of terms; past it
    :class:`TooLarge`, before any hashing.
    ``hash_name``: the hash function of §4.6–4.8 (:data:`HASHES`)."""

    def __init__(
        self,
        quads: list[Quad],
        *,
        max_work_factor: float = MAX_WORK_FACTOR,
        hash_name: str = _DEFAULT_HASH,
        max_chars: int = MAX_CANONICAL_CHARS,
    ) -> None:
        # The quads hold each term once (a term is shared, not copied, by the statements that name it);
        # the canonical form writes it out per statement. Counted before anything is written or hashed.
        size = sum(map(len, chain.from_iterable(quads)))
        if size > max_chars:
            raise TooLarge(
                f"the canonical form of the RDF dataset would hold more than {max_chars} characters "
                f"({len(quads)} statements; RDFC-1.0 §6)",
                code="canonical-form-too-large",
            )
        self.hex = _hex_of(hash_name)
        self.quads = quads
        self.max_work_factor = max_work_factor
        self.remaining = math.inf
        self.bnode_quads: dict[str, list[Quad]] = {}
        bnode_quads = self.bnode_quads
        # Once per occurrence, as pyld and the reference implementations do (§4.4.3 step 2.1). A term is
        # a blank node when it starts with "_" ("_:"; IRIs start with "<", literals with '"').
        for quad in quads:
            s, _, o, g = quad
            if s[0] == "_":
                bnode_quads.setdefault(s, []).append(quad)
            if o[0] == "_":
                bnode_quads.setdefault(o, []).append(quad)
            if g and g[0] == "_":
                bnode_quads.setdefault(g, []).append(quad)
        self.canonical = _Issuer("_:c14n")
        self.first_degree: dict[str, str] = {}
        # §4.7's hash is a function of (position, predicate, identifier): made once each.
        self.related: dict[tuple[str, str, str], str] = {}

    def hash_first_degree(self, node: str) -> str:
        """§4.6 Hash First Degree Quads."""
        cached = self.first_degree.get(node)
        if cached is not None:
            return cached
        lines = []
        for s, p, o, g in self.bnode_quads[node]:
            if s[0] == "_":  # a blank node (see __init__)
                s = "_:a" if s == node else "_:z"
            if o[0] == "_":
                o = "_:a" if o == node else "_:z"
            if g:
                if g[0] == "_":
                    g = "_:a" if g == node else "_:z"
                lines.append(f"{s} {p} {o} {g} .\n")
            else:
                lines.append(f"{s} {p} {o} .\n")
        lines.sort()
        result = self.hex(lines)
        self.first_degree[node] = result
        return result

    def hash_related(self, related: str, predicate: str, issuer: _Issuer, position: str) -> str:
        """§4.7 Hash Related Blank Node."""
        identifier = self.canonical.existing.get(related) or issuer.existing.get(related)
        if identifier is None:
            identifier = self.hash_first_degree(related)
        key = (position, predicate if position != "g" else "", identifier)
        digest = self.related.get(key)
        if digest is None:
            digest = self.related[key] = self.hex(key)
        return digest

    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        """§4.8 Hash N-Degree Quads."""
        if self.remaining <= 0:
            raise TooComplex(
                "the RDF dataset is too complex to canonicalize (RDFC-1.0 §6: more Hash N-Degree Quads "
                "steps than its blank nodes call for)",
                code="canonicalization-too-complex",
            )
        self.remaining -= 1
        related_by_hash: dict[str, list[str]] = {}
        for quad in self.bnode_quads[node]:
            s, p, o, g = quad
            for term, position in ((s, "s"), (o, "o"), (g, "g")):
                if term.startswith("_:") and term != node:
                    digest = self.hash_related(term, p, issuer, position)
                    related_by_hash.setdefault(digest, []).append(term)
        data = []
        for digest, related_nodes in sorted(related_by_hash.items()):
            data.append(digest)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in permutations(related_nodes):
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    canonical = self.canonical.existing.get(related)
                    if canonical is not None:
                        path += canonical
                    else:
                        if related not in issuer_copy.existing:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related)
                    path += f"<{result_hash}>"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.append(chosen_path)
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return self.hex(data), issuer

    def run(self, relabel: Callable[[str], str] | None = None) -> str:
        """The canonical N-Quads. With ``relabel``, each canonical blank node id (``_:c14nN``) is then
        replaced by ``relabel(id)`` before the lines are sorted (the label replacement of the selective
        disclosure suites, VC-DI-ECDSA §3.4.2 ``labelReplacementCanonicalizeNQuads``)."""
        # §4.4.3 step 3-4: first-degree hashes; unique ones get canonical ids in hash order.
        by_hash: dict[str, list[str]] = {}
        for node in sorted(self.bnode_quads):
            by_hash.setdefault(self.hash_first_degree(node), []).append(node)
        shared = []
        for _, nodes in sorted(by_hash.items()):
            if len(nodes) == 1:
                self.canonical.issue(nodes[0])
            else:
                shared.append(nodes)
        # Step 5: N-degree hashes for the blank nodes that share a first-degree hash.
        self.remaining = sum(len(nodes) for nodes in shared) ** self.max_work_factor
        for nodes in shared:
            results = []
            for node in nodes:
                if node in self.canonical.existing:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(node)
                results.append(self.hash_n_degree(node, temporary))
            for _, issuer in sorted(results, key=lambda r: r[0]):
                for existing in issuer.order:
                    self.canonical.issue(existing)
        # Step 6: relabel and serialize; the canonical N-Quads are the sorted lines.
        ids = self.canonical.existing
        if relabel is not None:
            ids = {node: relabel(canonical) for node, canonical in ids.items()}
        get = ids.get  # only blank node terms are keys: other terms are left as they are
        lines = [
            f"{get(s, s)} {p} {get(o, o)} {get(g, g)} .\n" if g else f"{get(s, s)} {p} {get(o, o)} .\n"
            for s, p, o, g in self.quads
        ]
        lines.sort()
        return "".join(lines)


def canonicalize_dataset(dataset: Mapping[str, list[dict[str, Any]]]) -> str:
    """RDFC-1.0 canonical N-Quads of a pyld RDF dataset (``{graph name: [triple, ...]}``)."""
    return Canonicalizer(quads_of_dataset(dataset)).run()


def _first_degree_of(rdf: FragmentRdf) -> dict[str, str]:
    """The first-degree hashes of a memoized fragment's blank nodes, made once. Its blank nodes occur in
    no quad but its own (their labels are the fragment's), so their hashes are the same in every
    document that holds it."""
    hashes = rdf.first_degree
    if hashes is None:
        alone = Canonicalizer(rdf.quads)
        hashes = {node: alone.hash_first_degree(node) for node in alone.bnode_quads}
        rdf.first_degree = hashes
    return hashes


def canonicalize_expanded(
    expanded: list[Any],
    *,
    loader: DocumentLoader,
    fragments: Sequence[tuple[Any, Fragment]] = (),
    max_work_factor: float = MAX_WORK_FACTOR,
    hash_name: str = _DEFAULT_HASH,
    max_chars: int = MAX_CANONICAL_CHARS,
) -> str:
    """Canonical N-Quads of an already expanded (and safe-mode checked) document.

    ``loader`` is kept for the signature: an expanded document needs no context any more.
    ``fragments``: the memoized fragments :func:`proofs.jsonld.expand_safe` found in it, whose quads
    and (with the default hash) blank node hashes are reused (the output is the same as without them).
    ``max_work_factor``, ``hash_name``, ``max_chars``: see :class:`Canonicalizer` (:class:`TooComplex`
    past the first, :class:`TooLarge` past the last).
    """
    quads, used = dataset_of_expanded(expanded, fragments)
    canonicalizer = Canonicalizer(
        quads, max_work_factor=max_work_factor, hash_name=hash_name, max_chars=max_chars
    )
    if hash_name == _DEFAULT_HASH:  # the memo holds SHA-256 first-degree hashes
        for rdf in used:
            canonicalizer.first_degree.update(_first_degree_of(rdf))
    return canonicalizer.run()


def canonicalize_expanded_relabeled(expanded: list[Any], relabel: Callable[[str], str]) -> list[str]:
    """The canonical N-Quads of an expanded document with its blank nodes relabeled (see
    :meth:`Canonicalizer.run`), one line (ending in a newline) per quad, sorted."""
    return Canonicalizer(quads_of_expanded(expanded)).run(relabel).splitlines(keepends=True)


def canonicalize(
    document: Mapping[str, Any],
    *,
    loader: DocumentLoader,
    fragments: Collection[str] = (),
    max_work_factor: float = MAX_WORK_FACTOR,
    compacted: bool = True,
    hash_name: str = _DEFAULT_HASH,
    max_chars: int = MAX_CANONICAL_CHARS,
) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document; safe mode first (undefined terms raise; and, with
    ``compacted``, members that are not in compacted form: :func:`proofs.jsonld.expand_safe`).

    ``fragments``: properties whose node object values recur across documents (a template's
    ``achievement``), memoized in the loader (:mod:`proofs.jsonld.fragments`); same output.
    ``max_work_factor``, ``hash_name``, ``max_chars``: see :class:`Canonicalizer` (:class:`TooComplex`
    past the first, :class:`TooLarge` past the last)."""
    found: list[tuple[Any, Fragment]] = []
    expanded = expand_safe(document, loader=loader, fragments=fragments, found=found, compacted=compacted)
    return canonicalize_expanded(
        expanded,
        loader=loader,
        fragments=found,
        max_work_factor=max_work_factor,
        hash_name=hash_name,
        max_chars=max_chars,
    )
