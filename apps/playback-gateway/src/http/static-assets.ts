/**
 * Where the web player's files are: `public/` next to the sources (tsx, tests) or next to the bundle
 * (dist/playback-gateway/public), and hls.js from node_modules — or the copy the bundle ships in `vendor/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StaticAssets {
  publicDir: string;
  hlsJsFile: string;
}

export function locateStaticAssets(baseDir: string = __dirname): StaticAssets {
  const publicDir = [path.join(baseDir, 'public'), path.join(baseDir, '..', '..', 'public'), path.join(baseDir, '..', 'public')].find((d) =>
    fs.existsSync(path.join(d, 'index.html')),
  );
  if (publicDir === undefined) throw new Error(`the web player's public/ folder was not found near ${baseDir}`);
  const shipped = path.join(baseDir, 'vendor', 'hls.min.js');
  const hlsJsFile = fs.existsSync(shipped) ? shipped : require.resolve('hls.js/dist/hls.min.js');
  return { publicDir, hlsJsFile };
}
