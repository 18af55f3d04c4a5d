// A real OpenID provider for sladesk's single sign-on tests (issue 16): the certified npm
// package `oidc-provider`, on a loopback port, with the clients given on the command line.
//
//   node e2e/oidc-provider.mjs PORT CLIENTS_JSON
//
// CLIENTS_JSON is a JSON array of {client_id, client_secret, redirect_uris}. The provider prints
// `listening http://127.0.0.1:PORT` once it serves. Its signing key is new at every start, so a
// restart on the same port is a key rotation.
//
// The login page is the provider's own (served by this process): whoever signs in types the
// identity the test wants (an email, whether it is verified, groups, whether a second factor
// was done), because a test provider has no directory of people. The rest is oidc-provider's
// own behaviour: discovery, PKCE, state, nonce, codes used once, signed ID tokens, userinfo.
// Claims beyond `sub` reach the client through userinfo, as a spec-conforming provider does.
//
// Two test switches, set by `POST /test/mode` with the body `tamper` or `wrong-nonce` (an empty
// body turns them off): `tamper` changes a claim of the next ID tokens after they were signed;
// `wrong-nonce` replaces the nonce of the next authorisation requests, so that the provider
// signs a token for a nonce the client never sent. Both stand for an attacker between the two.

import crypto from 'node:crypto';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const clients = JSON.parse(process.argv[3] ?? '[]');
const issuer = `http://127.0.0.1:${port}`;

const signingKey = {
  ...crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: crypto.randomBytes(8).toString('hex'),
  alg: 'RS256',
  use: 'sig',
};

// The identities typed on the login page, by account id (the email).
const people = new Map();

const provider = new Provider(issuer, {
  clients: clients.map((c) => ({
    client_id: c.client_id,
    client_secret: c.client_secret,
    redirect_uris: c.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  })),
  jwks: { keys: [signingKey] },
  pkce: { required: () => true },
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    sid: null,
    iss: null,
    openid: ['sub', 'acr', 'amr', 'auth_time'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups', 'offline_access'],
  ttl: { IdToken: 300, AccessToken: 300, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600 },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
  findAccount: async (ctx, sub) => {
    const person = people.get(sub);
    if (!person) return undefined;
    return {
      accountId: sub,
      claims: async () => ({
        sub,
        email: person.email,
        email_verified: person.email_verified,
        name: person.name,
        groups: person.groups,
      }),
    };
  },
});
provider.proxy = false;

let mode = '';

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function loginPage(uid, client) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><main><h1>Test identity provider</h1><p>Signing in to ${escape(client)}</p>
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="email">Email address</label> <input id="email" name="email" type="email" required>
<label for="name">Name</label> <input id="name" name="name">
<label><input type="checkbox" name="email_verified" value="1" checked> Email verified</label>
<label><input type="checkbox" name="no_email_verified" value="1"> Say nothing about verification</label>
<label for="groups">Groups (comma separated)</label> <input id="groups" name="groups">
<label><input type="checkbox" name="mfa" value="1"> Second factor done</label>
<button type="submit">Continue at the provider</button>
</form></main></body></html>`;
}

provider.use(async (ctx, next) => {
  if (ctx.path === '/test/mode' && ctx.method === 'POST') {
    const chunks = [];
    for await (const chunk of ctx.req) chunks.push(chunk);
    mode = Buffer.concat(chunks).toString('utf8').trim();
    ctx.body = { mode };
    return;
  }
  const interaction = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (interaction) {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.prompt.name === 'consent') {
      // A test provider's user always consents to what the client asks for.
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
      grant.addOIDCScope(details.params.scope);
      const grantId = await grant.save();
      ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true }));
      return;
    }
    if (!interaction[2] || ctx.method !== 'POST') {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, details.params.client_id);
      return;
    }
    const form = await readForm(ctx.req);
    const email = (form.get('email') ?? '').trim();
    people.set(email, {
      email,
      // Left out altogether when asked (as Entra ID does); true or false otherwise.
      email_verified: form.get('no_email_verified') === '1' ? undefined : form.get('email_verified') === '1',
      name: form.get('name') || email,
      groups: (form.get('groups') ?? '').split(',').map((g) => g.trim()).filter(Boolean),
    });
    const mfa = form.get('mfa') === '1';
    const login = { accountId: email, amr: mfa ? ['pwd', 'otp', 'mfa'] : ['pwd'], acr: mfa ? 'mfa' : 'pwd' };
    ctx.redirect(await provider.interactionResult(ctx.req, ctx.res, { login }, { mergeWithLastSubmission: false }));
    return;
  }
  if (mode === 'wrong-nonce' && ctx.path === '/auth' && ctx.query.nonce) {
    ctx.query = { ...ctx.query, nonce: 'not-the-nonce-the-client-sent' };
  }
  await next();
  if (mode === 'tamper' && ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    const [header, payload, signature] = ctx.body.id_token.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    claims.sub = 'someone-else';
    ctx.body = { ...ctx.body, id_token: [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.') };
  }
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`listening ${issuer}`);
});
