/**
 * Test support: reads an MPD as the DASH specs need it (the root's attributes; per AdaptationSet its attributes,
 * SegmentTemplate, Representation and the SegmentTimeline's S elements), and the `tfdt` of a media fragment. A
 * small tag reader, not an XML parser: enough for the emulator's own documents, which the specs also check against
 * ffmpeg's dash demuxer and dash.js.
 */
export type Attributes = Record<string, string | undefined>;

export interface ReadAdaptationSet {
  set: Attributes;
  template: { initialization: string; media: string; startNumber: string; timescale: string } & Attributes;
  representation: Attributes;
  segments: Attributes[];
}

export interface ReadMpd {
  root: Attributes;
  sets: ReadAdaptationSet[];
}

const unescape = (v: string): string => v.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function attributesOf(tag: string): Attributes {
  const out: Attributes = {};
  for (const m of tag.matchAll(/([A-Za-z_:][-A-Za-z0-9_:.]*)="([^"]*)"/g)) out[m[1]] = unescape(m[2]);
  return out;
}

const firstTag = (xml: string, name: string): Attributes => attributesOf(new RegExp(`<${name}\\b[^>]*>`).exec(xml)?.[0] ?? '');

export function readMpd(xml: string): ReadMpd {
  if (!xml.startsWith('<?xml')) throw new Error(`not an MPD: ${xml.slice(0, 200)}`);
  const sets = [...xml.matchAll(/<AdaptationSet\b[\s\S]*?<\/AdaptationSet>/g)].map((m) => {
    const body = m[0];
    const template = firstTag(body, 'SegmentTemplate');
    return {
      set: firstTag(body, 'AdaptationSet'),
      template: { initialization: '', media: '', startNumber: '', timescale: '', ...template } as ReadAdaptationSet['template'],
      representation: firstTag(body, 'Representation'),
      segments: [...body.matchAll(/<S\b[^>]*\/>/g)].map((s) => attributesOf(s[0])),
    };
  });
  return { root: firstTag(xml, 'MPD'), sets };
}

/** baseMediaDecodeTime of the first `tfdt` box in a media fragment (version 0 or 1). */
export function tfdtOf(bytes: Uint8Array): number {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const at = b.indexOf('tfdt', 0, 'latin1');
  if (at < 4) throw new Error('no tfdt box');
  return b[at + 4] === 1 ? Number(b.readBigUInt64BE(at + 8)) : b.readUInt32BE(at + 8);
}
