#!/bin/sh
# The README's quick start, end to end, against a running Shomei:
#
#   SHOMEI_ADMIN_TOKEN=... examples/quickstart.sh [BASE_URL]
#
# BASE_URL (or SHOMEI_BASE_URL) defaults to http://127.0.0.1:8000, where `make run` serves. The steps, in
# the README's order: an issuer with its keys (Ed25519 for Data Integrity, P-256 for VC-JWT, SD-JWT VC and
# OpenID4VCI), an issuer token (issue, revoke, read), a course template from examples/, a credential in
# three formats, its verification, an OpenID4VCI offer for the learner's wallet, and last the revocation
# (an offer of a revoked credential is refused) and a verification that shows it. Needs curl and python3
# (to read fields of the JSON answers). Exits non-zero at the first step that does not answer as expected.
set -eu

BASE=${1:-${SHOMEI_BASE_URL:-http://127.0.0.1:8000}}
BASE=${BASE%/}
ADMIN=${SHOMEI_ADMIN_TOKEN:?set SHOMEI_ADMIN_TOKEN to the admin token make run printed}
SLUG=${SHOMEI_SLUG:-uu}
HERE=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
TEMPLATE=${SHOMEI_TEMPLATE:-$HERE/eu-microcredential.json}
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT

# call EXPECTED_STATUS METHOD PATH TOKEN [curl arguments...]: the answer's body is in $OUT.
call() {
  expected=$1 method=$2 path=$3 token=$4
  shift 4
  status=$(curl -sS -o "$OUT" -w '%{http_code}' -X "$method" "$BASE$path" \
    -H "Authorization: Bearer $token" -H 'content-type: application/json' "$@")
  if [ "$status" != "$expected" ]; then
    echo "quickstart: $method $path answered $status, expected $expected:" >&2
    cat "$OUT" >&2
    echo >&2
    exit 1
  fi
}

# field NAME: a field of the last answer (dotted for nested objects).
field() {
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for name in sys.argv[2].split("."):
    value = value[name]
print(value if isinstance(value, str) else json.dumps(value))' "$OUT" "$1"
}

step() { echo "== $*"; }

step "1. an issuer, its keys and its token"
call 201 POST /v1/issuers "$ADMIN" -d "{\"slug\":\"$SLUG\",\"name\":\"Utrecht University\",
  \"url\":\"https://www.uu.nl\",\"email\":\"badges@uu.nl\",\"address\":{\"addressCountryCode\":\"NL\"}}"
echo "issuer DID: $(field did)"
call 201 POST "/v1/issuers/$SLUG/keys" "$ADMIN" -d '{"type":"Ed25519"}'
call 201 POST "/v1/issuers/$SLUG/keys" "$ADMIN" -d '{"type":"P-256"}'
call 201 POST "/v1/issuers/$SLUG/tokens" "$ADMIN" -d '{"scopes":["issue","revoke","read"]}'
TOKEN=$(field token)
call 200 GET "/issuers/$SLUG/did.json" "$TOKEN"
echo "DID document: $(field id)"
call 200 GET "/issuers/$SLUG/jwks.json" "$TOKEN"

step "2. a course template ($(basename "$TEMPLATE"))"
call 201 POST "/v1/issuers/$SLUG/achievements" "$TOKEN" -d @"$TEMPLATE"
TEMPLATE_ID=$(field id)
echo "template: $TEMPLATE_ID"

step "3. a credential for a learner, in three formats"
call 201 POST "/v1/issuers/$SLUG/credentials" "$TOKEN" -H 'Idempotency-Key: quickstart/row-1' \
  -d "{\"achievement_id\":\"$TEMPLATE_ID\",\"recipient\":{\"email\":\"learner@example.org\",
       \"given_name\":\"Aiko\",\"family_name\":\"Tanaka\"},\"formats\":[\"ldp_vc\",\"jwt_vc_json\",\"dc+sd-jwt\"]}"
ID=$(field credential_id)
URL=$(field id)
echo "credential: $URL"

step "4. verify it by its URL"
call 200 POST '/v1/verify?profiles=eu-microcredential' "$TOKEN" -d "{\"url\":\"$URL\"}"
[ "$(field verified)" = true ] || { echo "quickstart: the credential did not verify" >&2; cat "$OUT" >&2; exit 1; }
echo "verified: true"

step "5. an OpenID4VCI offer for the learner's wallet"
call 201 POST "/v1/issuers/$SLUG/credentials/$ID/offers" "$TOKEN" \
  -d '{"formats":["ldp_vc","jwt_vc_json","dc+sd-jwt"],"tx_code":true}'
echo "offer: $(field credential_offer_uri)"

step "6. revoke it (last: a revoked credential cannot be offered)"
call 200 POST "/v1/issuers/$SLUG/credentials/$ID/status" "$TOKEN" \
  -d '{"action":"revoke","reason":"issued_in_error"}'
call 200 POST /v1/verify "$TOKEN" -d "{\"url\":\"$URL\"}"
[ "$(field verified)" = false ] || { echo "quickstart: a revoked credential verified" >&2; exit 1; }
echo "verified after revocation: false"
echo "quickstart: done"
