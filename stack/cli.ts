import { parseArgs } from 'node:util';
import { startStack, stackStatus, stopStackIn } from './stack.ts';

export const STACK_HELP = `wanwatch stack start|stop|status [--data-dir DIR]

Private services for the embedded default and for tests:
  start   start influxd and redis-server in DIR/ (default .wanwatch/stack), detached; prints their URLs
          as WANWATCH_INFLUX_URL=... and WANWATCH_REDIS_URL=... lines
  stop    stop the services started in DIR/
  status  show whether they run
`;

export async function stackCli(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'data-dir': { type: 'string', default: '.wanwatch/stack' }, help: { type: 'boolean', short: 'h' } },
  });
  const dir = values['data-dir']!;
  const cmd = positionals[0];
  if (values.help || !cmd) {
    process.stdout.write(STACK_HELP);
    return cmd || values.help ? 0 : 2;
  }
  if (cmd === 'start') {
    const existing = stackStatus(dir);
    if (existing.state && existing.alive.every((a) => a.alive)) {
      process.stdout.write(
        `WANWATCH_INFLUX_URL=${existing.state.influxUrl}\nWANWATCH_REDIS_URL=${existing.state.redisUrl}\n`,
      );
      return 0;
    }
    const stack = await startStack({ dataDir: dir, persistent: true, ownerPid: 0 });
    process.stdout.write(`WANWATCH_INFLUX_URL=${stack.influxUrl}\nWANWATCH_REDIS_URL=${stack.redisUrl}\n`);
    return 0;
  }
  if (cmd === 'stop') {
    const n = await stopStackIn(dir);
    process.stdout.write(`stopped ${n} service(s)\n`);
    return 0;
  }
  if (cmd === 'status') {
    const st = stackStatus(dir);
    if (!st.state) {
      process.stdout.write('not running\n');
      return 3;
    }
    process.stdout.write(`influxdb ${st.state.influxUrl}\nredis ${st.state.redisUrl}\n`);
    for (const a of st.alive) process.stdout.write(`pid ${a.pid} ${a.alive ? 'running' : 'dead'}\n`);
    return st.alive.every((a) => a.alive) ? 0 : 1;
  }
  process.stderr.write(`unknown stack command: ${cmd}\n${STACK_HELP}`);
  return 2;
}
