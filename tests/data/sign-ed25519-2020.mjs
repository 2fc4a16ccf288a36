// Signs the credential on stdin with the legacy Ed25519Signature2020 suite, using Digital Bazaar's
// published packages (@digitalbazaar/ed25519-signature-2020, jsonld-signatures) from the installed
// vc-crosscheck checker: an implementation independent of ours, for the verifier's interop tests.
// usage: node sign-ed25519-2020.mjs CHECKER_DIR CONTEXTS.json SEED_HEX < unsigned.json > signed.json
// CONTEXTS.json maps context URLs to documents; nothing is fetched.
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';

const [checker, contextsFile, seedHex] = process.argv.slice(2);
const require = createRequire(checker + '/node_modules/');
const {Ed25519VerificationKey2020} = require('@digitalbazaar/ed25519-verification-key-2020');
const {Ed25519Signature2020} = require('@digitalbazaar/ed25519-signature-2020');
const jsigs = require('jsonld-signatures');

const credential = JSON.parse(readFileSync(0, 'utf8'));
const contexts = JSON.parse(readFileSync(contextsFile, 'utf8'));
const key = await Ed25519VerificationKey2020.generate({seed: Buffer.from(seedHex, 'hex')});
const did = 'did:key:' + key.fingerprint();
key.controller = did;
key.id = `${did}#${key.fingerprint()}`;
credential.issuer = typeof credential.issuer === 'object' ? {...credential.issuer, id: did} : did;
const documentLoader = async url => {
  if(!(url in contexts)) {
    throw new Error(`offline: ${url}`);
  }
  return {contextUrl: null, documentUrl: url, document: contexts[url]};
};
const suite = new Ed25519Signature2020({key, date: '2026-01-01T00:00:00Z'});
const signed = await jsigs.sign(credential, {
  suite, purpose: new jsigs.purposes.AssertionProofPurpose(), documentLoader
});
process.stdout.write(JSON.stringify(signed));
