/** The UI's entry: query cache, routes (the heavy pages load on demand), theme, login gate. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { lazy, StrictMode, Suspense, useSyncExternalStore, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { getToken, onTokenChange } from './api/client.ts';
import { Layout } from './layout.tsx';
import { ApplicationsPage } from './pages/applications.tsx';
import { LoginPage } from './pages/login.tsx';
import { Loading } from './ui/primitives.tsx';
import './ui/theme.css';

const ApplicationPage = lazy(() => import('./pages/application.tsx'));
const EnvironmentsPage = lazy(() => import('./pages/environments.tsx'));
const LedgerPage = lazy(() => import('./pages/ledger.tsx'));

const client = new QueryClient({ defaultOptions: { queries: { staleTime: 5_000, retry: 1, refetchOnWindowFocus: false } } });

const lazyPage = (page: ReactNode): ReactNode => <Suspense fallback={<Loading what="the page" />}>{page}</Suspense>;

const router = createBrowserRouter([{
  path: '/', element: <Layout />, children: [
    { index: true, element: <ApplicationsPage /> },
    { path: 'environments/:environment/applications/:name', element: lazyPage(<ApplicationPage />) },
    { path: 'environments', element: lazyPage(<EnvironmentsPage />) },
    { path: 'ledger', element: lazyPage(<LedgerPage />) },
  ],
}]);

function App(): ReactNode {
  const token = useSyncExternalStore(onTokenChange, getToken);
  if (token === undefined) return <LoginPage />;
  return <RouterProvider router={router} />;
}

createRoot(document.getElementById('root') as HTMLElement).render(
  <StrictMode>
    <QueryClientProvider client={client}><App /></QueryClientProvider>
  </StrictMode>,
);
