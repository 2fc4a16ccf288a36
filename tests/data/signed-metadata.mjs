// Fetches a credential issuer's metadata with the OpenWallet Foundation's OpenID4VCI client
// (@openid4vc/openid4vci, installed with the wallet-sim checker), asking for signed metadata: the
// wallet asks for application/jwt; the library parses the JWT against its own schemas (typ
// openidvci-issuer-metadata+jwt, iat, sub = the issuer) and hands us the x5c signer to verify.
// We verify the chain to the given CA and the ES256 signature with jose and node:crypto.
// usage: node signed-metadata.mjs WALLET_SIM_DIR ISSUER_URL CA_PEM_FILE
// Loopback only: https://127.0.0.1:PORT is requested as http:// on the same port.
import {createRequire} from 'node:module';
import {readFileSync} from 'node:fs';
import {X509Certificate, createHash, randomBytes} from 'node:crypto';

const [walletSim, issuer, caFile] = process.argv.slice(2);
const require = createRequire(walletSim + '/node_modules/');
const {Openid4vciClient} = await import(require.resolve('@openid4vc/openid4vci'));
const {setGlobalConfig} = await import(require.resolve('@openid4vc/utils'));
const jose = await import(require.resolve('jose'));

setGlobalConfig({allowInsecureUrls: true});
const ca = new X509Certificate(readFileSync(caFile));
const seen = [];
const fetchLoopback = async (url, init) => {
  const target = new URL(url);
  if(!['127.0.0.1', 'localhost'].includes(target.hostname)) {
    throw new Error(`refusing to fetch ${url}`);
  }
  target.protocol = 'http:';
  // This library version sends no Accept header; OpenID4VCI 1.0 §12.2.2 has the wallet say with
  // Accept that it takes signed metadata, so the wallet (this callback) adds it.
  const headers = new Headers(init?.headers);
  if(target.pathname.startsWith('/.well-known/openid-credential-issuer')) {
    headers.set('accept', 'application/jwt, application/json;q=0.5');
  }
  const response = await fetch(target, {...init, headers});
  seen.push({url: String(url), accept: headers.get('accept'),
    contentType: response.headers.get('content-type')});
  return response;
};
const verifyJwt = async (signer, {compact}) => {
  if(signer.method !== 'x5c') {
    return {verified: false};
  }
  const chain = signer.x5c.map(der => new X509Certificate(Buffer.from(der, 'base64')));
  chain.forEach((cert, i) => {
    const parent = chain[i + 1] ?? ca;
    if(!cert.verify(parent.publicKey) || !cert.checkIssued(parent)) {
      throw new Error(`x5c[${i}] is not issued by its parent`);
    }
  });
  const key = await jose.importX509(chain[0].toString(), signer.alg);
  await jose.compactVerify(compact, key);
  return {verified: true, signerJwk: await jose.exportJWK(key)};
};
const client = new Openid4vciClient({callbacks: {
  fetch: fetchLoopback, verifyJwt,
  hash: (data, alg) => createHash(alg.replace('-', '')).update(data).digest(),
  generateRandom: n => randomBytes(n),
}});
const metadata = await client.resolveIssuerMetadata(issuer);
process.stdout.write(JSON.stringify({
  signed: Boolean(metadata.signedCredentialIssuer),
  signer: metadata.signedCredentialIssuer?.signer?.method ?? null,
  credential_issuer: metadata.credentialIssuer.credential_issuer,
  configurations: Object.keys(metadata.credentialIssuer.credential_configurations_supported),
  requests: seen,
}));
