import { createServer } from 'node:net';

/**
 * Asks the OS for a currently free TCP port on 127.0.0.1 (listen on port 0, read the port,
 * close). There is an unavoidable small window between closing and the caller binding it.
 */
export const findFreePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host: '127.0.0.1', exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('findFreePort: could not read the port the OS assigned'));
        return;
      }
      const { port } = address;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
