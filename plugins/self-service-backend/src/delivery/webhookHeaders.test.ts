import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { webhookHeaders } from './webhookHeaders';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('webhookHeaders', () => {
  const body = '{"run":"r-1","version":"1.4.2"}';

  it('signs so that the standardwebhooks package verifies the request', () => {
    const key = secret();
    const headers = webhookHeaders({
      webhookId: 'msg_abc',
      body,
      secrets: [key],
    });
    expect(headers['webhook-id']).toBe('msg_abc');
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it('fails verification when the body or id was changed, or with another key', () => {
    const key = secret();
    const headers = webhookHeaders({
      webhookId: 'msg_abc',
      body,
      secrets: [key],
    });
    expect(() => new Webhook(key).verify(`${body} `, headers)).toThrow(
      'No matching signature found',
    );
    expect(() =>
      new Webhook(key).verify(body, { ...headers, 'webhook-id': 'msg_other' }),
    ).toThrow('No matching signature found');
    expect(() => new Webhook(secret()).verify(body, headers)).toThrow(
      'No matching signature found',
    );
  });

  it('sends one signature per secret while a key rotates, each verifying', () => {
    const current = secret();
    const previous = secret();
    const headers = webhookHeaders({
      webhookId: 'msg_rotating',
      body,
      secrets: [current, previous],
    });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(new Webhook(current).verify(body, headers)).toBeDefined();
    expect(new Webhook(previous).verify(body, headers)).toBeDefined();
  });

  it('signs an empty body as the empty string', () => {
    const key = secret();
    const headers = webhookHeaders({
      webhookId: 'msg_get',
      body: undefined,
      secrets: [key],
    });
    expect(() => new Webhook(key).verify('', headers)).not.toThrow();
  });

  it('sends only the id when the workflow signs nothing', () => {
    expect(
      webhookHeaders({ webhookId: 'msg_plain', body, secrets: [] }),
    ).toEqual({ 'webhook-id': 'msg_plain' });
  });

  it('stamps the time of the attempt, in seconds', () => {
    const headers = webhookHeaders({
      webhookId: 'msg_t',
      body,
      secrets: [secret()],
      now: new Date('2026-12-02T10:00:00.900Z'),
    });
    expect(headers['webhook-timestamp']).toBe(
      String(Date.parse('2026-12-02T10:00:00Z') / 1000),
    );
  });
});
