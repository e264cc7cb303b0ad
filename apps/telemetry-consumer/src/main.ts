// Placeholder entry point; replaced by the telemetry-consumer app.
export {};
