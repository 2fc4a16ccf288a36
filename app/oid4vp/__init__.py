"""The OpenID4VP domain: a tenant acting as verifier asks a wallet for credentials (OpenID4VP 1.0 with
DCQL, under HAIP): the request (endpoints, service), the verifier's identity and its signed request
object (identity), the wallet's answer decrypted and checked (response), the rows (repository)."""
