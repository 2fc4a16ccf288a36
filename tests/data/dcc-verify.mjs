// Verifies one credential (JSON on standard input) with the Digital Credentials Consortium's verifier
// (@digitalcredentials/verifier-core, installed by `make tools` into the folder given as the first
// argument), offline: every document it would fetch (the issuer's did:web document, the status lists,
// a context it does not bundle) is served from the JSON map of URL -> document in the file given as the
// second argument; any other fetch gets a 404. Writes one JSON line to standard output:
//   {"verified": bool, "errors": [{name, message}], "log": [{id, valid}], "requested": [url, ...]}
// where "verified" means no fatal error and a valid signature, expiration, revocation and suspension
// status (the issuer registry step is not used: no registries are given). Exits 0 when verified, else 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [toolDir, documentsFile] = process.argv.slice(2);
const documents = JSON.parse(readFileSync(documentsFile, 'utf8'));
const requested = [];

globalThis.fetch = async (input) => {
  const url = typeof input === 'string' ? input : (input.url ?? String(input));
  requested.push(url);
  const key = url.split('#')[0];
  if (Object.hasOwn(documents, key)) {
    const body = typeof documents[key] === 'string' ? documents[key] : JSON.stringify(documents[key]);
    return new Response(body, { status: 200, headers: { 'content-type': 'application/json' } });
  }
  return new Response('{}', { status: 404, headers: { 'content-type': 'application/json' } });
};
// verifier-core reports its (network-only) schema lookups with console.log: keep standard output ours.
console.log = (...args) => process.stderr.write(args.map(String).join(' ') + '\n');

const entry = join(toolDir, 'node_modules', '@digitalcredentials', 'verifier-core', 'dist', 'index.js');
const { verifyCredential } = await import(pathToFileURL(entry).href);
const credential = JSON.parse(readFileSync(0, 'utf8'));
const result = await verifyCredential({ credential, knownDIDRegistries: [] });

const log = (result.log ?? []).map(({ id, valid, error }) => ({ id, valid: valid ?? null, error: error?.name }));
const errors = (result.errors ?? []).map(({ name, message }) => ({ name, message }));
const decisive = ['valid_signature', 'expiration', 'revocation_status', 'suspension_status'];
const verified =
  errors.length === 0 &&
  log.some((step) => step.id === 'valid_signature' && step.valid === true) &&
  log.filter((step) => decisive.includes(step.id)).every((step) => step.valid === true);
process.stdout.write(JSON.stringify({ verified, errors, log, requested }) + '\n');
process.exit(verified ? 0 : 1);
