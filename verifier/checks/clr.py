"""The checks of a Comprehensive Learner Record (CLR 2.0 ``ClrCredential``): besides the CLR's own
checks (its proof covers the whole record), every credential it bundles in
``credentialSubject.verifiableCredential`` (AchievementCredentials) is verified on its own, with every
check a credential gets, and listed as one ``nested-credential-N`` check whose details carry that
credential's report (:func:`verifier.checks.nested.nested_check`, shared with embedded endorsements). A
nested credential that fails makes the CLR fail: a record is only as good as each of its achievements
(the 1EdTech validator verifies each one with its OB 3.0 inspector too). A bundled credential about
another subject than the CLR's (both name ids, and they differ) is a warning, ``nested-subject-mismatch``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from verifier.checks.nested import VerifyNested, nested_check
from verifier.fields import is_clr
from verifier.result import Check, failed

__all__ = ["MAX_NESTED", "check_nested_credentials", "is_clr", "nested_credentials"]

MAX_NESTED = 250  # credentials one CLR may bundle (a transcript of a long programme fits)


def nested_credentials(credential: Mapping[str, Any]) -> list[Any]:
    """The credentials a CLR bundles (``credentialSubject.verifiableCredential``: one or a list)."""
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        return []
    value = subject.get("verifiableCredential")
    return list(value) if isinstance(value, list) else [value] if value is not None else []


def _label(credential: Mapping[str, Any] | None, n: int, total: int) -> str:
    """How a nested credential is named in its check: its position, and the name and id of the credential
    as it was read (an enveloped one's from its ``data:`` URL, never the envelope's own members)."""
    label = f"Nested credential {n} of {total}"
    if credential is not None:
        name, cid = credential.get("name"), credential.get("id")
        if isinstance(name, str) and name:
            label += f" ({name!r})"
        if isinstance(cid, str) and cid:
            label += f" {cid}"
    return label


def _nested_check(item: Any, n: int, total: int, verify: VerifyNested, subject: str | None) -> Check:
    return nested_check(
        item,
        check_id=f"nested-credential-{n}",
        label=lambda credential: _label(credential, n, total),
        verify=verify,
        invalid="nested-credential-invalid",
        subject=subject,
        index=n,
    )


def _learner(credential: Mapping[str, Any]) -> str | None:
    """The id of the CLR's subject (the learner), when it has one."""
    subject = credential.get("credentialSubject")
    learner = subject.get("id") if isinstance(subject, Mapping) else None
    return learner if isinstance(learner, str) else None


def check_nested_credentials(
    credential: Mapping[str, Any], *, verify: VerifyNested, nested: bool = False, sealed: bool = True
) -> list[Check]:
    """One check per credential a CLR bundles (none when ``credential`` is not a CLR). ``verify``
    verifies one nested credential the way the CLR itself was (same keys, status lists, time).
    ``nested``: ``credential`` is itself bundled in a CLR; a CLR there fails (its bundle is not opened,
    so it cannot be vouched for). ``sealed``: the CLR's own proof passed; when it did not, the bundle is
    not opened (the CLR is not valid whatever it holds, and verifying each credential of a forged bundle
    would cost as much as verifying a genuine one: 25 bundled badges, about 90 ms of CPU)."""
    if not is_clr(credential):
        return []
    if nested:
        message = "A CLR bundled inside another CLR is not verified (CLR 2.0 bundles AchievementCredentials)."
        return [failed("nested-credentials", "clr-inside-clr", message)]
    items = nested_credentials(credential)
    if items and not sealed:
        message = (
            f"The {len(items)} bundled credential(s) were not verified: the CLR's own proof did not pass, "
            "so it vouches for none of them."
        )
        return [Check("nested-credentials", "skipped", message)]
    if not items:
        message = "The CLR bundles no credential (credentialSubject.verifiableCredential is required)."
        return [failed("nested-credentials", "clr-without-credentials", message)]
    if len(items) > MAX_NESTED:
        message = f"The CLR bundles {len(items)} credentials; at most {MAX_NESTED} are verified here."
        return [failed("nested-credentials", "clr-too-large", message, count=len(items))]
    learner = _learner(credential)
    return [_nested_check(item, n, len(items), verify, learner) for n, item in enumerate(items, 1)]
