"""Worked example (issue 17): a 124-credit programme built from micro-credentials, evaluated and completed.

Three issuers: the home university (``home``, which offers the programme), a recognised partner
(``partner``) and an issuer the pathway does not recognise (``other``). The learner brings 30
micro-credentials of 4 or 5 credits:

- 14 from home (13 x 5 + 1 x 4 = 69 credits) and 11 from the partner (11 x 5 = 55 credits): they count,
  124 credits, which completes the programme;
- 2 from ``other`` (4 credits each): ``unrecognised-issuer``;
- 1 from home, revoked by its issuer after issuance: ``revoked``;
- 1 from the partner whose ``validUntil`` has passed: ``expired``;
- a second credential for an achievement already counted: ``duplicate-achievement``.

Groups: ``core`` (required, at least 60 credits) lists home's 15 courses; ``electives`` (at least 10
courses and 50 credits) lists the partner's 12 courses and other's 2.

Run it against an in-process service with an embedded SQLite database::

    .venv/bin/python -m examples.stackable_pathway

It prints the progress (``POST /v1/pathways/{id}/evaluate``) and the CLR issued on completion. The tests
(tests/app/pathways/test_worked_example.py, tests/integration/test_clr_interop.py) run the same scenario
and assert the exact progress.
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import json
import secrets
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.testing import SyncClient

__all__ = ["EXPECTED_NOT_COUNTED", "Scenario", "build", "course"]

_DATA = Path(__file__).resolve().parent / "stackable_pathway_course.json"
RECIPIENT = {"email": "learner@example.org", "given_name": "Aiko", "family_name": "Tanaka"}
EXPECTED_NOT_COUNTED = sorted(
    ["unrecognised-issuer", "unrecognised-issuer", "revoked", "expired", "duplicate-achievement"]
)


def course(name: str, credits: int, **changes: Any) -> dict[str, Any]:
    """A course template body: the example course, renamed, worth ``credits``."""
    achievement: dict[str, Any] = copy.deepcopy(json.loads(_DATA.read_text(encoding="utf-8")))
    achievement["name"] = name
    achievement["humanCode"] = name.split()[0]
    achievement["creditsAvailable"] = credits
    achievement["mcDescriptor"]["credit"][0]["creditValue"] = credits
    achievement.update(changes)
    return {"achievement": achievement, "profiles": ["ob3-minimal"]}


@dataclass
class Issuer:
    slug: str
    token: str
    did: str
    templates: list[str] = field(default_factory=list)
    achievements: list[str] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Scenario:
    home: Issuer
    partner: Issuer
    other: Issuer
    pathway: dict[str, Any]
    credentials: list[dict[str, Any]]  # the 30, in the order the learner sends them
    labels: dict[str, str]  # credential id -> what it stands for ("counted", "revoked", ...)


def _issuer(client: SyncClient, admin: dict[str, str], prefix: str, name: str) -> Issuer:
    slug = f"{prefix}-{uuid.uuid4().hex[:8]}"
    body = {
        "slug": slug,
        "name": name,
        "url": f"https://{prefix}.example.edu",
        "email": f"registrar@{prefix}.example.edu",
        "address": {"addressCountryCode": "JP", "addressLocality": "Tokyo"},
    }
    for path, payload in (
        ("/v1/issuers", body),
        (f"/v1/issuers/{slug}/keys", {"type": "Ed25519"}),
        (f"/v1/issuers/{slug}/tokens", {"scopes": ["issue", "revoke", "read", "admin"]}),
    ):
        r = client.post(path, json=payload, headers=admin)
        if r.status_code != 201:
            raise RuntimeError(f"{path}: {r.status_code} {r.text}")
    token = r.json()["token"]
    did = client.get(f"/issuers/{slug}/did.json").json()["id"]
    return Issuer(slug, token, did)


def _templates(client: SyncClient, issuer: Issuer, credits: list[int], *, catalogue: bool) -> None:
    for n, value in enumerate(credits, 1):
        body = course(f"{issuer.slug[:4].upper()}{n:02d} Course {n} of {issuer.slug}", value)
        body["catalogue"] = catalogue
        r = client.post(f"/v1/issuers/{issuer.slug}/achievements", json=body, headers=issuer.auth)
        if r.status_code != 201:
            raise RuntimeError(r.text)
        issuer.templates.append(r.json()["id"])
        issuer.achievements.append(r.json()["achievement"]["id"])


def _issue(client: SyncClient, issuer: Issuer, n: int, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"achievement_id": issuer.templates[n], "recipient": RECIPIENT, **extra}
    r = client.post(f"/v1/issuers/{issuer.slug}/credentials", json=body, headers=issuer.auth)
    if r.status_code != 201:
        raise RuntimeError(r.text)
    out: dict[str, Any] = r.json()
    return out


def build(client: SyncClient, admin: dict[str, str], *, now: dt.datetime | None = None) -> Scenario:
    """Create the three issuers, their courses, the pathway and the learner's 30 credentials."""
    now = now or dt.datetime.now(dt.UTC)
    home = _issuer(client, admin, "home", "Home University")
    partner = _issuer(client, admin, "partner", "Partner College")
    other = _issuer(client, admin, "other", "Unrecognised Academy")
    _templates(client, home, [5] * 13 + [4, 5], catalogue=True)  # the 15th is the one revoked
    _templates(client, partner, [5] * 12, catalogue=True)  # the 12th is the one expired
    _templates(client, other, [4, 4], catalogue=False)
    pathway_body = {
        "name": "Bachelor of Informatics (credit accumulation)",
        "description": "A 124-credit bachelor's degree earned by stacking micro-credentials.",
        "achievement_type": "BachelorDegree",
        "programme": {
            "id": "https://home.example.edu/programmes/bsc-informatics",
            "name": "Bachelor of Informatics",
            "reference": "NIAD-QE/2026/0042",
            "qa_body": "NIAD-QE",
        },
        "credits_required": 124,
        "recency_years": 10,
        "recognised_issuers": [partner.did],
        "groups": [
            {
                "id": "core",
                "name": "Core courses",
                "min_credits": 60,
                "achievements": [{"template_id": t} for t in home.templates],
            },
            {
                "id": "electives",
                "name": "Partner electives",
                "kind": "elective",
                "min_credits": 50,
                "min_count": 10,
                "achievements": [{"achievement": a} for a in partner.achievements + other.achievements],
            },
        ],
    }
    r = client.post(f"/v1/issuers/{home.slug}/pathways", json=pathway_body, headers=home.auth)
    if r.status_code != 201:
        raise RuntimeError(r.text)
    pathway = r.json()

    labels: dict[str, str] = {}
    credentials: list[dict[str, Any]] = []

    def add(out: dict[str, Any], label: str) -> None:
        vc = out["credentials"]["ldp_vc"]
        labels[vc["id"]] = label
        credentials.append(vc)

    for n in range(14):
        add(_issue(client, home, n), "counted")
    for n in range(11):
        add(_issue(client, partner, n), "counted")
    for n in range(2):
        add(_issue(client, other, n), "unrecognised-issuer")
    revoked = _issue(client, home, 14)
    r = client.post(
        f"/v1/issuers/{home.slug}/credentials/{revoked['credential_id']}/status",
        json={"action": "revoke", "reason": "wrong_recipient"},
        headers=home.auth,
    )
    if r.status_code != 200:
        raise RuntimeError(r.text)
    add(revoked, "revoked")
    expired = _issue(
        client,
        partner,
        11,
        valid_from=(now - dt.timedelta(days=400)).isoformat(),
        valid_until=(now - dt.timedelta(days=35)).isoformat(),
    )
    add(expired, "expired")
    add(_issue(client, home, 0), "duplicate-achievement")  # course 1 again
    return Scenario(home, partner, other, pathway, credentials, labels)


def main() -> None:  # pragma: no cover - a script
    from app.main import create_app
    from app.testing import in_process_settings

    admin_token = "shm_" + secrets.token_urlsafe(32)
    with tempfile.TemporaryDirectory() as tmp:
        kek = base64.b64encode(secrets.token_bytes(32)).decode()
        settings = in_process_settings(f"sqlite:///{tmp}/example.db", admin_token=admin_token, kek=kek)
        client = SyncClient(create_app(settings))
        try:
            scenario = build(client, {"Authorization": f"Bearer {admin_token}"})
            pid = scenario.pathway["id"]
            progress = client.post(f"/v1/pathways/{pid}/evaluate", json={"credentials": scenario.credentials})
            sys.stdout.write(json.dumps(progress.json(), indent=2) + "\n")
            done = client.post(
                f"/v1/issuers/{scenario.home.slug}/pathways/{pid}/complete",
                json={"credentials": scenario.credentials, "recipient": RECIPIENT},
                headers=scenario.home.auth,
            )
            clr = done.json()["clr"]["credentials"]["ldp_vc"]
            sys.stdout.write(json.dumps(clr["credentialSubject"]["association"], indent=2) + "\n")
        finally:
            client.close()


if __name__ == "__main__":  # pragma: no cover
    main()
