#!/bin/sh
# Issue a cohort's credentials from a pipeline, safely re-runnable: the shomei client derives each
# request's Idempotency-Key from its inputs, so a second run of the same job issues nothing new.
#
# Needs: SHOMEI_URL (the server), SHOMEI_TOKEN (an issuer token with the issue and read scopes),
# SHOMEI_ISSUER (the issuer's slug), TEMPLATE_ID (the course's achievement template), and
#   - COHORT_CSV: a CSV exported from the student information system (bulk job), or
#   - LEARNER_EMAIL: one learner who just completed the course.
# Exit codes (shomei): 0 done, 1 rows failed / not verified, 2 usage, 3 server or network error.
set -eu

: "${SHOMEI_URL:?}" "${SHOMEI_TOKEN:?}" "${SHOMEI_ISSUER:?}" "${TEMPLATE_ID:?}"

if [ -n "${COHORT_CSV:-}" ]; then
    # Check every row first (nothing is issued), then run the job and wait for it with a progress bar.
    shomei bulk "$COHORT_CSV" --template "$TEMPLATE_ID" --dry-run --wait
    shomei bulk "$COHORT_CSV" --template "$TEMPLATE_ID" --wait --json > job.json
    echo "job: $(cat job.json)"
else
    : "${LEARNER_EMAIL:?set COHORT_CSV or LEARNER_EMAIL}"
    shomei issue --template "$TEMPLATE_ID" --recipient-email "$LEARNER_EMAIL" \
        --format ldp_vc --json > issued.json
    # Check what was issued, as any verifier would.
    url=$(python3 -c 'import json; print(json.load(open("issued.json"))["id"])')
    shomei verify "$url"
fi
