/** The frame around every page: navigation, live-stream state, theme switch, sign out. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { NavLink, Outlet, useMatch } from 'react-router';
import { request, setToken } from './api/client.ts';
import { useWhoami } from './api/session.ts';
import { liveSnapshot, startLive, stopLive, subscribeLive } from './api/live.ts';
import { applyTheme, initialTheme, type Theme } from './theme.ts';
import { Button } from './ui/primitives.tsx';

export const APPLICATION_ROUTE = '/environments/:environment/applications/:name';
const LIVE_TEXT = { connecting: 'Connecting…', live: 'Live', retrying: 'Reconnecting…' } as const;

export function Layout(): ReactNode {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const live = useSyncExternalStore(subscribeLive, liveSnapshot);
  const queryClient = useQueryClient();
  const whoami = useWhoami();
  const signOut = async (): Promise<void> => {
    stopLive();
    // A cookie session ends at the hub; a hub without sessions answers 404, which changes nothing.
    await request('/api/v1/logout', { method: 'POST' }, true).catch(() => undefined);
    queryClient.clear();
    setToken(undefined);
  };
  // An application's page starts the stream itself once drawn, from the version of its own read.
  const applicationPage = useMatch(APPLICATION_ROUTE) !== null;
  useEffect(() => {
    if (!applicationPage) startLive();
  }, [applicationPage]);
  const toggle = (): void => {
    const next = theme === 'dark' ? 'light' : 'dark';
    applyTheme(next, true);
    setTheme(next);
  };
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">Trueup</span>
        <nav aria-label="Main">
          <NavLink to="/" end>Applications</NavLink>
          <NavLink to="/environments" end>Environments</NavLink>
          <NavLink to="/ledger">Ledger</NavLink>
          <NavLink to="/runs">Runs</NavLink>
          <NavLink to="/releases">Releases</NavLink>
        </nav>
        <span className="spacer" />
        <span className="live" role="status" aria-label="Live updates">{LIVE_TEXT[live.state]}</span>
        <Button onClick={toggle} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>{theme === 'dark' ? 'Light' : 'Dark'}</Button>
        <span className="muted who" title={whoami.subject}>{whoami.name}</span>
        <Button onClick={() => void signOut()}>Sign out</Button>
      </header>
      <main><Outlet /></main>
    </div>
  );
}
