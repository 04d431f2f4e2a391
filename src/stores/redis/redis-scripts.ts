import { createHash } from 'node:crypto';
import type { RunRecord } from '../job-store.js';
import { serializeRunRecord, startedMs } from '../run-record.js';
import type { RedisClient } from './redis-connection.js';

/**
 * The Lua scripts behind every write of the Redis store. Each runs atomically on the server, so two
 * schedulers claiming at once never see the same job half-leased. The keys, in order:
 *
 * 1. `jobs`     hash: job id → stored job (JSON whose first two keys are nextRunTime and nextFireTime)
 * 2. `next`     sorted set: id of each scheduled, unleased job, scored by its next run time (epoch ms)
 * 3. `leased`   sorted set: id of each leased job, scored by its lease end (acquiredUntil)
 * 4. `holders`  hash: leased job id → `<next run time>|<acquiredBy>`
 * 5. `orphans`  sorted set: ids whose run history outlives their job, oldest first
 * 6. `seq`      counter that orders run records and orphans
 *
 * 7. `active`      sorted set: id of each stored run in progress (`ActiveRun`), scored by creation time
 * 8. `held`        sorted set: id of each run a node holds, scored by its lease end
 * 9. `parked`      sorted set: id of each waiting run set aside (unreadable to a node that took it),
 *                  scored by when it waits again
 * 10. `instances`  hash: job id → its stored runs (`maxInstances`)
 * 11. `nodes`      hash: node id → stored node (`serializeNode`)
 * 12. `node-expiry` sorted set: node id, scored by its expiry
 *
 * Keys 7 to 12 are given only to the scripts of `redis-run-scripts.ts`, which also build these
 * from the prefix: `active:<run id>` (hash: the run), `waiting:<executor>` (sorted set: the runs
 * that wait for a node of that executor, by creation time), `holding:<node id>` (set: the runs it
 * holds).
 *
 * ARGV[1] is always the store's key prefix; a job's run records live in the sorted set
 * `<prefix>runs:<id>`, scored by scheduled run time.
 *
 * Times cross into Lua as decimal strings and go back to Redis unchanged, so no epoch millisecond is
 * ever formatted by Lua's number printing.
 */
export const KEY_NAMES = [
  'jobs',
  'next',
  'leased',
  'holders',
  'orphans',
  'seq',
  'active',
  'held',
  'parked',
  'instances',
  'nodes',
  'node-expiry',
] as const;

/** How many of `KEY_NAMES` the scripts of jobs and run records get. */
const JOB_KEY_COUNT = 6;

/** Run histories kept for jobs that no longer exist (as the memory store). */
const MAX_ORPHAN_HISTORIES = 1000;

/** The helpers every script starts with; `redis-run-scripts.ts` builds on them. */
export const COMMON = `
local runs = ARGV[1] .. 'runs:'
local function markOrphan(id)
  if redis.call('EXISTS', runs .. id) == 1 then
    redis.call('ZADD', KEYS[5], redis.call('INCR', KEYS[6]), id)
    if redis.call('ZCARD', KEYS[5]) > ${MAX_ORPHAN_HISTORIES} then
      local oldest = redis.call('ZPOPMIN', KEYS[5])
      redis.call('DEL', runs .. oldest[1])
    end
  end
end
local function drop(id)
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  markOrphan(id)
end
-- Ends holder's lease on job id, storing its next times (or deleting it when remove is '1'); false
-- when holder does not hold it. A document without its leading time fields is left leased, to be
-- reported when next claimed.
local function releaseJob(holder, id, nextRun, nextFire, remove)
  local held = redis.call('HGET', KEYS[4], id)
  if not held or string.sub(held, string.find(held, '|', 1, true) + 1) ~= holder then return false end
  if remove == '1' then
    drop(id)
    return true
  end
  local doc = redis.call('HGET', KEYS[1], id)
  local _, stop = string.find(doc or '', '^{"nextRunTime":[^,]*,"nextFireTime":[^,]*,')
  if stop then
    local head = '{"nextRunTime":' .. nextRun .. ',"nextFireTime":' .. nextFire .. ','
    redis.call('HSET', KEYS[1], id, head .. string.sub(doc, stop + 1))
    redis.call('ZREM', KEYS[3], id)
    redis.call('HDEL', KEYS[4], id)
    if nextRun ~= 'null' then redis.call('ZADD', KEYS[2], nextRun, id) end
  end
  return true
end
-- Stores the run records of ARGV[from..to] (to the end when to is nil), five values each (see ADD_RUNS).
local function addRunRecords(from, to)
  for i = from, to or #ARGV, 5 do
    local id = ARGV[i]
    local key = runs .. id
    local fresh = redis.call('EXISTS', key) == 0
    local member = ARGV[i + 2] .. string.format('%016d', redis.call('INCR', KEYS[6])) .. ARGV[i + 3]
    redis.call('ZADD', key, ARGV[i + 1], member)
    redis.call('ZREMRANGEBYRANK', key, 0, -tonumber(ARGV[i + 4]) - 1)
    if fresh and redis.call('HEXISTS', KEYS[1], id) == 0 then markOrphan(id) end
  end
end
`;

/** ARGV: prefix, id, document, nextRunTime ('' when paused). Returns 0 when the id exists. */
const ADD = `
local id = ARGV[2]
if redis.call('HSETNX', KEYS[1], id, ARGV[3]) == 0 then return 0 end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], id) end
redis.call('ZREM', KEYS[5], id)
return 1
`;

