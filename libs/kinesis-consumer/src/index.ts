// Public entry point of @tributary/kinesis-consumer. Exports are added as the modules land.
export {};
