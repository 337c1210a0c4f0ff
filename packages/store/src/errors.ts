/** The store's error codes. */
import { defineErrors } from '@trueup/api';

export const StoreErrors = defineErrors({
  STORE_URL_INVALID: { message: 'the database URL is not a postgres:// URL or a file path', retryable: false, httpStatus: 500 },
  STORE_UNAVAILABLE: { message: 'the database cannot be reached', retryable: true, httpStatus: 503 },
  STORE_SCHEMA_NEWER: { message: 'the database schema is newer than this hub: upgrade the hub', retryable: false, httpStatus: 500 },
  STORE_CURSOR_INVALID: { message: 'invalid cursor', retryable: false, httpStatus: 400 },
});
