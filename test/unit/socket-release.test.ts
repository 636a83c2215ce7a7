import { createServer, request, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { watchSockets } from '../../src/cloud/socket-release';

/** A loopback server that accepts and never answers, as a hanging gateway does. */
async function silentServer(): Promise<{ server: Server; port: number; open: () => number }> {
  const sockets = new Set<Socket>();
  const server = createServer(() => undefined);
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, open: () => sockets.size };
}

function hang(port: number): Promise<void> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/admin' });
    req.on('error', () => undefined);
    req.on('socket', (socket) => socket.on('connect', () => resolve()));
    req.end('x');
  });
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 50));

test('releases exactly the sockets that became busy after the watch began', async () => {
  const { server, port, open } = await silentServer();
  try {
    await hang(port); // busy before the watch: someone else's
    const watch = watchSockets();
    await hang(port);
    await hang(port);
    await settle();
    expect(open()).toBe(3);
    expect(watch.release()).toBe(2);
    await settle();
    expect(open()).toBe(1);
    expect(watch.release()).toBe(0);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
