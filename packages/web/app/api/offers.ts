/**
 * What this hub's API accepts, from its own OpenAPI document: lets a page offer a filter only when
 * the hub reads it (a hub refuses query fields it does not know).
 */
import { useQuery } from '@tanstack/react-query';
import { getJson } from './client.ts';

interface OpenApi {
  paths?: Record<string, Record<string, { parameters?: { name: string; in: string }[] } | undefined> | undefined>;
}

/** Whether `GET path` takes the query parameter `name`; false until known. */
export function useQueryParamOffered(path: string, name: string): boolean {
  const document = useQuery({ queryKey: ['openapi'], queryFn: ({ signal }) => getJson<OpenApi>('/api/v1/openapi.json', signal), staleTime: Infinity, retry: false });
  return document.data?.paths?.[path]?.get?.parameters?.some((p) => p.in === 'query' && p.name === name) ?? false;
}
