import { createLogToJsonConverter } from './log-to-json-converter';
import { BUILT_IN_LOG_FORMATS } from './log-patterns';
import { JAVA_REFERENCE_VECTORS } from './testing/java-reference-vectors';

describe('built-in log formats against the Java agent (java.util.regex with PatternConstants.java)', () => {
  it('has vectors that both match and miss for every format', () => {
    for (const format of Object.keys(BUILT_IN_LOG_FORMATS)) {
      const vectors = JAVA_REFERENCE_VECTORS.filter(([f]) => f === format);
      expect(vectors.some(([, , groups]) => groups !== null)).toBe(true);
      expect(vectors.some(([, , groups]) => groups === null)).toBe(true);
    }
  });

  it.each(JAVA_REFERENCE_VECTORS.map((v, i) => [i, ...v] as const))('vector %i: %s %j', (_i, format, line, groups) => {
    const m = BUILT_IN_LOG_FORMATS[format].pattern.exec(line);
    expect(m === null ? null : m.slice(1).map((g) => g ?? null)).toEqual(groups);
  });

  it('gives the JSON the agent gives for each matched vector (field names in order, "-" as null for Apache)', () => {
    for (const [format, line, groups] of JAVA_REFERENCE_VECTORS) {
      const out = createLogToJsonConverter({ logFormat: format })(line + '\n');
      if (groups === null) {
        expect(out).toBeNull();
        continue;
      }
      const { fields, dashIsNull } = BUILT_IN_LOG_FORMATS[format];
      const expected = Object.fromEntries(fields.map((f, i) => [f, dashIsNull && groups[i] === '-' ? null : groups[i]]));
      expect(out === null ? null : JSON.parse(out)).toEqual(expected);
    }
  });
});
