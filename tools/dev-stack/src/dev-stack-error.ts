/** dev-stack's one error class: `code` says which step failed, `part` which part of the stack, when one did. */
export type DevStackErrorCode = 'CONFIG' | 'CREDENTIAL' | 'EMULATOR' | 'BOOTSTRAP' | 'PART_FAILED' | 'PART_NOT_READY';

export class DevStackError extends Error {
  override readonly name = 'DevStackError';
  readonly part: string | undefined;

  constructor(
    readonly code: DevStackErrorCode,
    message: string,
    readonly retriable: boolean,
    options: { cause?: unknown; part?: string } = {},
  ) {
    super(message, { cause: options.cause });
    this.part = options.part;
  }
}
