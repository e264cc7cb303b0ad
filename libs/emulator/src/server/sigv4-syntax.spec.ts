import { credentialRegion, sigV4Problem } from './sigv4-syntax';

const SIGNED = 'AWS4-HMAC-SHA256 Credential=AKID/20240101/eu-west-1/kinesis/aws4_request, SignedHeaders=host;x-amz-date, Signature=abcd';
const HEADER_PARTS =
  "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. " +
  "Authorization header requires 'SignedHeaders' parameter. ";
const NO_DATE = "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ";
const ALL_QUERY =
  "AWS query-string parameters must include 'X-Amz-Algorithm'. AWS query-string parameters must include 'X-Amz-Credential'. " +
  "AWS query-string parameters must include 'X-Amz-Signature'. AWS query-string parameters must include 'X-Amz-SignedHeaders'. " +
  "AWS query-string parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.";

describe('sigV4Problem', () => {
  it('accepts a complete Authorization header with a date header, whatever the signature', () => {
    expect(sigV4Problem({ authorization: SIGNED, hasDateHeader: true, query: '' })).toBeUndefined();
  });

  it('accepts a complete presigned query', () => {
    const query = 'X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=a%2F20240101%2Fus-east-1%2Fkinesis%2Faws4_request&X-Amz-Signature=c&X-Amz-SignedHeaders=host&X-Amz-Date=d';
    expect(sigV4Problem({ authorization: undefined, hasDateHeader: false, query })).toBeUndefined();
  });

  it('answers MissingAuthenticationTokenException without header or X-Amz-Algorithm (an empty header is none)', () => {
    const missing = { code: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    expect(sigV4Problem({ authorization: undefined, hasDateHeader: true, query: '' })).toEqual(missing);
    expect(sigV4Problem({ authorization: '', hasDateHeader: true, query: '' })).toEqual(missing);
    // Every other query parameter but the algorithm: still no signature as far as AWS is concerned.
    expect(sigV4Problem({ authorization: undefined, hasDateHeader: false, query: 'X-Amz-Credential=a&X-Amz-Signature=b&X-Amz-SignedHeaders=c&X-Amz-Date=d' })).toEqual(
      missing,
    );
  });

  it('answers InvalidSignatureException for a header and a presigned query at once', () => {
    expect(sigV4Problem({ authorization: 'X', hasDateHeader: false, query: 'X-Amz-Algorithm' })).toEqual({
      code: 'InvalidSignatureException',
      message: "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header.",
    });
  });

  it('lists every missing part of the header, then the header itself', () => {
    expect(sigV4Problem({ authorization: 'X', hasDateHeader: false, query: '' })).toEqual({
      code: 'IncompleteSignatureException',
      message: `${HEADER_PARTS}${NO_DATE}Authorization=X`,
    });
    // A query parameter that is not X-Amz-Algorithm does not make it a presigned request.
    expect(sigV4Problem({ authorization: 'X', hasDateHeader: false, query: 'X-Amz-Algorith' })?.message).toBe(`${HEADER_PARTS}${NO_DATE}Authorization=X`);
  });

  it.each(['AWS4- Signature=b Credential=a', 'AWS4- Signature=b,Credential=a', 'AWS4- Signature=b, Credential=a'])(
    'reads "%s" with commas and spaces as separators',
    (authorization) => {
      expect(sigV4Problem({ authorization, hasDateHeader: true, query: '' })).toEqual({
        code: 'IncompleteSignatureException',
        message: `Authorization header requires 'SignedHeaders' parameter. Authorization=${authorization}`,
      });
    },
  );

  it('counts a part without a value as missing', () => {
    const authorization = 'AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=ab';
    expect(sigV4Problem({ authorization, hasDateHeader: true, query: '' })?.message).toBe(
      `Authorization header requires 'Credential' parameter. Authorization=${authorization}`,
    );
  });

  it('lists every missing or empty parameter of a presigned query', () => {
    expect(sigV4Problem({ authorization: undefined, hasDateHeader: false, query: 'X-Amz-Algorithm' })).toEqual({
      code: 'IncompleteSignatureException',
      message: ALL_QUERY,
    });
    expect(sigV4Problem({ authorization: undefined, hasDateHeader: false, query: 'X-Amz-Algorithm=a&X-Amz-Credential=b&X-Amz-Signature=c&X-Amz-Date=d' })).toEqual({
      code: 'IncompleteSignatureException',
      message: "AWS query-string parameters must include 'X-Amz-SignedHeaders'. Re-examine the query-string parameters.",
    });
  });
});

describe('credentialRegion', () => {
  it('reads the region of the credential scope of a header or a presigned query', () => {
    expect(credentialRegion({ authorization: SIGNED, query: '' })).toBe('eu-west-1');
    expect(credentialRegion({ authorization: undefined, query: 'X-Amz-Credential=a%2F20240101%2Fap-south-1%2Fkinesis%2Faws4_request' })).toBe('ap-south-1');
  });

  it('has none for a credential without a scope', () => {
    expect(credentialRegion({ authorization: 'AWS4-HMAC-SHA256 Credential=a, SignedHeaders=b, Signature=c', query: '' })).toBeUndefined();
    expect(credentialRegion({ authorization: undefined, query: '' })).toBeUndefined();
  });
});
