"""What wallets send the issuer over OpenID4VCI, checked: DPoP proofs (RFC 9449), wallet attestations."""
