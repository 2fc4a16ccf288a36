// A wallet on the OpenWallet Foundation's OpenID4VCI client (@openid4vc/openid4vci, installed with the
// wallet-sim checker) that asks for a batch of each offered credential: two jwt key proofs sharing
// one c_nonce (OpenID4VCI 1.0: one nonce serves the request), the holder keys named as did:jwk DID
// URLs (kid) where the configuration advertises did:jwk binding, as jwk otherwise. The library
// builds the requests and the proofs' shapes; this script holds the keys and reports.
//
// usage: node did-jwk-batch-wallet.mjs WALLET_SIM_DIR OFFER_URI [TX_CODE]
// Prints {ok, received: [{credential_configuration_id, format, signer, credentials}], errors};
// exits 0 when every offered configuration came back with two credentials, 1 otherwise.
import {createRequire} from 'node:module';
import {createHash, randomBytes} from 'node:crypto';

const [walletSim, offerUri, txCode] = process.argv.slice(2);
if(!walletSim || !offerUri) {
  process.stderr.write('usage: node did-jwk-batch-wallet.mjs WALLET_SIM_DIR OFFER_URI [TX_CODE]\n');
  process.exit(2);
}
const require = createRequire(walletSim + '/node_modules/');
const {Openid4vciClient} = await import(require.resolve('@openid4vc/openid4vci'));
const {clientAuthenticationAnonymous} = await import(require.resolve('@openid4vc/oauth2'));
const {setGlobalConfig} = await import(require.resolve('@openid4vc/utils'));
const jose = await import(require.resolve('jose'));
setGlobalConfig({allowInsecureUrls: true}); // our loopback server's public URLs are https://127.0.0.1

const fetchLoopback = async (url, init = {}) => {
  const target = new URL(url);
  if(!['127.0.0.1', 'localhost'].includes(target.hostname)) {
    throw new Error(`refusing to fetch ${url}`);
  }
  target.protocol = 'http:';
  return fetch(target, init);
};

// Holder keys by did:jwk DID URL and by JWK thumbprint.
const byDid = new Map();
const byThumbprint = new Map();
const newHolder = async () => {
  const {privateKey, publicKey} = await jose.generateKeyPair('ES256', {extractable: true});
  const publicJwk = await jose.exportJWK(publicKey);
  const did = 'did:jwk:' + jose.base64url.encode(JSON.stringify(publicJwk));
  byDid.set(`${did}#0`, privateKey);
  byThumbprint.set(await jose.calculateJwkThumbprint(publicJwk), privateKey);
  return {did, publicJwk};
};
const signJwt = async (signer, {header, payload}) => {
  const key = signer.method === 'did' ? byDid.get(signer.didUrl) :
    signer.method === 'jwk' ? byThumbprint.get(await jose.calculateJwkThumbprint(signer.publicJwk)) :
      undefined;
  if(!key) {
    throw new Error(`no key for signer method ${signer.method}`);
  }
  const jwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header).sign(key);
  return {jwt, signerJwk: signer.publicJwk};
};
const client = new Openid4vciClient({callbacks: {
  fetch: fetchLoopback, signJwt, clientAuthentication: clientAuthenticationAnonymous(),
  hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
  generateRandom: n => randomBytes(n),
}});

const serializeError = e => ({name: e?.name || 'Error', message: e?.message || String(e),
  ...(e?.response?.credentialErrorResponseResult?.data ?
    {errorResponse: e.response.credentialErrorResponseResult.data} : {})});
const received = [];
const errors = [];
let offerIds = [];
try {
  const offer = await client.resolveCredentialOffer(offerUri);
  offerIds = offer.credential_configuration_ids;
  const md = await client.resolveIssuerMetadata(offer.credential_issuer);
  const grant = offer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
  const {accessTokenResponse: token} = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
    credentialOffer: offer, issuerMetadata: md, txCode: grant?.tx_code ? txCode : undefined});
  for(const id of offerIds) {
    const config = md.credentialIssuer.credential_configurations_supported[id];
    try {
      const useDid = config.cryptographic_binding_methods_supported?.includes('did:jwk');
      const {c_nonce: nonce} = await client.requestNonce({issuerMetadata: md});
      const proofs = [];
      for(const holder of [await newHolder(), await newHolder()]) {
        const signer = useDid ? {method: 'did', didUrl: `${holder.did}#0`, alg: 'ES256'} :
          {method: 'jwk', alg: 'ES256', publicJwk: holder.publicJwk};
        const {jwt} = await client.createCredentialRequestJwtProof({
          issuerMetadata: md, credentialConfigurationId: id, nonce, signer});
        proofs.push({jwt, did: holder.did, header: jose.decodeProtectedHeader(jwt)});
      }
      const r = await client.retrieveCredentials({issuerMetadata: md,
        accessToken: token.access_token, credentialConfigurationId: id,
        proofs: {jwt: proofs.map(p => p.jwt)}});
      const credentials = (r.credentialResponse.credentials ?? []).map(c => c.credential);
      received.push({credential_configuration_id: id, format: config.format,
        signer: useDid ? 'did' : 'jwk', kids: proofs.map(p => p.header.kid ?? null),
        dids: proofs.map(p => p.did), credentials});
    } catch(e) {
      errors.push({credential_configuration_id: id, ...serializeError(e)});
    }
  }
} catch(e) {
  errors.push(serializeError(e));
}
const ok = offerIds.length > 0 && errors.length === 0 &&
  offerIds.every(id => received.some(r => r.credential_configuration_id === id &&
    r.credentials.length === 2));
process.stdout.write(JSON.stringify({ok, received, errors}));
process.exitCode = ok ? 0 : 1;
