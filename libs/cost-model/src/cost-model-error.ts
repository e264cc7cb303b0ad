/**
 * Errors of @tributary/cost-model: one class on the shared base (code, retriable, cause; `instanceof` across
 * bundles by brand, see @tributary/errors).
 */
import { TributaryError } from '@tributary/errors';

export type CostModelErrorCode =
  /** An input out of range (the message names the field and the range). */
  'INVALID_INPUT';

export class CostModelError extends TributaryError<CostModelErrorCode> {
  static override readonly brand: string = 'tributary.cost-model.CostModelError';
  override name = 'CostModelError';
  /** The input that was refused, as a dotted path (`telemetry.devices`). */
  readonly field: string;

  constructor(code: CostModelErrorCode, message: string, context: { field: string }) {
    super(code, message, false);
    this.field = context.field;
  }
}
