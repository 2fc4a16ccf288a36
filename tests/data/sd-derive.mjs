// Signs an ecdsa-sd-2023 base proof and derives a selective disclosure from it with Digital Bazaar's
// cryptosuite (@digitalbazaar/ecdsa-sd-2023-cryptosuite, installed by `make tools` into the folder given as
// the first argument), offline. Standard input: one JSON object
//   {credential, contexts: {url: document}, key: {publicKeyMultibase, secretKeyMultibase}, controller,
//    mandatoryPointers: [...], selectivePointers: [...]}
// Standard output: {"base": <credential with the base proof>, "derived": <the revealed credential>}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [toolDir] = process.argv.slice(2);
const load = (name, entry) => import(pathToFileURL(join(toolDir, 'node_modules', name, entry)).href);
const EcdsaMultikey = await load('@digitalbazaar/ecdsa-multikey', 'lib/index.js');
const { createSignCryptosuite, createDiscloseCryptosuite } = await load(
  '@digitalbazaar/ecdsa-sd-2023-cryptosuite', 'lib/index.js');
const { DataIntegrityProof } = await load('@digitalbazaar/data-integrity', 'lib/index.js');
const jsigs = (await load('jsonld-signatures', 'lib/jsonld-signatures.js')).default;

const input = JSON.parse(readFileSync(0, 'utf8'));
const documentLoader = async (url) => {
  if (Object.hasOwn(input.contexts, url)) {
    return { contextUrl: null, documentUrl: url, document: input.contexts[url] };
  }
  throw new Error(`no document for ${url} (offline)`);
};
const { publicKeyMultibase, secretKeyMultibase } = input.key;
const keyPair = await EcdsaMultikey.from({
  '@context': 'https://w3id.org/security/multikey/v1',
  type: 'Multikey',
  id: `${input.controller}#${publicKeyMultibase}`,
  controller: input.controller,
  publicKeyMultibase,
  secretKeyMultibase,
});
const purpose = new jsigs.purposes.AssertionProofPurpose();
const base = await jsigs.sign(structuredClone(input.credential), {
  suite: new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: createSignCryptosuite({ mandatoryPointers: input.mandatoryPointers }),
  }),
  purpose,
  documentLoader,
});
const derived = await jsigs.derive(structuredClone(base), {
  suite: new DataIntegrityProof({
    cryptosuite: createDiscloseCryptosuite({ selectivePointers: input.selectivePointers }),
  }),
  purpose,
  documentLoader,
});
process.stdout.write(JSON.stringify({ base, derived }) + '\n');
