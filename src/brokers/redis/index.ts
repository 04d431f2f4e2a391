export { RedisEventBroker, type RedisEventBrokerOptions } from './redis-event-broker.js';
export type { RedisBrokerClient } from './redis-session.js';
export { EventBrokerError } from '../broker-error.js';
