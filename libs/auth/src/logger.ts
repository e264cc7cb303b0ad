// The lib logs through @tributary/runtime's Logger (pino's subset); apps pass a pino instance.
export { noopLogger, type Logger } from '@tributary/runtime';
