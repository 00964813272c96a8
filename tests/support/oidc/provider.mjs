// A real OpenID Provider for tests: node-oidc-provider with its built-in login form.
//
//   node provider.mjs CONFIG.json [--port N]
//
// CONFIG.json:
//   {
//     "port": 0,                           // 0: any free port (the ready line says which)
//     "issuer": "http://127.0.0.1:9400",   // optional, default http://127.0.0.1:<port>
//     "clients": [{"client_id": "parley", "client_secret": "...",
//                  "redirect_uris": ["http://localhost:8080/auth/sso/corp/callback"]}],
//     "accounts": {"alice": {"email": "alice@example.com", "email_verified": true,
//                            "name": "Alice", "groups": ["Engineering"]}}
//   }
//
// Accounts are read from the file again at every look-up, so a test can rewrite them between
// two logins. The login form takes any password. Consent is granted without asking (a
// first-party provider), and the scope claims go into the ID token. Prints one JSON line
// {"issuer": ..., "port": ...} on stdout once it listens; stops on SIGTERM or SIGINT.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string' }, config: { type: 'string' } },
});
const configPath = values.config ?? positionals[0];
if (!configPath) {
  console.error('usage: node provider.mjs CONFIG.json [--port N]');
  process.exit(2);
}

const readConfig = () => JSON.parse(readFileSync(configPath, 'utf8'));
const config = readConfig();
const host = config.host ?? '127.0.0.1';
const port = Number(values.port ?? config.port ?? 0);

async function findAccount(_ctx, id) {
  const claims = readConfig().accounts?.[id];
  return {
    accountId: id,
    // An unknown login signs in with no claims but `sub`: the relying party refuses it.
    async claims() {
      return { ...(claims ?? {}), sub: id };
    },
  };
}

// Every requested scope and claim is granted at once: no consent page for this provider.
async function loadExistingGrant(ctx) {
  const grant = new ctx.oidc.provider.Grant({
    clientId: ctx.oidc.client.clientId,
    accountId: ctx.oidc.session.accountId,
  });
  grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes].join(' '));
  grant.addOIDCClaims([...ctx.oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'RS256', kid: 'test-key' };
}

const server = createServer();
server.listen(port, host, () => {
  const actual = server.address().port;
  const issuer = config.issuer ?? `http://${host}:${actual}`;
  const provider = new Provider(issuer, {
    clients: (config.clients ?? []).map((client) => ({
      client_id: client.client_id,
      client_secret: client.client_secret,
      redirect_uris: client.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      // `groups` comes with `profile` (the default scopes of a relying party) or on its own.
      profile: ['name', 'groups'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(32).toString('hex')] },
    features: { devInteractions: { enabled: true } },
    findAccount,
    jwks: { keys: [signingKey()] },
    loadExistingGrant,
    pkce: { required: () => true },
  });
  server.on('request', provider.callback());
  console.log(JSON.stringify({ issuer, port: actual }));
});

// Nothing to save: stop at once, open connections included.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => process.exit(0));
}
