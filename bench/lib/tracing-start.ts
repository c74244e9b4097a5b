// Starts OpenTelemetry tracing in a benchmark's forked instance from the OTEL_* variables.
export async function startBenchTracing(): Promise<{ shutdown(): Promise<void> }> {
  throw new Error('tracing is not available in this build');
}
