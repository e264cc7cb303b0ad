/**
 * Regression: KVS routed by `path in JSON_OPERATIONS`, so a path naming a member of Object.prototype
 * (`__proto__`, `constructor`, `toString`: reachable without the leading slash, e.g. over a proxy that strips it)
 * counted as a KVS operation. Routing tables are read through their own properties only.
 */
import { KvsService } from './kvs-service';

describe('KvsService routing', () => {
  // serves/operationOf/isStreaming read only the routing tables, never the environment.
  const kvs = new KvsService(undefined as never);

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'])('does not serve the path %s', (path) => {
    expect(kvs.serves(path)).toBe(false);
    expect(kvs.isStreaming(path)).toBe(false);
    expect(kvs.operationOf(path)).toBe(path.slice(1));
  });

  it('serves its own paths', () => {
    expect(kvs.serves('/listStreams')).toBe(true);
    expect(kvs.operationOf('/listStreams')).toBe('ListStreams');
    expect(kvs.isStreaming('/getMedia')).toBe(true);
    expect(kvs.operationOf('/hls/v1/getHLSMasterPlaylist.m3u8')).toBe('GetHLSMasterPlaylist');
  });
});
