/**
 * A real OpenID Connect provider for tests: the maintained `oidc-provider` package on loopback
 * HTTP, with its development login form (any login name; the accounts given here supply the
 * `name` and `groups` claims), PKCE required, and consent granted up front for its one client.
 * `signIn` drives the login form with fetch and a cookie jar, as a browser would. Refresh tokens
 * are issued to the client; the accounts may be changed while it runs (`accounts`): a refresh
 * then answers the new groups, and a login the accounts no longer hold is unknown to it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider, { type Configuration } from 'oidc-provider';

export interface TestAccount {
  name?: string;
  groups: string[];
}

export interface TestOidcProvider {
  issuer: string;
  /** The accounts it knows, as given: change a user's groups, or delete the user, at any time. */
  accounts: Record<string, TestAccount>;
  /**
   * Registers the one client (its redirect URIs are known only once the hub listens);
   * `refreshTokens: false` makes a provider that issues no refresh token.
   */
  setClient(client: { clientId: string; clientSecret: string; redirectUris: string[]; refreshTokens?: boolean }): void;
  /**
   * Follows an authorization URL through the provider's login form as `login` and returns the
   * URL the provider sends the browser back to (the client's redirect URI with code and state).
   */
  signIn(authorizationUrl: string, login: string): Promise<string>;
  stop(): Promise<void>;
}

const CLAIMS = { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email'], groups: ['groups'] };

export async function startOidcProvider(accounts: Record<string, TestAccount>): Promise<TestOidcProvider> {
  let provider: Provider | undefined;
  const server: Server = createServer((req, res) => {
    if (provider === undefined) {
      res.writeHead(503).end('no client registered yet');
      return;
    }
    void provider.callback()(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const setClient: TestOidcProvider['setClient'] = (client) => {
    const configuration: Configuration = {
      clients: [{ client_id: client.clientId, client_secret: client.clientSecret, redirect_uris: client.redirectUris, grant_types: client.refreshTokens === false ? ['authorization_code'] : ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic' }],
      claims: CLAIMS,
      scopes: ['openid', 'profile', 'email', 'groups'],
      conformIdTokenClaims: false,
      ttl: { Interaction: 600, Grant: 3600, Session: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
      pkce: { required: () => true },
      // A refresh token to every login of the one client, offline_access asked or not.
      issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      cookies: { keys: ['test-provider-cookie-key-0123456789'] },
      features: { devInteractions: { enabled: true } },
      findAccount: (_ctx, id) => {
        if (accounts[id] === undefined) return undefined;
        return {
          accountId: id,
          claims: () => ({ sub: id, preferred_username: id, name: accounts[id]?.name ?? id, email: `${id}@example.test`, groups: accounts[id]?.groups ?? [] }),
        };
      },
      // The one client is first-party: consent is granted without asking.
      loadExistingGrant: async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        const clientId = ctx.oidc.client?.clientId;
        if (accountId === undefined || clientId === undefined) return undefined;
        const grant = new ctx.oidc.provider.Grant({ accountId, clientId });
        grant.addOIDCScope('openid profile email groups');
        grant.addOIDCClaims(['name', 'preferred_username', 'email', 'groups']);
        await grant.save();
        return grant;
      },
    };
    provider = new Provider(issuer, configuration);
  };

  return {
    issuer,
    accounts,
    setClient,
    async signIn(authorizationUrl, login) {
      const jar = new Map<string, string>();
      const send = async (url: string, init: RequestInit = {}): Promise<Response> => {
        const response = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string> | undefined), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
        for (const line of response.headers.getSetCookie()) {
          const [pair = ''] = line.split(';');
          const at = pair.indexOf('=');
          jar.set(pair.slice(0, at).trim(), pair.slice(at + 1));
        }
        return response;
      };
      let url = authorizationUrl;
      for (let step = 0; step < 20; step++) {
        const response = await send(url);
        const location = response.headers.get('location');
        if (location !== null) {
          const next = new URL(location, url);
          if (next.origin !== issuer) return next.toString();
          url = next.toString();
          continue;
        }
        const page = await response.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
        if (response.status !== 200 || action === undefined || !page.includes('name="login"')) throw new Error(`the provider answered ${response.status} without a login form: ${page.slice(0, 300)}`);
        const submitted = await send(new URL(action, url).toString(), { method: 'POST', body: new URLSearchParams({ prompt: 'login', login, password: 'any' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        const after = submitted.headers.get('location');
        if (after === null) throw new Error(`the login form answered ${submitted.status}: ${(await submitted.text()).slice(0, 300)}`);
        url = new URL(after, url).toString();
      }
      throw new Error('the provider kept redirecting');
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
