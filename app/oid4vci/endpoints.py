"""OpenID4VCI endpoints per tenant, offer management for institutions, and the learner's claim page."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Header, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import urls
from app.deps import (
    ClockDep,
    CustodyDep,
    IssueContextDep,
    PrincipalDep,
    SessionDep,
    SettingsDep,
    StateDep,
    TenantForIssue,
)
from app.errors import NotFound
from app.oid4vci import authorization, metadata, nonces, offers, par
from app.oid4vci import credential as credential_service
from app.oid4vci import token as token_service
from app.oid4vci.client_auth import ClientEvidence
from app.oid4vci.errors import OAuthError
from app.tenants import service as tenants
from app.web.render import page_language, render_page
from issuer.wallet.dpop import DPOP_ALGORITHMS
from media.qr import qr_png, qr_svg
from proofs import strict_json
from schemas.api import OfferIn

__all__ = ["router"]

router = APIRouter(tags=["openid4vci"])


NO_STORE = {"Cache-Control": "no-store"}


def _oauth(call: Callable[[], Any]) -> JSONResponse:
    """Run an OpenID4VCI step; OAuth errors become ``{error, error_description}`` (state is kept, so a
    wrong tx_code counts as an attempt)."""
    try:
        body = call()
    except OAuthError as exc:
        headers = dict(NO_STORE)
        if exc.status == 401 and exc.challenge == "DPoP":  # RFC 9449 §7.1
            headers["WWW-Authenticate"] = f'DPoP error="{exc.error}", algs="{" ".join(DPOP_ALGORITHMS)}"'
        elif exc.status == 401:
            headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
        return JSONResponse(
            {"error": exc.error, "error_description": exc.description},
            status_code=exc.status,
            headers=headers,
        )
    return JSONResponse(body, headers=NO_STORE)


async def _oauth_form(request: Request, *, max_fields: int) -> list[tuple[str, str]] | JSONResponse:
    """The parameters of a token or PAR request (a form, no files); a body that is no such form is
    answered ``invalid_request`` as an OAuth error object (RFC 6749 §5.2), never a problem."""
    try:
        async with request.form(max_files=0, max_fields=max_fields) as form:
            return [(k, str(v)) for k, v in form.multi_items()]
    except StarletteHTTPException as exc:
        return _oauth(
            _raise(OAuthError("invalid_request", f"the body is not an accepted form: {exc.detail}"))
        )


def _raise(error: OAuthError) -> Callable[[], Any]:
    def fail() -> Any:
        raise error

    return fail


# -- metadata ---------------------------------------------------------------------------------------
@router.get("/.well-known/openid-credential-issuer/issuers/{slug}")
@router.get("/issuers/{slug}/.well-known/openid-credential-issuer")
def credential_issuer_metadata(
    slug: str,
    state: StateDep,
    session: SessionDep,
    settings: SettingsDep,
    custody: CustodyDep,
    clock: ClockDep,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Credential Issuer Metadata: JSON, or signed (a JWT with the tenant's x5c chain) when the wallet
    prefers ``application/jwt`` (OpenID4VCI 1.0 §12.2.2) and the tenant has a P-256 key."""
    tenant = tenants.get_by_slug(session, slug)
    if _prefers_jwt(accept):
        jwt = metadata.signed_issuer_metadata(session, settings, custody, state.ca, tenant, now=clock.now())
        if jwt is not None:
            return Response(jwt, media_type="application/jwt", headers={"Vary": "Accept"})
    return JSONResponse(metadata.issuer_metadata(settings, tenant), headers={"Vary": "Accept"})


def _prefers_jwt(accept: str | None) -> bool:
    """Whether ``application/jwt`` has the highest q-value among the media types offered."""
    best: tuple[float, int] | None = None
    chosen = None
    for position, item in enumerate((accept or "").split(",")):
        media, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media.lower() in ("application/jwt", "application/json", "*/*", "application/*") and quality > 0:
            rank = (quality, -position)
            if best is None or rank > best:
                best, chosen = rank, media.lower()
    return chosen == "application/jwt"


