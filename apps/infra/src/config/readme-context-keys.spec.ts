/**
 * The README's "Context keys" table against CONTEXT_KEYS (what readInfraConfig reads): a key added without docs,
 * or a documented key the app no longer reads, fails here by name.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { markdownSection, readMarkdownTables } from '@tributary/schemas/testing';
import { CONTEXT_KEYS } from './infra-config';

describe('README context keys', () => {
  it('lists exactly the context keys the app reads', () => {
    const section = markdownSection(readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8'), 'Context keys');
    expect(section).toBeDefined();
    const table = readMarkdownTables(section ?? '').find((t) => t.headers[0]?.toLowerCase() === 'key');
    expect(table).toBeDefined();
    const documented = (table?.rows ?? []).map((r) => /^`([A-Za-z]+)`$/.exec(r[0])?.[1] ?? `unreadable: ${r[0]}`);
    expect([...documented].sort()).toEqual([...CONTEXT_KEYS].sort());
  });
});
