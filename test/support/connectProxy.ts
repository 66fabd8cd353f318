// An HTTP CONNECT proxy on loopback that sends every tunnel to 127.0.0.1 (the port asked for), for
// the proxy tests: it can also refuse every tunnel (407), or never answer CONNECT at all (a proxy
// that hangs), and says how many of its client connections are still open.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";

export type ProxyMode = "tunnel" | "refuse" | "silent";

export interface ConnectProxy {
  /** With credentials `user:s@cret`. */
  readonly url: string;
  /** The authority of each CONNECT received, in order. */
  readonly tunnels: string[];
  readonly authorizations: string[];
  /** Client connections that are still open. */
  openClients(): number;
  /** Resolves at the next CONNECT request. */
  nextConnect(): Promise<void>;
  close(): Promise<void>;
}

export async function startConnectProxy(mode: ProxyMode = "tunnel"): Promise<ConnectProxy> {
  const tunnels: string[] = [];
  const authorizations: string[] = [];
  const sockets = new Set<net.Socket>();
  const clients = new Set<net.Socket>();
  const waiting: Array<() => void> = [];
  const server = http.createServer((_request, response) => response.writeHead(405).end());
  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("error", () => socket.destroy());
    socket.on("close", () => sockets.delete(socket));
  };
  server.on("connection", (socket: net.Socket) => {
    clients.add(socket);
    socket.on("close", () => clients.delete(socket));
    track(socket);
  });
  server.on("connect", (request: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    tunnels.push(request.url ?? "");
    authorizations.push(request.headers["proxy-authorization"] ?? "");
    for (const resolve of waiting.splice(0)) resolve();
    // Never answers; but, as a real proxy does, lets go of a client that hangs up.
    if (mode === "silent") return void client.once("end", () => client.destroy());
    if (mode === "refuse") return void client.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n");
    const port = Number((request.url ?? "").split(":").pop());
    const upstream = net.connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    track(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://user:s%40cret@127.0.0.1:${(server.address() as AddressInfo).port}`,
    tunnels,
    authorizations,
    openClients: () => clients.size,
    nextConnect: () => new Promise((resolve) => waiting.push(resolve)),
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
