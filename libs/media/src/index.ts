// Public entry point of @tributary/media.
export {};
