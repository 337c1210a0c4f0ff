/**
 * Errors with stable codes. Each package keeps one registry made with `defineErrors`;
 * callers branch on `code`, never on message text.
 */

/** Where in the user's input an error was found. */
export interface ErrorLocation {
  /** Path of the file, relative to the repository or as the user gave it. */
  file?: string;
  /** 1-based line number. */
  line?: number;
  /** 1-based column, where the parser knows it. */
  column?: number;
  /** Field path such as `spec.syncPolicy.interval` or `spec.files[2].mode`. */
  field?: string;
}

export interface ErrorSpec {
  /** A short description of the error class, used when no message is given. */
  message: string;
  /** Whether retrying the same input later may succeed (network, locks), as opposed to needing a change. */
  retryable: boolean;
  /** Status a server answers with when this error reaches an API response. */
  httpStatus: number;
}

export class TrueupError extends Error {
  override readonly name = 'TrueupError';
  readonly code: string;
  readonly retryable: boolean;
  readonly httpStatus: number;
  readonly location: ErrorLocation;

  constructor(code: string, spec: ErrorSpec, message: string, location: ErrorLocation = {}, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
    this.retryable = spec.retryable;
    this.httpStatus = spec.httpStatus;
    this.location = location;
  }

  /** The message with its location first, as a user reads it: `apps/web.yaml:12: spec.mode: …`. */
  describe(): string {
    const { file, line, column, field } = this.location;
    const position = line === undefined ? '' : column === undefined ? `:${line}` : `:${line}:${column}`;
    const where = [file === undefined ? undefined : `${file}${position}`, field]
      .filter((part) => part !== undefined && part !== '')
      .join(': ');
    return where === '' ? this.message : `${where}: ${this.message}`;
  }

  toJSON(): { code: string; message: string; retryable: boolean } & ErrorLocation {
    return { code: this.code, message: this.describe(), retryable: this.retryable, ...this.location };
  }
}

export type ErrorRegistry<C extends string> = {
  readonly [K in C]: ErrorSpec;
} & {
  /** Builds an error of the registered `code`. */
  create(code: C, message?: string, location?: ErrorLocation, options?: ErrorOptions): TrueupError;
};

export function defineErrors<C extends string>(specs: Record<C, ErrorSpec>): ErrorRegistry<C> {
  const create = (code: C, message?: string, location?: ErrorLocation, options?: ErrorOptions): TrueupError =>
    new TrueupError(code, specs[code], message ?? specs[code].message, location, options);
  return Object.freeze({ ...specs, create });
}

export function isTrueupError(value: unknown, code?: string): value is TrueupError {
  return value instanceof TrueupError && (code === undefined || value.code === code);
}

/** The registry of the `api` package: input parsing and validation. */
export const ApiErrors = defineErrors({
  API_YAML_INVALID: { message: 'invalid YAML', retryable: false, httpStatus: 400 },
  API_YAML_LIMIT: { message: 'YAML input exceeds a limit', retryable: false, httpStatus: 413 },
  API_FIELD_INVALID: { message: 'invalid field', retryable: false, httpStatus: 400 },
  API_FIELD_UNKNOWN: { message: 'unknown field', retryable: false, httpStatus: 400 },
  API_KIND_UNKNOWN: { message: 'unknown kind', retryable: false, httpStatus: 400 },
  API_DUPLICATE_NAME: { message: 'duplicate name', retryable: false, httpStatus: 409 },
  API_DURATION_INVALID: { message: 'invalid duration', retryable: false, httpStatus: 400 },
});
