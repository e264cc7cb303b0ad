/**
 * `tributary cost`: the monthly AWS cost of a deployment (issue 17's cost model, @tributary/cost-model) from
 * devices, record rate and size, cameras, bitrate, retention, hours watched and the consumer fleet, line by line
 * with each formula. Calls nothing: it prices the inputs at the dated list prices of the cost model.
 */
import { CostModelError, estimateMonthlyCost, type CostEstimate } from '@tributary/cost-model';
import { Option, type Command } from 'commander';
import type { CliContext } from '../cli/cli-context';
import { usageError } from '../cli/cli-error';
import { COST_FLAG_DEFAULTS, DEFAULT_LEASE_PROTOCOL, FLAG_OF_INPUT, costInputsFromOptions, leaseProtocols, nonNegative, wholeNumber, type CostOptions, type LeaseProtocolChoice } from './cost/cost-options';
import { costJson, formatCostTable, leaseComparison } from './cost/cost-report';

const HELP = `
Prices: AWS list prices for us-east-1, dated, in libs/cost-model/src/prices.ts (with where each was taken).
A month is 730 h, GB is 2^30 bytes, steady state. Not included: compute for the apps, data transfer to the
internet, CloudWatch, KMS, free tiers, discounts. docs/scaling.md explains the model.

Output: a table on a terminal (each line's formula under it); one JSON object in a pipe or with --json.

Examples:
  $ tributary cost                                          # 1,000 devices at one 200-B record a second
  $ tributary cost --devices 1000 --cameras 0 --compare-leases
  $ tributary cost --devices 0 --cameras 1 --bitrate 2000 --video-retention 168 --hours-watched 30
  $ tributary cost --devices 50000 --rate 1/60 --capacity-mode on-demand --retention 168
  $ tributary cost --devices 100000 --shards 1000 --workers 20 --lease-protocol per-lease
  $ tributary cost --json | jq '.lines[] | {item, monthlyUsd}'
`;

function registerOptions(command: Command): Command {
  const d = COST_FLAG_DEFAULTS;
  return command
    .addOption(new Option('--devices <n>', 'devices sending telemetry').argParser(wholeNumber(0)).default(d.devices))
    .addOption(new Option('--rate <records/s>', 'records per device per second (1/60: one a minute)').argParser(nonNegative).default(d.rate))
    .addOption(new Option('--record-size <bytes>', 'bytes of one record (data + partition key)').argParser(wholeNumber(1)).default(d.recordSize))
    .addOption(new Option('--capacity-mode <mode>', 'KDS capacity mode').choices(['provisioned', 'on-demand']).default('provisioned'))
    .option('--no-aggregation', 'producers put records one by one (no KPL aggregation)')
    .addOption(new Option('--shards <n>', 'provisioned shards (default: the fewest the traffic needs)').argParser(wholeNumber(1)))
    .addOption(new Option('--retention <hours>', 'KDS retention, 24 to 8760').argParser(nonNegative).default(d.retention))
    .addOption(new Option('--polling-apps <n>', 'applications reading the stream by polling').argParser(wholeNumber(0)).default(d.pollingApps))
    .addOption(new Option('--efo-consumers <n>', 'enhanced fan-out consumers of the stream').argParser(wholeNumber(0)).default(0))
    .addOption(new Option('--workers <n>', 'consumer workers sharing the shards').argParser(wholeNumber(1)).default(d.workers))
    .addOption(new Option('--lease-protocol <protocol>', "the consumers' lease protocol (kcl: KCL's defaults; default: the consumer's)").choices(['heartbeat', 'per-lease', 'kcl']).default(DEFAULT_LEASE_PROTOCOL))
    .option('--compare-leases', 'also show the lease table under each protocol')
    .option('--no-device-state', 'without the device-state table')
    .option('--no-rollups', 'without the rollup table')
    .addOption(new Option('--metrics <n>', 'metrics per record (rollup items per device-minute)').argParser(wholeNumber(0)).default(d.metrics))
    .addOption(new Option('--rollup-ttl-days <days>', 'how long rollup items are kept').argParser(nonNegative).default(d.rollupTtlDays))
    .addOption(new Option('--cameras <n>', 'cameras (Kinesis video streams)').argParser(wholeNumber(0)).default(0))
    .addOption(new Option('--bitrate <kbit/s>', "one camera's average bitrate").argParser(nonNegative).default(d.bitrate))
    .addOption(new Option('--video-retention <hours>', 'KVS retention (0: none)').argParser(nonNegative).default(d.videoRetention))
    .addOption(new Option('--hours-watched <hours>', 'hours of video watched a month, all viewers together').argParser(nonNegative).default(0))
    .option('--json', 'one JSON object even on a terminal');
}

function estimate(options: CostOptions): CostEstimate {
  try {
    return estimateMonthlyCost(costInputsFromOptions(options));
  } catch (error) {
    if (error instanceof CostModelError) {
      const flag = FLAG_OF_INPUT[error.field];
      throw usageError(flag ? `${flag}: ${error.message.slice(error.field.length + 2)}` : error.message);
    }
    throw error;
  }
}

export function register(program: Command, ctx: CliContext): void {
  const command = program.command('cost').description('monthly AWS cost of a deployment, line by line (devices, cameras, retention, viewers, consumers)');
  registerOptions(command)
    .addHelpText('after', HELP)
    .action(async (options: CostOptions) => {
      const result = estimate(options);
      const comparison = options.compareLeases
        ? leaseComparison((Object.keys(leaseProtocols()) as LeaseProtocolChoice[]).map((p) => estimate({ ...options, leaseProtocol: p })))
        : undefined;
      const text = options.json || !ctx.out.isTty ? costJson(result, comparison) : formatCostTable(result, ctx.out.colors, comparison);
      await ctx.out.write(text);
    });
}
