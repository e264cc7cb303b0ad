import { FINGERPRINT_MAX_BYTES, hashOf } from './file-identity';
import { decideStart, MTIME_SLACK_MS, type StartContext } from './start-position';

const content = (seed: string, length: number) => Buffer.from(seed.repeat(Math.ceil(length / seed.length)).slice(0, length));
const fp = (bytes: Buffer, length = Math.min(bytes.length, FINGERPRINT_MAX_BYTES)) => ({
  fingerprintBytes: length,
  fingerprint: hashOf(bytes.subarray(0, length)),
});

const base: StartContext = { firstScan: false, newest: false, initialPosition: 'START_OF_FILE', tracked: [], truncated: [] };
const file = (bytes: Buffer, mtimeMs = 1000) => ({ head: bytes.subarray(0, FINGERPRINT_MAX_BYTES), size: bytes.length, mtimeMs });

describe('decideStart', () => {
  const a = content('GET /index.html 200\n', 5000);
  const b = content('POST /api 500\n', 5000);

  it('resumes at a checkpoint whose fingerprint matches (renamed files included: no path is compared)', () => {
    expect(decideStart(file(a), { ...base, firstScan: true, checkpoint: { offset: 4000, ...fp(a) } })).toEqual({
      kind: 'checkpoint',
      offset: 4000,
      dropStaleCheckpoint: false,
    });
  });

  it('resumes a file that was shorter than a KiB when checkpointed and has grown since', () => {
    expect(decideStart(file(a), { ...base, checkpoint: { offset: 100, ...fp(a, 100) } })).toMatchObject({ kind: 'checkpoint', offset: 100 });
  });

  it('restarts from 0 a file truncated below its checkpoint while the agent was down', () => {
    const short = a.subarray(0, 2000);
    expect(decideStart(file(short), { ...base, checkpoint: { offset: 4000, ...fp(a) } })).toMatchObject({
      kind: 'truncated-while-down',
      offset: 0,
      checkpointOffset: 4000,
    });
  });

  it('drops the checkpoint of a recycled inode (other first bytes) and treats the file as new', () => {
    expect(decideStart(file(b), { ...base, checkpoint: { offset: 4000, ...fp(a) } })).toEqual({
      kind: 'new-file',
      offset: 0,
      dropStaleCheckpoint: true,
    });
  });

  it('starts a copy of a file truncated a moment ago where that file had been read to', () => {
    const ctx = { ...base, truncated: [{ id: '1:2', readOffset: 3000, ...fp(a) }] };
    expect(decideStart(file(a), ctx)).toMatchObject({ kind: 'copy-of-truncated', source: '1:2', offset: 3000 });
    // Read past the copy's end (lines written between copy and truncate): nothing left to read in the copy.
    expect(decideStart(file(a.subarray(0, 2500)), ctx)).toMatchObject({ kind: 'copy-of-truncated', offset: 2500 });
  });

  it('parks a copy of a tracked file that was not truncated yet', () => {
    expect(decideStart(file(a), { ...base, tracked: [{ id: '1:2', ...fp(a) }] })).toMatchObject({ kind: 'parked-copy', source: '1:2' });
  });

  it('does not take a file for a copy on a fingerprint shorter than a KiB (a shared header proves nothing)', () => {
    const header = Buffer.from('#Version: 1.0\n');
    expect(decideStart(file(Buffer.concat([header, b])), { ...base, tracked: [{ id: '1:2', ...fp(header) }] })).toMatchObject({
      kind: 'new-file',
    });
  });

  it.each([
    ['START_OF_FILE', true, { kind: 'initial-position', position: 'START_OF_FILE' }],
    ['END_OF_FILE', true, { kind: 'initial-position', position: 'END_OF_FILE' }],
    ['START_OF_FILE', false, { kind: 'older-file', atEnd: true }],
  ] as const)('at the first start without checkpoints, %s, newest %s', (initialPosition, newest, expected) => {
    expect(decideStart(file(a), { ...base, firstScan: true, newest, initialPosition })).toMatchObject(expected);
  });

  it('at a restart, reads from 0 a file changed after the last checkpoint and starts older ones at their end', () => {
    const ctx = { ...base, firstScan: true, latestCheckpointAt: 5000, initialPosition: 'END_OF_FILE' as const };
    expect(decideStart(file(a, 6000), ctx)).toMatchObject({ kind: 'new-file', offset: 0 });
    // mtimes lag Date.now() by the kernel's coarse clock: a little before the checkpoint still counts as new.
    expect(decideStart(file(a, 5000 - MTIME_SLACK_MS + 1), ctx)).toMatchObject({ kind: 'new-file', offset: 0 });
    expect(decideStart(file(a, 5000 - MTIME_SLACK_MS), ctx)).toMatchObject({ kind: 'older-file' });
  });

  it('reads a file found while running from 0, whatever initialPosition says', () => {
    expect(decideStart(file(a), { ...base, initialPosition: 'END_OF_FILE' })).toMatchObject({ kind: 'new-file', offset: 0 });
  });
});
