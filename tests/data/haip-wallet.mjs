// A HAIP wallet built on the OpenWallet Foundation's OpenID4VCI client (@openid4vc/openid4vci and
// @openid4vc/oauth2, installed with the wallet-sim checker): it receives the credentials of one of our
// offers the way HAIP 1.0 asks, exercising what wallet-sim does not:
//   - DPoP-bound tokens (RFC 9449): a DPoP proof at the token (and PAR) endpoint, then the token
//     used with the DPoP scheme and a fresh proof at the credential endpoint;
//   - wallet (client) attestation (draft-ietf-oauth-attestation-based-client-auth): the
//     OAuth-Client-Attestation and OAuth-Client-Attestation-PoP headers at the token and PAR
//     endpoints, the attestation signed by a wallet provider with an x5c chain;
//   - key attestations (OpenID4VCI 1.0 Appendix D): a key_attestation header in each jwt proof;
//   - in authorization-code mode, the authorization code flow: PAR + PKCE S256 + the offer's
//     issuer_state + DPoP, our consent page (the learner's part: the tx_code), the code exchange.
// The library does the protocol work (requests, DPoP proofs, PoPs, PKCE, the JWTs' shapes); this
// script holds the keys (signJwt with jose), plays the learner at the consent page and reports.
//
// usage: node haip-wallet.mjs WALLET_SIM_DIR MODE OFFER_URI PROVIDER_FILE [TX_CODE]
//   MODE           pre-authorized | authorization-code
//   OFFER_URI      openid-credential-offer://...
//   PROVIDER_FILE  {"jwk": <the wallet provider's private EC P-256 JWK>, "x5c": [<base64 DER>...],
//                   "iss": "https://wallet-provider.example"}
// Prints {ok, mode, token_type, steps, received: [{credential_configuration_id, format,
// credential}], errors}; exits 0 only if every offered credential was received, 1 otherwise, 2 on a
// usage error. Loopback only: https://127.0.0.1:PORT is requested as http:// on the same port.
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';
import {createHash, randomBytes} from 'node:crypto';

const MODES = ['pre-authorized', 'authorization-code'];
const [walletSim, mode, offerUri, providerFile, txCode] = process.argv.slice(2);
if(!walletSim || !MODES.includes(mode) || !offerUri || !providerFile) {
  process.stderr.write('usage: node haip-wallet.mjs WALLET_SIM_DIR ' +
    `${MODES.join('|')} OFFER_URI PROVIDER_FILE [TX_CODE]\n`);
  process.exit(2);
}
const require = createRequire(walletSim + '/node_modules/');
const {Openid4vciClient, createKeyAttestationJwt, extractScopesForCredentialConfigurationIds} =
  await import(require.resolve('@openid4vc/openid4vci'));
const {Oauth2Client, clientAuthenticationClientAttestationJwt, createClientAttestationJwt,
  getAuthorizationServerMetadataFromList} = await import(require.resolve('@openid4vc/oauth2'));
const {setGlobalConfig} = await import(require.resolve('@openid4vc/utils'));
const jose = await import(require.resolve('jose'));

setGlobalConfig({allowInsecureUrls: true}); // our loopback server's public URLs are https://127.0.0.1
const CLIENT_ID = 'haip-wallet-1'; // the wallet instance's client_id: the attestation's sub
const REDIRECT_URI = 'https://wallet.example/haip-wallet/callback'; // never visited: we read Location
const provider = JSON.parse(readFileSync(providerFile, 'utf8'));

const steps = [];
const errors = [];
const received = [];
let current = null; // the step whose HTTP requests are being recorded

// fetch for the library and for us: loopback hosts only, https:// sent as plain http:// on the same
// port. Each request is noted in the current step with the HAIP headers it carried (names only).
const fetchLoopback = async (url, init = {}) => {
  const target = new URL(url);
  if(!['127.0.0.1', 'localhost'].includes(target.hostname)) {
    throw new Error(`refusing to fetch ${url}`);
  }
  target.protocol = 'http:';
  const headers = new Headers(init.headers);
  const response = await fetch(target, {...init, headers});
  const authorization = headers.get('authorization');
  current?.requests.push({
    method: init.method ?? 'GET', url: String(url), status: response.status,
    headers: ['dpop', 'oauth-client-attestation', 'oauth-client-attestation-pop']
      .filter(name => headers.has(name)),
    ...authorization ? {authorization: authorization.split(' ')[0]} : {},
  });
  return response;
};

