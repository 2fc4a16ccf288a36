// Verifies several credentials with vc-crosscheck's verifier (Digital Bazaar's stack, installed by
// `make tools` into the folder given as the first argument) in one Node process, instead of one
// `verify.mjs` run each (each run starts Node and loads the stack again). The second argument is a JSON
// file: {"didWeb": [DID document, ...], "contexts": {url: context document}, "statusLists": {url: text},
// "credentials": [credential, ...]}. Writes a JSON array of verify.mjs's results, one per credential, in
// order. Exits 0 when every credential verified, else 1.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [toolDir, inputFile] = process.argv.slice(2);
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const { createVerifier } = await import(pathToFileURL(join(toolDir, 'lib', 'verify.mjs')).href);
const verifier = createVerifier({
  didWebDocs: input.didWeb,
  contexts: input.contexts,
  allowLoopbackHttp: false,
  statusLists: input.statusLists,
  jwks: null,
  now: undefined,
  checkStatusOk: false,
  proofOnly: false,
  minStatusEntries: undefined,
});
const results = [];
for (const credential of input.credentials) {
  try {
    results.push(await verifier.verify(JSON.stringify(credential)));
  } catch (e) {
    results.push({ verified: false, format: 'unknown', errors: [{ name: e.name, message: e.message }] });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
process.exit(results.every((r) => r.verified) ? 0 : 1);
