/**
 * The shape of a SigV4 request as AWS's JSON endpoints check it before any operation runs: an `Authorization`
 * header or a presigned query (`X-Amz-Algorithm=…`), never both, with all their parts. Signatures themselves are
 * not verified (the emulator accepts any credentials); only what AWS refuses as malformed is refused, with AWS's
 * exception names and texts (recorded against Kinesis by kinesalite). Pure: decisions over header and query values.
 */

export type SignatureProblemCode = 'MissingAuthenticationTokenException' | 'IncompleteSignatureException' | 'InvalidSignatureException';

export interface SignatureProblem {
  code: SignatureProblemCode;
  message: string;
}

export interface SignedParts {
  /** The `Authorization` header; absent or empty means none. */
  authorization: string | undefined;
  /** Whether an `X-Amz-Date` or a `Date` header was sent (non-empty). */
  hasDateHeader: boolean;
  /** The query string of the request (after `?`), or '' for none. */
  query: string;
}

const HEADER_PARAMS = ['Credential', 'Signature', 'SignedHeaders'] as const;
const QUERY_PARAMS = ['X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'] as const;

/**
 * `Name=value` pairs after the scheme of an `Authorization` header. AWS splits on commas and spaces alike, so
 * `Signature=b Credential=a` and `Signature=b,Credential=a` are read the same; a pair without a value is absent.
 */
function authorizationParams(authorization: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of authorization.split(/[, ]/).slice(1)) {
    const [name, value] = part.trim().split('=');
    if (name && value) params.set(name, value);
  }
  return params;
}

/** The problem AWS reports for this request's signature parts, or undefined when they are complete. */
export function sigV4Problem(parts: SignedParts): SignatureProblem | undefined {
  const query = new URLSearchParams(parts.query);
  const authorization = parts.authorization || undefined;
  const presigned = query.has('X-Amz-Algorithm');
  if (authorization !== undefined && presigned) {
    return { code: 'InvalidSignatureException', message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header." };
  }
  if (authorization === undefined && !presigned) return { code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
  let message = '';
  if (authorization !== undefined) {
    const params = authorizationParams(authorization);
    for (const name of HEADER_PARAMS) if (!params.has(name)) message += `Authorization header requires '${name}' parameter. `;
    if (!parts.hasDateHeader) message += "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
    if (message) message += `Authorization=${authorization}`;
  } else {
    for (const name of QUERY_PARAMS) if (!query.get(name)) message += `AWS query-string parameters must include '${name}'. `;
    if (message) message += 'Re-examine the query-string parameters.';
  }
  return message ? { code: 'IncompleteSignatureException', message } : undefined;
}

/** `<key>/<date>/<region>/<service>/aws4_request`: the region of a SigV4 credential scope, if it has one. */
export function credentialRegion(parts: Pick<SignedParts, 'authorization' | 'query'>): string | undefined {
  const credential = parts.authorization
    ? authorizationParams(parts.authorization).get('Credential')
    : (new URLSearchParams(parts.query).get('X-Amz-Credential') ?? undefined);
  const scope = credential?.split('/');
  return scope && scope.length === 5 && scope[2] !== '' ? scope[2] : undefined;
}
