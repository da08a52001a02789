import * as net from 'node:net';

/** Ports handed out in this process: the OS may offer a closed one again, a task must not get it twice. */
const handedOut = new Set<number>();

/**
 * A free loopback port for a task's dev server or test database (`MILESTONE_PORT`): the OS
 * picks one that nothing listens on, and no other task of this process gets it.
 */
export async function reservePort(): Promise<number> {
  for (let tries = 0; tries < 20; tries++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (port && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found for MILESTONE_PORT');
}
