/**
 * A binary min-heap of entries ordered by `(time, id)`, where each entry knows its own position,
 * so insert, remove-any and pop are all O(log n).
 */
export interface HeapEntry {
  time: number;
  id: string;
  heapIndex: number;
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

  pop(): E | undefined {
    const top = this.items[0];
    if (top !== undefined) this.remove(top);
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
    return a.time < b.time || (a.time === b.time && a.id < b.id);
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
