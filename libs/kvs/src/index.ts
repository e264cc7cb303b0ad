// Public entry point of @tributary/kvs.
export {};
