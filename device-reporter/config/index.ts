export * from './uci.ts';
export * from './mwan3-config.ts';
export * from './network-config.ts';
export * from './load-tracked.ts';
