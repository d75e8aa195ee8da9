export * from './parse-ping-output.ts';
export * from './exec-ping-prober.ts';
export * from './tcp-connect-prober.ts';
export * from './prober-registry.ts';
