/**
 * kinesalite 3.3.3 ships no types. The bench only creates its HTTP server: `kinesalite(options)` returns a plain
 * node:http Server (index.js), whose close() also closes the LevelDB store.
 */
declare module 'kinesalite' {
  import type { Server } from 'node:http';

  interface KinesaliteOptions {
    /** Folder for LevelDB; omit for memdown (in memory). */
    path?: string;
    ssl?: boolean;
    createStreamMs?: number;
    deleteStreamMs?: number;
    updateStreamMs?: number;
    shardLimit?: number;
  }

  function kinesalite(options?: KinesaliteOptions): Server;
  export = kinesalite;
}
