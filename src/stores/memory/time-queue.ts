import { compareIds } from '../job-order.js';

/**
 * A queue of entries by time, built for a scheduler, where many jobs fall due at the same millisecond
 * (a burst of one-shot jobs, interval jobs started together, a cron minute). The entries of one time
 * share a bucket, an array read from a head index; a small binary heap orders the distinct times.
 * Finding the earliest time is O(1); adding or dropping a time is O(log B) for B distinct times;
 * pushing, popping and removing an entry are O(1) amortized. A heap of all the entries would compare
 * some 17 levels per pop at 100,000 jobs, over entries scattered in memory.
 */

/** What the queue needs of an entry; the queue keeps `bucket` and `slot` up to date. */
export interface QueueEntry {
  id: string;
  /** The bucket holding the entry, or `null` while it is in no queue. */
  bucket: Bucket | null;
  /** The entry's index in `bucket.items` (meaningless while `bucket` is `null`). */
  slot: number;
}

/**
 * The entries of one time, in `items` from `head` on. A removed entry leaves `undefined` (a
 * tombstone) until the array is compacted, so removing is O(1). While the bucket is queued, `live`
 * is above 0 and the items at `head` and at the end are live entries.
 */
export class Bucket {
  /**
   * Made with its first entry as a one-element literal: an array grown by `push` from empty reserves
   * 17 slots, and a job alone in its millisecond would pay for all of them.
   */
  items: (QueueEntry | undefined)[];
  head = 0;
  live = 0;
  /**
   * True when the live items are in `id` order. A push that sorts after the last item keeps
   * it (the usual case: releases come back in the order they were acquired, and new ids tend to
   * grow); any other push clears it, and the next pop sorts the bucket.
   */
  sorted = true;
  /** The bucket's index in the queue's heap of times. */
  heapIndex = -1;

  constructor(
    readonly time: number,
    first: QueueEntry,
  ) {
    this.items = [first];
  }
}

/** The order of entries of one time: the stores' order of ids. */
function compareEntries(a: QueueEntry, b: QueueEntry): number {
  return compareIds(a.id, b.id);
}

/** Tombstones a bucket may hold before they are worth compacting away, whatever its size. */
const COMPACT_MIN = 32;

export class TimeQueue<E extends QueueEntry> {
  /** The buckets by time. */
  private buckets = new Map<number, Bucket>();
  /** The same buckets as a binary min-heap by time. */
  private heap: Bucket[] = [];
  private count = 0;
  /**
   * The bucket of the last push, tried before the map: pushes come in runs of one time (a batch of
   * releases to the next interval, jobs added together), and hashing a time costs more than this.
   */
  private recent: Bucket | undefined = undefined;
  /** Buckets that became unsorted since the last turn (see `sortSoon`). */
  private unsorted: Bucket[] = [];

  /**
   * @param ordered False when the order of entries of one time does not matter (leases, which only
   *   need their end times in order): buckets are then never sorted and pop in push order.
   */
  constructor(private readonly ordered = true) {}

  get size(): number {
    return this.count;
  }

  /** The earliest time of a queued entry, or `Infinity` when the queue is empty. */
  earliest(): number {
    return this.heap[0]?.time ?? Infinity;
  }

  /** Queues an entry that is in no queue at `time`, which must be a number (not `NaN`). */
  push(entry: E, time: number): void {
    let bucket = this.recent;
    if (bucket === undefined || bucket.time !== time || bucket.heapIndex < 0) bucket = this.buckets.get(time);
    if (bucket === undefined) {
      bucket = new Bucket(time, entry);
      this.buckets.set(time, bucket);
      this.heapPush(bucket);
      entry.slot = 0;
    } else {
      const items = bucket.items;
      if (bucket.sorted && this.ordered && entry.id <= (items[items.length - 1] as QueueEntry).id) {
        bucket.sorted = false;
        this.sortSoon(bucket);
      }
      // Only a push grows the array: a bucket that keeps taking entries while others leave it
      // (popped from the head, removed from the middle) would otherwise grow without bound.
      const dead = items.length - bucket.live;
      if (dead > COMPACT_MIN && dead > bucket.live) compact(bucket);
      entry.slot = bucket.items.length;
      bucket.items.push(entry);
    }
    entry.bucket = bucket;
    bucket.live++;
    this.count++;
    this.recent = bucket;
  }

  /**
   * Removes and returns the first entry of the earliest time when that time is at or before `now`
   * (entries of one time in `id` order when the queue is ordered), else returns `undefined`.
   */
  popDue(now: number): E | undefined {
    const bucket = this.heap[0];
    if (bucket === undefined || bucket.time > now) return undefined;
    if (!bucket.sorted) sortBucket(bucket);
    const items = bucket.items;
    let head = bucket.head;
    const entry = items[head] as E;
    items[head] = undefined;
    entry.bucket = null;
    this.count--;
    if (--bucket.live === 0) this.dropBucket(bucket);
    else {
      // The last item is live, so this stops inside the array.
      do head++;
      while (items[head] === undefined);
      bucket.head = head;
    }
    return entry;
  }

