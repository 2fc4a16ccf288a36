"""The ``shomei`` client commands for pipelines (``issue``, ``bulk``, ``verify``, ``revoke``, ``jobs show``):
they talk HTTP to a running server (``SHOMEI_URL``, ``SHOMEI_TOKEN``, ``SHOMEI_ISSUER``), never to its
database. Modules: ``api`` (the HTTP client, exit codes, idempotency keys derived from the inputs),
``commands`` (issue, verify, revoke) and ``jobs`` (bulk with its progress bar, jobs show)."""
