"""The W3C Verifiable Credentials Data Model rules a credential must meet (pure), for the issuer (before
signing) and the verifier (before trusting): :func:`validate_credential` returns every
:class:`Violation`, each with its problem type and the JSON Pointer of the offending member.

Problem types, one per rule (``https://w3id.org/shomei/problems/<name>``):

=============================  ==========================================================================
``vcdm-not-an-object``         the credential is not a JSON object (VCDM 2.0 §4.1)
``vcdm-missing-property``      a required member is absent: ``@context``, ``type``, ``issuer``,
                               ``credentialSubject``, an issuer object's ``id``, a ``credentialSchema``'s
                               ``id``, a VCDM 1.1 ``issuanceDate`` (§4.3, §4.5, §4.7, §4.8, §4.11)
``vcdm-invalid-context``       ``@context`` is not an array starting with the base context, or holds an
                               item that is neither a URL nor an object (§4.3)
``vcdm-invalid-url``           a value that must be one URL is not (``id`` anywhere the model defines it,
                               ``null`` and arrays included; a string ``issuer``; a context URL; a
                               ``statusListCredential``) (§4.4, RFC 3986 / RFC 3987 syntax)
``vcdm-invalid-type``          a ``type`` is not one or more strings, or a credential's lacks
                               ``VerifiableCredential`` (§4.5)
``vcdm-missing-type``          a ``credentialStatus``, ``termsOfUse``, ``evidence``, ``refreshService`` or
                               ``credentialSchema`` object has no ``type`` (§4.5 table)
``vcdm-invalid-object``        one of those members holds something other than objects
``vcdm-language-value``        a ``name`` / ``description`` is not a string or language value object (§4.6)
``vcdm-invalid-issuer``        ``issuer`` is neither a URL nor an object (§4.7)
``vcdm-invalid-subject``       ``credentialSubject`` is not one or more objects, or one is empty (§4.8)
``vcdm-invalid-datetime``      a validity date is not an XML Schema dateTimeStamp (§4.9; VCDM 1.1 §4.6-4.7)
``vcdm-validity-period``       ``validUntil`` is earlier than ``validFrom`` (§4.9)
``bitstring-status-entry``     a ``BitstringStatusListEntry`` lacks its purpose or list, or its
                               ``statusListIndex`` is not an integer written as a string (Bitstring Status
                               List v1.0 §2.1)
``vcdm-related-resource``      a ``relatedResource`` is not an object with a unique URL ``id`` and a
                               well-formed ``digestSRI`` or ``digestMultibase`` (§5.3)
``vcdm-digest-mismatch``       a digest of a resource we hold matches none of its revisions (§5.3)
``non-interoperable-number``   (issuing only) a number verifiers would read as another value: an integer
                               beyond ±(2^53-1) (RFC 7493 §2.2), a fraction below 1e-6 in magnitude
=============================  ==========================================================================

Modules: :mod:`~profiles.vcdm.rules` (the rules), :mod:`~profiles.vcdm.integrity` (related resources
and the digests of the resources we hold), :mod:`~profiles.vcdm.iri` (the URL syntax check),
:mod:`~profiles.vcdm.numbers` (numbers an issuer must not sign), :mod:`~profiles.vcdm.violations` (the
result type).
"""

from __future__ import annotations

from profiles.vcdm.rules import validate_credential
from profiles.vcdm.violations import Violation

__all__ = ["Violation", "validate_credential"]
