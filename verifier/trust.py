"""Who an issuer provably is: whether its identifier is on a trust list this deployment uses, which web
origins its DID is linked to (:mod:`verifier.domain_linkage`), and whether its name looks like a known
issuer's while its identifier is not that issuer's (a look-alike).

Pure: the trust list entries and the verified domains are passed in.

- Known: the identifier is on a list, and the credential names its issuer as that list does (the same
  skeleton, or no name at all). A list vouches for an identifier *under a name*: an issuer that is listed
  but signs under another name (a vouched tenant that renamed itself) is reported as unknown, with the
  list's name (``listed_as``) and ``listed_name_differs``, and its name is checked for look-alikes like
  any unknown issuer's.
- A look-alike is a name whose *skeleton* equals a known name's, or is within a small edit distance of
  it. The skeleton is the name folded the way a reader's eye folds it (Unicode TR 39 §4, Confusable
  Detection): Unicode compatibility forms (NFKC: fullwidth, mathematical alphanumerics), invisible format
  characters and the other default ignorable code points (Hangul fillers, variation selectors) dropped,
  the letters of other scripts that TR 39 lists as confusable with a Latin letter or digit
  (:mod:`verifier.confusables`: Cyrillic, Greek, Armenian, ...), case, accents, digits that look
  like letters, ``rn`` for ``m`` and ``vv`` for ``w``, a leading "The", and no spaces or punctuation. Any
  number of confusable substitutions thus still gives the known name's skeleton.
- A name holding a bidirectional control (TR 9 §2, explicit formatting characters: LRE..RLO, LRI..PDI,
  LRM, RLM, ALM) is itself a caution (``bidi_controls``): it can display as another text than it is
  (an RLO turns "oykoT fo ytisrevinU" into "University of Tokyo"), whatever it resembles.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from verifier.confusables import LATIN_LOOKALIKES

__all__ = ["IssuerTrust", "TrustEntry", "assess_issuer", "has_bidi_controls", "looks_alike", "skeleton"]


@dataclass(frozen=True, slots=True)
class TrustEntry:
    """One issuer a trust list vouches for: its identifier (a DID or an https URL), its name, the list."""

    id: str
    name: str
    source: str


@dataclass(slots=True)
class IssuerTrust:
    """What the report says of the issuer: ``known`` (on a trust list), the entry that lists it, the web
    origins its DID is proven to control, the origins that failed and why, the known issuers whose names
    it looks like, whether its identifier is listed under another name than the credential gives
    (``listed_name_differs``), and whether its name holds bidirectional controls."""

    issuer_id: str
    name: str
    known: bool
    listed_as: TrustEntry | None = None
    domains: list[str] = field(default_factory=list)
    domain_failures: dict[str, str] = field(default_factory=dict)
    lookalike_of: list[TrustEntry] = field(default_factory=list)
    listed_name_differs: bool = False
    bidi_controls: bool = False

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
        if self.listed_name_differs:
            out["listed_name_differs"] = True
        if self.bidi_controls:
            out["name_has_bidi_controls"] = True
        return out


# TR 39's table, and η, which reads as n but whose capital reads as H.
_LOOKALIKES = MappingProxyType({**LATIN_LOOKALIKES, ord("η"): "n"})
# Beyond TR 39's single letters: digits and signs read as letters (applied after case folding).
_READ_AS_LETTERS = str.maketrans(
    {"0": "o", "1": "l", "|": "l", "!": "l", "3": "e", "5": "s", "$": "s", "@": "a", "ł": "l", "ø": "o"}
)
# TR 9 §2.1-2.6: the embeddings and overrides (LRE, RLE, PDF, LRO, RLO), the isolates (LRI, RLI, FSI,
# PDI) and the marks (LRM, RLM, ALM).
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")
# Default_Ignorable_Code_Point (Unicode DerivedCoreProperties.txt, 15.1; unchanged in 16.0): code points
# that render as nothing. TR 39 §4's skeleton removes them. Besides the format characters (Cf) they hold
# letters and marks: the Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), the combining grapheme
# joiner, the Khmer inherent vowels, the variation selectors, and reserved code points.
_DEFAULT_IGNORABLE_RANGES = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)
_DEFAULT_IGNORABLE = re.compile(
    "[" + "".join(f"{chr(a)}-{chr(b)}" if a != b else chr(a) for a, b in _DEFAULT_IGNORABLE_RANGES) + "]"
)
_WORDS = re.compile(r"[^\W_]+")


def has_bidi_controls(name: str) -> bool:
    """Whether ``name`` holds a bidirectional control: it may display as a different text than it is."""
    return _BIDI_CONTROLS.search(name) is not None


def skeleton(name: str) -> str:
    """``name`` as the eye reads it: see the module docstring."""
    text = unicodedata.normalize("NFKC", name)
    # Format characters (Cf: bidi controls, zero-width joiners, soft hyphens) and the other default
    # ignorable code points (TR 39 §4: the Hangul fillers, variation selectors, ...) are not seen.
    text = _DEFAULT_IGNORABLE.sub("", "".join(c for c in text if unicodedata.category(c) != "Cf"))
    # Trailing punctuation is insignificant (even "!", which inside a name reads as "l").
    while text and unicodedata.category(text[-1])[0] in "PZ":
        text = text[:-1]
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    # Case is insignificant: a letter is folded when it, its capital or its lowercase looks Latin.
    text = text.translate(_LOOKALIKES).upper().translate(_LOOKALIKES)
    text = text.casefold().translate(_LOOKALIKES)
    words = _WORDS.findall(text.translate(_READ_AS_LETTERS))
    if len(words) > 1 and words[0] == "the":
        words = words[1:]
    return "".join(words).replace("rn", "m").replace("vv", "w").replace("i", "l")


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
    ``domains``: the origins its DID was proven to be linked to. Known when an entry has its identifier
    and the credential names it as that entry does (or gives no name); the others are flagged with the
    known issuers (of other identifiers) whose names theirs looks like."""
    entries = list(entries)
    listed = next((e for e in entries if e.id == issuer_id), None)
    as_listed = listed is not None and (not name or skeleton(name) == skeleton(listed.name))
    trust = IssuerTrust(issuer_id, name, known=as_listed, listed_as=listed, domains=list(domains))
    trust.listed_name_differs = listed is not None and not as_listed
    trust.bidi_controls = has_bidi_controls(name)
    if not as_listed and name:
        # One issuer may be listed under its DID and its URL: each name once, and never its own entry.
        seen: set[tuple[str, str]] = {(listed.name, listed.source)} if listed is not None else set()
        for entry in entries:
            if entry.id == issuer_id or (entry.name, entry.source) in seen:
                continue
            if looks_alike(name, entry.name):
                trust.lookalike_of.append(entry)
                seen.add((entry.name, entry.source))
    return trust
