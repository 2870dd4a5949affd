import { EgressRefusedError } from '../egress';
import { describeDispatchError } from './dispatchErrors';

function fetchFailed(cause: object) {
  return Object.assign(new TypeError('fetch failed'), { cause });
}

function systemError(code: string, message: string, extra: object = {}) {
  return Object.assign(new Error(message), { code, ...extra });
}

const url = 'https://api.example.com:8443/x';

describe('describeDispatchError', () => {
  it('maps timeouts', () => {
    const timeout = new DOMException('The operation timed out', 'TimeoutError');
    expect(describeDispatchError(timeout, url, 30000)).toEqual({
      kind: 'timeout',
      message: 'Timed out after 30000 ms',
    });
    const abort = new DOMException('aborted', 'AbortError');
    expect(describeDispatchError(abort, url, 200).kind).toBe('timeout');
    expect(
      describeDispatchError(
        fetchFailed(systemError('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout')),
        url,
        200,
      ).kind,
    ).toBe('timeout');
  });

  it('maps refused and reset connections', () => {
    expect(
      describeDispatchError(
        fetchFailed(
          systemError('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:9', {
            address: '127.0.0.1',
            port: 9,
          }),
        ),
        url,
        1000,
      ),
    ).toEqual({
      kind: 'connection',
      message: 'Connection refused by 127.0.0.1:9',
    });
    expect(
      describeDispatchError(
        fetchFailed(systemError('ECONNRESET', 'read ECONNRESET')),
        url,
        1000,
      ),
    ).toEqual({
      kind: 'connection',
      message:
        'Connection to api.example.com:8443 was closed unexpectedly: read ECONNRESET',
    });
  });

  it('looks into aggregated errors', () => {
    const aggregate = new AggregateError(
      [systemError('ECONNREFUSED', 'connect ECONNREFUSED ::1:80')],
      'all failed',
    );
    expect(describeDispatchError(fetchFailed(aggregate), url, 1).kind).toBe(
      'connection',
    );
  });

  it('maps DNS failures', () => {
    expect(
      describeDispatchError(
        fetchFailed(
          systemError('ENOTFOUND', 'getaddrinfo ENOTFOUND nope.invalid', {
            hostname: 'nope.invalid',
          }),
        ),
        url,
        1000,
      ),
    ).toEqual({
      kind: 'dns',
      message: 'Host nope.invalid was not found (DNS)',
    });
    expect(
      describeDispatchError(
        fetchFailed(systemError('EAI_AGAIN', 'getaddrinfo EAI_AGAIN')),
        url,
        1000,
      ).kind,
    ).toBe('dns');
  });

  it.each([
    ['DEPTH_ZERO_SELF_SIGNED_CERT'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ['CERT_HAS_EXPIRED'],
    ['ERR_TLS_CERT_ALTNAME_INVALID'],
    ['SELF_SIGNED_CERT_IN_CHAIN'],
  ])('maps the certificate error %s to tls', code => {
    const described = describeDispatchError(
      fetchFailed(systemError(code, 'certificate problem')),
      url,
      1000,
    );
    expect(described).toEqual({
      kind: 'tls',
      message: `TLS error with api.example.com:8443: certificate problem (${code})`,
    });
  });

  it('maps requests fetch refuses to build', () => {
    expect(
      describeDispatchError(
        new TypeError('Request with GET/HEAD method cannot have body.'),
        url,
        1000,
      ),
    ).toEqual({
      kind: 'invalid-request',
      message:
        'Invalid request: Request with GET/HEAD method cannot have body.',
    });
    expect(
      describeDispatchError(fetchFailed(new Error('bad port')), url, 1000).kind,
    ).toBe('invalid-request');
  });

  it('maps a connection the egress policy refused, naming host and key', () => {
    const refused = new EgressRefusedError({
      host: 'ci.example.com',
      address: '10.0.0.1',
      allowable: true,
      message:
        'ci.example.com resolves to 10.0.0.1, a private address (10.0.0.0/8); requests to it are refused unless selfService.request.allowedHosts allows it',
    });
    expect(describeDispatchError(fetchFailed(refused), url, 1000)).toEqual({
      kind: 'refused-address',
      message:
        'Refused to send the request: ci.example.com resolves to 10.0.0.1, a private address (10.0.0.0/8); requests to it are refused unless selfService.request.allowedHosts allows it',
    });
  });

  it('describes anything else as other', () => {
    expect(
      describeDispatchError(fetchFailed(new Error('weird')), url, 1000),
    ).toEqual({
      kind: 'other',
      message: 'Request to api.example.com:8443 failed: weird',
    });
    expect(describeDispatchError('a string', url, 1000)).toEqual({
      kind: 'other',
      message: 'Request to api.example.com:8443 failed: a string',
    });
  });
});