// The keys: the wallet provider's (from the file), and fresh ones for the holder (bound into the
// credentials), the wallet instance (the attestation's cnf key, signs the PoPs) and DPoP.
const newKey = async () => {
  const {privateKey, publicKey} = await jose.generateKeyPair('ES256', {extractable: true});
  return {privateKey, publicJwk: await jose.exportJWK(publicKey)};
};
const [holder, instance, dpopKey] = [await newKey(), await newKey(), await newKey()];
const providerKey = await jose.importJWK(provider.jwk, 'ES256');
const {d: _d, ...providerPublicJwk} = provider.jwk;
const byThumbprint = new Map();
for(const k of [holder, instance, dpopKey]) {
  byThumbprint.set(await jose.calculateJwkThumbprint(k.publicJwk), k.privateKey);
}

// signJwt callback: the library builds header and payload; we sign with the key the signer names.
const signJwt = async (signer, {header, payload}) => {
  let key;
  let signerJwk;
  if(signer.method === 'jwk') {
    key = byThumbprint.get(await jose.calculateJwkThumbprint(signer.publicJwk));
    signerJwk = signer.publicJwk;
  } else if(signer.method === 'x5c' && signer.x5c?.[0] === provider.x5c[0]) {
    key = providerKey;
    signerJwk = providerPublicJwk;
  }
  if(!key || signer.alg !== 'ES256') {
    throw new Error(`no ES256 key for signer method ${signer.method}`);
  }
  const jwt = await new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header).sign(key);
  return {jwt, signerJwk};
};
const callbacks = {
  fetch: fetchLoopback,
  hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
  generateRandom: n => randomBytes(n),
  signJwt,
};

function serializeError(e) {
  const out = {name: e?.name || 'Error', message: e?.message || String(e)};
  if(e?.errorResponse) {
    out.errorResponse = e.errorResponse; // an OAuth error response ({error, error_description})
  }
  const credentialError = e?.response?.credentialErrorResponseResult?.data;
  if(credentialError) {
    out.errorResponse = credentialError;
  }
  return out;
}

// Runs one protocol step; fn returns {info, ...values}; info and the HTTP requests are recorded.
async function step(name, fn) {
  const s = {step: name, requests: []};
  steps.push(s);
  current = s;
  try {
    const v = await fn(s) || {};
    Object.assign(s, {ok: true}, v.info || {});
    return v;
  } catch(e) {
    Object.assign(s, {ok: false, error: serializeError(e)});
    throw e;
  } finally {
    current = null;
  }
}

