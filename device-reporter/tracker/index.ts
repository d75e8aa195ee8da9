export * from './prober.ts';
export * from './tracking-options.ts';
export * from './score-machine.ts';
export * from './round.ts';
export * from './scheduler.ts';
