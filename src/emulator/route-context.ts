import type { ServerResponse } from 'node:http';
import type { Fault, FaultQueue } from './faults';
import type { PluginWorld } from './plugin-world';

/**
 * What the gateway hands each surface that answers a request (the HTTPS API, the component API):
 * the shared world, the fault queue and the call record. Its own module, so that the surfaces and
 * the gateway that starts them do not import each other.
 */

/** What arrived at the gateway, decoded, for tests to assert on the wire. */
export interface RecordedCall {
  readonly surface: 'cloud' | 'https';
  readonly apiName: string;
  readonly fields: Readonly<Record<string, unknown>>;
  /**
   * The request carried credentials: for the cloud gateway, a signature with a real secret id (not
   * `Credential=undefined`); for the HTTPS API, an access_token.
   */
  readonly signed: boolean;
  readonly envName?: string;
  readonly fault?: Fault['kind'];
}

export interface RouteContext {
  readonly world: PluginWorld;
  readonly faults: FaultQueue;
  readonly calls: RecordedCall[];
  readonly miniProgramAppid: string;
  /** Applies a fault that concerns the connection (drop, silent, slow); true when it answered. */
  connectionFault(fault: Fault | undefined, response: ServerResponse, apply: () => void): Promise<boolean>;
}
