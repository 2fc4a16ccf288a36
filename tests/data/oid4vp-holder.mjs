// An OpenID4VP 1.0 holder built on the OpenWallet Foundation's @openid4vc/openid4vp (Openid4vpClient)
// and @sd-jwt/sd-jwt-vc, installed (pinned) from tests/data/oid4vp-holder into .tools/oid4vp-holder by
// `make tools`. It answers one of our presentation requests the way a wallet does:
//   - resolves the deep link: the library fetches the request object by reference (request_uri,
//     request_uri_method=post), verifies the JAR (typ, signature with the x5c leaf through our
//     verifyJwt callback, which also chains the leaf to the CA the wallet trusts) and the client
//     identifier (x509_hash: the leaf's hash; x509_san_dns: a DNS SAN of the leaf);
//   - presents, for each DCQL Credential Query, the credential given for it: an SD-JWT VC with only
//     the requested claims disclosed and a KB-JWT (@sd-jwt/sd-jwt-vc: aud = the client_id, the
//     request's nonce, sd_hash), or an ldp_vp (signed by the test, which is asked for it on stdout
//     with the request's nonce and client_id, and answers on stdin);
//   - lets the library create the response (direct_post.jwt: a JWE to the key in client_metadata.jwks,
//     ECDH-ES with the enc the verifier supports, through our jose encryptJwe callback) and submit it.
//
// usage: node oid4vp-holder.mjs HOLDER_DIR INPUT_FILE
//   INPUT_FILE {"deep_link": "openid4vp://...", "ca_pem": "<PEM the wallet trusts>",
//               "holder_jwk": <private EC P-256 JWK bound into the SD-JWT VCs>,
//               "credentials": {"<query id>": "<SD-JWT VC>" | "ldp_vp"},
//               "tamper": {"aud": "...", "nonce": "...", "withhold": ["claim"]}   (optional)}
// Prints one JSON line {need_vp: {nonce, client_id, query_id}} per ldp_vp wanted (then reads the signed
// VP as one JSON line on stdin), and at the end {ok, request: {...}, response: {status, body}, errors};
// (``posted``: the form the holder sent to the response_uri); exits 0 when the verifier accepted the response (HTTP 200), 1 otherwise, 2 on a usage error.
// Loopback only: https://127.0.0.1:PORT is requested as http:// on the same port.
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';
import {createHash, randomBytes, X509Certificate} from 'node:crypto';
import {createInterface} from 'node:readline';

const [holderDir, inputFile] = process.argv.slice(2);
if(!holderDir || !inputFile) {
  process.stderr.write('usage: node oid4vp-holder.mjs HOLDER_DIR INPUT_FILE\n');
  process.exit(2);
}
const require = createRequire(holderDir + '/node_modules/');
const {Openid4vpClient} = await import(require.resolve('@openid4vc/openid4vp'));
const {setGlobalConfig} = await import(require.resolve('@openid4vc/utils'));
const {SDJwtVcInstance} = await import(require.resolve('@sd-jwt/sd-jwt-vc'));
const {ES256, digest, generateSalt} = await import(require.resolve('@sd-jwt/crypto-nodejs'));
const jose = await import(require.resolve('jose'));
setGlobalConfig({allowInsecureUrls: true}); // our loopback server's public URLs are https://127.0.0.1

const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const tamper = input.tamper ?? {};
const errors = [];
const out = {ok: false, request: null, response: null, posted: null, errors};
const stdinLines = createInterface({input: process.stdin})[Symbol.asyncIterator]();

const fetchLoopback = async (url, init = {}) => {
  const target = new URL(url);
  if(!['127.0.0.1', 'localhost'].includes(target.hostname)) {
    throw new Error(`refusing to fetch ${url}`);
  }
  target.protocol = 'http:';
  if(init.method === 'POST' && out.request && String(url) === out.request.response_uri) {
    out.posted = {url: String(url), body: String(init.body)}; // what a replay would send again
  }
  return fetch(target, init);
};

// The CA the wallet trusts for verifiers' certificates (our deployment's CA).
const trusted = new X509Certificate(input.ca_pem);
const certificate = b64 => new X509Certificate(Buffer.from(b64, 'base64'));

// verifyJwt: the JAR's signer is x5c; the leaf must be issued by the trusted CA (HAIP: the anchor
// itself is not in x5c) and within its validity, and the signature must verify with its key.
const verifyJwt = async (signer, {compact, header}) => {
  if(signer.method !== 'x5c') {
    throw new Error(`unexpected JAR signer method ${signer.method}`);
  }
  if(header.typ !== 'oauth-authz-req+jwt') {
    throw new Error(`the request object's typ is ${header.typ}`);
  }
  const chain = signer.x5c.map(certificate);
  if(chain.some(c => c.raw.equals(trusted.raw))) {
    throw new Error('x5c carries the trust anchor');
  }
  const last = chain[chain.length - 1];
  if(!last.checkIssued(trusted) || !last.verify(trusted.publicKey)) {
    throw new Error('the verifier certificate does not chain to the trusted CA');
  }
  for(let i = 0; i + 1 < chain.length; i++) {
    if(!chain[i].verify(chain[i + 1].publicKey)) throw new Error('broken x5c chain');
  }
  const now = new Date();
  if(new Date(chain[0].validFrom) > now || new Date(chain[0].validTo) < now) {
    throw new Error('the verifier certificate is not valid now');
  }
  const key = await jose.importX509(chain[0].toString(), signer.alg);
  await jose.compactVerify(compact, key);
  return {verified: true, signerJwk: await jose.exportJWK(key)};
};

