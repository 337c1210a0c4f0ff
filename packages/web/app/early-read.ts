/** Imported first by the entry, so it runs before the modules after it: see `beginEarlyRead`. */
import { beginEarlyRead } from './api/application.ts';

beginEarlyRead(location.pathname);
