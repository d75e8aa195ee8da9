// run-tests: alone
import { orderFixture } from './order-log.ts';
orderFixture('alone');
