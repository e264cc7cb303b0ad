/** For specs of the request validators: the message of the INVALID_REQUEST GatewayError `fn` throws. */
import { GatewayError } from '../gateway-error';

export function invalid(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof GatewayError && err.code === 'INVALID_REQUEST') return err.message;
    throw err;
  }
  throw new Error('expected INVALID_REQUEST');
}
