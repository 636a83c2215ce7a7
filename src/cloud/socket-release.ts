import * as http from 'node:http';
import type * as Https from 'node:https';
import type { Socket } from 'node:net';

/**
 * wx-server-sdk's request core does not destroy a request when its own timeout fires, so in a warm
 * container every attempt that ran out of time could leave its socket open until the far side
 * closes it. The SDK uses Node's global agents (it sets no agent of its own inside a cloud
 * function), so the sockets an attempt is using are the global agents' busy sockets that were not
 * busy when it started. An invocation runs alone in its container, so no other request of ours can
 * be among them.
 */
function busySockets(): Socket[] {
  return [http.globalAgent, ...httpsAgent()].flatMap((agent) => Object.values(agent.sockets).flatMap((list) => list ?? []));
}

/**
 * https's global agent, only once something has loaded https: loading it here would load tls at
 * every cold start, and the SDK loads https itself only for an https gateway (docs/cold-start.md).
 * Node lists its loaded built-ins in process.moduleLoadList; where that is missing, https is loaded.
 */
function httpsAgent(): Array<typeof http.globalAgent> {
  const loaded = (process as { moduleLoadList?: readonly string[] }).moduleLoadList;
  if (loaded && !loaded.includes('NativeModule https')) return [];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return [(require('node:https') as typeof Https).globalAgent];
}

export interface SocketWatch {
  /** Destroys the sockets that became busy since the watch began; returns how many. */
  release(): number;
}

export function watchSockets(): SocketWatch {
  const before = new Set(busySockets());
  return {
    release() {
      const mine = busySockets().filter((socket) => !before.has(socket));
      for (const socket of mine) socket.destroy();
      return mine.length;
    },
  };
}
