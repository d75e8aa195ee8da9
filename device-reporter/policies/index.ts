export * from './compute-policy-splits.ts';
