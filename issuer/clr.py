"""Build an unsigned Comprehensive Learner Record (CLR Standard 2.0 §B.1.2 ``ClrCredential``) for a
completed programme: the programme's own AchievementCredential and the constituent AchievementCredentials,
bundled as issued (each keeps its own proof) in ``credentialSubject.verifiableCredential``, their
achievements in ``achievement``, and the ``association`` (CLR 2.0 §B.1.4 Association) that say how they
relate: each constituent achievement ``isChildOf`` the programme, and, in the order they were awarded,
each ``precedes`` the next.

Pure: the issuer profile, the identifiers, the credentials and the time are passed in.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from issuer.build import OB_CONTEXT, VC_V2, format_datetime

__all__ = ["CLR_CONTEXT", "build_clr"]

CLR_CONTEXT = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
# OB 3.0 §B.1.1 Achievement: the properties the OB 3.0 context defines.
_OB_ACHIEVEMENT_TERMS = frozenset(
    {
        "id",
        "type",
        "achievementType",
        "alignment",
        "creator",
        "creditsAvailable",
        "criteria",
        "description",
        "endorsement",
        "endorsementJwt",
        "fieldOfStudy",
        "humanCode",
        "image",
        "inLanguage",
        "name",
        "otherIdentifier",
        "related",
        "specialization",
        "tag",
        "version",
    }
)


def _achievement(credential: Mapping[str, Any]) -> dict[str, Any]:
    subject = credential.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    if not isinstance(achievement, Mapping) or not isinstance(achievement.get("id"), str):
        raise ValueError("every bundled credential needs credentialSubject.achievement with an id")
    return dict(achievement)


def _listed(achievement: Mapping[str, Any]) -> dict[str, Any]:
    """An achievement as the CLR lists it in ``credentialSubject.achievement``: its OB 3.0 properties only.
    Extension terms (the descriptor, the Assessment Extension's result descriptions) stay in the bundled
    credential, which carries their contexts: repeating them at the top would need those contexts there
    too, and the CLR 2.0.1 context's protected terms then clash with the bundled credentials' own."""
    return {k: v for k, v in achievement.items() if k in _OB_ACHIEVEMENT_TERMS}


def _association(kind: str, source: str, target: str) -> dict[str, Any]:
    return {"type": "Association", "associationType": kind, "sourceId": source, "targetId": target}


def build_clr(
    *,
    credential_id: str,
    issuer: Mapping[str, Any],
    name: str,
    programme_credential: Mapping[str, Any],
    constituents: Sequence[Mapping[str, Any]],
    valid_from: dt.datetime,
    subject_id: str | None = None,
    identifiers: Sequence[Mapping[str, Any]] = (),
    description: str | None = None,
) -> dict[str, Any]:
    """The unsigned ``ClrCredential``: ``constituents`` in the order they were awarded (that order makes
    the ``precedes`` chain), each a secured JSON-LD AchievementCredential, as is ``programme_credential``.
    The learner is ``subject_id`` (a DID) or ``identifiers`` (OB 3.0 IdentityObjects)."""
    if not constituents:
        raise ValueError("a learner record bundles at least one credential")
    if subject_id is None and not identifiers:
        raise ValueError("the learner needs an id or at least one identifier")
    programme = _achievement(programme_credential)
    parts = [_achievement(c) for c in constituents]
    associations = [_association("isChildOf", p["id"], programme["id"]) for p in parts]
    associations += [
        _association("precedes", before["id"], after["id"]) for before, after in itertools.pairwise(parts)
    ]
    subject: dict[str, Any] = {"type": ["ClrSubject"]}
    if subject_id is not None:
        subject["id"] = subject_id
    if identifiers:
        subject["identifier"] = [dict(i) for i in identifiers]
    subject["achievement"] = [_listed(a) for a in (programme, *parts)]
    subject["verifiableCredential"] = [dict(programme_credential), *(dict(c) for c in constituents)]
    subject["association"] = associations
    clr: dict[str, Any] = {
        "@context": [VC_V2, CLR_CONTEXT, OB_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": name,
        "issuer": dict(issuer),
        "validFrom": format_datetime(valid_from),
        "partial": False,
        "credentialSubject": subject,
    }
    if description:
        clr["description"] = description
    return clr
