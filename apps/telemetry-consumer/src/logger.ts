/**
 * The logger the sinks and the handler take: the runtime's Logger (pino's method subset, conventions.md §12)
 * without `child`, so the app hands them a pino child and tests hand them nothing (the no-op default) or an object
 * of four functions.
 */
import type { Logger as RuntimeLogger } from '@tributary/runtime';

export type Logger = Omit<RuntimeLogger, 'child'>;
export { noopLogger } from '@tributary/runtime';
