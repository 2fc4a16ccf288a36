"""Who an issuer provably is: whether its identifier is on a trust list this deployment uses, which web
origins its DID is linked to (:mod:`verifier.domain_linkage`), and whether its name looks like a known
issuer's while its identifier is not that issuer's (a look-alike).

Pure: the trust list entries and the verified domains are passed in. A look-alike is a name whose
*skeleton* equals a known name's, or is within a small edit distance of it. The skeleton is the name
folded the way a reader's eye folds it: Unicode compatibility forms (NFKC), case, accents, the common
Cyrillic and Greek letters that look Latin (a subset of Unicode TR 39's confusables), digits that look like
letters, ``rn`` for ``m`` and ``vv`` for ``w``, and no spaces or punctuation.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = ["IssuerTrust", "TrustEntry", "assess_issuer", "looks_alike", "skeleton"]


@dataclass(frozen=True, slots=True)
class TrustEntry:
    """One issuer a trust list vouches for: its identifier (a DID or an https URL), its name, the list."""

    id: str
    name: str
    source: str


@dataclass(slots=True)
class IssuerTrust:
    """What the report says of the issuer: ``known`` (on a trust list), the entry that lists it, the web
    origins its DID is proven to control, the origins that failed and why, and the known issuers whose
    names it looks like."""

    issuer_id: str
    name: str
    known: bool
    listed_as: TrustEntry | None = None
    domains: list[str] = field(default_factory=list)
    domain_failures: dict[str, str] = field(default_factory=dict)
    lookalike_of: list[TrustEntry] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "issuer": self.issuer_id,
            "name": self.name,
            "known": self.known,
            "verified_domains": list(self.domains),
        }
        if self.listed_as is not None:
            out["listed_as"] = {"name": self.listed_as.name, "list": self.listed_as.source}
        if self.domain_failures:
            out["domain_failures"] = dict(self.domain_failures)
        if self.lookalike_of:
            out["lookalike_of"] = [{"id": e.id, "name": e.name, "list": e.source} for e in self.lookalike_of]
        return out


# Letters from other scripts that render like Latin ones, and digits read as letters (TR 39 subset).
_CONFUSABLES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "ɡ": "g", "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k",
        "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ı": "i", "ł": "l", "ø": "o",
        "0": "o", "1": "l", "|": "l", "!": "l", "3": "e", "5": "s", "$": "s", "@": "a",
    }
)  # fmt: skip


def skeleton(name: str) -> str:
    """``name`` as the eye reads it: see the module docstring."""
    text = unicodedata.normalize("NFKC", name).casefold().translate(_CONFUSABLES)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = "".join(c for c in text.translate(_CONFUSABLES) if c.isalnum())
    return text.replace("rn", "m").replace("vv", "w").replace("i", "l")


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance of ``a`` and ``b``, or ``limit + 1`` once it is known to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def looks_alike(a: str, b: str) -> bool:
    """Whether two issuer names read the same: equal skeletons, or skeletons one edit apart (two for
    names of 12 or more characters). Names with fewer than 4 letters are compared only for equality."""
    sa, sb = skeleton(a), skeleton(b)
    if not sa or not sb:
        return False
    if sa == sb:
        return True
    shortest = min(len(sa), len(sb))
    if shortest < 4:
        return False
    limit = 2 if shortest >= 12 else 1
    return _distance(sa, sb, limit) <= limit


def assess_issuer(
    issuer_id: str, name: str, *, entries: Iterable[TrustEntry], domains: Sequence[str] = ()
) -> IssuerTrust:
    """The issuer ``issuer_id`` (named ``name`` in the credential) against the trust list ``entries``;
    ``domains``: the origins its DID was proven to be linked to. Known when an entry has its identifier;
    unknown ones whose name looks like a known issuer's name are flagged with those issuers."""
    entries = list(entries)
    listed = next((e for e in entries if e.id == issuer_id), None)
    trust = IssuerTrust(issuer_id, name, known=listed is not None, listed_as=listed, domains=list(domains))
    if listed is None and name:
        seen: set[tuple[str, str]] = set()  # one issuer may be listed under its DID and its URL
        for entry in entries:
            if (entry.name, entry.source) not in seen and looks_alike(name, entry.name):
                trust.lookalike_of.append(entry)
                seen.add((entry.name, entry.source))
    return trust
