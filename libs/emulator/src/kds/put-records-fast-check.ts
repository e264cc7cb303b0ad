/**
 * The PutRecords hot path's validation. The generic shape validator walks every record twice (types, then
 * constraints) through a table; for the common case, a valid request, this single pass answers "valid" at a
 * fraction of the cost. It only ever says "valid" when the generic validator would accept the request too; on
 * anything doubtful it says "not sure", and the generic validator runs and produces AWS's exact error.
 */
import { codePointLength, isBase64, validateInput } from './shape-validator';
import { KDS_SHAPES } from './kds-shapes';
import type { Shape } from './shape-validator';

const HASH_KEY = /^(?:0|[1-9]\d{0,38})$/;
const MAX_DATA_BYTES = 10 * 1024 * 1024;

/** PutRecords without its Records member: the request-level fields still go through the generic validator. */
const TOP_LEVEL: Shape & { type: 'structure' } = (() => {
  const members = { ...KDS_SHAPES['PutRecords'].members };
  delete members['Records'];
  return { type: 'structure', members };
})();

export function isValidPutRecords(body: Record<string, unknown>): boolean {
  const records = body['Records'];
  if (!Array.isArray(records) || records.length < 1 || records.length > 500) return false;
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as Record<string, unknown> | null;
    if (typeof r !== 'object' || r === null || Array.isArray(r)) return false;
    const data = r['Data'];
    if (typeof data !== 'string' || (data.length / 4) * 3 > MAX_DATA_BYTES + 2 || !isBase64(data)) return false;
    const key = r['PartitionKey'];
    if (typeof key !== 'string' || key.length < 1 || (key.length > 256 && codePointLength(key) > 256)) return false;
    const ehk = r['ExplicitHashKey'];
    if (ehk !== undefined && ehk !== null && (typeof ehk !== 'string' || !HASH_KEY.test(ehk))) return false;
  }
  try {
    validateInput(TOP_LEVEL, body);
  } catch {
    return false;
  }
  return true;
}
