// The parts of @xmpp/client 0.14 (untyped JavaScript) the bench's Prosody peer uses.
declare module '@xmpp/client' {
  export interface Element {
    readonly name: string;
    readonly attrs: Record<string, string | undefined>;
    is(name: string, xmlns?: string): boolean;
    getChild(name: string, xmlns?: string): Element | undefined;
  }

  type Child = Element | string;

  export function xml(
    name: string,
    attrs?: Record<string, string | undefined> | null,
    ...children: Child[]
  ): Element;

  interface Emitter<Events extends Record<string, unknown[]>> {
    on<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): void;
    off<E extends keyof Events & string>(event: E, listener: (...args: Events[E]) => void): void;
  }

  export interface StreamManagement extends Emitter<{ ack: [Element]; fail: [Element] }> {
    readonly enabled: boolean;
  }

  export interface Client extends Emitter<{
    stanza: [Element];
    error: [Error];
    online: [unknown];
    offline: [];
  }> {
    readonly streamManagement: StreamManagement;
    readonly reconnect: { stop(): void };
    /** The TCP socket once connected (a `net.Socket` for xmpp:// services). */
    readonly socket: { setNoDelay(noDelay?: boolean): unknown } | null;
    start(): Promise<unknown>;
    stop(): Promise<void>;
    send(element: Element): Promise<void>;
  }

  type Authenticate = (
    credentials: { username: string; password: string },
    mechanism: string,
  ) => Promise<void>;

  export function client(options: {
    service: string;
    domain: string;
    resource?: string;
    credentials?: (authenticate: Authenticate) => Promise<void>;
  }): Client;
}
