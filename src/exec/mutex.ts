// A cross-process mutex without lock files: binding a Linux abstract unix socket name is exclusive,
// and the kernel releases it the moment the holder dies, even by SIGKILL. Scoped to the network
// namespace. Node opens sockets close-on-exec, so children never inherit it.
import net from 'node:net';

/** Try once; the server is the held lock (close() releases it), null when someone else holds it. */
export function tryAcquire(name: string): Promise<net.Server | null> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(null));
    server.listen({ path: `\0${name}`, exclusive: true }, () => {
      // The lock must not keep the process alive on its own.
      server.unref();
      resolve(server);
    });
  });
}
