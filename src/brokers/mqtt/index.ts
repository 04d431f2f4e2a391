export { MqttEventBroker, type MqttEventBrokerOptions } from './mqtt-event-broker.js';
export { EventBrokerError } from '../broker-error.js';
