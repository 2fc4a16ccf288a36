"""The EndorsementCredentials an Open Badge embeds, each verified as a credential of its own.

OB 3.0 §9.1 (OpenBadgeCredential Verification), its last step: "Verify EndorsementCredentials: If the
OpenBadgeCredential contains any EndorsementCredentials, verify the EndorsementCredentials as shown in
[EndorsementCredential Verification]", followed by "If all the above steps pass, the OpenBadgeCredential
may be treated as verified" (standards.md §1.7, step 6). §9.2 verifies an EndorsementCredential like any
credential: its schema, its proof, its status and its dates. The spec names no endorsement failure as a
mere warning, so the verdict rule is:

* each endorsement is verified by the same verifier as a standalone credential
  (:func:`verifier.checks.nested.nested_check`, as a CLR's bundled credentials are) and reported as one
  ``endorsement-N`` check, whose details carry its ``path`` in the credential and its own report;
* one that does not verify, or that is not an ``EndorsementCredential``, fails its check
  (``endorsement-invalid``, ``not-an-endorsement``) and so the credential. The outer proof covers the
  endorsement's bytes (the OB context defines ``endorsement`` as a property of the graph), so the outer
  credential is not forged; but it carries a third party's statement that the third party did not make
  (or no longer stands by), and a verifier that answered "valid" would present it as an endorsement.

Where: ``endorsement`` (objects) and ``endorsementJwt`` (VC-JWTs), wherever they sit. OB 3.0 allows them on
the credential, on an Achievement and on a Profile (the issuer, an achievement's creator, a subject's
source); the OB context defines the term everywhere alike, so every place is looked at rather than a list
of them. Not looked into: a ``proof``, a CLR's bundled credentials (``verifiableCredential``: each is
verified on its own, its endorsements with it) and an endorsement itself (§9.2 has no endorsement step, so
an endorsement's own endorsements are not verified: the recursion stops at one level).

Cost: at most :data:`MAX_ENDORSEMENTS` are verified per credential (more fail as ``too-many-endorsements``,
none verified), and none when the credential's own proof did not pass (it is not valid whatever it
carries). Endorsements are part of the credential's JSON, so they count toward its ``MAX_VALUES``.
Endorsements are never credentials of the learner: they count toward no pathway.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

from verifier.checks.nested import VerifyNested, nested_check
from verifier.fields import issuer_id
from verifier.result import Check, failed

__all__ = ["MAX_ENDORSEMENTS", "check_endorsements", "embedded_endorsements"]

# Endorsements verified per credential: a badge carries a few (an accreditor's, a professional body's).
# Each costs what verifying a small credential does (about 0.8 ms of CPU for a 30-value one); in a CLR,
# each bundled credential's are verified too, all of them within the CLR's bound in JSON values.
MAX_ENDORSEMENTS = 8
_MEMBERS = ("endorsement", "endorsementJwt")
_NOT_OPENED = frozenset(("proof", "verifiableCredential"))


_SCALARS = (str, int, float, bool, type(None))


def _dotted(path: tuple[str | int, ...]) -> str:
    """``credentialSubject.achievement.endorsement[0]`` from its steps."""
    out = ""
    for step in path:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else step)
    return out


def embedded_endorsements(credential: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """Each endorsement the credential carries, with its path (``credentialSubject.achievement.
    endorsement[0]``), in document order; an ``endorsement`` that is one value rather than a list is one
    endorsement. Runs on every verification: scalars are never descended into, and a path is written
    only for what is found."""
    found: list[tuple[str, Any]] = []

    def walk(node: Any, path: tuple[str | int, ...]) -> None:
        if type(node) is list:
            for n, item in enumerate(node):
                if type(item) not in _SCALARS:
                    walk(item, (*path, n))
        elif isinstance(node, Mapping):
            for name, value in node.items():
                if name in _NOT_OPENED or not isinstance(name, str):
                    continue
                if name in _MEMBERS:
                    items = value if type(value) is list else [value]
                    where = _dotted((*path, name))
                    found.extend((f"{where}[{n}]", item) for n, item in enumerate(items))
                elif type(value) not in _SCALARS:
                    walk(value, (*path, name))

    walk(credential, ())
    return found


def _label(credential: Mapping[str, Any] | None, n: int, total: int, path: str) -> str:
    """How an endorsement is named in its check: its position, the name and endorser of the endorsement as
    it was read (an enveloped one's from its ``data:`` URL, never the envelope's own members), its path."""
    label = f"Endorsement {n} of {total}"
    if credential is not None:
        name, endorser = credential.get("name"), issuer_id(credential)
        if isinstance(name, str) and name:
            label += f" ({name!r})"
        if endorser:
            label += f" by {endorser}"
    return f"{label} at {path}"


def check_endorsements(credential: Mapping[str, Any], *, verify: VerifyNested, sealed: bool) -> list[Check]:
    """One ``endorsement-N`` check per endorsement (none when the credential carries none). ``verify``
    verifies one the way the credential itself was (same keys, status lists, time), without opening its
    own endorsements. ``sealed``: the credential's own proof passed; when it did not, none is verified."""
    items = embedded_endorsements(credential)
    if not items:
        return []
    if not sealed:
        message = (
            f"The {len(items)} endorsement(s) were not verified: the credential's own proof did not pass, "
            "so it vouches for none of them."
        )
        return [Check("endorsements", "skipped", message)]
    if len(items) > MAX_ENDORSEMENTS:
        message = (
            f"The credential carries {len(items)} endorsements; at most {MAX_ENDORSEMENTS} are verified "
            "here, so none of them is vouched for."
        )
        return [failed("endorsements", "too-many-endorsements", message, count=len(items))]
    return [
        nested_check(
            item,
            check_id=f"endorsement-{n}",
            label=partial(_label, n=n, total=len(items), path=path),
            verify=verify,
            invalid="endorsement-invalid",
            expected=("EndorsementCredential", "not-an-endorsement"),
            index=n,
            path=path,
        )
        for n, (path, item) in enumerate(items, 1)
    ]
