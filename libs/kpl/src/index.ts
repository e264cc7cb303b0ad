// Public entry point of @tributary/kpl: the KPL aggregated-record format (KPL aggregation-format.md), which the
// producer writes and the consumer reads, so that neither sits on top of the other. Pure: bytes in, values out.
// Fuzz targets, arbitraries and the reference deaggregator for tests are behind @tributary/kpl/testing.
export {
  AggregateBuilder,
  deaggregate,
  isAggregated,
  AGGREGATION_MAGIC,
  AGGREGATION_OVERHEAD_BYTES,
  type AggregatableRecord,
  type AggregationKeySlot,
  type DeaggregatedRecord,
} from './aggregation/aggregation-codec';
export { encodeSingleKeyAggregate, encodeSingleKeyAggregatePacked, singleKeyAggregateBytes, singleKeyRecordBytes } from './aggregation/single-key-aggregate';
export { KplError, type KplErrorCode } from './errors';
