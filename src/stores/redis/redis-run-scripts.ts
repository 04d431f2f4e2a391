import { COMMON, KEY_NAMES, LuaScript } from './redis-scripts.js';

/**
 * The Lua scripts of runs in progress (`ActiveRun`) and nodes: the cluster half of the store. Keys
 * and ARGV[1] are as in `redis-scripts.ts`. A run is the hash `<prefix>active:<run id>`:
 *
 * - `doc`       `serializeActiveRun`'s text, as the run was stored (its holder, lease, creation time
 *               and recovery flag are read from the fields below instead, which change)
 * - `job`, `exec`, `recover`  its job's id, executor and `requestsRecovery` ('1' or '0')
 * - `node`      its holder, or '' while it waits (in `waiting:<exec>`, or in `parked`)
 * - `created`, `recovery`     its creation time (epoch ms) and recovery flag ('1' or '0')
 *
 * and its lease end is its score in `held`. Every script keeps the indexes and the `instances`
 * count of the run's job in step with the hash, so each read below is by index: waiting runs by
 * creation time, held runs by lease end, a node's runs by its `holding:` set, a job's count by id.
 */

const RUN_HELPERS = `
local function runKey(id) return ARGV[1] .. 'active:' .. id end
local function waitingKey(executor) return ARGV[1] .. 'waiting:' .. executor end
local function holdingKey(node) return ARGV[1] .. 'holding:' .. node end
-- Deletes a stored run from every index, and its instance of its job.
local function forgetRun(id)
  local key = runKey(id)
  local run = redis.call('HMGET', key, 'job', 'exec', 'node')
  redis.call('ZREM', KEYS[7], id)
  redis.call('ZREM', KEYS[8], id)
  redis.call('ZREM', KEYS[9], id)
  if not run[1] then return end
  redis.call('DEL', key)
  if run[3] == '' then
    redis.call('ZREM', waitingKey(run[2]), id)
  else
    redis.call('SREM', holdingKey(run[3]), id)
  end
  if redis.call('HINCRBY', KEYS[10], run[1], -1) <= 0 then redis.call('HDEL', KEYS[10], run[1]) end
end
-- Appends a stored run to out as the store reads it: id, doc, node, lease end, created, recovery, job id.
local function readRun(out, id)
  local run = redis.call('HMGET', runKey(id), 'doc', 'node', 'created', 'recovery', 'job')
  out[#out + 1] = id
  out[#out + 1] = run[1]
  out[#out + 1] = run[2]
  out[#out + 1] = redis.call('ZSCORE', KEYS[8], id)
  for j = 3, 5 do out[#out + 1] = run[j] end
end
`;

/**
 * ARGV: prefix, schedulerId, number of releases, then per release: id, nextRunTime, nextFireTime
 * ('null' or digits), remove ('1' or '0'); then per run (`runArgs`): id, job id, executor,
 * maxInstances, recover, node ('' when waiting), lease end, created, recovery, doc.
 * Returns { lost job ids, refused run ids }.
 */
const RELEASE = `
local holder = ARGV[2]
local first = 4 + tonumber(ARGV[3]) * 4
local lost, refused, skip = {}, {}, {}
for i = 4, first - 1, 4 do
  if not releaseJob(holder, ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) then
    lost[#lost + 1] = ARGV[i]
    skip[ARGV[i]] = true
  end
end
for i = first, #ARGV, 10 do
  local id, job, executor, node, created = ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 5], ARGV[i + 7]
  if skip[job] then
    -- A run of a lost release: another node may own the job's run times now.
  elseif tonumber(redis.call('HGET', KEYS[10], job) or '0') >= tonumber(ARGV[i + 3]) then
    refused[#refused + 1] = id
  else
    redis.call('HINCRBY', KEYS[10], job, 1)
    redis.call('HSET', runKey(id), 'job', job, 'exec', executor, 'recover', ARGV[i + 4], 'node', node,
      'created', created, 'recovery', ARGV[i + 8], 'doc', ARGV[i + 9])
    redis.call('ZADD', KEYS[7], created, id)
    if node == '' then
      redis.call('ZADD', waitingKey(executor), created, id)
    else
      redis.call('ZADD', KEYS[8], ARGV[i + 6], id)
      redis.call('SADD', holdingKey(node), id)
    end
  end
end
return { lost, refused }
`;

