/**
 * Where the web pages' files are: `public/` next to the sources (tsx, tests) or next to the bundle
 * (dist/playback-gateway/public), and hls.js and uPlot (the dashboard's charts) from node_modules — or the copies
 * the bundle ships in `vendor/`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface StaticAssets {
  publicDir: string;
  hlsJsFile: string;
  uplotJsFile: string;
  uplotCssFile: string;
}

export function locateStaticAssets(baseDir: string = __dirname): StaticAssets {
  const publicDir = [path.join(baseDir, 'public'), path.join(baseDir, '..', '..', 'public'), path.join(baseDir, '..', 'public')].find((d) =>
    fs.existsSync(path.join(d, 'index.html')),
  );
  if (publicDir === undefined) throw new Error(`the web player's public/ folder was not found near ${baseDir}`);
  const vendored = (file: string, module: string): string => {
    const shipped = path.join(baseDir, 'vendor', file);
    return fs.existsSync(shipped) ? shipped : require.resolve(module);
  };
  return {
    publicDir,
    hlsJsFile: vendored('hls.min.js', 'hls.js/dist/hls.min.js'),
    uplotJsFile: vendored('uPlot.iife.min.js', 'uplot/dist/uPlot.iife.min.js'),
    uplotCssFile: vendored('uPlot.min.css', 'uplot/dist/uPlot.min.css'),
  };
}
