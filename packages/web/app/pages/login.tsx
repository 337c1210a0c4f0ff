/** Sign in with an API token (the hub's admin token, or one made for a person or a script). */
import { useState, type FormEvent, type ReactNode } from 'react';
import { ApiError, request, setToken } from '../api/client.ts';
import { Button, TextField } from '../ui/primitives.tsx';

export function LoginPage(): ReactNode {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await request('/api/v1/environments', { headers: { authorization: `Bearer ${value.trim()}` } });
      setToken(value.trim());
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'The hub does not know this token.' : String(caught instanceof Error ? caught.message : caught));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login">
      <section className="card" aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Trueup</h1>
        <form onSubmit={(e) => void submit(e)}>
          <TextField label="API token" type="password" value={value} onChange={setValue} placeholder="tut.…" />
          <p className="muted">The hub's admin token is in its data directory (<code>admin.token</code>).</p>
          {error === undefined ? null : <p role="alert" className="state-error">{error}</p>}
          <Button type="submit" variant="primary" disabled={busy || value.trim() === ''}>Sign in</Button>
        </form>
      </section>
    </main>
  );
}
