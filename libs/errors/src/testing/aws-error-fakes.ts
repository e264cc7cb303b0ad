/** Errors shaped as the SDK v3 and Node raise them, for table-driven tests of classifiers. */

/** A service exception as the SDK raises it: `name` from the wire, `$fault` and `$metadata.httpStatusCode`. */
export function serviceError(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

/** An error shaped like a Node socket error. */
export function networkError(code = 'ECONNREFUSED'): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}
