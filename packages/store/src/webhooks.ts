/** Webhook deliveries already seen: a delivery id accepted twice is a replay. */
import type { Db } from './db.ts';

export class WebhookDeliveries {
  readonly #db: Db;

  constructor(db: Db) {
    this.#db = db;
  }

  /** Records a delivery id; false when it was seen before. */
  async claim(id: string, now: number): Promise<boolean> {
    return (await this.#db.run('INSERT INTO webhook_deliveries (id, received_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING', [id, now])) === 1;
  }
}
