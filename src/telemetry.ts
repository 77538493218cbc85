// What the analyzer and the agent report about their own work. Core modules take a Telemetry
// and never import the production metrics; the entry points pass one backed by Prometheus
// (src/prod/metrics), tests pass a recorder or nothing.

export interface TokenCounts {
  input: number;
  output: number;
  cacheCreation?: number;
  cacheRead?: number;
}

export interface Telemetry {
  /** One trace (replay and run) finished, in milliseconds. */
  traceDuration(ms: number): void;
  /** One model response: its token usage and estimated cost (null: unknown price). */
  anthropicUsage(model: string, usage: TokenCounts, costUsd: number | null): void;
}

export const noTelemetry: Telemetry = {
  traceDuration() {},
  anthropicUsage() {},
};
