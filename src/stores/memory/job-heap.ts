/**
 * A binary min-heap of entries ordered by `(time, id)` (`tie` standing in for most id comparisons),
 * where each entry knows its own position, so insert, remove-any and pop are all O(log n).
 */
export interface HeapEntry {
  time: number;
  id: string;
  /** `tieKey(id)`: orders most entries of equal time without comparing their ids as strings. */
  tie: number;
  heapIndex: number;
}

/** Digits of 13 bits: four of them fit a double exactly (52 bits). */
const TIE_BASE = 8192;
const TIE_CHARS = 4;

/**
 * A number that orders ids as `<` orders the strings wherever the two numbers differ: the first four
 * UTF-16 code units, each plus one (so a shorter id sorts first), as base-8192 digits. A code unit
 * too large for a digit ends the key there (the rest are zeros), so such ids tie and fall back to the
 * string comparison. Jobs due at the same instant (a cron minute, a burst) are common, and comparing
 * numbers costs far less than comparing strings.
 */
export function tieKey(id: string): number {
  let key = 0;
  let open = true;
  for (let i = 0; i < TIE_CHARS; i++) {
    let digit = 0;
    if (open && i < id.length) {
      digit = id.charCodeAt(i) + 1;
      if (digit >= TIE_BASE - 1) {
        digit = TIE_BASE - 1;
        open = false;
      }
    }
    key = key * TIE_BASE + digit;
  }
  return key;
}

export class JobHeap<E extends HeapEntry> {
  private items: E[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): E | undefined {
    return this.items[0];
  }

  push(entry: E): void {
    entry.heapIndex = this.items.length;
    this.items.push(entry);
    this.up(entry.heapIndex);
  }

  /**
   * Removes and returns the earliest entry. Bottom-up: the hole at the root moves down along the
   * smaller children to a leaf (one comparison per level), then the last entry fills it and moves
   * up, which it rarely does far. About half the comparisons of sifting the last entry down from
   * the root, and due jobs are popped one by one.
   */
  pop(): E | undefined {
    const items = this.items;
    const top = items[0];
    if (top === undefined) return undefined;
    top.heapIndex = -1;
    const last = items.pop() as E;
    const length = items.length;
    if (length === 0) return top;
    let hole = 0;
    for (;;) {
      const left = 2 * hole + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && this.less(items[right] as E, items[left] as E) ? right : left;
      const childEntry = items[child] as E;
      items[hole] = childEntry;
      childEntry.heapIndex = hole;
      hole = child;
    }
    items[hole] = last;
    last.heapIndex = hole;
    this.up(hole);
    return top;
  }

  remove(entry: E): void {
    const index = entry.heapIndex;
    if (index < 0 || this.items[index] !== entry) return;
    const last = this.items.pop() as E;
    entry.heapIndex = -1;
    if (index === this.items.length) return;
    this.items[index] = last;
    last.heapIndex = index;
    this.down(index);
    this.up(last.heapIndex);
  }

  clear(): void {
    for (const item of this.items) item.heapIndex = -1;
    this.items = [];
  }

  values(): readonly E[] {
    return this.items;
  }

  private less(a: E, b: E): boolean {
    if (a.time !== b.time) return a.time < b.time;
    if (a.tie !== b.tie) return a.tie < b.tie;
    return a.id < b.id;
  }

  private up(index: number): void {
    const items = this.items;
    const entry = items[index] as E;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = items[parentIndex] as E;
      if (!this.less(entry, parent)) break;
      items[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }

  private down(index: number): void {
    const items = this.items;
    const length = items.length;
    const entry = items[index] as E;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && this.less(items[right] as E, items[left] as E)) child = right;
      const childEntry = items[child] as E;
      if (!this.less(childEntry, entry)) break;
      items[index] = childEntry;
      childEntry.heapIndex = index;
      index = child;
    }
    items[index] = entry;
    entry.heapIndex = index;
  }
}
