import { orderFixture } from './order-log.ts';
orderFixture('b', 'a');
