import { TributaryError, isRetriableError } from './tributary-error';

type BaseClass = typeof TributaryError;
type ErrorClass = new (code: string, message: string, retriable: boolean, options?: { cause?: unknown }) => TributaryError<string>;
interface LibErrors {
  Base: BaseClass;
  Lib: ErrorClass;
  Sub: ErrorClass;
  Plain: ErrorClass;
}

/** A lib's error classes as a second bundle would hold them: the same source evaluated again. */
function loadCopy(): LibErrors {
  let copy!: { TributaryError: BaseClass };
  jest.isolateModules(() => {
    copy = jest.requireActual('./tributary-error');
  });
  return defineLibErrors(copy.TributaryError);
}

function defineLibErrors(Base: BaseClass): LibErrors {
  class LibError extends Base<string> {
    static override readonly brand: string = 'tributary.test.LibError';
    override name = 'LibError';
  }
  class SubError extends LibError {
    static override readonly brand: string = 'tributary.test.SubError';
    override name = 'SubError';
  }
  // No brand of its own: the ordinary prototype check.
  class PlainError extends LibError {}
  return { Base, Lib: LibError, Sub: SubError, Plain: PlainError };
}

describe('TributaryError', () => {
  const here = defineLibErrors(TributaryError);

  it('carries code, retriable and cause', () => {
    const cause = new Error('socket');
    const err = new here.Sub('CONNECTION_ERROR', 'lost', true, { cause });
    expect([err.code, err.retriable, err.cause, err.message, err.name]).toEqual(['CONNECTION_ERROR', true, cause, 'lost', 'SubError']);
    expect(err).toBeInstanceOf(Error);
    expect(isRetriableError(err)).toBe(true);
    expect(isRetriableError(new here.Lib('X', 'm', false))).toBe(false);
    expect(isRetriableError(new Error('m'))).toBe(false);
  });

  it('instanceof follows the class chain by brand', () => {
    const sub = new here.Sub('C', 'm', false);
    const lib = new here.Lib('C', 'm', false);
    expect([sub instanceof here.Sub, sub instanceof here.Lib, sub instanceof TributaryError]).toEqual([true, true, true]);
    expect([lib instanceof here.Sub, lib instanceof here.Lib]).toEqual([false, true]);
    expect([null, undefined, 'x', {}, new Error('m')].map((v) => v instanceof here.Lib)).toEqual([false, false, false, false, false]);
  });

  // Regression guard for the case the brand exists for: the same lib bundled twice.
  it('instanceof holds across two copies of the classes', () => {
    const other = loadCopy();
    expect(other.Base).not.toBe(TributaryError);
    const fromOther = new other.Sub('C', 'm', true);
    expect([fromOther instanceof here.Sub, fromOther instanceof here.Lib, fromOther instanceof TributaryError]).toEqual([true, true, true]);
    expect(new here.Lib('C', 'm', false) instanceof other.Sub).toBe(false);
    expect(isRetriableError(fromOther)).toBe(true);
  });

  it('a class without its own brand keeps the prototype check', () => {
    const plain = new here.Plain('C', 'm', false);
    expect([plain instanceof here.Plain, plain instanceof here.Lib]).toEqual([true, true]);
    expect(new here.Lib('C', 'm', false) instanceof here.Plain).toBe(false);
  });

  it('the brands are not enumerable (logs and JSON stay as they were)', () => {
    expect(Object.keys(new here.Lib('C', 'm', false))).toEqual(expect.not.arrayContaining([expect.stringContaining('brand')]));
    expect(JSON.stringify(new here.Lib('C', 'm', false))).not.toContain('tributary.test');
  });
});
