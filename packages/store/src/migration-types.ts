/** The shape of one schema migration, and what differs between the two engines' SQL. */

export interface Dialect {
  /** An auto-incrementing primary key. */
  id: string;
  /** Text compared byte-wise, so ordering and cursors agree across engines. */
  text: string;
  /** The text of a top-level key of a JSON text column. */
  jsonText: (column: string, key: string) => string;
}

export interface Migration {
  version: number;
  name: string;
  sql(d: Dialect): string;
}

