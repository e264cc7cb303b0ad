/** Who a request was authenticated as, whatever the credential. */
export interface Principal {
  kind: 'api-key' | 'jwt';
  /** The API key's id, or the JWT's `sub` (empty if the token has none). */
  subject: string;
  scopes: readonly string[];
  /** Epoch milliseconds at which the credential stops being valid (JWT `exp`); absent for API keys. */
  expiresAt?: number;
  /** The API key's label, when the store has one. */
  name?: string;
  /** Every claim of a JWT, for handlers that need more than scopes. */
  claims?: Readonly<Record<string, unknown>>;
}
