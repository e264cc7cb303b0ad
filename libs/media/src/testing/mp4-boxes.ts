/**
 * Test-only ISO BMFF reader: a box tree and decoders for the boxes the MP4 writers' specs check (mfhd, tfhd,
 * tfdt, trun, stts, ctts, stss, stsz, stsc, stco/co64, elst). Independent of the writer's code on purpose.
 */
export interface Box {
  type: string;
  /** Absolute offset of the box header in the parsed bytes. */
  start: number;
  size: number;
  /** Content after the header (after version/flags too for FullBoxes is the caller's business). */
  body: Uint8Array;
  /** Absolute offset of `body`. */
  bodyStart: number;
  children: Box[];
}

const CONTAINERS = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'dinf', 'edts', 'mvex', 'moof', 'traf']);

export function parseBoxes(bytes: Uint8Array, start = 0, end = bytes.length, base = 0): Box[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: Box[] = [];
  let p = start;
  while (p < end) {
    let size = view.getUint32(p);
    const type = String.fromCharCode(...bytes.subarray(p + 4, p + 8));
    let header = 8;
    if (size === 1) {
      size = view.getUint32(p + 8) * 2 ** 32 + view.getUint32(p + 12);
      header = 16;
    } else if (size === 0) size = end - p;
    if (size < header || p + size > end) throw new Error(`box ${type} at ${p}: size ${size} overruns ${end}`);
    const body = bytes.subarray(p + header, p + size);
    const box: Box = { type, start: base + p, size, body, bodyStart: base + p + header, children: [] };
    if (CONTAINERS.has(type)) box.children = parseBoxes(bytes, p + header, p + size, base);
    else if (type === 'stsd') box.children = parseBoxes(bytes, p + header + 8, p + size, base);
    out.push(box);
    p += size;
  }
  return out;
}

/** The first box at a path like 'moov/trak/mdia/minf/stbl/stsz'. */
export function findBox(boxes: readonly Box[], path: string): Box {
  const [head, ...rest] = path.split('/');
  const box = boxes.find((b) => b.type === head);
  if (box === undefined) throw new Error(`no ${head} box (path ${path})`);
  return rest.length === 0 ? box : findBox(box.children, rest.join('/'));
}

export function fullBoxHead(box: Box): { version: number; flags: number; view: DataView } {
  const view = new DataView(box.body.buffer, box.body.byteOffset, box.body.byteLength);
  return { version: box.body[0], flags: view.getUint32(0) & 0xffffff, view };
}

const u64 = (v: DataView, at: number): number => v.getUint32(at) * 2 ** 32 + v.getUint32(at + 4);

export function readTfdt(box: Box): { version: number; baseMediaDecodeTime: number } {
  const { version, view } = fullBoxHead(box);
  return { version, baseMediaDecodeTime: version === 1 ? u64(view, 4) : view.getUint32(4) };
}

export interface TrunSample {
  duration?: number;
  size?: number;
  flags?: number;
  ctsOffset?: number;
}

export function readTrun(box: Box): { version: number; flags: number; dataOffset?: number; samples: TrunSample[] } {
  const { version, flags, view } = fullBoxHead(box);
  const count = view.getUint32(4);
  let p = 8;
  let dataOffset: number | undefined;
  if (flags & 0x1) {
    dataOffset = view.getInt32(p);
    p += 4;
  }
  if (flags & 0x4) p += 4;
  const samples: TrunSample[] = [];
  for (let i = 0; i < count; i++) {
    const s: TrunSample = {};
    const next = (read: (at: number) => number): number => {
      const v = read(p);
      p += 4;
      return v;
    };
    if (flags & 0x100) s.duration = next((at) => view.getUint32(at));
    if (flags & 0x200) s.size = next((at) => view.getUint32(at));
    if (flags & 0x400) s.flags = next((at) => view.getUint32(at));
    if (flags & 0x800) s.ctsOffset = next((at) => (version === 1 ? view.getInt32(at) : view.getUint32(at)));
    samples.push(s);
  }
  return { version, flags, dataOffset, samples };
}

/** stts/ctts entries expanded to one value per sample. */
export function readRuns(box: Box): number[] {
  const { version, view } = fullBoxHead(box);
  const n = view.getUint32(4);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const count = view.getUint32(8 + i * 8);
    const value = box.type === 'ctts' && version === 1 ? view.getInt32(12 + i * 8) : view.getUint32(12 + i * 8);
    for (let k = 0; k < count; k++) out.push(value);
  }
  return out;
}

/** stss / stco / stsz (sizes when sample_size is 0) / co64 entries. */
export function readTable(box: Box): number[] {
  const { view } = fullBoxHead(box);
  if (box.type === 'stsz') {
    const n = view.getUint32(8);
    return Array.from({ length: n }, (_, i) => view.getUint32(12 + i * 4));
  }
  const n = view.getUint32(4);
  return Array.from({ length: n }, (_, i) => (box.type === 'co64' ? u64(view, 8 + i * 8) : view.getUint32(8 + i * 4)));
}

/** stsc: (first_chunk, samples_per_chunk, sample_description_index) triples. */
export function readStsc(box: Box): [number, number, number][] {
  const { view } = fullBoxHead(box);
  const n = view.getUint32(4);
  return Array.from({ length: n }, (_, i) => [view.getUint32(8 + i * 12), view.getUint32(12 + i * 12), view.getUint32(16 + i * 12)]);
}

export function readElst(box: Box): { duration: number; mediaTime: number }[] {
  const { view } = fullBoxHead(box);
  const n = view.getUint32(4);
  return Array.from({ length: n }, (_, i) => ({ duration: view.getUint32(8 + i * 12), mediaTime: view.getInt32(12 + i * 12) }));
}
