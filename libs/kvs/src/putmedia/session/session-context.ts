/**
 * What the parts of a PutMediaSession share (putmedia-session.ts wires them): the settings and injected environment,
 * the fragment tracker, the events, the totals, and the few calls back into the session itself. The parts:
 *
 *   SessionPump          intake, the fresh-fragment cache, writing fragments to the live connection, backpressure
 *   ConnectionLifecycle  open (sign, connect, header), rotation, staleness, retire, close
 *   AckHandler           acknowledgements applied to the tracker; fragments settled (persisted, refused)
 *   FailureHandler       ERROR acks by disposition, careful mode, classify a failure, backoff and reconnect
 */
import type { AwsCredentialIdentity } from '@smithy/types';
import type { Clock, Logger, Timers } from '@tributary/runtime';
import type { DataEndpointCache } from '../../endpoints/data-endpoint-cache';
import type { KvsError } from '../../kvs-errors';
import type { FragmentTracker } from '../fragment-tracker';
import type { PutMediaConnector } from '../putmedia-connection';
import type { PutMediaEvents } from '../putmedia-events';
import type { ReplayableFragments } from '../replayable-fragments';
import type { SessionSettings } from './session-settings';
import type { ActiveConnection } from './connection-lifecycle';

export type SessionState = 'idle' | 'open' | 'ending' | 'closed' | 'failed';

/** What the session needs from its client. */
export interface SessionEnvironment {
  endpoints: DataEndpointCache;
  credentials: () => Promise<AwsCredentialIdentity>;
  region: () => Promise<string>;
  connector: PutMediaConnector;
  store: ReplayableFragments;
  clock: Clock;
  timers: Timers;
  random: () => number;
  logger: Logger;
  /** Called once when the session is closed or failed (frees the stream's slot in the client). */
  onFinished: () => void;
}

export interface SessionStats {
  state: SessionState;
  connected: boolean;
  /** hold() in force: the connection is left to another session on the stream. */
  held?: boolean;
  /** Connections opened so far. */
  connections: number;
  connectionAgeMs?: number;
  /** Fragments waiting to be (re)sent, written and awaiting PERSISTED, and both. */
  queued: number;
  inFlight: number;
  unsettled: number;
  totals: SessionTotals;
}

export interface SessionTotals {
  fragmentsSent: number;
  fragmentsResent: number;
  fragmentsPersisted: number;
  fragmentsFailed: number;
  bytesSent: number;
  reconnects: number;
  ackErrors: number;
  malformedAcks: number;
}

/** Shared by the parts of one session. */
export interface SessionContext {
  readonly settings: SessionSettings;
  readonly env: SessionEnvironment;
  /** The session's logger (child with the stream). */
  readonly log: Logger;
  readonly events: PutMediaEvents;
  readonly tracker: FragmentTracker;
  readonly totals: SessionTotals;
  /** Open or ending: connections may open and fragments go out. */
  isActive(): boolean;
  /** end() was called: the last connection is retired once everything has settled. */
  isEnding(): boolean;
  /** hold() was called and not resumed: no connection opens, the open one is retired (fragments queue in the store). */
  isHeld(): boolean;
  /** Asks the pump to run (it runs once at a time; a kick while it runs makes it go round again). */
  kick(): void;
  /** Resolves end() once everything has settled and the last connection is closed. */
  checkEnded(): void;
  /** Fails the session for good (fragments stay in the store). */
  fail(error: KvsError): void;
  /** A fragment is being streamed frame by frame on `conn` (it must not be ended or rotated under it). */
  liveOn(conn: ActiveConnection): boolean;
  /** The connection is caught up: a fragment being captured joins it (live-fragments.ts). */
  joinLive(): void;
}
