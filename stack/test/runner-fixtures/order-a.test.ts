import { orderFixture } from './order-log.ts';
orderFixture('a', 'b');
