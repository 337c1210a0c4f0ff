/** The UI's entry: query cache, routes (every page's code loads with its route), theme, login gate. */
// First: an application's read starts before React and the router are even evaluated.
import './early-read.ts';
import { QueryClient, QueryClientProvider, useQuery } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense, useSyncExternalStore, type ComponentType, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { prefetchApplication } from './api/application.ts';
import { getToken, onSessionChange, sessionGeneration } from './api/client.ts';
import { PENDING, readSession, SessionContext } from './api/session.ts';
import { APPLICATION_ROUTE, Layout } from './layout.tsx';
import { ErrorState, Loading } from './ui/primitives.tsx';
import './ui/theme.css';

const loadApplicationPage = (): Promise<{ default: ComponentType }> => import('./pages/application.tsx');
const ApplicationPage = lazy(loadApplicationPage);
const loadApplicationsPage = (): Promise<{ default: ComponentType }> => import('./pages/applications.tsx');
const ApplicationsPage = lazy(loadApplicationsPage);
const LoginPage = lazy(() => import('./pages/login.tsx'));
const EnvironmentsPage = lazy(() => import('./pages/environments.tsx'));
const LedgerPage = lazy(() => import('./pages/ledger.tsx'));
const RunsPage = lazy(() => import('./pages/runs.tsx'));
const RunPage = lazy(() => import('./pages/run.tsx'));
const ReleasesPage = lazy(() => import('./pages/releases.tsx'));
const ReleasePage = lazy(() => import('./pages/release.tsx'));

const client = new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false } } });

const lazyPage = (page: ReactNode): ReactNode => <Suspense fallback={<Loading what="the page" />}>{page}</Suspense>;

const router = createBrowserRouter([{
  path: '/', element: <Layout />, children: [
    { index: true, element: lazyPage(<ApplicationsPage />), loader: () => { void loadApplicationsPage(); return null; } },
    // The application's read and the page's code both start with the navigation (no waterfall).
    { path: APPLICATION_ROUTE.slice(1), element: lazyPage(<ApplicationPage />), loader: ({ params }) => { prefetchApplication(client, params.environment ?? '', params.name ?? ''); void loadApplicationPage(); return null; } },
    { path: 'environments', element: lazyPage(<EnvironmentsPage />) },
    { path: 'ledger', element: lazyPage(<LedgerPage />) },
    { path: 'runs', element: lazyPage(<RunsPage />) },
    { path: 'runs/:id', element: lazyPage(<RunPage />) },
    { path: 'releases', element: lazyPage(<ReleasesPage />) },
    { path: 'releases/:id', element: lazyPage(<ReleasePage />) },
  ],
}]);

function App(): ReactNode {
  const generation = useSyncExternalStore(onSessionChange, sessionGeneration);
  const session = useQuery({ queryKey: ['session', generation], queryFn: readSession, staleTime: Infinity, retry: false });
  if (session.error !== null) return <main><ErrorState error={session.error} retry={() => void session.refetch()} /></main>;
  // With a token the pages can load while the hub says what it allows; a cookie session is known only from the hub.
  if (session.data === undefined && getToken() !== undefined) return <SessionContext value={PENDING}><RouterProvider router={router} /></SessionContext>;
  if (session.data === undefined) return <main><Loading what="your session" /></main>;
  if (!session.data.signedIn) return <Suspense fallback={<main><Loading what="the sign-in page" /></main>}><LoginPage /></Suspense>;
  return <SessionContext value={session.data.whoami}><RouterProvider router={router} /></SessionContext>;
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={client}><App /></QueryClientProvider>
  </StrictMode>,
);
