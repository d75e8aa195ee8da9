export * from './stack.ts';
export * from './smtp-sink.ts';
export * from './debian-packages.ts';
export * from './free-port.ts';
export * from './processes.ts';
export { startInfluxd } from './influxd.ts';
export { startRedis } from './redis.ts';
