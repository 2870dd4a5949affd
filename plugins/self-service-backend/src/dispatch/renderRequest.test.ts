import { InputError } from '@backstage/errors';
import type { WorkflowRequest } from '@backstage-self-service/plugin-self-service-common';
import { testContext } from './__testUtils__/testContext';
import { renderRequest } from './renderRequest';

describe('renderRequest', () => {
  const context = testContext({
    data: { service: 'payments', replicas: 3, note: 'hello "world"' },
  });

  it('renders URL, headers and a typed JSON body', () => {
    const request: WorkflowRequest = {
      method: 'POST',
      url: 'https://deploy.example.com/services/{{data.service}}/scale?by={{user.ref}}',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
      },
      body: '{"replicas": {{data.replicas}}, "note": "{{data.note}}", "entity": "{{entity.ref}}", "callback": "{{run.callbackUrl}}"}',
    };
    expect(renderRequest(request, context)).toEqual({
      method: 'POST',
      url: 'https://deploy.example.com/services/payments/scale?by=user%3Adefault%2Fjane',
      headers: {
        'Content-Type': 'application/json',
        Authorization: 'Bearer deploy-secret-xyz',
      },
      body: JSON.stringify({
        replicas: 3,
        note: 'hello "world"',
        entity: 'component:default/payments-api',
        callback: 'https://backstage.example.com/api/self-service/runs/run-123',
      }),
    });
  });

  it('form-encodes a text body when the content type header says so, in any case', () => {
    const rendered = renderRequest(
      {
        method: 'POST',
        url: 'https://hooks.example.com/x',
        headers: { 'content-TYPE': 'application/x-www-form-urlencoded' },
        body: 'note={{data.note}}',
      },
      context,
    );
    expect(rendered.body).toBe('note=hello%20%22world%22');
  });

  it('keeps the body of GET and DELETE requests', () => {
    for (const method of ['GET', 'DELETE'] as const) {
      expect(
        renderRequest(
          { method, url: 'https://api.example.com/x', body: '{"a":1}' },
          context,
        ),
      ).toMatchObject({ method, body: '{"a":1}' });
    }
  });

  it('has no body property without a body template', () => {
    expect(
      renderRequest(
        { method: 'GET', url: 'https://api.example.com/x' },
        context,
      ),
    ).toEqual({ method: 'GET', url: 'https://api.example.com/x', headers: {} });
  });

  it('renders a missing entity title as empty, but refuses other missing variables', () => {
    const global = testContext({ entity: undefined });
    expect(
      renderRequest(
        {
          method: 'POST',
          url: 'https://api.example.com/x',
          body: '{"title": "{{entity.name}}"}',
        },
        global,
      ).body,
    ).toBe('{"title":""}');
    expect(() =>
      renderRequest(
        {
          method: 'POST',
          url: 'https://api.example.com/{{entity.identifier}}',
        },
        global,
      ),
    ).toThrow('request.url: unknown variable {{entity.identifier}}');
  });

  it('throws InputError naming the failing part', () => {
    const attempt = (request: Partial<WorkflowRequest>) => () =>
      renderRequest(
        { method: 'POST', url: 'https://api.example.com/x', ...request },
        testContext({ data: { v: '..', h: 'a\r\nb: c' } }),
      );
    expect(attempt({ url: 'https://api.example.com/{{data.v}}' })).toThrow(
      /^request\.url: /,
    );
    expect(attempt({ headers: { 'X-A': '{{data.h}}' } })).toThrow(
      /^request\.headers\.X-A: /,
    );
    expect(attempt({ body: '{"{{data.v}}": 1}' })).toThrow(/^request\.body: /);
    expect(attempt({ method: 'TRACE' as WorkflowRequest['method'] })).toThrow(
      /^request\.method: /,
    );
    expect(attempt({ body: '{{data.nope}}' })).toThrow(InputError);
  });
});
