"""Verify a credential (OB 3.0 §9 Verification, standards.md §1.7) and report every check in plain words.

Pure: the time (``now``), the JSON-LD loader, the key resolver, the status list fetcher and the memo of
verified status lists are passed in; nothing is kept in module state and no clock is read. An invalid
credential is a normal result (``verified: False`` with the failing check); only inputs that cannot be
read at all raise :class:`~verifier.result.UnreadableCredential`.

The input is read by :func:`verifier.formats.read_credential` (the one place that decides its kind). An
SD-JWT VC goes to :mod:`verifier.sd_jwt_vc`; any other credential through the checks of
:mod:`verifier.checks`, in order: ``format``, ``contexts``, ``data-model`` (the VC Data Model's rules,
:mod:`profiles.vcdm`: failed with every violation, a warning for a valid VCDM 1.1 credential, absent for a
valid VCDM 2.0 one), ``schema``, ``proof`` and ``issuer`` (Data Integrity, or the VC-JWT's JWS),
``validity``, ``status``, ``nested-credential-N`` (each credential a CLR bundles, verified the same
way), ``endorsement-N`` (each EndorsementCredential it embeds, verified the same way:
:mod:`verifier.checks.endorsements`), ``recipient``; then the descriptor profiles, which describe
completeness and do not decide ``verified``. Each step is a ``_check_*`` method, so that a subclass can
observe it (bench/verify.py times them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from proofs.jsonld import DocumentLoader
from proofs.jsonld.fragments import Fragment
from proofs.vc_jwt import ParsedJwt
from verifier.checks.clr import check_nested_credentials
from verifier.checks.contexts import check_contexts
from verifier.checks.data_integrity import check_data_integrity
from verifier.checks.data_model import check_data_model, legacy_view
from verifier.checks.endorsements import check_endorsements
from verifier.checks.jwt import FetchJson, check_jwt
from verifier.checks.profiles import claimed_profiles, evaluate_profiles
from verifier.checks.provenance import explain_issuer
from verifier.checks.recipient import check_recipient
from verifier.checks.schema import check_schema
from verifier.checks.status import VerifiedList, VerifiedStatusLists, check_status, verified_list
from verifier.checks.validity import check_validity, validity_window
from verifier.fields import numeric_date
from verifier.formats import Kind, read_credential
from verifier.keys import CallResolver, DidResolver, ResolvedKey
from verifier.limits import MAX_VALUES
from verifier.result import Check, Identity, VerificationResult
from verifier.sd_jwt_vc import SdJwtVcChecks

__all__ = ["Verifier"]

# Properties whose values recur unchanged across credentials (an Open Badge's achievement is the same in
# every credential of a course): memoized in the loader (proofs.jsonld.fragments, bounded in entries and
# in size), as the issuer memoizes a template's.
_RECURRING = ("achievement",)


class Verifier:
    """Holds what verification needs; :meth:`verify` is safe to call from several threads.

    ``verified_lists`` remembers the status lists whose proof passed; pass one the caller owns to share
    it between verifiers (a service builds a verifier per request), else this verifier has its own.
    ``max_values``: the most JSON values a credential may hold before it is refused unread
    (``too-many-values``, :mod:`verifier.limits`).
    """

    def __init__(
        self,
        *,
        loader: DocumentLoader,
        resolver: DidResolver,
        fetch_status_list: Callable[[str], str] | None,
        skew: dt.timedelta = dt.timedelta(minutes=5),
        min_status_entries: int = 131_072,
        sd_jwt: SdJwtVcChecks | None = None,
        fetch_json: FetchJson | None = None,
        verified_lists: VerifiedStatusLists | None = None,
        max_values: int = MAX_VALUES,
    ) -> None:
        self.loader = loader
        self.resolver = resolver
        self.fetch_status_list = fetch_status_list
        self.skew = skew
        self.min_status_entries = min_status_entries
        self.sd_jwt = sd_jwt
        self.fetch_json = fetch_json
        self.verified_lists = verified_lists if verified_lists is not None else VerifiedStatusLists()
        self.max_values = max_values

    # -- entry point -----------------------------------------------------------------------------
    def verify(
        self,
        data: str | Mapping[str, Any],
        *,
        now: dt.datetime,
        profiles: Sequence[str] = (),
        identity: Identity | None = None,
    ) -> VerificationResult:
        """Verify ``data`` (a JSON object, or text: JSON, a compact JWS, an SD-JWT VC) at ``now``."""
        resolver = CallResolver(self.resolver, now=now)  # remembers the keys it resolves, for this call only
        return self._verify(data, now=now, profiles=profiles, identity=identity, resolver=resolver)[0]

    def _verify(
        self,
        data: str | Mapping[str, Any],
        *,
        now: dt.datetime,
        resolver: DidResolver,
        profiles: Sequence[str] = (),
        identity: Identity | None = None,
        nested: bool = False,
        endorsement: bool = False,
    ) -> tuple[VerificationResult, ResolvedKey | None]:
        """:meth:`verify`, and the key whose Data Integrity proof passed (None: none or not JSON-LD).
        ``nested``: a credential a CLR bundles (a CLR there is refused, never opened). ``endorsement``: an
        endorsement another credential embeds (a CLR there is not opened either, nor its own endorsements:
        OB 3.0 §9.2 has no endorsement step)."""
        read = read_credential(data, sd_jwt=self.sd_jwt is not None, max_values=self.max_values)
        if read.kind is Kind.SD_JWT_VC and self.sd_jwt is not None and read.text is not None:
            return self._verify_sd_jwt(self.sd_jwt, read.text, now=now), None
        credential, jwt = read.credential or {}, read.jwt
        checks = [Check("format", "passed", f"Read a {read.format} credential.")]
        result = VerificationResult(read.format, checks, credential)
        signer: ResolvedKey | None = None

        found: list[tuple[Any, Fragment]] = []  # the memoized fragments the expansion met
        expanded = self._check_contexts(credential, checks, found)
        self._check_data_model(credential, jwt, checks)
        # A VCDM 1.1 vc claim is judged with the members its JWT's claims stand for (VCDM 1.1 §6.3.1).
        judged = legacy_view(credential, jwt) if jwt is not None and jwt.legacy else credential
        result.judged_issuer = judged.get("issuer")
        if judged is not credential:
            result.judged_subject = judged.get("credentialSubject")
        self._check_schema(judged, checks)
        if jwt is not None:
            self._check_jwt(jwt, judged, checks, resolver)
        elif expanded is not None:
            signer = self._check_data_integrity(credential, checks, expanded, resolver, found, now)
        else:
            checks.append(
                Check(
                    "proof", "skipped", "The signature was not checked because the contexts are not usable."
                )
            )
            checks.append(Check("issuer", "skipped", "The signing key was not checked."))
        explain_issuer(checks, judged)
        self._check_validity(credential, jwt, checks, now)
        result.validity = validity_window(credential, jwt)
        self._check_status(judged, checks, now, resolver)  # a VCDM 1.1 JWT: `iss` is its issuer
        self._check_nested(credential, checks, now, resolver, nested or endorsement)
        if not endorsement:
            self._check_endorsements(credential, checks, now, resolver)
        if identity is not None:
            checks.append(check_recipient(judged, identity))  # a VCDM 1.1 JWT's `sub` is the subject's id
        # a VCDM 1.1 JWT: its iss, jti, sub and nbf are the members they stand for (VCDM 1.1 §6.3.1)
        result.profiles.update(evaluate_profiles(judged, profiles, now=now, enveloped=jwt is not None))
        result.claimed_profiles = claimed_profiles(credential)
        return result, signer

    @staticmethod
    def _verify_sd_jwt(sd_jwt: SdJwtVcChecks, text: str, *, now: dt.datetime) -> VerificationResult:
        """An SD-JWT VC (dc+sd-jwt): the same per-check report, from :mod:`verifier.sd_jwt_vc`."""
        raw_checks, claims = sd_jwt.run(text, now=now)
        checks = [
            Check(c["id"], c["outcome"], c["message"], c.get("type"), c.get("details") or {})
            for c in raw_checks
        ]
        result = VerificationResult("dc+sd-jwt", checks, claims)
        if claims is not None:  # its nbf (else iat, when it was issued) and exp, which the checks judged
            start = numeric_date(claims.get("nbf")) or numeric_date(claims.get("iat"))
            result.validity = (start, numeric_date(claims.get("exp")))
        return result

    # -- the steps -------------------------------------------------------------------------------
    def _check_contexts(
        self, credential: Mapping[str, Any], checks: list[Check], found: list[tuple[Any, Fragment]]
    ) -> list[Any] | None:
        """Safe-mode expansion; returns the expanded credential without its proof (what a Data Integrity
        proof signs), or None when the check failed. An achievement is memoized in the loader (the same
        one recurs in every credential of a course): its expansion and quads are listed in ``found``."""
        check, expanded = check_contexts(credential, loader=self.loader, fragments=_RECURRING, found=found)
        checks.append(check)
        return expanded

    def _check_data_model(
        self, credential: Mapping[str, Any], jwt: ParsedJwt | None, checks: list[Check]
    ) -> None:
        """The VC Data Model's rules (a failure naming every violation; a warning for VCDM 1.1)."""
        checks.extend(check_data_model(credential, jwt))

    def _check_schema(self, credential: Mapping[str, Any], checks: list[Check]) -> None:
        checks.append(check_schema(credential))

    def _check_data_integrity(
        self,
        credential: Mapping[str, Any],
        checks: list[Check],
        expanded: list[Any] | None,
        resolver: DidResolver,
        fragments: Sequence[tuple[Any, Fragment]] = (),
        now: dt.datetime | None = None,
    ) -> ResolvedKey | None:
        """The proof and issuer checks; returns the key whose proof passed."""
        found, signer = check_data_integrity(
            credential,
            resolver=resolver,
            loader=self.loader,
            expanded=expanded,
            fragments=fragments,
            now=now,
            skew=self.skew,
        )
        checks.extend(found)
        return signer

    def _check_jwt(
        self, jwt: ParsedJwt, credential: Mapping[str, Any], checks: list[Check], resolver: DidResolver
    ) -> None:
        checks.extend(check_jwt(jwt, credential, resolver=resolver, fetch_json=self.fetch_json))

    def _check_validity(
        self, credential: Mapping[str, Any], jwt: ParsedJwt | None, checks: list[Check], now: dt.datetime
    ) -> None:
        checks.append(check_validity(credential, jwt, now=now, skew=self.skew))

    def _check_status(
        self, credential: Mapping[str, Any], checks: list[Check], now: dt.datetime, resolver: DidResolver
    ) -> None:
        checks.extend(
            check_status(
                credential,
                lists=self._status_lists(now, resolver),
                min_entries=self.min_status_entries,
                fetch_json=self.fetch_json,
            )
        )

    def _check_nested(
        self,
        credential: Mapping[str, Any],
        checks: list[Check],
        now: dt.datetime,
        resolver: DidResolver,
        nested: bool,
    ) -> None:
        """A CLR's bundled credentials, each verified with this verifier's sources at the same time (and
        the same call's resolver); a nested CLR's own bundle is not opened, nor the bundle of a CLR whose
        own proof did not pass."""

        def verify(item: str | Mapping[str, Any]) -> VerificationResult:
            return self._verify(item, now=now, resolver=resolver, nested=True)[0]

        sealed = any(c.id == "proof" and c.outcome == "passed" for c in checks)
        checks.extend(check_nested_credentials(credential, verify=verify, nested=nested, sealed=sealed))

    def _check_endorsements(
        self, credential: Mapping[str, Any], checks: list[Check], now: dt.datetime, resolver: DidResolver
    ) -> None:
        """The EndorsementCredentials the credential embeds, each verified with this verifier's sources at
        the same time (and the same call's resolver); none when its own proof did not pass."""

        def verify(item: str | Mapping[str, Any]) -> VerificationResult:
            return self._verify(item, now=now, resolver=resolver, endorsement=True)[0]

        sealed = any(c.id == "proof" and c.outcome == "passed" for c in checks)
        checks.extend(check_endorsements(credential, verify=verify, sealed=sealed))

    def _status_lists(self, now: dt.datetime, resolver: DidResolver) -> Callable[[str], VerifiedList]:
        """The verified status list at a URL: fetched, then found in the memo or verified by a verifier
        with the same loader, resolver and skew (and no status lists, JWK Sets or SD-JWT of its own)."""

        def verify(text: str) -> tuple[VerificationResult, ResolvedKey | None]:
            nested = Verifier(
                loader=self.loader,
                resolver=self.resolver,
                fetch_status_list=None,
                skew=self.skew,
                verified_lists=self.verified_lists,
            )
            return nested._verify(text, now=now, resolver=resolver)

        def lists(url: str) -> VerifiedList:
            return verified_list(
                url,
                fetch=self.fetch_status_list,
                memo=self.verified_lists,
                loader=self.loader,
                resolver=resolver,
                verify=verify,
                still_valid=lambda doc: check_validity(doc, None, now=now, skew=self.skew),
                now=now,
                skew=self.skew,
            )

        return lists