/** ARGV: prefix, id, document, nextRunTime. Returns 0 when the id does not exist. Ends any lease. */
const UPDATE = `
local id = ARGV[2]
if redis.call('HEXISTS', KEYS[1], id) == 0 then return 0 end
redis.call('HSET', KEYS[1], id, ARGV[3])
redis.call('ZREM', KEYS[3], id)
redis.call('HDEL', KEYS[4], id)
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], id) else redis.call('ZREM', KEYS[2], id) end
return 1
`;

/** ARGV: prefix, id. Returns 0 when the id does not exist. */
const REMOVE = `
if redis.call('HEXISTS', KEYS[1], ARGV[2]) == 0 then return 0 end
drop(ARGV[2])
return 1
`;

const REMOVE_ALL = `
for _, id in ipairs(redis.call('HKEYS', KEYS[1])) do markOrphan(id) end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return 1
`;

/**
 * ARGV: prefix, schedulerId, now, leaseEnd, limit. Frees leases that ran out (their jobs go back to
 * `next` at their old run time), then leases the earliest due jobs. Returns [id, document, ...].
 */
const ACQUIRE = `
local holder, now, leaseEnd = ARGV[2], ARGV[3], ARGV[4]
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now)) do
  local held = redis.call('HGET', KEYS[4], id)
  redis.call('ZREM', KEYS[3], id)
  redis.call('HDEL', KEYS[4], id)
  if held and redis.call('HEXISTS', KEYS[1], id) == 1 then
    redis.call('ZADD', KEYS[2], string.match(held, '^[^|]*'), id)
  end
end
local due = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[5]))
if #due == 0 then return {} end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, #due / 2 - 1)
local out = {}
for i = 1, #due, 2 do
  local id = due[i]
  local doc = redis.call('HGET', KEYS[1], id)
  if doc then
    redis.call('ZADD', KEYS[3], leaseEnd, id)
    redis.call('HSET', KEYS[4], id, due[i + 1] .. '|' .. holder)
    out[#out + 1] = id
    out[#out + 1] = doc
  end
end
return out
`;

/** ARGV: prefix, schedulerId, leaseEnd, ids... Extends this scheduler's leases (to park unreadable jobs). */
const HOLD = `
for i = 4, #ARGV do
  local held = redis.call('HGET', KEYS[4], ARGV[i])
  if held and string.sub(held, string.find(held, '|', 1, true) + 1) == ARGV[2] then
    redis.call('ZADD', KEYS[3], 'XX', ARGV[3], ARGV[i])
  end
end
return 1
`;

/** Returns [earliest next run time, earliest lease end], each a score string or nil. */
const NEXT_RUN_TIME = `
local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
local lease = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
return { first[2] or false, lease[2] or false }
`;

/**
 * ARGV: prefix, then per record: jobId, scheduledRunTime, sort prefix (startedAt, 16 digits), record
 * JSON, retention. Members are `<startedAt><seq><json>`, so ties on scheduled time order by start,
 * then by insertion.
 */
const ADD_RUNS = `
addRunRecords(2)
return 1
`;

/** Length of the sort prefix before a run record's JSON: 16 digits of startedAt and 16 of sequence. */
export const RUN_MEMBER_PREFIX = 32;

/**
 * Run records written per script call: the scheduler's batch of a turn is one call; a larger batch
 * (written after an outage) takes more, so no one script keeps Redis busy for long.
 */
const RUN_SCRIPT_CHUNK = 500;

/** The ARGV of `ADD_RUNS` (after the prefix) for these records, in chunks of one script call each. */
export function runRecordChunks(records: RunRecord[], retention: number): (string | number)[][] {
  const chunks: (string | number)[][] = [];
  for (let start = 0; start < records.length; start += RUN_SCRIPT_CHUNK) {
    chunks.push(runRecordArgs(records.slice(start, start + RUN_SCRIPT_CHUNK), retention));
  }
  return chunks;
}

/** The ARGV of `ADD_RUNS` (after the prefix) for these records, all in one call: five values each. */
export function runRecordArgs(records: RunRecord[], retention: number): (string | number)[] {
  return records.flatMap((record) => {
    // Ties on scheduled time order by start time: 16 digits of it lead the member.
    const started = startedMs(record);
    const startedKey = String(Number.isNaN(started) ? 0 : Math.max(0, started)).padStart(16, '0');
    return [
      record.jobId,
      record.scheduledRunTime.getTime(),
      startedKey,
      serializeRunRecord(record),
      retention,
    ];
  });
}

/**
 * A script sent by SHA1, and in full only when the server does not have it cached yet. It gets the
 * first `keyCount` of the keys it is run with (`KEY_NAMES`), so a script of jobs does not carry the
 * names of the keys of runs and nodes on every call.
 */
export class LuaScript {
  readonly sha: string;
  constructor(
    readonly source: string,
    readonly keyCount: number,
  ) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, allKeys: readonly string[], args: (string | number)[]): Promise<unknown> {
    const keys = allKeys.length > this.keyCount ? allKeys.slice(0, this.keyCount) : allKeys;
    try {
      return await client.call('EVALSHA', this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.call('EVAL', this.source, keys.length, ...keys, ...args);
    }
  }
}

const script = (body: string) => new LuaScript(COMMON + body, JOB_KEY_COUNT);

export const SCRIPTS = {
  add: script(ADD),
  update: script(UPDATE),
  remove: script(REMOVE),
  removeAll: script(REMOVE_ALL),
  acquire: script(ACQUIRE),
  hold: script(HOLD),
  nextRunTime: script(NEXT_RUN_TIME),
  addRuns: script(ADD_RUNS),
};
