/**
 * Releases and promotions over the API: the promotions read from Git (stages, the release each
 * runs, holds), releases newest first, one release in every stage, and what may be done to one
 * (promote, approve, hold and release a hold). A hub without promotions answers 404.
 */
import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import { postJson } from './client.ts';
import type { ReleaseView } from './types.ts';

export interface PromotionStage {
  name: string;
  application: string;
  release: string | null;
  state: string | null;
  held: { by: string; reason: string; at: string } | null;
}

export interface Promotion {
  name: string;
  file: string;
  repoURL: string;
  stages: PromotionStage[];
}

export interface Promotions {
  items: Promotion[];
  invalid: { file: string; error: string }[];
}

export const PROMOTIONS_KEY = ['promotions'] as const;
export const RELEASES_KEY = ['releases'] as const;
export const releaseKey = (id: string): readonly ['release', string] => ['release', id];

export type ReleaseAction =
  | { action: 'promote'; release: string; stage: string }
  | { action: 'approve'; release: string; stage: string }
  | { action: 'unhold'; promotion: string; stage: string };

function send(action: ReleaseAction): Promise<unknown> {
  switch (action.action) {
    case 'promote': return postJson(`/api/v1/releases/${encodeURIComponent(action.release)}/promote`, { to: action.stage });
    case 'approve': return postJson(`/api/v1/releases/${encodeURIComponent(action.release)}/approve`, { stage: action.stage });
    case 'unhold': return postJson(`/api/v1/promotions/${encodeURIComponent(action.promotion)}/unhold`, { stage: action.stage });
  }
}

/** One of the release actions; what it changed is read again afterwards. */
export function useReleaseAction(): UseMutationResult<unknown, Error, ReleaseAction> {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: send,
    onSettled: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: PROMOTIONS_KEY }),
        queryClient.invalidateQueries({ queryKey: RELEASES_KEY }),
        queryClient.invalidateQueries({ queryKey: ['release'] }),
      ]);
    },
  });
}

/** A release's stage as one line: where it is and, when the agent reports, what runs there. */
export function stageSummary(stage: ReleaseView['stages'][number]): string {
  if (stage.state === undefined) return 'not reached';
  const runs = stage.reported === undefined ? '' : stage.reported.runsThisRelease ? ', running it' : ', running another revision';
  return `${stage.state}${runs}`;
}
