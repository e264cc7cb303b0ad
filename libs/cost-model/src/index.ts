// Public entry point of @tributary/cost-model: the monthly AWS cost of a deployment from its devices, records,
// cameras, retention, viewers and consumer fleet, line by line with the arithmetic written out, at prices kept in
// one dated place (prices.ts). Pure: values in, values out; no I/O.
export { estimateMonthlyCost, type CostEstimate } from './cost-model';
export {
  DEFAULT_COST_INPUTS,
  HEARTBEAT_PROTOCOL,
  KCL_DEFAULT_PROTOCOL,
  PER_LEASE_PROTOCOL,
  validateCostInputs,
  type CapacityMode,
  type ConsumerInputs,
  type CostInputs,
  type LeaseProtocolInputs,
  type StateInputs,
  type TelemetryInputs,
  type VideoInputs,
} from './cost-inputs';
export { formatNumber, formatUsd, type CostLine, type CostPart, type CostService } from './cost-line';
export { kdsTraffic, PUT_PAYLOAD_UNIT_BYTES, type KdsTraffic } from './kds-cost';
export { leaseTableRates, type LeaseTableRates } from './dynamodb-cost';
export { cameraBytesPerSecond } from './kvs-cost';
export { PRICES_US_EAST_1, HOURS_PER_MONTH, SECONDS_PER_MONTH, type Price, type Prices } from './prices';
export { CostModelError, type CostModelErrorCode } from './cost-model-error';
