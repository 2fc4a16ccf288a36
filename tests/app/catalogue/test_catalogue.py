"""The public catalogue (issue 17): an issuer's published courses as OB 3.0 Achievements (validated against
the OB 3.0 Achievement JSON Schema), the CSV export, the deployment-wide search with its filters and
pages, the programme descriptor and its JSON Schema rule, and the pages for people."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, validators

from examples.stackable_pathway import Scenario, build, course
from schemas import JSON_SCHEMAS_DIR
from schemas.problems import problem_type
from tests.conftest import ADMIN, SyncClient

HTML = {"Accept": "text/html"}


@pytest.fixture(scope="module")
def scenario(client: SyncClient) -> Scenario:
    return build(client, ADMIN)


def _achievement_validator() -> Any:
    schema = json.loads((JSON_SCHEMAS_DIR / "ob_v3p0_achievementcredential_schema.json").read_text())
    cls = validators.validator_for(schema, default=Draft202012Validator)
    return cls({"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/Achievement"})


def test_an_issuer_catalogue_lists_ob3_achievements(client: SyncClient, scenario: Scenario) -> None:
    r = client.get(f"/issuers/{scenario.home.slug}/catalogue")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["issuer"]["id"] == scenario.home.did
    entries = body["entries"]
    assert [e["achievement"]["id"] for e in entries] == scenario.home.achievements
    validator = _achievement_validator()
    for entry in entries:
        assert list(validator.iter_errors(entry["achievement"])) == []
        assert entry["achievement"]["mcDescriptor"]["type"] == "MicroCredentialDescriptor"
        assert [p["id"] for p in entry["pathways"]] == [scenario.pathway["id"]]
    # The issuer that did not opt in publishes nothing.
    assert client.get(f"/issuers/{scenario.other.slug}/catalogue").json()["entries"] == []
    assert client.get("/issuers/no-such-issuer/catalogue").json()["type"] == problem_type("not-found")


def test_the_csv_export(client: SyncClient, scenario: Scenario) -> None:
    r = client.get(f"/issuers/{scenario.partner.slug}/catalogue.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["id"] for row in rows] == scenario.partner.achievements
    assert {row["provider"] for row in rows} == {"Partner College"}
    assert {row["credits"] for row in rows} == {"5"}
    assert rows[0]["pathways"] == scenario.pathway["name"]
    assert rows[0]["accreditation_reference"] == "MQA/PA12318"


def _search(client: SyncClient, **params: Any) -> dict[str, Any]:
    r = client.get("/catalogue", params=params)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def test_search_filters_and_pages(client: SyncClient, scenario: Scenario) -> None:
    home = scenario.home.slug
    assert _search(client, provider=home)["total"] == 15
    assert _search(client, provider=scenario.other.slug)["total"] == 0
    assert _search(client, provider=home, credits_max=4)["total"] == 1
    assert _search(client, provider=home, credits_min=5)["total"] == 14
    one = _search(client, provider=home, q="home14 course")
    assert [e["achievement"]["name"] for e in one["entries"]] == [f"HOME14 Course 14 of {home}"]
    assert one["entries"][0]["issuer_page"] == f"/issuers/{home}/catalogue"
    assert _search(client, provider=home, language="en", field="aviation", level="4")["total"] == 15
    assert _search(client, provider=home, level="7")["total"] == 0
    assert _search(client, provider=home, programme="PA12318")["total"] == 15
    first, second = (_search(client, provider=home, per_page=10, page=n) for n in (1, 2))
    assert (first["pages"], len(first["entries"]), len(second["entries"])) == (2, 10, 5)
    seen = [e["achievement"]["id"] for e in first["entries"] + second["entries"]]
    assert seen == scenario.home.achievements
    bad = client.get("/catalogue", params={"per_page": 0})
    assert bad.status_code == 422
    for value in ("-1", "many", "nan"):
        bad = client.get("/catalogue", params={"credits_min": value})
        assert bad.status_code == 400 and bad.json()["type"] == problem_type("invalid-query")
    assert _search(client, provider=home, credits_min="", credits_max="")["total"] == 15


def test_the_programme_descriptor_and_its_rule(client: SyncClient, scenario: Scenario) -> None:
    home = scenario.home
    body = course("PRG01 Programme course", 5)
    body["catalogue"] = True
    body["achievement"]["mcDescriptor"]["programme"] = {
        "type": "Programme",
        "id": "https://home.example.edu/programmes/bsc-informatics",
        "name": "Bachelor of Informatics",
        "reference": "NIAD-QE/2026/0042",
        "qaBody": {"type": ["Profile"], "name": "NIAD-QE", "id": "https://www.niad.ac.jp/"},
    }
    r = client.post(f"/v1/issuers/{home.slug}/achievements", json=body, headers=home.auth)
    assert r.status_code == 201, r.text
    assert r.json()["catalogue"] is True
    found = _search(client, provider=home.slug, programme="NIAD-QE/2026/0042")
    assert [e["achievement"]["id"] for e in found["entries"]] == [r.json()["achievement"]["id"]]
    # A credential issued from it carries the programme and verifies (the term is in our context).
    issued = client.post(
        f"/v1/issuers/{home.slug}/credentials",
        json={"achievement_id": r.json()["id"], "recipient": {"email": "x@example.org"}},
        headers=home.auth,
    ).json()
    report = client.post("/v1/verify", json={"credential": issued["credentials"]["ldp_vc"]}).json()
    assert report["verified"] is True

    body["achievement"]["mcDescriptor"]["programme"] = {"type": "Programme", "reference": "X", "extra": 1}
    r = client.post(f"/v1/issuers/{home.slug}/achievements", json=body, headers=home.auth)
    assert r.status_code == 422
    assert r.json()["type"] == problem_type("invalid-descriptor")
    paths = {e["path"] for e in r.json()["errors"]}
    assert any(p.endswith("/programme") for p in paths)


def test_pages_for_people(client: SyncClient, scenario: Scenario) -> None:
    r = client.get("/catalogue", params={"provider": scenario.home.slug}, headers=HTML)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f'href="/pathways/{scenario.pathway["id"]}"' in r.text
    assert f'href="/issuers/{scenario.home.slug}/catalogue"' in r.text
    page = client.get(f"/issuers/{scenario.home.slug}/catalogue", headers=HTML)
    assert page.status_code == 200 and 'href="/issuers/' in page.text
    pid = scenario.pathway["id"]
    assert client.get(f"/pathways/{pid}").status_code == 200
    progress = client.post(f"/pathways/{pid}", data={"credentials": json.dumps(scenario.credentials)})
    assert progress.status_code == 200
    assert 'class="verdict valid"' in progress.text
    assert progress.text.count("<li>") == 30  # 25 counted, and the five not counted
    assert progress.text.count("Already counted") == 1
    bad = client.post(f"/pathways/{pid}", data={"credentials": "{not json"})
    assert bad.status_code == 400
