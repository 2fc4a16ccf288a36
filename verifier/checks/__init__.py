"""The checks of a verification, one module per family, each a pure function returning its
:class:`~verifier.result.Check` (or checks): ``contexts`` (the JSON-LD terms), ``data_model`` (the VC Data
Model's rules), ``schema`` (OB 3.0 JSON Schema), ``data_integrity`` (Data Integrity proofs, sets and
chains, and key provenance), ``jwt`` (VC-JWT signature and key provenance) with ``jwt_claims`` (its
registered claims against the credential), ``validity`` (dates), ``status`` (Bitstring Status List, with
the memo of verified lists), ``recipient`` (the learner's identity) and ``profiles`` (descriptor
profiles). :mod:`verifier.pipeline` runs them in order; SD-JWT VCs have their own checks in
:mod:`verifier.sd_jwt_vc`.
"""