/**
 * ARGV: prefix, node, now, lease end, limit, executors... Parked runs whose time has come wait
 * again; then the oldest waiting runs of these executors become the node's. Returns each, as
 * `readRun` puts it.
 */
const ACQUIRE_RUNS = `
local node, now, leaseEnd, limit = ARGV[2], ARGV[3], ARGV[4], tonumber(ARGV[5])
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[9], '-inf', now)) do
  redis.call('ZREM', KEYS[9], id)
  local run = redis.call('HMGET', runKey(id), 'exec', 'created')
  if run[1] then redis.call('ZADD', waitingKey(run[1]), run[2], id) end
end
-- The first limit of each executor's queue, merged: by creation time, then id.
local candidates = {}
for i = 6, #ARGV do
  local key = waitingKey(ARGV[i])
  local found = redis.call('ZRANGE', key, 0, limit - 1, 'WITHSCORES')
  for j = 1, #found, 2 do
    candidates[#candidates + 1] = { found[j], tonumber(found[j + 1]), key }
  end
end
table.sort(candidates, function(a, b)
  if a[2] ~= b[2] then return a[2] < b[2] end
  return a[1] < b[1]
end)
local out = {}
for i = 1, math.min(limit, #candidates) do
  local id, key = candidates[i][1], candidates[i][3]
  redis.call('ZREM', key, id)
  redis.call('HSET', runKey(id), 'node', node)
  redis.call('ZADD', KEYS[8], leaseEnd, id)
  redis.call('SADD', holdingKey(node), id)
  readRun(out, id)
end
return out
`;

/**
 * ARGV: prefix, node, until, run ids... Sets aside runs the node took and cannot read: they wait
 * again (for any node) from `until`, and count as instances meanwhile.
 */
const PARK_RUNS = `
for i = 4, #ARGV do
  local id = ARGV[i]
  if redis.call('HGET', runKey(id), 'node') == ARGV[2] then
    redis.call('HSET', runKey(id), 'node', '')
    redis.call('ZREM', KEYS[8], id)
    redis.call('SREM', holdingKey(ARGV[2]), id)
    redis.call('ZADD', KEYS[9], ARGV[3], id)
  end
end
return 1
`;

/**
 * ARGV: prefix, node, number of run ids, run ids..., then run records as `ADD_RUNS` takes them.
 * Deletes the runs the node holds, and stores the records.
 */
const FINISH_RUNS = `
local count = tonumber(ARGV[3])
for i = 4, 3 + count do
  if redis.call('HGET', runKey(ARGV[i]), 'node') == ARGV[2] then forgetRun(ARGV[i]) end
end
addRunRecords(4 + count)
return 1
`;

/**
 * ARGV: prefix, node id, stored node, lease end, prune before. Stores the node, extends the leases
 * of the runs it holds, and deletes the nodes that expired before `prune before`.
 */
const HEARTBEAT = `
local id, leaseEnd = ARGV[2], ARGV[4]
redis.call('HSET', KEYS[11], id, ARGV[3])
redis.call('ZADD', KEYS[12], leaseEnd, id)
for _, run in ipairs(redis.call('SMEMBERS', holdingKey(id))) do
  redis.call('ZADD', KEYS[8], 'XX', leaseEnd, run)
end
for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[12], '-inf', '(' .. ARGV[5])) do
  redis.call('HDEL', KEYS[11], dead)
  redis.call('ZREM', KEYS[12], dead)
end
return 1
`;

/**
 * ARGV: prefix, node id. Deletes the node; the runs it left keep their lease, which no beat of the
 * same id extends any more.
 */
