"""OpenID for Verifiable Credential Issuance 1.0 per tenant: each tenant is a credential issuer at
``{base}/issuers/{slug}`` and its own authorization server; an offer names an issued credential, and
redeeming it gives the wallet copies bound to its keys (made by the credentials domain).

Modules, from the endpoints down (no cycles): ``endpoints`` (routes); ``token`` (the token endpoint),
``authorization`` (consent page, decision, code exchange), ``par`` (pushed authorization requests),
``credential`` (credential and notification endpoints), ``nonces``, ``client_auth`` (DPoP proofs, wallet
attestations, replay of one-time proofs), ``offers`` (offers and their redemption), ``metadata``
(configurations and published metadata), ``codes`` (how secrets are derived and stored hashed),
``errors`` (``OAuthError``); ``repository`` holds all their SQL.
"""
