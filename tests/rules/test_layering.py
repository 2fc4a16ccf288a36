"""What the import contracts cannot say. The direction of imports between packages (a pure core without app/,
the web framework, the database or the network; schemas <- proofs <- issuer | verifier; endpoints -> service
-> repository) is import-linter's, in pyproject.toml ([tool.importlinter], run by ``make lint``); its
contracts name whole packages, not a submodule of an external one such as ``cryptography.hazmat``."""

from __future__ import annotations

from tests.paths import ROOT
from tests.rules.source import CHECKED


def test_hazmat_is_imported_in_one_module_only() -> None:
    users = [
        str(f.relative_to(ROOT))
        for pkg in CHECKED
        for f in (ROOT / pkg).rglob("*.py")
        if "cryptography.hazmat" in f.read_text(encoding="utf-8")
    ]
    # proofs/x509.py builds and checks the X.509 chains of the `x5c` header (HAIP: SD-JWT VC issuer
    # keys, Status List Tokens). cryptography.x509 takes hash/key objects from the hazmat layer, and
    # proofs/keys.py stays the only home of key handling, so this one module is allowed as well.
    assert sorted(users) == ["proofs/keys.py", "proofs/x509.py"]
