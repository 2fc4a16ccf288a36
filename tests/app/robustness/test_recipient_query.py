"""Issue 14, 5xx found: the credential list's ``recipient`` filter, when it is no recipient a credential
can have (too long an identifier, a malformed email address), is a 422 problem, and the learner's
identifier is in no log line (it was, in the traceback of the 500)."""

from __future__ import annotations

import pytest

from app.testing import SyncClient
from tests.app.robustness.common import assert_problem, log_text, make_issuer


@pytest.mark.parametrize(
    "recipient",
    [
        "s" * 301 + "-student-number",  # an identifier over 300 characters
        "learner-7731@no-dot",  # an email address without a dot in its domain
        "learner-7731@exa mple.org",
    ],
)
def test_an_impossible_recipient_is_a_validation_problem_and_is_not_logged(
    client: SyncClient, caplog: pytest.LogCaptureFixture, recipient: str
) -> None:
    issuer = make_issuer(client)
    with caplog.at_level("DEBUG", logger="shomei"):
        r = client.get(
            f"/v1/issuers/{issuer.slug}/credentials", params={"recipient": recipient}, headers=issuer.auth
        )
    body = assert_problem(r, 422, "validation-error")
    assert body["errors"], body
    assert recipient not in log_text(caplog)
    assert recipient.split("@")[0][:40] not in log_text(caplog)


def test_a_possible_recipient_still_filters(client: SyncClient) -> None:
    issuer = make_issuer(client)
    for recipient in ("learner@example.org", "did:example:learner", "s" * 300):
        r = client.get(
            f"/v1/issuers/{issuer.slug}/credentials", params={"recipient": recipient}, headers=issuer.auth
        )
        assert r.status_code == 200 and r.json() == {"items": [], "next_offset": None}, r.text
