export interface CallsSettings {
  /** A call nobody answers within this ends as `missed`. */
  ringTimeoutMs: number;
  /** A party without any live connection for this long ends an active call (a ringing one, for the caller) as `dropped`. */
  dropGraceMs: number;
  /** How often the sweeper looks for timed-out and abandoned calls (one instance per period does the work). */
  sweepEveryMs: number;
  /** Besides friends, members of a shared direct or group conversation may call each other. */
  allowSharedConversation: boolean;
  /** `stun:` URLs handed to clients as they are. */
  stunUrls: string[];
  /** `turn:`/`turns:` URLs; offered only with `turnSecret`. */
  turnUrls: string[];
  /** The TURN server's `static-auth-secret` (coturn `use-auth-secret`); never leaves the server. */
  turnSecret: string | null;
  /** Lifetime of the TURN credentials `calls.iceServers` hands out. */
  turnTtlSeconds: number;
}

export const defaultCallsSettings: CallsSettings = {
  ringTimeoutMs: 30_000,
  dropGraceMs: 10_000,
  sweepEveryMs: 1_000,
  allowSharedConversation: false,
  stunUrls: [],
  turnUrls: [],
  turnSecret: null,
  turnTtlSeconds: 3600,
};

export type CallsOptions = Partial<CallsSettings>;

/** The calls domain's process-wide parts, built once with the other deps. */
export interface CallsRuntime {
  settings: CallsSettings;
}

export function createCallsRuntime(options: CallsOptions = {}): CallsRuntime {
  const settings: CallsSettings = { ...defaultCallsSettings, ...options };
  return {
    settings,
  };
}