@router.get("/.well-known/oauth-authorization-server/issuers/{slug}")
@router.get("/issuers/{slug}/.well-known/oauth-authorization-server")
def oauth_metadata(slug: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """OAuth Authorization Server Metadata (RFC 8414) of the tenant."""
    tenant = tenants.get_by_slug(session, slug)
    return JSONResponse(metadata.authorization_server_metadata(settings, tenant))


@router.get("/.well-known/jwt-vc-issuer/issuers/{slug}")
@router.get("/issuers/{slug}/.well-known/jwt-vc-issuer")
def jwt_vc_issuer_metadata(slug: str, session: SessionDep, settings: SettingsDep) -> JSONResponse:
    """JWT VC Issuer Metadata (SD-JWT VC §5): the keys that sign the tenant's SD-JWT VCs."""
    tenant = tenants.get_by_slug(session, slug)
    return JSONResponse(metadata.jwt_vc_issuer_metadata(session, settings, tenant))


@router.get("/ca.pem", include_in_schema=False)
def ca_certificate(state: StateDep) -> Response:
    """The service's certificate authority for SD-JWT VC ``x5c`` chains (a wallet's trust anchor)."""
    return Response(state.ca.pem, media_type="application/x-pem-file")


# -- protocol ---------------------------------------------------------------------------------------
def _evidence(request: Request, state: StateDep) -> ClientEvidence:
    """The sender's DPoP proofs (RFC 9449 §4) and wallet attestation headers
    (draft-ietf-oauth-attestation-based-client-auth §6.1), with the wallet providers trusted here."""
    return ClientEvidence(
        dpop=request.headers.getlist("dpop"),
        attestation=request.headers.getlist("oauth-client-attestation"),
        attestation_pop=request.headers.getlist("oauth-client-attestation-pop"),
        wallet_trust_anchors=state.wallet_trust_anchors,
    )


@router.post("/issuers/{slug}/oid4vci/token")
async def token(
    slug: str, request: Request, state: StateDep, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> JSONResponse:
    """Token endpoint (OpenID4VCI §6): a pre-authorized or authorization code for an access token."""
    fields = await _oauth_form(request, max_fields=20)
    if isinstance(fields, JSONResponse):
        return fields
    evidence = _evidence(request, state)  # a DPoP proof binds the token to its key (RFC 9449 §5)

    def work() -> JSONResponse:  # database work off the event loop
        tenant = tenants.get_by_slug(session, slug)
        return _oauth(
            lambda: token_service.redeem(
                session,
                tenant,
                par.single_params(fields),  # each parameter at most once (RFC 6749 §3.2)
                lookup_key=state.lookup_key,
                now=clock.now(),
                settings=settings,
                evidence=evidence,
            )
        )

    return await run_in_threadpool(work)


@router.post("/issuers/{slug}/oid4vci/nonce")
def nonce(slug: str, session: SessionDep, clock: ClockDep) -> JSONResponse:
    """Nonce endpoint (OpenID4VCI §7): a fresh single-use ``c_nonce``."""
    tenant = tenants.get_by_slug(session, slug)
    return _oauth(lambda: {"c_nonce": nonces.new_nonce(session, tenant, now=clock.now())})


@router.post("/issuers/{slug}/oid4vci/credential")
async def credential(
    slug: str,
    request: Request,
    session: SessionDep,
    ctx: IssueContextDep,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    """Credential endpoint (OpenID4VCI §8): the holder's copies, one per key proof."""
    raw = await request.body()
    dpop = request.headers.getlist("dpop")

    def work() -> JSONResponse:  # database work off the event loop
        try:
            tenant = tenants.get_by_slug(session, slug)
        except NotFound:  # a wallet is answered in OpenID4VCI's terms only (§8.3.1.2), never a problem
            return _oauth(_raise(OAuthError("invalid_request", "no such credential issuer", 404)))

        def run() -> dict[str, Any]:
            try:
                body = strict_json.loads(raw)
            except strict_json.DuplicateMember as exc:  # two readings of one request (strict_json says why)
                raise OAuthError("invalid_credential_request", f"the request is malformed: {exc}") from None
            except (ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
                raise OAuthError("invalid_credential_request", "the body is not JSON") from None
            # A refused request keeps nothing but the DPoP proof it spent (a savepoint in the service).
            return credential_service.request_credential(
                session, ctx, tenant, authorization=authorization, body=body, dpop=dpop
            )

        return _oauth(run)

    return await run_in_threadpool(work)


@router.post("/issuers/{slug}/oid4vci/notification", status_code=status.HTTP_204_NO_CONTENT)
async def notification(
    slug: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Notification endpoint (OpenID4VCI §11): what the wallet did with the credential."""
    try:
        body = strict_json.loads(await request.body())
    except (ValueError, RecursionError):  # not JSON, or a member twice (DuplicateMember): no body to read
        body = None
    dpop = request.headers.getlist("dpop")

    def work() -> Response:  # database work off the event loop
        tenant = tenants.get_by_slug(session, slug)
        result = _oauth(
            lambda: credential_service.notification(
                session,
                tenant,
                authorization=authorization,
                body=body,
                now=clock.now(),
                settings=settings,
                dpop=dpop,
            )
        )
        return result if result.status_code >= 400 else Response(status_code=204)

    return await run_in_threadpool(work)


# -- the authorization code flow (HAIP 1.0): PAR, the learner's consent page ------------------------
# Headers of the consent page and its answers: never cached, never framed (clickjacking), and its URL
# (it holds the request_uri) never sent on as a referrer.
_PAGE_HEADERS = {
    **NO_STORE,
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


@router.post("/issuers/{slug}/oid4vci/par", status_code=status.HTTP_201_CREATED)
async def pushed_authorization_request(
    slug: str, request: Request, state: StateDep, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> JSONResponse:
    """Pushed Authorization Request (RFC 9126): the wallet's authorization request, from an offer's
    ``issuer_state``; answers the ``request_uri`` for the authorization endpoint."""
    fields = await _oauth_form(request, max_fields=30)
    if isinstance(fields, JSONResponse):
        return fields
    evidence = _evidence(request, state)  # a DPoP proof binds the authorization code (RFC 9449 §10.1)

    def work() -> JSONResponse:  # database work off the event loop
        tenant = tenants.get_by_slug(session, slug)
        response = _oauth(
            lambda: par.push(
                session,
                settings,
                tenant,
                fields,
                lookup_key=state.lookup_key,
                now=clock.now(),
                evidence=evidence,
            )
        )
        if response.status_code == 200:
            response.status_code = 201
        return response

    return await run_in_threadpool(work)


def _authorization_page(call: Callable[[], Any], lang: str, query: str = "") -> Response:
    """The consent page, the redirect back to the wallet (303), or an error page (never a redirect:
    without a valid pushed request the redirect_uri is not known to be the wallet's)."""
    try:
        result = call()
    except OAuthError as exc:
        response: Response = render_page(
            "authorize_error.html",
            status_code=exc.status,
            lang=lang,
            error=exc.error,
            description=exc.description,
        )
    else:
        if isinstance(result, authorization.Redirect):
            response = RedirectResponse(result.location, status_code=status.HTTP_303_SEE_OTHER)
        else:
            response = render_page(
                "authorize.html", status_code=result.status, lang=lang, keep_query=query, page=result
            )
    response.headers.update(_PAGE_HEADERS)
    return response


@router.get("/issuers/{slug}/oid4vci/authorize", include_in_schema=False)
def authorization_page(
    slug: str, request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """Authorization endpoint (PAR only): the learner sees what the wallet asks for."""
    tenant = tenants.get_by_slug(session, slug)
    params = list(request.query_params.multi_items())
    return _authorization_page(
        lambda: authorization.consent(session, settings, tenant, params, now=clock.now()),
        page_language(request),
        request.url.query,
    )


@router.post("/issuers/{slug}/oid4vci/authorize", include_in_schema=False)
async def authorization_decision(
    slug: str, request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """The learner's decision on the consent page (approve with the tx_code, or cancel)."""
    async with request.form(max_files=0, max_fields=10) as form:
        fields = [(k, str(v)) for k, v in form.multi_items()]

    def work() -> Response:  # database work off the event loop
        tenant = tenants.get_by_slug(session, slug)
        return _authorization_page(
            lambda: authorization.decide(session, settings, tenant, fields, now=clock.now()),
            page_language(request),
        )

    return await run_in_threadpool(work)


# -- offers for institutions ------------------------------------------------------------------------
@router.post("/v1/issuers/{slug}/credentials/{credential_id}/offers", status_code=status.HTTP_201_CREATED)
def create_offer(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    credential_id: uuid.UUID,
    tenant: TenantForIssue,
    body: OfferIn,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> JSONResponse:
    """A credential offer for the learner's wallet (deep link, QR code, claim page); tx_code shown once."""
    offer, tx_code = offers.offer_credential(
        session,
        settings,
        tenant,
        credential_id,
        formats=body.formats,
        with_tx_code=body.tx_code,
        actor=who,
        now=clock.now(),
    )
    return JSONResponse(offers.offer_out(settings, offer, tx_code), status_code=201)


@router.delete("/v1/issuers/{slug}/offers/{offer_id}")
def revoke_offer(
    slug: str,  # unused: it keeps {slug} the first path parameter in the OpenAPI document (frozen)
    offer_id: uuid.UUID,
    tenant: TenantForIssue,
    session: SessionDep,
    settings: SettingsDep,
    clock: ClockDep,
    who: PrincipalDep,
) -> JSONResponse:
    """Revoke an offer (a lost QR code, a wrong learner): its code can no longer be redeemed, and an access
    token it already gave is refused from now on."""
    offer = offers.revoke_offer(session, tenant, offer_id, actor=who, now=clock.now())
    return JSONResponse(offers.offer_out(settings, offer, None))


# -- public: the offer by reference, its QR code, the learner's claim page ---------------------------
@router.get("/offers/{offer_id}")
def offer_by_reference(
    offer_id: uuid.UUID, state: StateDep, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> JSONResponse:
    """The Credential Offer a wallet fetches by reference (OpenID4VCI §4.1.3)."""
    offer = offers.public_offer(session, offer_id, clock.now())
    document = offers.offer_document(session, settings, offer, state.lookup_key)
    return JSONResponse(document, headers=NO_STORE)


@router.get("/offers/{offer_id}/qr.svg")
def offer_qr_svg(
    offer_id: uuid.UUID, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """The offer's deep link as an SVG QR code."""
    offer = offers.public_offer(session, offer_id, clock.now())
    return Response(
        qr_svg(urls.offer_deep_link(settings, offer), title="Scan with your wallet"),
        media_type="image/svg+xml",
        headers=NO_STORE,
    )


@router.get("/offers/{offer_id}/qr.png")
def offer_qr_png(
    offer_id: uuid.UUID, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> Response:
    """The offer's deep link as a PNG QR code."""
    offer = offers.public_offer(session, offer_id, clock.now())
    return Response(
        qr_png(urls.offer_deep_link(settings, offer), scale=6), media_type="image/png", headers=NO_STORE
    )


@router.get("/offers/{offer_id}/claim", include_in_schema=False)
def claim_page(
    offer_id: uuid.UUID, request: Request, session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> HTMLResponse:
    """The learner's claim page (in the learner's language): what the offer holds, and how to add it to
    a wallet."""
    offer = offers.public_offer(session, offer_id, clock.now())
    lang = page_language(request)
    return render_page("claim.html", lang=lang, **offers.claim_page(session, settings, offer))