const html = s => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<')
  .replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const attribute = (tag, name) => {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`));
  return m ? html(m[1]) : undefined;
};

let tokenType = null;
let offerIds = [];
try {
  // The wallet provider attests this wallet instance: client_id (sub) and instance key (cnf.jwk).
  const {clientAttestationJwt} = await step('client-attestation', async () => {
    const now = new Date();
    const jwt = await createClientAttestationJwt({
      callbacks,
      signer: {method: 'x5c', alg: 'ES256', x5c: provider.x5c},
      issuer: provider.iss,
      clientId: CLIENT_ID,
      issuedAt: now,
      expiresAt: new Date(now.getTime() + 3600e3),
      confirmation: {jwk: instance.publicJwk},
      additionalPayload: {wallet_name: 'HAIP interop wallet (oid4vc-ts)'},
    });
    return {clientAttestationJwt: jwt, info: {client_id: CLIENT_ID}};
  });
  // With this client authentication the library adds OAuth-Client-Attestation and a fresh
  // OAuth-Client-Attestation-PoP (signed by the instance key through signJwt) to every request to
  // the authorization server: PAR and token.
  const clientCallbacks = {
    ...callbacks,
    clientAuthentication: clientAuthenticationClientAttestationJwt({
      clientAttestationJwt, callbacks}),
  };
  const client = new Openid4vciClient({callbacks: clientCallbacks});

  const {offer} = await step('credential-offer', async () => {
    const o = await client.resolveCredentialOffer(offerUri);
    return {offer: o, info: {credential_configuration_ids: o.credential_configuration_ids,
      grants: Object.keys(o.grants ?? {})}};
  });
  offerIds = offer.credential_configuration_ids;

  const {md, as} = await step('issuer-metadata', async () => {
    const m = await client.resolveIssuerMetadata(offer.credential_issuer);
    const a = getAuthorizationServerMetadataFromList(m.authorizationServers,
      m.authorizationServers[0].issuer);
    if(!a.dpop_signing_alg_values_supported?.includes('ES256')) {
      throw new Error('the authorization server does not take ES256 DPoP proofs ' +
        '(dpop_signing_alg_values_supported)');
    }
    const unknown = offerIds.filter(
      id => !m.credentialIssuer.credential_configurations_supported[id]);
    if(unknown.length) {
      throw new Error(`offered configurations not in the metadata: ${unknown.join(', ')}`);
    }
    return {md: m, as: a, info: {detected_version: m.originalDraftVersion,
      token_endpoint_auth_methods_supported: a.token_endpoint_auth_methods_supported,
      dpop_signing_alg_values_supported: a.dpop_signing_alg_values_supported}};
  });

  // Every request to the authorization and credential endpoints carries a DPoP proof of this key.
  let dpop = {signer: {method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk}};
  let token;
  if(mode === 'pre-authorized') {
    ({token, dpop} = await step('token', async () => {
      const grant = offer.grants?.['urn:ietf:params:oauth:grant-type:pre-authorized_code'];
      if(!grant) {
        throw new Error('the offer has no pre-authorized_code grant');
      }
      if(grant.tx_code && !txCode) {
        throw new Error('the offer asks for a tx_code: pass TX_CODE');
      }
      const t = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
        credentialOffer: offer, issuerMetadata: md, dpop,
        txCode: grant.tx_code ? txCode : undefined});
      return {token: t.accessTokenResponse, dpop: t.dpop, info: {
        token_type: t.accessTokenResponse.token_type, tx_code_sent: !!grant.tx_code}};
    }));
  } else {
    // The authorization code flow, issuer-initiated: the library pushes the authorization request
    // (PAR) with PKCE S256, our issuer_state, a DPoP proof and the client attestation headers.
    const state = jose.base64url.encode(randomBytes(16));
    const {authorization} = await step('pushed-authorization-request', async () => {
      const grant = offer.grants?.authorization_code;
      if(!grant?.issuer_state) {
        throw new Error('the offer has no authorization_code grant with an issuer_state');
      }
      const scope = extractScopesForCredentialConfigurationIds({
        credentialConfigurationIds: offerIds, issuerMetadata: md})?.join(' ');
      // Openid4vciClient.initiateAuthorization (0.4.6) does not pass `state` on (its type has it),
      // so we call the OAuth 2.0 client's initiateAuthorization it wraps, with the offer's
      // issuer_state as Openid4vciClient would add it.
      const a = await new Oauth2Client({callbacks: clientCallbacks}).initiateAuthorization({
        authorizationServerMetadata: as, clientId: CLIENT_ID, redirectUri: REDIRECT_URI,
        scope, state, dpop, resource: md.credentialIssuer.credential_issuer,
        additionalRequestPayload: {issuer_state: grant.issuer_state}});
      const url = new URL(a.authorizationRequestUrl);
      if(!url.searchParams.get('request_uri')) {
        throw new Error('the authorization request was not pushed (no request_uri)');
      }
      return {authorization: a, info: {scope, code_challenge_method:
        a.pkce?.codeChallengeMethod, authorization_endpoint: url.origin + url.pathname}};
    });
    dpop = authorization.dpop ?? dpop;

    // The learner's part, in the browser: the consent page, the tx_code, "Add to my wallet".
    const {code} = await step('consent', async () => {
      const page = await fetchLoopback(authorization.authorizationRequestUrl,
        {redirect: 'manual'});
      const text = await page.text();
      if(page.status !== 200) {
        throw new Error(`the authorization endpoint answered ${page.status}`);
      }
      const form = text.match(/<form\b[^>]*method="post"[^>]*>[\s\S]*?<\/form>/i)?.[0];
      if(!form) {
        throw new Error('no form on the consent page');
      }
      const fields = new URLSearchParams();
      for(const input of form.match(/<input\b[^>]*>/gi) ?? []) {
        if(attribute(input, 'type') === 'hidden') {
          fields.append(attribute(input, 'name'), attribute(input, 'value') ?? '');
        }
      }
      const asksTxCode = /<input\b[^>]*\sname="tx_code"/i.test(form);
      if(asksTxCode) {
        if(!txCode) {
          throw new Error('the consent page asks for the tx_code: pass TX_CODE');
        }
        fields.append('tx_code', txCode);
      }
      const approve = form.match(/<button\b[^>]*\svalue="approve"[^>]*>/i)?.[0];
      fields.append(attribute(approve ?? '', 'name') ?? 'action', 'approve');
      const action = attribute(form.match(/<form\b[^>]*>/i)[0], 'action') ??
        authorization.authorizationRequestUrl;
      const decision = await fetchLoopback(action, {method: 'POST', body: fields,
        redirect: 'manual'});
      const location = decision.headers.get('location');
      if(decision.status !== 303 || !location) {
        throw new Error(`the consent form answered ${decision.status}, not a 303 redirect`);
      }
      if(!location.startsWith(REDIRECT_URI + '?')) {
        throw new Error(`redirected to ${location}, not to the redirect_uri`);
      }
      // The library parses the authorization response and checks iss (RFC 9207); state is ours.
      const response = client.parseAndVerifyAuthorizationResponseRedirectUrl({
        url: location, authorizationServerMetadata: as});
      if(response.error) {
        throw Object.assign(new Error(`authorization refused: ${response.error}`),
          {errorResponse: response});
      }
      if(response.state !== state) {
        throw new Error(`the authorization response state ${response.state} is not ours`);
      }
      return {code: response.code, info: {tx_code_asked: asksTxCode,
        status: decision.status, iss: response.iss, state_matches: true}};
    });

    ({token, dpop} = await step('token', async () => {
      const t = await client.retrieveAuthorizationCodeAccessTokenFromOffer({
        credentialOffer: offer, issuerMetadata: md, authorizationCode: code,
        pkceCodeVerifier: authorization.pkce.codeVerifier, redirectUri: REDIRECT_URI, dpop});
      return {token: t.accessTokenResponse, dpop: t.dpop, info: {
        token_type: t.accessTokenResponse.token_type,
        authorization_details: t.accessTokenResponse.authorization_details ?? null}};
    }));
  }
  tokenType = token.token_type;
  if(tokenType?.toLowerCase() !== 'dpop') {
    throw new Error(`the access token is of type ${tokenType}, not DPoP`);
  }

  for(const id of offerIds) {
    const config = md.credentialIssuer.credential_configurations_supported[id];
    try {
      const {nonce} = await step(`nonce:${id}`, async () => {
        const n = (await client.requestNonce({issuerMetadata: md})).c_nonce;
        return {nonce: n};
      });
      // The wallet provider attests the holder key (Appendix D.1), for this c_nonce (Appendix F.1:
      // the key attestation's nonce MUST be the server-provided c_nonce when there is one); the
      // library puts it in the jwt proof's header and checks the proof key is among attested_keys.
      const {proof} = await step(`proof:${id}`, async () => {
        const now = new Date();
        const keyAttestationJwt = await createKeyAttestationJwt({
          callbacks, use: 'proof_type.jwt', nonce,
          signer: {method: 'x5c', alg: 'ES256', x5c: provider.x5c},
          issuedAt: now, expiresAt: new Date(now.getTime() + 3600e3),
          attestedKeys: [holder.publicJwk],
          keyStorage: ['iso_18045_moderate'], userAuthentication: ['iso_18045_moderate']});
        const {jwt} = await client.createCredentialRequestJwtProof({
          issuerMetadata: md, credentialConfigurationId: id, nonce, clientId: CLIENT_ID,
          signer: {method: 'jwk', alg: 'ES256', publicJwk: holder.publicJwk},
          keyAttestationJwt});
        return {proof: jwt, info: {key_attestation_typ:
          jose.decodeProtectedHeader(keyAttestationJwt).typ}};
      });
      const {credential} = await step(`credential:${id}`, async () => {
        const r = await client.retrieveCredentials({issuerMetadata: md,
          accessToken: token.access_token, credentialConfigurationId: id,
          proofs: {jwt: [proof]}, dpop});
        const first = r.credentialResponse.credentials?.[0]?.credential;
        if(first === undefined) {
          throw new Error('no credential in the response (deferred issuance is not supported)');
        }
        return {credential: first, info: {count: r.credentialResponse.credentials.length,
          notification_id: r.credentialResponse.notification_id}};
      });
      received.push({credential_configuration_id: id, format: config.format, credential});
    } catch(e) {
      errors.push({credential_configuration_id: id, ...serializeError(e)});
    }
  }
} catch(e) {
  errors.push(serializeError(e));
}

const ok = offerIds.length > 0 &&
  offerIds.every(id => received.some(r => r.credential_configuration_id === id));
process.stdout.write(JSON.stringify({ok, mode, token_type: tokenType, steps, received, errors}));
process.exitCode = ok ? 0 : 1;
