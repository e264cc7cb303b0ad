export {
  generateApiKey,
  parseApiKey,
  hashApiKey,
  type ApiKeyRecord,
  type GeneratedApiKey,
  type GenerateApiKeyOptions,
} from './api-keys/api-key';
export { InMemoryApiKeyStore, parseApiKeyRecords, verifyApiKey, type ApiKeyStore } from './api-keys/api-key-store';
export { JwtVerifier, createJwtVerifier, type JwtKeySource, type JwtVerifierOptions } from './tokens/jwt-verifier';
export { Authenticator, type AuthenticatorOptions, type Credential } from './authenticator';
export { authenticate, requireScope, getPrincipal, type AuthenticateOptions } from './http/auth-middleware';
export {
  signPlaybackToken,
  verifyPlaybackToken,
  type PlaybackTokenKey,
  type PlaybackTokenRequest,
  type PlaybackGrant,
  type PlaybackTokenOptions,
  type VerifyPlaybackTokenOptions,
} from './tokens/playback-token';
export {
  authSettingsProblems,
  loadAuthOptions,
  type AuthSettings,
  type AuthSettingNames,
  type AuthSettingsIo,
} from './auth-settings';
export { problemFromAuthError, sendProblem, type ProblemDetails, type ProblemOptions } from './http/problem-details';
export { hasScope, scopeMatches, scopesFromClaims, SCOPE_PATTERN } from './tokens/scopes';
export { AuthError, AUTH_ERROR_CLASSES, type AuthErrorCode, type AuthErrorClass } from './errors';
export { AUTH_CHANNELS, type AuthenticatedEvent, type RejectedEvent } from './diagnostics';
export type { Principal } from './tokens/principal';
export { AUTH_DEFAULTS, API_KEY } from './defaults';
