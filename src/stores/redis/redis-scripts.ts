import { createHash } from 'node:crypto';
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
 * ARGV[1] is always the prefix of the per-job run-history keys (`<prefix>runs:`); a job's run records
 * live in the sorted set `<prefix>runs:<id>`, scored by scheduled run time.
 *
 * Times cross into Lua as decimal strings and go back to Redis unchanged, so no epoch millisecond is
 * ever formatted by Lua's number printing.
 */
export const KEY_NAMES = ['jobs', 'next', 'leased', 'holders', 'orphans', 'seq'] as const;

/** Run histories kept for jobs that no longer exist (as the memory store). */
const MAX_ORPHAN_HISTORIES = 1000;

const COMMON = `
local runs = ARGV[1]
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
`;

/** ARGV: runs, id, document, nextRunTime ('' when paused). Returns 0 when the id exists. */
const ADD = `
local id = ARGV[2]
if redis.call('HSETNX', KEYS[1], id, ARGV[3]) == 0 then return 0 end
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], id) end
redis.call('ZREM', KEYS[5], id)
return 1
`;

/** ARGV: runs, id, document, nextRunTime. Returns 0 when the id does not exist. Ends any lease. */
const UPDATE = `
local id = ARGV[2]
if redis.call('HEXISTS', KEYS[1], id) == 0 then return 0 end
redis.call('HSET', KEYS[1], id, ARGV[3])
redis.call('ZREM', KEYS[3], id)
redis.call('HDEL', KEYS[4], id)
if ARGV[4] ~= '' then redis.call('ZADD', KEYS[2], ARGV[4], id) else redis.call('ZREM', KEYS[2], id) end
return 1
`;

/** ARGV: runs, id. Returns 0 when the id does not exist. */
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
 * ARGV: runs, schedulerId, now, leaseEnd, limit. Frees leases that ran out (their jobs go back to
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

/**
 * ARGV: runs, schedulerId, then per job: id, nextRunTime, nextFireTime ('null' or digits), remove
 * ('1' or '0'). Jobs this scheduler does not hold are skipped. The document's leading time fields
 * are rewritten in place; a document without them is left leased, to be reported when next claimed.
 */
const RELEASE = `
local holder = ARGV[2]
for i = 3, #ARGV, 4 do
  local id = ARGV[i]
  local held = redis.call('HGET', KEYS[4], id)
  if held and string.sub(held, string.find(held, '|', 1, true) + 1) == holder then
    if ARGV[i + 3] == '1' then
      drop(id)
    else
      local doc = redis.call('HGET', KEYS[1], id)
      local _, stop = string.find(doc or '', '^{"nextRunTime":[^,]*,"nextFireTime":[^,]*,')
      if stop then
        local head = '{"nextRunTime":' .. ARGV[i + 1] .. ',"nextFireTime":' .. ARGV[i + 2] .. ','
        redis.call('HSET', KEYS[1], id, head .. string.sub(doc, stop + 1))
        redis.call('ZREM', KEYS[3], id)
        redis.call('HDEL', KEYS[4], id)
        if ARGV[i + 1] ~= 'null' then redis.call('ZADD', KEYS[2], ARGV[i + 1], id) end
      end
    end
  end
end
return 1
`;

/** ARGV: runs, schedulerId, leaseEnd, ids... Extends this scheduler's leases (to park unreadable jobs). */
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
 * ARGV: runs, then per record: jobId, scheduledRunTime, sort prefix (startedAt, 16 digits), record
 * JSON, retention. Members are `<startedAt><seq><json>`, so ties on scheduled time order by start,
 * then by insertion.
 */
const ADD_RUNS = `
for i = 2, #ARGV, 5 do
  local id = ARGV[i]
  local key = runs .. id
  local fresh = redis.call('EXISTS', key) == 0
  local member = ARGV[i + 2] .. string.format('%016d', redis.call('INCR', KEYS[6])) .. ARGV[i + 3]
  redis.call('ZADD', key, ARGV[i + 1], member)
  redis.call('ZREMRANGEBYRANK', key, 0, -tonumber(ARGV[i + 4]) - 1)
  if fresh and redis.call('HEXISTS', KEYS[1], id) == 0 then markOrphan(id) end
end
return 1
`;

/** Length of the sort prefix before a run record's JSON: 16 digits of startedAt and 16 of sequence. */
export const RUN_MEMBER_PREFIX = 32;

/** A script sent by SHA1, and in full only when the server does not have it cached yet. */
export class LuaScript {
  readonly sha: string;
  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: RedisClient, keys: readonly string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await client.call('EVALSHA', this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.call('EVAL', this.source, keys.length, ...keys, ...args);
    }
  }
}

const script = (body: string) => new LuaScript(COMMON + body);

export const SCRIPTS = {
  add: script(ADD),
  update: script(UPDATE),
  remove: script(REMOVE),
  removeAll: script(REMOVE_ALL),
  acquire: script(ACQUIRE),
  release: script(RELEASE),
  hold: script(HOLD),
  nextRunTime: script(NEXT_RUN_TIME),
  addRuns: script(ADD_RUNS),
};
