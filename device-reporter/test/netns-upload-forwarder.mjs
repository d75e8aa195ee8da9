// Runs inside an ISP namespace of netns-upload.test.ts: accepts TCP on the backend address and
// pipes each connection to the test's ingest, which listens on a Unix socket (Unix sockets are
// not bound to a network namespace). This is how "the backend is reachable through each ISP".
import net from 'node:net';
import process from 'node:process';

const [host, port, socketPath] = process.argv.slice(2);
const server = net.createServer((client) => {
  const upstream = net.connect(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  client.on('error', () => upstream.destroy());
  upstream.on('error', () => client.destroy());
});
server.listen(Number(port), host, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
