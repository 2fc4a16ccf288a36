"""Securing mechanisms shared by the issuer and the verifier (pure: no HTTP, no database).

- keys and encodings: :mod:`~proofs.keys` (the only home of key handling), :mod:`~proofs.signer` (the
  signing seam), :mod:`~proofs.multibase`, :mod:`~proofs.did` (DID documents), :mod:`~proofs.x509`
  (``x5c`` chains), :mod:`~proofs.strict_json` (JSON with unique member names, for what is signed);
- Data Integrity: :mod:`~proofs.jsonld` (offline, safe-mode JSON-LD), :mod:`~proofs.rdf` and
  :mod:`~proofs.rdfc` (RDFC-1.0 canonicalization), :mod:`~proofs.data_integrity` (the proofs);
- JOSE: :mod:`~proofs.vc_jwt`, :mod:`~proofs.sd_jwt` (SD-JWT and SD-JWT VC);
- status: :mod:`~proofs.statuslist` (Bitstring Status List encoding), :mod:`~proofs.token_status_list`.

Every exception they raise derives from :class:`proofs.errors.ProofsError` (the tree is in
:mod:`proofs.errors`).
"""

from __future__ import annotations

__all__: list[str] = []
