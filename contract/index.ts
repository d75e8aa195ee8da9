export * from './states.ts';
export * from './report-v1.ts';
export * from './multiwan.ts';
export * from './tag-encoding.ts';
export * from './problems.ts';
export * from './acting-for.ts';
