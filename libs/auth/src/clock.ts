// Time source, injected so that token expiry is tested with a fixed clock instead of waiting (conventions.md §11).
export { systemClock, type Clock } from '@tributary/runtime';
