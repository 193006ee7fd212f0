// An OpenID Connect provider for the end-to-end tests: oidc-provider, issuing JWT access tokens
// to clients with the client-credentials grant.
//
//   node tools/oidc/provider.mjs <port> <audience> <key id>
//
// Signs with a new RSA key named <key id>, made at start: starting it again with another id is
// how the tests rotate the provider's keys. Clients (id = secret) and the scopes they may ask
// for are read as JSON from the environment variable OIDC_CLIENTS:
// {"reader": "payments:read", "everything": "payments:read payments:write"}.
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const [port, audience, kid] = process.argv.slice(2);
const clients = JSON.parse(process.env.OIDC_CLIENTS ?? '{}');
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const key = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
const scopes = [...new Set(Object.values(clients).flatMap((s) => s.split(' ')))];

const provider = new Provider(issuer, {
  clients: Object.keys(clients).map((id) => ({
    client_id: id,
    client_secret: id,
    grant_types: ['client_credentials'],
    redirect_uris: [],
    response_types: [],
    scope: clients[id],
  })),
  jwks: { keys: [key] },
  scopes,
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // Every token is for the one API under test, whose audience is `audience`.
      defaultResource: () => 'urn:msgen:api',
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => ({
        audience,
        scope: client.scope,
        accessTokenFormat: 'jwt',
        accessTokenTTL: 3600,
        jwt: { sign: { alg: 'RS256' } },
      }),
    },
  },
});
provider.listen(Number(port), '127.0.0.1', () => console.log(`listening on ${issuer}`));
