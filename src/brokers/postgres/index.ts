export { PostgresEventBroker, type PostgresEventBrokerOptions } from './postgres-event-broker.js';
export type { PostgresBrokerClient, PostgresNotifyPool } from './postgres-session.js';
export { EventBrokerError } from '../broker-error.js';
