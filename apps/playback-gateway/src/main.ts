/**
 * apps/playback-gateway: KVS playback for browsers — auth, stream list and health, HLS sessions (direct or
 * proxied), clips, snapshots, and the web player.
 *
 * Started through the runtime's service runner (exit codes and the stop: libs/runtime README, "Service runner"): on
 * SIGTERM/SIGINT it stops accepting connections, lets requests in progress finish and exits 0 (1 past the runner's
 * 30-s stop deadline; a second signal exits at once with 130/143). Stateless: any number of instances with the same
 * playback key can run behind a load balancer.
 */
import { runService } from '@tributary/runtime';
import { HELP, loadConfig } from './playback-gateway-config';
import { startPlaybackGateway } from './playback-gateway-app';

void runService({
  name: 'playback-gateway',
  help: HELP,
  loadConfig: (argv, env) => loadConfig(argv, env),
  logger: (config) => ({ level: config.logLevel }),
  start: (config, logger) => startPlaybackGateway(config, { logger }),
  ready: (running, config) => ({ url: running.url, delivery: config.delivery, segmentCacheBytes: config.segmentCacheBytes }),
  timedOut: () => ({ msg: 'requests still open after the stop deadline; exiting' }),
});
