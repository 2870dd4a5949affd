import { RequestWorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';
import {
  emptyForm,
  emptyHeader,
  emptyParameter,
  suggestParameterIdentifier,
  suggestWorkflowIdentifier,
  toDefinition,
  toForm,
} from './workflowForm';
import {
  editorDefinition,
  stepsDefinition,
} from '../../testUtils/editorFixtures';

describe('workflowForm', () => {
  describe('toForm and toDefinition', () => {
    it('round-trips a full definition', () => {
      const definition = editorDefinition();
      expect(toDefinition(toForm(definition))).toEqual(definition);
    });

    it('round-trips the steps of a workflow of steps, saving no request fields', () => {
      const definition = stepsDefinition();
      const form = toForm(definition);
      expect(form.steps?.map(step => step.id)).toEqual([
        'build',
        'gate',
        'deploy',
      ]);
      expect(toDefinition(form)).toEqual(definition);
      const saved = toDefinition({ ...form, name: 'Ship it' });
      expect(saved).toEqual({ ...definition, name: 'Ship it' });
      expect(saved).not.toHaveProperty('request');
      expect(saved).not.toHaveProperty('execution');
    });

    it.each<[string, Partial<RequestWorkflowDefinition>]>([
      ['a global workflow', { scope: { type: 'global' } }],
      [
        'an entity workflow without types',
        { scope: { type: 'entity', kinds: ['API'] } },
      ],
      ['a simple workflow', { execution: { type: 'simple' } }],
      [
        'a timeout in minutes',
        { execution: { type: 'event-driven', timeoutSeconds: 90 * 60 } },
      ],
      ['open access', { access: { type: 'everyone' } }],
      [
        'selected members',
        {
          access: {
            type: 'selected',
            members: ['group:default/sre', 'user:default/ada'],
          },
        },
      ],
      [
        'approval with self-approval',
        {
          access: {
            type: 'approval',
            approvers: ['group:default/dba'],
            allowSelfApproval: true,
          },
        },
      ],
      [
        'a GET without headers or body',
        { request: { method: 'GET', url: 'https://example.com/x' } },
      ],
    ])('round-trips %s', (_title, overrides) => {
      const definition = editorDefinition(overrides);
      expect(toDefinition(toForm(definition))).toEqual(definition);
    });

    it('reads an event-driven timeout in hours or minutes', () => {
      const hours = toForm(
        editorDefinition({
          execution: { type: 'event-driven', timeoutSeconds: 7200 },
        }),
      );
      expect(hours).toMatchObject({ timeout: '2', timeoutUnit: 'hours' });
      const minutes = toForm(
        editorDefinition({
          execution: { type: 'event-driven', timeoutSeconds: 300 },
        }),
      );
      expect(minutes).toMatchObject({ timeout: '5', timeoutUnit: 'minutes' });
    });

    it('marks identifiers of a loaded workflow as chosen', () => {
      const form = toForm(editorDefinition());
      expect(form.identifierEdited).toBe(true);
      expect(form.parameters.every(p => p.identifierEdited)).toBe(true);
    });
  });

  describe('toDefinition', () => {
    it('leaves empty optional fields out and trims text', () => {
      const form = {
        ...emptyForm(),
        name: '  Restart  ',
        identifier: ' restart ',
        description: '   ',
        icon: '',
        color: ' ',
        scopeType: 'entity' as const,
        kinds: ['Component'],
        types: [],
        executionType: 'event-driven' as const,
        timeout: '',
        url: ' https://example.com/restart ',
        headers: [{ ...emptyHeader() }],
        body: '  ',
        parameters: [
          {
            ...emptyParameter(),
            name: ' Reason ',
            identifier: 'reason',
            description: '',
            options: 'ignored\nfor strings',
          },
        ],
      };
      expect(toDefinition(form)).toEqual({
        identifier: 'restart',
        name: 'Restart',
        scope: { type: 'entity', kinds: ['Component'] },
        execution: { type: 'event-driven' },
        access: { type: 'everyone' },
        parameters: [
          {
            identifier: 'reason',
            name: 'Reason',
            type: 'string',
            required: false,
          },
        ],
        request: { method: 'POST', url: 'https://example.com/restart' },
      });
    });

    it('types defaults, options and the timeout', () => {
      const parameter = emptyParameter();
      const form = {
        ...emptyForm(),
        name: 'x',
        identifier: 'x',
        executionType: 'event-driven' as const,
        timeout: '1.5',
        timeoutUnit: 'hours' as const,
        parameters: [
          {
            ...parameter,
            key: 'a',
            identifier: 'n',
            name: 'N',
            type: 'integer' as const,
            default: ' 3 ',
          },
          {
            ...parameter,
            key: 'b',
            identifier: 'f',
            name: 'F',
            type: 'float' as const,
            default: '0.25',
          },
          {
            ...parameter,
            key: 'c',
            identifier: 'b',
            name: 'B',
            type: 'boolean' as const,
            default: 'false',
          },
          {
            ...parameter,
            key: 'd',
            identifier: 'e',
            name: 'E',
            type: 'boolean' as const,
            default: '',
          },
          {
            ...parameter,
            key: 'e',
            identifier: 's',
            name: 'S',
            type: 'select' as const,
            options: ' staging \n\nproduction\n',
            default: 'production',
            required: true,
          },
          {
            ...parameter,
            key: 'f',
            identifier: 't',
            name: 'T',
            type: 'string' as const,
            default: ' keep spaces ',
          },
        ],
      };
      const definition = toDefinition(form);
      expect(definition.execution).toEqual({
        type: 'event-driven',
        timeoutSeconds: 5400,
      });
      expect(definition.parameters).toEqual([
        {
          identifier: 'n',
          name: 'N',
          type: 'integer',
          required: false,
          default: 3,
        },
        {
          identifier: 'f',
          name: 'F',
          type: 'float',
          required: false,
          default: 0.25,
        },
        {
          identifier: 'b',
          name: 'B',
          type: 'boolean',
          required: false,
          default: false,
        },
        { identifier: 'e', name: 'E', type: 'boolean', required: false },
        {
          identifier: 's',
          name: 'S',
          type: 'select',
          required: true,
          options: ['staging', 'production'],
          default: 'production',
        },
        {
          identifier: 't',
          name: 'T',
          type: 'string',
          required: false,
          default: ' keep spaces ',
        },
      ]);
    });

    it('sends a default that is not a number as typed, for the backend to name', () => {
      const form = {
        ...emptyForm(),
        parameters: [
          {
            ...emptyParameter(),
            identifier: 'n',
            name: 'N',
            type: 'integer' as const,
            default: 'abc',
          },
        ],
      };
      expect(toDefinition(form).parameters[0].default).toBe('abc');
    });

    it('keeps only the access fields of the chosen access type', () => {
      const form = {
        ...emptyForm(),
        accessType: 'selected' as const,
        approvers: ['user:default/ada'],
        allowSelfApproval: true,
        members: ['group:default/sre'],
      };
      expect(toDefinition(form).access).toEqual({
        type: 'selected',
        members: ['group:default/sre'],
      });
      expect(toDefinition({ ...form, accessType: 'approval' }).access).toEqual({
        type: 'approval',
        approvers: ['user:default/ada'],
        allowSelfApproval: true,
      });
    });

    it('drops entity fields from a global workflow', () => {
      const form = {
        ...emptyForm(),
        scopeType: 'global' as const,
        kinds: ['Component'],
        types: ['service'],
      };
      expect(toDefinition(form).scope).toEqual({ type: 'global' });
    });

    it('keeps header rows in order, trimming names only', () => {
      const form = {
        ...emptyForm(),
        headers: [
          { key: 'a', name: ' content-type ', value: 'application/json' },
          { key: 'b', name: '', value: '' },
          { key: 'c', name: 'authorization', value: 'Bearer {{secrets.T}}' },
        ],
      };
      expect(toDefinition(form).request?.headers).toEqual({
        'content-type': 'application/json',
        authorization: 'Bearer {{secrets.T}}',
      });
    });
  });

  describe('delivery', () => {
    it.each<[string, RequestWorkflowDefinition['delivery']]>([
      ['retries and a signing key', { maxAttempts: 5, signingKey: 'ci' }],
      ['retries only', { maxAttempts: 10 }],
      ['a signing key only', { signingKey: 'ci-2026' }],
      ['neither', undefined],
    ])('round-trips %s', (_title, delivery) => {
      const definition = editorDefinition({ delivery });
      const saved = toDefinition(toForm(definition));
      expect(saved).toEqual(definition);
      expect('delivery' in saved).toBe(delivery !== undefined);
    });

    it('reads a workflow without delivery as one unsigned attempt', () => {
      const form = toForm(editorDefinition({ delivery: undefined }));
      expect(form).toMatchObject({ maxAttempts: '1', signingKey: '' });
      expect(emptyForm()).toMatchObject({ maxAttempts: '1', signingKey: '' });
    });

    it.each([
      ['the defaults', { maxAttempts: '1', signingKey: '' }],
      ['an empty attempts field', { maxAttempts: '', signingKey: '  ' }],
      ['an explicit single attempt', { maxAttempts: ' 1 ', signingKey: '' }],
    ])('leaves delivery out for %s', (_title, fields) => {
      const definition = toDefinition({
        ...toForm(editorDefinition()),
        ...fields,
      });
      expect(definition).not.toHaveProperty('delivery');
    });

    it('types the attempts and trims the signing key', () => {
      const definition = toDefinition({
        ...toForm(editorDefinition()),
        maxAttempts: ' 4 ',
        signingKey: '  ci  ',
      });
      expect(definition.delivery).toStrictEqual({
        maxAttempts: 4,
        signingKey: 'ci',
      });
    });
  });

  describe('identifier suggestions', () => {
    it.each([
      ['Restart service', 'restart-service'],
      ['  Provision DB (EU)!  ', 'provision-db-eu'],
      ['42 things', 'things'],
      ['Café crème', 'cafe-creme'],
      ['', ''],
    ])('suggests a workflow identifier for %j', (name, identifier) => {
      expect(suggestWorkflowIdentifier(name)).toBe(identifier);
    });

    it.each([
      ['Target environment', 'targetEnvironment'],
      ['AWS region', 'awsRegion'],
      ['replicas', 'replicas'],
      ['2nd reviewer', '_2ndReviewer'],
      ['  ', ''],
    ])('suggests a parameter identifier for %j', (name, identifier) => {
      expect(suggestParameterIdentifier(name)).toBe(identifier);
    });

    it('keeps suggestions within the backend limits', () => {
      expect(suggestWorkflowIdentifier('a '.repeat(80))).toMatch(
        /^[a-z][a-z0-9-]{0,99}$/,
      );
      expect(suggestWorkflowIdentifier('a '.repeat(80))).not.toMatch(/-$/);
      expect(suggestParameterIdentifier('word '.repeat(30)).length).toBe(64);
    });
  });
});
