/**
 * What the streaming decoder needs to know of an EBML Schema (RFC 8794 §11.1): each element's type (§7) and where
 * it may appear. "Where" matters only for unknown-size masters: such an element ends at the first element that
 * is not one of its descendants (RFC 8794 §6.2), so the decoder must be able to tell a Cluster's SimpleBlock from
 * the next Cluster or a Tags element.
 */
export type EbmlType = 'master' | 'uint' | 'int' | 'float' | 'string' | 'utf8' | 'date' | 'binary';

export interface EbmlElementSpec {
  readonly name: string;
  readonly type: EbmlType;
  /** Ids of the masters this element may be a direct child of; empty for root elements (RFC 8794 §11.1, EBML Schema paths). */
  readonly parents: readonly number[];
  /** Global elements (Void, CRC-32, RFC 8794 §11.3) may appear in any master. */
  readonly global?: boolean;
}

/** A schema prepared for lookups: the element specs and, per id, every master it may descend from. */
export class EbmlSchema {
  private readonly specs: ReadonlyMap<number, EbmlElementSpec>;
  private readonly ancestors = new Map<number, ReadonlySet<number>>();

  constructor(specs: Iterable<readonly [number, EbmlElementSpec]>) {
    this.specs = new Map(specs);
    for (const id of this.specs.keys()) this.ancestors.set(id, this.collectAncestors(id, new Set()));
  }

  get(id: number): EbmlElementSpec | undefined {
    return this.specs.get(id);
  }

  /** Whether `id` may appear (at any depth) inside master `ancestorId`. Unknown ids and globals may. */
  mayDescendFrom(id: number, ancestorId: number): boolean {
    const spec = this.specs.get(id);
    if (spec === undefined || spec.global === true) return true;
    return this.ancestors.get(id)?.has(ancestorId) ?? false;
  }

  /** Root elements (EBML header, Segment) and globals may appear outside any master. */
  mayBeTopLevel(id: number): boolean {
    const spec = this.specs.get(id);
    return spec !== undefined && (spec.parents.length === 0 || spec.global === true);
  }

  private collectAncestors(id: number, seen: Set<number>): Set<number> {
    const out = new Set<number>();
    const spec = this.specs.get(id);
    if (spec === undefined || seen.has(id)) return out;
    seen.add(id);
    for (const parent of spec.parents) {
      out.add(parent);
      for (const a of this.collectAncestors(parent, seen)) out.add(a);
    }
    seen.delete(id);
    return out;
  }
}
