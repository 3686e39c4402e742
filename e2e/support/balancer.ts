import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream';

// A load balancer for stories with several instances, as small as one can be and still behave like the
// real ones for what matters here: each request goes to the first instance that takes the connection, so
// a browser whose instance dies is sent to the next one, and event streams pass through unbuffered.

export interface Balancer {
  baseURL: string;
  close(): Promise<void>;
}

function readBody(request: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Sends each request to the first of `upstreams` that accepts a connection, in the order given. */
export async function balancer(upstreams: readonly string[]): Promise<Balancer> {
  const server = http.createServer((request, response) => {
    // Held whole, so a request can be sent again to the next instance when the first refuses it.
    void readBody(request).then(
      (body) => {
        const attempt = (index: number) => {
          const target = new URL(upstreams[index] ?? '');
          const outgoing = http.request(
            {
              host: target.hostname,
              port: target.port,
              method: request.method,
              path: request.url,
              // The Host the browser used stays: the app builds nothing from it, and a real balancer keeps it.
              headers: request.headers,
            },
            (answer) => {
              response.writeHead(answer.statusCode ?? 502, answer.headers);
              response.flushHeaders();
              // An instance that dies mid-stream cuts the browser's connection too, so EventSource retries.
              pipeline(answer, response, (error) => {
                if (error) response.destroy();
              });
            },
          );
          outgoing.on('error', () => {
            if (!response.headersSent && index + 1 < upstreams.length) attempt(index + 1);
            else response.destroy();
          });
          outgoing.end(body);
        };
        attempt(0);
      },
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
