"""The presentations domain: ``POST /presentations/verify`` (VC-API / VCALM) (endpoints), a verifiable
presentation verified with the app's sources and each credential it holds through the same verifier as
``POST /v1/verify`` (service), and the VC-API answer made of the result (report)."""
