/**
 * Which path each File, Directory and Symlink lives at, so an object that Git no longer
 * declares (known only by its key) can still be observed and pruned. A record is written, and
 * synced to disk, before its entry is created; it may name a path whose entry never came.
 */
import { keyId, type ObjectKey } from '@trueup/api';
import type { StateStore } from './state-store.ts';

interface PathRecord {
  key: ObjectKey;
  path: string;
}

export class ObjectPaths {
  readonly #state: StateStore;
  readonly #known = new Map<string, string | undefined>();

  constructor(state: StateStore) {
    this.#state = state;
  }

  async get(key: ObjectKey): Promise<string | undefined> {
    const id = keyId(key);
    if (this.#known.has(id)) return this.#known.get(id);
    const record = await this.#state.read<PathRecord>('objects', id);
    const path = typeof record?.path === 'string' ? record.path : undefined;
    this.#known.set(id, path);
    return path;
  }

  async set(key: ObjectKey, path: string): Promise<void> {
    if ((await this.get(key)) === path) return;
    await this.#state.write('objects', keyId(key), { key, path } satisfies PathRecord, true);
    this.#known.set(keyId(key), path);
  }

  async remove(key: ObjectKey): Promise<void> {
    await this.#state.remove('objects', keyId(key));
    this.#known.set(keyId(key), undefined);
  }
}
