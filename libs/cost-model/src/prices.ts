/**
 * Every price the cost model assumes, in one place: AWS public list prices for US East (N. Virginia), us-east-1,
 * in US dollars, without tax, free tier, savings plans or reserved capacity. Prices change: replace this object
 * (or pass your own `Prices` to `estimateMonthlyCost`) rather than editing figures elsewhere.
 *
 * Taken on 2026-12-07 by looking the AWS pricing pages up through the project's search tool (a store of public
 * pages, which returns excerpts). What each excerpt showed, and what it did not, is said per price in `source`:
 * "seen" means the figure was in an excerpt of the page named; "not in the excerpts" means the figure is AWS's
 * published list price as last known to the author and should be checked on the page before a budget relies on it.
 *
 * Units: "GB" on AWS bills is 2^30 bytes (AWS's own examples divide MB by 1,024), so GB below means GiB.
 */
export interface Price {
  /** US dollars per `unit`. */
  readonly usd: number;
  readonly unit: string;
  readonly source: string;
}

export interface Prices {
  readonly region: string;
  /** When the prices were taken (ISO date). */
  readonly asOf: string;
  readonly kds: {
    /** Provisioned mode: per shard-hour (1 MiB/s or 1,000 records/s in, 2 MiB/s out). */
    readonly shardHour: Price;
    /** Provisioned mode: per million PUT payload units (25 KiB chunks of a record, rounded up). */
    readonly putPayloadUnitsPerMillion: Price;
    /** Provisioned mode: retention beyond 24 h and up to 7 days, per shard-hour. */
    readonly extendedRetentionShardHour: Price;
    /** Both modes: retention beyond 7 days, per GB-month stored. */
    readonly longTermRetentionGbMonth: Price;
    /** Provisioned mode: enhanced fan-out, per consumer-shard-hour. */
    readonly efoConsumerShardHour: Price;
    /** Provisioned mode: enhanced fan-out data retrieval, per GB. */
    readonly efoRetrievalGb: Price;
    /** On-demand mode: per stream-hour. */
    readonly onDemandStreamHour: Price;
    /** On-demand mode: data in, per GB (each record rounded up to 1 KiB). */
    readonly onDemandIngestGb: Price;
    /** On-demand mode: data read by shared-throughput (polling) consumers, per GB. */
    readonly onDemandRetrievalGb: Price;
    /** On-demand mode: data read by enhanced fan-out consumers, per GB. */
    readonly onDemandEfoRetrievalGb: Price;
    /** On-demand mode: retention beyond 24 h and up to 7 days, per GB-month. */
    readonly onDemandExtendedRetentionGbMonth: Price;
  };
  readonly kvs: {
    /** Media ingested (PutMedia), per GB. */
    readonly ingestGb: Price;
    /** Media stored, per GB-month. */
    readonly storageGbMonth: Price;
    /** Media consumed through HLS, DASH or GetClip, per GB. */
    readonly hlsConsumedGb: Price;
    /** Media consumed by other reads (GetMedia, GetMediaForFragmentList), per GB. */
    readonly consumedGb: Price;
  };
  readonly dynamodb: {
    /** On-demand: per million write request units (1 KiB each, rounded up per item). */
    readonly writeRequestUnitsPerMillion: Price;
    /** On-demand: per million read request units (4 KiB strongly consistent, or 8 KiB eventually consistent). */
    readonly readRequestUnitsPerMillion: Price;
    /** Standard table class: per GB-month stored beyond the first 25 GB of the account. */
    readonly storageGbMonth: Price;
  };
}

const KDS_PAGE = 'aws.amazon.com/kinesis/data-streams/pricing';
const KVS_PAGE = 'aws.amazon.com/kinesis/video-streams/pricing';
const DDB_PAGE = 'aws.amazon.com/dynamodb/pricing/on-demand';

/** us-east-1 list prices, taken 2026-12-07 (see the file comment for how). */
export const PRICES_US_EAST_1: Prices = {
  region: 'us-east-1',
  asOf: '2026-12-07',
  kds: {
    shardHour: { usd: 0.015, unit: 'shard-hour', source: `${KDS_PAGE} (provisioned); seen in third-party copies (c3x.dev aws_kinesis_stream: 5 shards x $0.015 x 730)` },
    putPayloadUnitsPerMillion: { usd: 0.014, unit: 'million PUT payload units', source: `${KDS_PAGE} (provisioned); the 25 KB unit seen there, the price not in the excerpts` },
    extendedRetentionShardHour: { usd: 0.02, unit: 'shard-hour', source: `${KDS_PAGE} (provisioned); seen in third-party copies (c3x.dev)` },
    longTermRetentionGbMonth: { usd: 0.023, unit: 'GB-month', source: `${KDS_PAGE}; not in the excerpts` },
    efoConsumerShardHour: { usd: 0.015, unit: 'consumer-shard-hour', source: `${KDS_PAGE} (provisioned); seen in third-party copies (c3x.dev)` },
    efoRetrievalGb: { usd: 0.013, unit: 'GB', source: `${KDS_PAGE} (provisioned); seen in third-party copies (c3x.dev)` },
    onDemandStreamHour: { usd: 0.04, unit: 'stream-hour', source: `${KDS_PAGE} (on-demand standard); the per-stream-hour charge seen, the price not in the excerpts` },
    onDemandIngestGb: { usd: 0.08, unit: 'GB', source: `${KDS_PAGE} (on-demand standard); 1 KiB rounding seen, the price not in the excerpts` },
    onDemandRetrievalGb: { usd: 0.04, unit: 'GB', source: `${KDS_PAGE} (on-demand standard); not in the excerpts` },
    onDemandEfoRetrievalGb: { usd: 0.05, unit: 'GB', source: `${KDS_PAGE} (on-demand standard); not in the excerpts` },
    onDemandExtendedRetentionGbMonth: { usd: 0.1, unit: 'GB-month', source: `${KDS_PAGE} (on-demand standard); not in the excerpts` },
  },
  kvs: {
    ingestGb: { usd: 0.0085, unit: 'GB', source: `${KVS_PAGE}; seen (pricing examples: "$0.0085 per GB ingested")` },
    storageGbMonth: { usd: 0.023, unit: 'GB-month', source: `${KVS_PAGE}; seen (pricing example 1: stored data x $0.023/GB)` },
    hlsConsumedGb: { usd: 0.0119, unit: 'GB', source: `${KVS_PAGE}; seen for HLS ("$0.0119 per GB consumed with HLS"); DASH and GetClip taken at the same rate` },
    consumedGb: { usd: 0.0085, unit: 'GB', source: `${KVS_PAGE}; seen ("$0.0085 per GB consumed")` },
  },
  dynamodb: {
    writeRequestUnitsPerMillion: { usd: 0.625, unit: 'million write request units', source: `${DDB_PAGE}; after the November 2024 cut, seen in third-party copies (airbyte.com DynamoDB pricing)` },
    readRequestUnitsPerMillion: { usd: 0.125, unit: 'million read request units', source: `${DDB_PAGE}; after the November 2024 cut, seen in third-party copies (airbyte.com DynamoDB pricing)` },
    storageGbMonth: { usd: 0.25, unit: 'GB-month', source: `${DDB_PAGE}; not in the excerpts (first 25 GB per account free, not deducted here)` },
  },
};

/** Hours in the billing month the model uses (AWS's calculator uses 730 = 8,760 / 12). */
export const HOURS_PER_MONTH = 730;
export const SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600;
export const GIB = 1024 ** 3;
