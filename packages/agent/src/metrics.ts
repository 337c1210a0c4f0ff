/** Prometheus metrics for every loop, in the text exposition format. */

type Labels = Record<string, string>;

const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

class Family {
  readonly values = new Map<string, { labels: Labels; value: number; buckets?: number[]; sum?: number }>();
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';

  constructor(name: string, help: string, type: 'counter' | 'gauge' | 'histogram') {
    this.name = name;
    this.help = help;
    this.type = type;
  }

  entry(labels: Labels): { labels: Labels; value: number; buckets?: number[]; sum?: number } {
    const id = JSON.stringify(labels);
    let entry = this.values.get(id);
    if (entry === undefined) {
      entry = this.type === 'histogram' ? { labels, value: 0, buckets: BUCKETS.map(() => 0), sum: 0 } : { labels, value: 0 };
      this.values.set(id, entry);
    }
    return entry;
  }
}

export class Metrics {
  readonly #families = new Map<string, Family>();

  inc(name: string, help: string, labels: Labels = {}, by = 1): void {
    this.#family(name, help, 'counter').entry(labels).value += by;
  }

  set(name: string, help: string, labels: Labels, value: number): void {
    this.#family(name, help, 'gauge').entry(labels).value = value;
  }

  observe(name: string, help: string, labels: Labels, seconds: number): void {
    const entry = this.#family(name, help, 'histogram').entry(labels);
    entry.value++;
    entry.sum = (entry.sum ?? 0) + seconds;
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound && entry.buckets !== undefined) entry.buckets[i]!++;
    });
  }

  render(): string {
    const lines: string[] = [];
    for (const family of this.#families.values()) {
      lines.push(`# HELP ${family.name} ${family.help}`, `# TYPE ${family.name} ${family.type}`);
      for (const { labels, value, buckets, sum } of family.values.values()) {
        if (buckets === undefined) {
          lines.push(`${family.name}${format(labels)} ${value}`);
          continue;
        }
        BUCKETS.forEach((bound, i) => lines.push(`${family.name}_bucket${format({ ...labels, le: String(bound) })} ${buckets[i]}`));
        lines.push(`${family.name}_bucket${format({ ...labels, le: '+Inf' })} ${value}`, `${family.name}_sum${format(labels)} ${sum}`, `${family.name}_count${format(labels)} ${value}`);
      }
    }
    return `${lines.join('\n')}\n`;
  }

  #family(name: string, help: string, type: Family['type']): Family {
    let family = this.#families.get(name);
    if (family === undefined) {
      family = new Family(name, help, type);
      this.#families.set(name, family);
    }
    return family;
  }
}

function format(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}
