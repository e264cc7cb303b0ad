/**
 * The one error base of tributary (conventions.md §8, kafkajs errors.js): a stable `code`, a `retriable` flag
 * (would trying the same thing again later have a chance?), the `cause`, and context fields on subclasses. Each lib
 * keeps its own subclass and code union (ProducerError, KvsError, ConsumerError, …).
 *
 * `instanceof` across bundles, solved once (undici lib/core/errors.js): two copies of a lib (an app bundle and a
 * test, two versions under node_modules) have two classes, so a plain `instanceof` says no for the other copy's
 * errors. A class that declares a static `brand` is matched by brand instead: every instance carries the brands
 * of its class chain under a `Symbol.for` key that all copies share. A class without its own `brand` keeps the
 * ordinary prototype check.
 */
const BRANDS: unique symbol = Symbol.for('tributary.error.brands') as never;

const brandsByClass = new WeakMap<object, readonly string[]>();

/** The brands of a class and of every class above it. */
function brandsOf(ctor: object): readonly string[] {
  const cached = brandsByClass.get(ctor);
  if (cached) return cached;
  const brands: string[] = [];
  for (let c: object | null = ctor; c && c !== Error && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, 'brand')) brands.push(String((c as { brand: unknown }).brand));
  }
  brandsByClass.set(ctor, brands);
  return brands;
}

export interface TributaryErrorOptions {
  cause?: unknown;
}

export class TributaryError<Code extends string = string> extends Error {
  /**
   * A name unique across tributary (`tributary.kvs.KvsError`). Subclasses that others test for declare their own, typed
   * as string: `static override readonly brand: string = 'tributary.kvs.KvsError';`.
   */
  static readonly brand: string = 'tributary.TributaryError';

  declare readonly [BRANDS]: readonly string[];

  constructor(
    readonly code: Code,
    message: string,
    readonly retriable: boolean,
    options: TributaryErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Object.defineProperty(this, BRANDS, { value: brandsOf(new.target), enumerable: false });
  }

  static override [Symbol.hasInstance](this: object, instance: unknown): boolean {
    if (!Object.hasOwn(this, 'brand')) return Function.prototype[Symbol.hasInstance].call(this, instance);
    if (typeof instance !== 'object' || instance === null) return false;
    const brands = (instance as { [BRANDS]?: unknown })[BRANDS];
    return Array.isArray(brands) && brands.includes((this as { brand: string }).brand);
  }
}

/** Whether `error` is one of tributary's errors (of any lib, any copy) that says trying again could help. */
export function isRetriableError(error: unknown): boolean {
  return error instanceof TributaryError && error.retriable;
}
