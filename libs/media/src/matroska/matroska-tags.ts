/**
 * Matroska Tags (RFC 9559 Tags elements): Tags > Tag > [Targets] SimpleTag*, SimpleTag > TagName, TagLanguage,
 * TagDefault, TagString | TagBinary, SimpleTag* (nested). KVS uses them for fragment metadata: producers send one
 * SimpleTag per Tag without Targets (PIC), GetMedia adds one Tag with several SimpleTags, also without Targets
 * and with 4-octet size fields (kvs-reference.md §3.4 item 5, §4.3). The reader flattens all Tag elements of a
 * Tags element into one list (Targets are read past: KVS does not use them).
 */
import { MediaError } from '../media-error';
import { forEachChild, readElement } from '../ebml/ebml-reader';
import { readString, readUtf8 } from '../ebml/ebml-values';
import { EbmlWriter } from '../ebml/ebml-writer';
import { MkvId } from './matroska-ids';
import type { MkvSimpleTag } from './matroska-types';

/** The SimpleTags of a whole Tags element (as a 'tags' event carries it). */
export function readTags(tagsElement: Uint8Array, baseOffset = 0): MkvSimpleTag[] {
  const el = readElement(tagsElement, baseOffset);
  if (el.id !== MkvId.Tags) throw new MediaError('MALFORMED_MKV', `Expected Tags, got 0x${el.id.toString(16)}`, { offset: baseOffset });
  const out: MkvSimpleTag[] = [];
  forEachChild(tagsElement, el.dataStart, el.end, (tag) => {
    if (tag.id !== MkvId.Tag) return; // Void, CRC-32
    forEachChild(tagsElement, tag.dataStart, tag.end, (child) => {
      if (child.id === MkvId.SimpleTag) out.push(readSimpleTag(tagsElement, child.dataStart, child.end, baseOffset));
    }, baseOffset);
  }, baseOffset);
  return out;
}

function readSimpleTag(buf: Uint8Array, from: number, to: number, baseOffset: number): MkvSimpleTag {
  const tag: MkvSimpleTag = { name: '' };
  let named = false;
  forEachChild(buf, from, to, (c) => {
    switch (c.id) {
      case MkvId.TagName:
        tag.name = readUtf8(c.data);
        named = true;
        break;
      case MkvId.TagString:
        tag.value = readUtf8(c.data);
        break;
      case MkvId.TagBinary:
        tag.binary = c.data;
        break;
      case MkvId.TagLanguage:
        tag.language = readString(c.data);
        break;
      case MkvId.SimpleTag:
        (tag.children ??= []).push(readSimpleTag(buf, c.dataStart, c.end, baseOffset));
        break;
      default:
        break;
    }
  }, baseOffset);
  if (!named) throw new MediaError('MALFORMED_MKV', 'SimpleTag without TagName', { offset: baseOffset + from });
  return tag;
}

export interface WriteTagsOptions {
  /**
   * 'single-tag' (default): one Tag holding every SimpleTag, as GetMedia's KVS tags are laid out.
   * 'tag-per-simple-tag': one Tag per SimpleTag, as the PIC producer writes fragment metadata.
   */
  layout?: 'single-tag' | 'tag-per-simple-tag';
  /** Size-field octets of every element (KVS writes 4, PIC 8); default 8 for masters, shortest for leaves. */
  sizeLength?: number;
}

/** A Tags element. No Targets element is written (KVS and PIC write none, kvs-reference.md §3.4). */
export function writeTags(tags: readonly MkvSimpleTag[], options: WriteTagsOptions = {}): Uint8Array {
  const w = new EbmlWriter(256);
  const sl = options.sizeLength;
  const masterOpts = sl === undefined ? {} : { sizeLength: sl };
  const leafOpts = masterOpts;
  const writeSimple = (t: MkvSimpleTag): void => {
    w.master(MkvId.SimpleTag, () => {
      w.utf8(MkvId.TagName, t.name, leafOpts);
      if (t.language !== undefined) w.string(MkvId.TagLanguage, t.language, leafOpts);
      if (t.binary !== undefined) w.binary(MkvId.TagBinary, t.binary, leafOpts);
      else w.utf8(MkvId.TagString, t.value ?? '', leafOpts);
      for (const c of t.children ?? []) writeSimple(c);
    }, masterOpts);
  };
  w.master(MkvId.Tags, () => {
    if (options.layout === 'tag-per-simple-tag') {
      for (const t of tags) w.master(MkvId.Tag, () => writeSimple(t), masterOpts);
    } else {
      w.master(MkvId.Tag, () => tags.forEach(writeSimple), masterOpts);
    }
  }, masterOpts);
  return w.bytes().slice();
}
