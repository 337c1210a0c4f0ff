/** The frame around every page: navigation, live-stream state, theme switch, sign out. */
import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore, type ReactNode } from 'react';
import { NavLink, Outlet } from 'react-router';
import { setToken } from './api/client.ts';
import { liveSnapshot, startLive, stopLive, subscribeLive } from './api/live.ts';
import { applyTheme, initialTheme, type Theme } from './theme.ts';
import { Button } from './ui/primitives.tsx';

const LIVE_TEXT = { connecting: 'Connecting…', live: 'Live', retrying: 'Reconnecting…' } as const;

export function Layout(): ReactNode {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const live = useSyncExternalStore(subscribeLive, liveSnapshot);
  const queryClient = useQueryClient();
  useEffect(() => {
    startLive();
  }, []);
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
        </nav>
        <span className="spacer" />
        <span className="live" role="status" aria-label="Live updates">{LIVE_TEXT[live.state]}</span>
        <Button onClick={toggle} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>{theme === 'dark' ? 'Light' : 'Dark'}</Button>
        <Button onClick={() => { stopLive(); queryClient.clear(); setToken(undefined); }}>Sign out</Button>
      </header>
      <main><Outlet /></main>
    </div>
  );
}
