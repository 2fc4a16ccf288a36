"""The verification domain: ``POST /v1/verify`` (endpoints), :func:`run_verification` and what other domains
use (service), where the verifier's documents come from (sources), what the endpoints are given turned into
credential text (inputs), badge images to bake into (images), and the caches the app owns (cache)."""