  /** Takes an entry out of this queue; nothing happens when it is in no queue. */
  remove(entry: E): void {
    const bucket = entry.bucket;
    if (bucket === null) return;
    const items = bucket.items;
    const slot = entry.slot;
    items[slot] = undefined;
    entry.bucket = null;
    this.count--;
    if (--bucket.live === 0) {
      this.dropBucket(bucket);
      return;
    }
    if (slot === bucket.head) {
      let head = slot;
      do head++;
      while (items[head] === undefined);
      bucket.head = head;
    } else if (slot === items.length - 1) {
      let end = slot;
      while (items[end - 1] === undefined) end--;
      items.length = end;
    } else {
      const holes = items.length - bucket.head - bucket.live;
      if (holes > COMPACT_MIN && holes > bucket.live) compact(bucket);
    }
  }

  /** Empties the queue. */
  clear(): void {
    for (const bucket of this.heap) {
      for (const entry of bucket.items) if (entry !== undefined) entry.bucket = null;
      bucket.heapIndex = -1;
    }
    this.buckets.clear();
    this.heap = [];
    this.count = 0;
    this.recent = undefined;
  }

  /**
   * Sorts an unsorted bucket on the next turn of the event loop rather than at its first pop: jobs
   * are added ahead of their time, and sorting 10,000 ids when they fall due would delay their runs
   * by the sort. A pop before then sorts the bucket itself.
   */
  private sortSoon(bucket: Bucket): void {
    this.unsorted.push(bucket);
    if (this.unsorted.length === 1) setImmediate(this.sortUnsorted).unref();
  }

  private readonly sortUnsorted = (): void => {
    const buckets = this.unsorted;
    this.unsorted = [];
    for (const bucket of buckets) if (!bucket.sorted && bucket.heapIndex >= 0) sortBucket(bucket);
  };

  private dropBucket(bucket: Bucket): void {
    // An emptied map is replaced rather than kept: a long-lived map with an insert and a delete per
    // time rehashes into old-generation tables (see the executor's map of instances).
    if (this.buckets.size === 1) this.buckets = new Map();
    else this.buckets.delete(bucket.time);
    this.heapRemove(bucket);
    bucket.items = [];
  }

  private heapPush(bucket: Bucket): void {
    bucket.heapIndex = this.heap.length;
    this.heap.push(bucket);
    this.up(bucket.heapIndex);
  }

  private heapRemove(bucket: Bucket): void {
    const heap = this.heap;
    const index = bucket.heapIndex;
    const last = heap.pop() as Bucket;
    bucket.heapIndex = -1;
    if (index === heap.length) return;
    heap[index] = last;
    last.heapIndex = index;
    this.down(index);
    this.up(last.heapIndex);
  }

  private up(index: number): void {
    const heap = this.heap;
    const bucket = heap[index] as Bucket;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex] as Bucket;
      if (parent.time <= bucket.time) break;
      heap[index] = parent;
      parent.heapIndex = index;
      index = parentIndex;
    }
    heap[index] = bucket;
    bucket.heapIndex = index;
  }

  private down(index: number): void {
    const heap = this.heap;
    const length = heap.length;
    const bucket = heap[index] as Bucket;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      let child = left;
      if (right < length && (heap[right] as Bucket).time < (heap[left] as Bucket).time) child = right;
      const childBucket = heap[child] as Bucket;
      if (childBucket.time >= bucket.time) break;
      heap[index] = childBucket;
      childBucket.heapIndex = index;
      index = child;
    }
    heap[index] = bucket;
    bucket.heapIndex = index;
  }
}

/** Moves the live items to the front, in their order, dropping the tombstones and the popped head. */
function compact(bucket: Bucket): void {
  const items = bucket.items;
  let to = 0;
  for (let from = bucket.head; from < items.length; from++) {
    const entry = items[from];
    if (entry === undefined) continue;
    items[to] = entry;
    entry.slot = to++;
  }
  items.length = to;
  bucket.head = 0;
}

/** Puts the live items in `id` order, at the front. */
function sortBucket(bucket: Bucket): void {
  if (bucket.head > 0 || bucket.live < bucket.items.length) compact(bucket);
  (bucket.items as QueueEntry[]).sort(compareEntries);
  const items = bucket.items;
  for (let i = 0; i < items.length; i++) (items[i] as QueueEntry).slot = i;
  bucket.sorted = true;
}