const getX509CertificateMetadata = b64 => {
  const names = (certificate(b64).subjectAltName ?? '').split(', ');
  return {
    sanDnsNames: names.filter(n => n.startsWith('DNS:')).map(n => n.slice(4)),
    sanUriNames: names.filter(n => n.startsWith('URI:')).map(n => n.slice(4)),
  };
};

// encryptJwe: ECDH-ES (direct key agreement) to the verifier's ephemeral key, apu/apv as given.
const encryptJwe = async (encryptor, data) => {
  const key = await jose.importJWK(encryptor.publicJwk, encryptor.alg);
  const params = {};
  if(encryptor.apu) params.apu = jose.base64url.decode(encryptor.apu);
  if(encryptor.apv) params.apv = jose.base64url.decode(encryptor.apv);
  const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(data))
    .setProtectedHeader({alg: encryptor.alg, enc: encryptor.enc, kid: encryptor.publicJwk.kid})
    .setKeyManagementParameters(params)
    .encrypt(key);
  return {jwe, encryptionJwk: encryptor.publicJwk};
};

const callbacks = {
  fetch: fetchLoopback,
  hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
  generateRandom: n => randomBytes(n),
  verifyJwt,
  getX509CertificateMetadata,
  encryptJwe,
  signJwt: async () => { throw new Error('this holder signs no JWTs for the library'); },
  decryptJwe: async () => { throw new Error('no encrypted request objects here'); },
};

// The holder key bound into the SD-JWT VCs signs the KB-JWTs.
const kbSigner = await ES256.getSigner(input.holder_jwk);
const sdjwt = new SDJwtVcInstance({
  hasher: digest, saltGenerator: generateSalt, kbSigner, kbSignAlg: 'ES256',
});

async function presentSdJwt(credential, query, clientId, nonce) {
  const frame = {};
  for(const claim of query.claims ?? []) {
    const name = claim.path[0];
    if(!(tamper.withhold ?? []).includes(name)) frame[name] = true;
  }
  return sdjwt.present(credential, frame, {
    kb: {payload: {
      aud: tamper.aud ?? clientId, nonce: tamper.nonce ?? nonce, iat: Math.floor(Date.now() / 1000),
    }},
  });
}

async function askForVp(queryId, clientId, nonce) {
  process.stdout.write(JSON.stringify({need_vp: {query_id: queryId, client_id: clientId, nonce}}) + '\n');
  const {value, done} = await stdinLines.next();
  if(done) throw new Error('no ldp_vp given on stdin');
  return JSON.parse(value);
}

try {
  const client = new Openid4vpClient({callbacks});
  const parsed = client.parseOpenid4vpAuthorizationRequest({authorizationRequest: input.deep_link});
  const resolved = await client.resolveOpenId4vpAuthorizationRequest({
    authorizationRequestPayload: parsed.params,
  });
  const request = resolved.authorizationRequestPayload;
  out.request = {
    client_id: request.client_id, client_prefix: resolved.client.prefix, response_mode: request.response_mode,
    response_uri: request.response_uri, version: resolved.version, jar_typ: resolved.jar?.jwt?.header?.typ,
    dcql_ids: resolved.dcql?.query?.credentials?.map(c => c.id) ?? [],
  };
  const vpToken = {};
  for(const query of resolved.dcql.query.credentials) {
    const given = input.credentials[query.id];
    if(given === undefined) continue;
    if(query.format === 'dc+sd-jwt') {
      vpToken[query.id] = [await presentSdJwt(given, query, request.client_id, request.nonce)];
    } else {
      vpToken[query.id] = [await askForVp(query.id, request.client_id, request.nonce)];
    }
  }
  const jarm = request.response_mode === 'direct_post.jwt' ? {
    encryption: {nonce: randomBytes(16).toString('base64url')},
    serverMetadata: {
      authorization_signing_alg_values_supported: ['ES256'],
      authorization_encryption_alg_values_supported: ['ECDH-ES'],
      authorization_encryption_enc_values_supported: ['A128GCM', 'A256GCM'],
    },
  } : undefined;
  const response = await client.createOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: {vp_token: vpToken},
    jarm,
  });
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: response.jarm ? {responseJwt: response.jarm.responseJwt} : undefined,
  });
  const text = await submitted.response.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  out.response = {status: submitted.response.status, mode: submitted.responseMode, body,
    encrypted: Boolean(response.jarm?.responseJwt)};
  out.ok = submitted.response.status === 200;
} catch(e) {
  errors.push({message: String(e?.message ?? e), details: e?.errorResponse ?? e?.cause?.message});
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(out.ok ? 0 : 1);