const REMOVE_NODE = `
redis.call('HDEL', KEYS[11], ARGV[2])
redis.call('ZREM', KEYS[12], ARGV[2])
redis.call('DEL', holdingKey(ARGV[2]))
return 1
`;

/** ARGV: prefix, now. Returns id, stored node of each node that expires at or after now. */
const GET_NODES = `
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[12], ARGV[2], '+inf')) do
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[11], id)
end
return out
`;

/** ARGV: prefix. Returns every stored run by creation time, each as `readRun` puts it. */
const ACTIVE_RUNS = `
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[7], 0, -1)) do readRun(out, id) end
return out
`;

/**
 * ARGV: prefix, now, limit. Reads (and changes nothing) the held runs whose lease ended before now,
 * oldest lease first, each as `readRun` puts it.
 */
const READ_INTERRUPTED = `
local out = {}
local ids = redis.call('ZRANGEBYSCORE', KEYS[8], '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do readRun(out, id) end
return out
`;

/**
 * ARGV: prefix, now, park until, number of runs to take, then per run to take: its id, its holder
 * as read, the number of values of its run records, those records (as `ADD_RUNS` takes them); then
 * ids of runs to park. Of the runs still held by the holder read whose lease still ended before now
 * (another caller may have taken them, or a beat extended them, since they were read): each run to
 * take is deleted, or waits again as a recovery when its job asks for it and it is not one, and its
 * records are stored; each run to park keeps its holder with the lease `park until`, which its
 * holder's beats no longer extend. Returns { per run taken: id, node, lease end, requeued ('1' or
 * '0'); ids parked }.
 */
const TAKE_INTERRUPTED = `
local now, count = tonumber(ARGV[2]), tonumber(ARGV[4])
local function ended(id)
  local lease = redis.call('ZSCORE', KEYS[8], id)
  if lease and tonumber(lease) < now then return lease end
  return false
end
local taken, parked = {}, {}
local i = 5
for _ = 1, count do
  local id, holder, records = ARGV[i], ARGV[i + 1], i + 3
  i = records + tonumber(ARGV[i + 2])
  local key = runKey(id)
  local lease = ended(id)
  local run = lease and redis.call('HMGET', key, 'node', 'exec', 'recover', 'recovery')
  -- The records name the holder read: a run taken and held again since then waits for the next call.
  if run and run[1] == holder then
    local requeue = run[3] == '1' and run[4] ~= '1'
    if requeue then
      redis.call('ZREM', KEYS[8], id)
      redis.call('SREM', holdingKey(run[1]), id)
      redis.call('HSET', key, 'node', '', 'recovery', '1', 'created', ARGV[2])
      redis.call('ZADD', KEYS[7], ARGV[2], id)
      redis.call('ZADD', waitingKey(run[2]), ARGV[2], id)
    else
      forgetRun(id)
    end
    addRunRecords(records, i - 1)
    taken[#taken + 1] = id
    taken[#taken + 1] = run[1]
    taken[#taken + 1] = lease
    taken[#taken + 1] = requeue and '1' or '0'
  end
end
for j = i, #ARGV do
  local id = ARGV[j]
  if ended(id) then
    redis.call('ZADD', KEYS[8], ARGV[3], id)
    local node = redis.call('HGET', runKey(id), 'node')
    if node then redis.call('SREM', holdingKey(node), id) end
    parked[#parked + 1] = id
  end
end
return { taken, parked }
`;

const script = (body: string) => new LuaScript(COMMON + RUN_HELPERS + body, KEY_NAMES.length);

export const RUN_SCRIPTS = {
  release: script(RELEASE),
  acquireRuns: script(ACQUIRE_RUNS),
  parkRuns: script(PARK_RUNS),
  finishRuns: script(FINISH_RUNS),
  heartbeat: script(HEARTBEAT),
  removeNode: script(REMOVE_NODE),
  getNodes: script(GET_NODES),
  activeRuns: script(ACTIVE_RUNS),
  readInterrupted: script(READ_INTERRUPTED),
  takeInterrupted: script(TAKE_INTERRUPTED),
};
