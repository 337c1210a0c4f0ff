/**
 * Sign in: as a hub user (name and password), through the organisation's OIDC provider, or with
 * an API token (the hub's admin token, or one made for a person or a script). Shows only what this
 * hub offers; a hub that knows only tokens gets the token form alone.
 */
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, request, sessionChanged, setToken } from '../api/client.ts';
import { oidcHref, readProviders } from '../api/session.ts';
import { Button, Loading, TextField } from '../ui/primitives.tsx';

export default function LoginPage(): ReactNode {
  const providers = useQuery({ queryKey: ['auth-providers'], queryFn: readProviders, retry: false, staleTime: Infinity });
  const offers = providers.data ?? { password: false, oidc: null };
  const others = offers.password || offers.oidc !== null;
  return (
    <main className="login">
      <section className="card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Trueup</h1>
        {providers.isPending ? <Loading what="how to sign in" /> : null}
        {offers.oidc === null ? null : (
          <a className="button button-primary login-oidc" href={oidcHref(offers.oidc.loginUrl, `${location.pathname}${location.search}`)}>Sign in with {offers.oidc.name}</a>
        )}
        {offers.password ? <PasswordForm /> : null}
        {providers.isPending ? null : others ? (
          <details className="login-token">
            <summary>Use an API token instead</summary>
            <TokenForm />
          </details>
        ) : <TokenForm />}
      </section>
    </main>
  );
}

function PasswordForm(): ReactNode {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await request('/api/v1/login', { method: 'POST', body: JSON.stringify({ username: username.trim(), password }) }, true);
      sessionChanged();
    } catch (caught) {
      setError(caught instanceof ApiError && (caught.status === 401 || caught.status === 403) ? 'Wrong user name or password.' : caught instanceof Error ? caught.message : String(caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Password sign-in">
      <TextField label="User name" type="text" autoComplete="username" value={username} onChange={setUsername} />
      <TextField label="Password" type="password" autoComplete="current-password" value={password} onChange={setPassword} />
      {error === undefined ? null : <p role="alert" className="state-error">{error}</p>}
      <Button type="submit" variant="primary" disabled={busy || username.trim() === '' || password === ''}>Sign in</Button>
    </form>
  );
}

function TokenForm(): ReactNode {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await request('/api/v1/environments', { headers: { authorization: `Bearer ${value.trim()}` } }, true);
      setToken(value.trim());
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'The hub does not know this token.' : String(caught instanceof Error ? caught.message : caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(e) => void submit(e)} aria-label="Token sign-in">
      <TextField label="API token" type="password" autoComplete="off" value={value} onChange={setValue} placeholder="tut.…" />
      <p className="muted">The hub's admin token is in its data directory (<code>admin.token</code>).</p>
      {error === undefined ? null : <p role="alert" className="state-error">{error}</p>}
      <Button type="submit" variant="primary" disabled={busy || value.trim() === ''}>Sign in with token</Button>
    </form>
  );
}
