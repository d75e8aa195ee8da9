export * from './stack.ts';
export * from './smtp-sink.ts';
export * from './debian-packages.ts';
export * from './free-port.ts';
export * from './processes.ts';
export { startInfluxd } from './influxd.ts';
export { startRedis } from './redis.ts';
export { startRedisCluster, clusterCli, CLUSTER_NODE_TIMEOUT_MS, type RedisCluster } from './redis-cluster.ts';
