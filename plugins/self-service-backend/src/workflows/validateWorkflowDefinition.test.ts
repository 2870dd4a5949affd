import { InputError } from '@backstage/errors';
import type { RequestWorkflowDefinition } from '@backstage-self-service/plugin-self-service-common';
import { AllowedHosts, EgressPolicy } from '../egress';
import {
  validateWorkflowDefinition,
  type ValidationOptions,
} from './validateWorkflowDefinition';

const options: ValidationOptions = {
  secretNames: new Set(['DEPLOY_TOKEN', 'SLACK_WEBHOOK']),
  egressPolicy: new EgressPolicy(),
};

type Draft = Record<string, any>;

/** A valid entity-scoped definition using every feature. */
function fullDraft(): Draft {
  return {
    identifier: 'provision-database',
    name: '  Provision database  ',
    description: ' Creates a database for a service. ',
    icon: 'database',
    color: '#1F6FEB',
    scope: {
      type: 'entity',
      kinds: ['Component', 'Resource'],
      types: ['service'],
    },
    execution: { type: 'event-driven', timeoutSeconds: 3600 },
    access: {
      type: 'approval',
      approvers: ['group:default/platform-team', 'user:ada'],
      allowSelfApproval: true,
    },
    parameters: [
      {
        identifier: 'region',
        name: 'Region',
        description: 'Where to create it',
        type: 'select',
        required: true,
        options: ['eu-west-1', 'us-east-1'],
        default: 'eu-west-1',
      },
      { identifier: 'size_gb', name: 'Size', type: 'integer', default: 20 },
      { identifier: 'ratio', name: 'Ratio', type: 'float', default: 0.5 },
      {
        identifier: 'dry_run',
        name: 'Dry run',
        type: 'boolean',
        default: false,
      },
      { identifier: 'note', name: 'Note', type: 'string', default: 'hi' },
    ],
    request: {
      method: 'post',
      url: 'https://api.example.com/{{entity.identifier}}/db?region={{ data.region }}',
      headers: {
        Authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
        'X-Run': '{{run.id}}',
      },
      body: '{"size": {{data.size_gb}}, "callback": "{{run.callbackUrl}}", "token": "{{run.token}}"}',
    },
  };
}

/** A minimal valid global definition, for refusals that need nothing else. */
function minimalDraft(): Draft {
  return {
    identifier: 'freeze-deploys',
    name: 'Freeze deployments',
    scope: { type: 'global' },
    execution: { type: 'simple' },
    access: { type: 'everyone' },
    parameters: [
      { identifier: 'reason', name: 'Reason', type: 'string', required: true },
    ],
    request: { method: 'POST', url: 'https://deploy.example.com/freeze' },
  };
}

/** Validates a draft of one request (every draft here but the steps' ones). */
function validate(draft: unknown): RequestWorkflowDefinition {
  const result = validateWorkflowDefinition(draft, options);
  if (result.steps) {
    throw new Error('expected a workflow of one request');
  }
  return result;
}

function edited(base: () => Draft, edit: (draft: Draft) => void): Draft {
  const draft = base();
  edit(draft);
  return draft;
}

describe('validateWorkflowDefinition', () => {
  it('returns a clean copy of a full definition, normalised', () => {
    expect(validate(fullDraft())).toEqual({
      identifier: 'provision-database',
      name: 'Provision database',
      description: 'Creates a database for a service.',
      icon: 'database',
      color: '#1f6feb',
      scope: {
        type: 'entity',
        kinds: ['Component', 'Resource'],
        types: ['service'],
      },
      execution: { type: 'event-driven', timeoutSeconds: 3600 },
      access: {
        type: 'approval',
        approvers: ['group:default/platform-team', 'user:default/ada'],
        allowSelfApproval: true,
      },
      parameters: [
        {
          identifier: 'region',
          name: 'Region',
          description: 'Where to create it',
          type: 'select',
          required: true,
          options: ['eu-west-1', 'us-east-1'],
          default: 'eu-west-1',
        },
        {
          identifier: 'size_gb',
          name: 'Size',
          type: 'integer',
          required: false,
          default: 20,
        },
        {
          identifier: 'ratio',
          name: 'Ratio',
          type: 'float',
          required: false,
          default: 0.5,
        },
        {
          identifier: 'dry_run',
          name: 'Dry run',
          type: 'boolean',
          required: false,
          default: false,
        },
        {
          identifier: 'note',
          name: 'Note',
          type: 'string',
          required: false,
          default: 'hi',
        },
      ],
      request: {
        method: 'POST',
        url: 'https://api.example.com/{{entity.identifier}}/db?region={{ data.region }}',
        headers: {
          Authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
          'X-Run': '{{run.id}}',
        },
        body: '{"size": {{data.size_gb}}, "callback": "{{run.callbackUrl}}", "token": "{{run.token}}"}',
      },
    });
  });

  it('is idempotent: a clean definition validates to itself', () => {
    const clean = validate(fullDraft());
    expect(validate(JSON.parse(JSON.stringify(clean)))).toEqual(clean);
  });

  it('fills defaults', () => {
    const result = validate({
      identifier: 'deploy',
      name: 'Deploy',
      description: '   ',
      scope: { type: 'global' },
      execution: { type: 'event-driven' },
      access: { type: 'approval', approvers: ['user:default/ada'] },
      request: { method: 'GET', url: 'http://deploy.example.com' },
    });
    expect(result).toEqual({
      identifier: 'deploy',
      name: 'Deploy',
      scope: { type: 'global' },
      execution: { type: 'event-driven', timeoutSeconds: 86400 },
      access: {
        type: 'approval',
        approvers: ['user:default/ada'],
        allowSelfApproval: false,
      },
      parameters: [],
      request: { method: 'GET', url: 'http://deploy.example.com', headers: {} },
    });
    expect(result).not.toHaveProperty('description');
    expect(result.parameters[0]).toBeUndefined();
  });

  it('treats null optional fields as absent', () => {
    const result = validate({
      ...minimalDraft(),
      description: null,
      icon: null,
      color: null,
      parameters: null,
      request: {
        method: 'DELETE',
        url: 'https://x.example.com/a',
        headers: null,
        body: null,
      },
    });
    expect(result).not.toHaveProperty('description');
    expect(result).not.toHaveProperty('icon');
    expect(result).not.toHaveProperty('color');
    expect(result.parameters).toEqual([]);
    expect(result.request).toEqual({
      method: 'DELETE',
      url: 'https://x.example.com/a',
      headers: {},
    });
  });

  it('normalises the method, entity refs and kinds', () => {
    const result = validate(
      edited(minimalDraft, d => {
        d.scope = {
          type: 'entity',
          kinds: ['Component', 'component', 'API'],
          types: ['Service', 'service', '  website '],
        };
        d.access = {
          type: 'selected',
          members: ['user:ada', 'User:Default/Ada', ' group:ops/sre '],
        };
        d.request.method = ' patch ';
        d.request.url = '  https://x.example.com/  ';
        d.request.headers = { 'Content-Type': '  application/json  ' };
        d.request.body = '';
      }),
    );
    expect(result.scope).toEqual({
      type: 'entity',
      kinds: ['Component', 'API'],
      types: ['Service', 'website'],
    });
    expect(result.access).toEqual({
      type: 'selected',
      members: ['user:default/ada', 'group:ops/sre'],
    });
    expect(result.request).toEqual({
      method: 'PATCH',
      url: 'https://x.example.com/',
      headers: { 'Content-Type': 'application/json' },
    });
  });

  it('omits empty entity types and tolerates empty options on non-select parameters', () => {
    const result = validate(
      edited(minimalDraft, d => {
        d.scope = { type: 'entity', kinds: ['Component'], types: [] };
        d.parameters[0].options = [];
      }),
    );
    expect(result.scope).toEqual({ type: 'entity', kinds: ['Component'] });
    expect(result.parameters[0]).not.toHaveProperty('options');
  });

  it('allows owners access, entity variables and every fixed variable for entity scope', () => {
    const result = validate(
      edited(minimalDraft, d => {
        d.scope = { type: 'entity', kinds: ['Component'] };
        d.access = { type: 'owners' };
        d.request.body = [
          '{{run.id}}',
          '{{run.callbackUrl}}',
          '{{run.token}}',
          '{{workflow.identifier}}',
          '{{workflow.name}}',
          '{{user.ref}}',
          '{{entity.identifier}}',
          '{{entity.name}}',
          '{{entity.ref}}',
          '{{entity.kind}}',
          '{{entity.namespace}}',
          '{{data.reason}}',
          '{{secrets.SLACK_WEBHOOK}}',
        ].join('\n');
      }),
    );
    expect(result.access).toEqual({ type: 'owners' });
  });

  it('keeps a header named __proto__ as an own property', () => {
    const draft = minimalDraft();
    draft.request.headers = JSON.parse('{"__proto__": "x"}');
    const result = validate(draft);
    expect(Object.keys(result.request.headers!)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(result.request.headers)).toBe(
      Object.prototype,
    );
  });

  it('accepts query strings and fragments right after the host', () => {
    expect(
      validate(
        edited(minimalDraft, d => {
          d.request.url = 'https://x.example.com:8443?q={{data.reason}}';
        }),
      ).request.url,
    ).toBe('https://x.example.com:8443?q={{data.reason}}');
  });

  it('throws InputError', () => {
    expect(() => validate({})).toThrow(InputError);
  });

  it.each<[string, unknown, RegExp]>([
    ['a non-object body', 'nope', /^body: /],
    ['an array body', [], /^body: /],
    ['null', null, /^body: /],
    [
      'an unknown top-level key',
      { ...minimalDraft(), foo: 1 },
      /^foo: unknown field$/,
    ],
    [
      'bookkeeping fields',
      { ...minimalDraft(), revision: 2 },
      /^revision: unknown field$/,
    ],
    [
      'a __proto__ key',
      JSON.parse(`{"__proto__": {}, "identifier": "x"}`),
      /^__proto__: unknown field$/,
    ],
  ])('refuses %s', (_, input, message) => {
    expect(() => validate(input)).toThrow(message);
  });

  const identifierMessage =
    /^identifier: must be 1-100 characters of lowercase letters, digits and dashes, starting with a letter$/;

  it.each<[string, (d: Draft) => void, RegExp]>([
    // identifier
    ['a missing identifier', d => delete d.identifier, /^identifier: required/],
    ['a numeric identifier', d => (d.identifier = 5), /^identifier: /],
    ['an empty identifier', d => (d.identifier = ''), /^identifier: /],
    ['uppercase', d => (d.identifier = 'Deploy'), identifierMessage],
    ['a leading digit', d => (d.identifier = '1deploy'), identifierMessage],
    ['a leading dash', d => (d.identifier = '-deploy'), identifierMessage],
    ['underscores', d => (d.identifier = 'de_ploy'), identifierMessage],
    ['a trailing dash', d => (d.identifier = 'deploy-'), /^identifier: /],
    ['a double dash', d => (d.identifier = 'de--ploy'), /^identifier: /],
    [
      'a 101-character identifier',
      d => (d.identifier = `a${'b'.repeat(100)}`),
      /^identifier: /,
    ],
    // name, description, icon, color
    ['a missing name', d => delete d.name, /^name: required/],
    ['a blank name', d => (d.name = '   '), /^name: /],
    ['a non-string name', d => (d.name = ['x']), /^name: must be a string/],
    ['a 201-character name', d => (d.name = 'n'.repeat(201)), /^name: /],
    [
      'a long description',
      d => (d.description = 'd'.repeat(2001)),
      /^description: /,
    ],
    ['a numeric description', d => (d.description = 1), /^description: /],
    ['an icon with spaces', d => (d.icon = 'my icon'), /^icon: /],
    ['an uppercase icon', d => (d.icon = 'Database'), /^icon: /],
    ['a long icon', d => (d.icon = 'a'.repeat(101)), /^icon: /],
    ['a named color', d => (d.color = 'red'), /^color: /],
    ['a 4-digit color', d => (d.color = '#abcd'), /^color: /],
    ['a color without #', d => (d.color = 'aabbcc'), /^color: /],
    ['a non-hex color', d => (d.color = '#ggg'), /^color: /],
    // scope
    ['a missing scope', d => delete d.scope, /^scope: required/],
    ['a string scope', d => (d.scope = 'global'), /^scope: must be an object/],
    [
      'an unknown scope type',
      d => (d.scope = { type: 'team' }),
      /^scope\.type: /,
    ],
    [
      'kinds on a global scope',
      d => (d.scope = { type: 'global', kinds: ['Component'] }),
      /^scope\.kinds: unknown field/,
    ],
    [
      'an unknown scope field',
      d => (d.scope = { type: 'entity', kinds: ['Component'], owner: 'x' }),
      /^scope\.owner: unknown field/,
    ],
    [
      'missing kinds',
      d => (d.scope = { type: 'entity' }),
      /^scope\.kinds: required/,
    ],
    [
      'empty kinds',
      d => (d.scope = { type: 'entity', kinds: [] }),
      /^scope\.kinds: /,
    ],
    [
      'a string of kinds',
      d => (d.scope = { type: 'entity', kinds: 'Component' }),
      /^scope\.kinds: must be an array/,
    ],
    [
      'an invalid kind',
      d => (d.scope = { type: 'entity', kinds: ['Component', 'my-kind'] }),
      /^scope\.kinds\[1\]: /,
    ],
    [
      'a numeric kind',
      d => (d.scope = { type: 'entity', kinds: [1] }),
      /^scope\.kinds\[0\]: /,
    ],
    [
      'types that are not an array',
      d =>
        (d.scope = { type: 'entity', kinds: ['Component'], types: 'service' }),
      /^scope\.types: /,
    ],
    [
      'an empty type',
      d => (d.scope = { type: 'entity', kinds: ['Component'], types: [' '] }),
      /^scope\.types\[0\]: /,
    ],
    // execution
    ['a missing execution', d => delete d.execution, /^execution: required/],
    [
      'an unknown execution type',
      d => (d.execution = { type: 'async' }),
      /^execution\.type: /,
    ],
    [
      'a timeout on a simple workflow',
      d => (d.execution = { type: 'simple', timeoutSeconds: 600 }),
      /^execution\.timeoutSeconds: /,
    ],
    [
      'a timeout below a minute',
      d => (d.execution = { type: 'event-driven', timeoutSeconds: 59 }),
      /^execution\.timeoutSeconds: /,
    ],
    [
      'a timeout above 30 days',
      d => (d.execution = { type: 'event-driven', timeoutSeconds: 2592001 }),
      /^execution\.timeoutSeconds: /,
    ],
    [
      'a fractional timeout',
      d => (d.execution = { type: 'event-driven', timeoutSeconds: 60.5 }),
      /^execution\.timeoutSeconds: /,
    ],
    [
      'a string timeout',
      d => (d.execution = { type: 'event-driven', timeoutSeconds: '600' }),
      /^execution\.timeoutSeconds: /,
    ],
    [
      'an unknown execution field',
      d => (d.execution = { type: 'event-driven', retries: 3 }),
      /^execution\.retries: unknown field/,
    ],
    // access
    ['a missing access', d => delete d.access, /^access: required/],
    [
      'an unknown access type',
      d => (d.access = { type: 'admins' }),
      /^access\.type: /,
    ],
    [
      'owners access on a global workflow',
      d => (d.access = { type: 'owners' }),
      /^access\.type: 'owners' is only for entity-scoped workflows$/,
    ],
    [
      'approval without approvers',
      d => (d.access = { type: 'approval' }),
      /^access\.approvers: required/,
    ],
    [
      'approval with no approvers',
      d => (d.access = { type: 'approval', approvers: [] }),
      /^access\.approvers: /,
    ],
    [
      'an approver that is not a ref',
      d => (d.access = { type: 'approval', approvers: ['ada'] }),
      /^access\.approvers\[0\]: /,
    ],
    [
      'an approver of another kind',
      d =>
        (d.access = {
          type: 'approval',
          approvers: ['user:ada', 'component:default/payments'],
        }),
      /^access\.approvers\[1\]: 'component:default\/payments' is not a user or group/,
    ],
    [
      'an approver with an invalid name',
      d => (d.access = { type: 'approval', approvers: ['user:default/a b'] }),
      /^access\.approvers\[0\]: /,
    ],
    [
      'an approver with too many slashes',
      d => (d.access = { type: 'approval', approvers: ['user:a/b/c'] }),
      /^access\.approvers\[0\]: /,
    ],
    [
      'a non-string approver',
      d => (d.access = { type: 'approval', approvers: [{ kind: 'user' }] }),
      /^access\.approvers\[0\]: /,
    ],
    [
      'a non-boolean allowSelfApproval',
      d =>
        (d.access = {
          type: 'approval',
          approvers: ['user:ada'],
          allowSelfApproval: 'yes',
        }),
      /^access\.allowSelfApproval: /,
    ],
    [
      'selected without members',
      d => (d.access = { type: 'selected', members: [] }),
      /^access\.members: /,
    ],
    [
      'a selected member of another kind',
      d => (d.access = { type: 'selected', members: ['system:default/x'] }),
      /^access\.members\[0\]: /,
    ],
    [
      'approvers on everyone access',
      d => (d.access = { type: 'everyone', approvers: ['user:ada'] }),
      /^access\.approvers: unknown field/,
    ],
    [
      'members on approval access',
      d =>
        (d.access = {
          type: 'approval',
          approvers: ['user:ada'],
          members: ['user:bob'],
        }),
      /^access\.members: unknown field/,
    ],
    // parameters
    [
      'parameters that are not an array',
      d => (d.parameters = { region: {} }),
      /^parameters: must be an array/,
    ],
    [
      'more than 50 parameters',
      d =>
        (d.parameters = Array.from({ length: 51 }, (_, i) => ({
          identifier: `p${i}`,
          name: `P${i}`,
          type: 'string',
        }))),
      /^parameters: /,
    ],
    [
      'a non-object parameter',
      d => (d.parameters = ['region']),
      /^parameters\[0\]: /,
    ],
    [
      'an unknown parameter field',
      d => (d.parameters[0].placeholder = 'x'),
      /^parameters\[0\]\.placeholder: unknown field/,
    ],
    [
      'a missing parameter identifier',
      d => delete d.parameters[0].identifier,
      /^parameters\[0\]\.identifier: required/,
    ],
    [
      'a parameter identifier with a dash',
      d => (d.parameters[0].identifier = 'my-param'),
      /^parameters\[0\]\.identifier: /,
    ],
    [
      'a parameter identifier starting with a digit',
      d => (d.parameters[0].identifier = '1st'),
      /^parameters\[0\]\.identifier: /,
    ],
    [
      'a 65-character parameter identifier',
      d => (d.parameters[0].identifier = 'a'.repeat(65)),
      /^parameters\[0\]\.identifier: /,
    ],
    [
      'a __proto__ parameter',
      d => (d.parameters[0].identifier = '__proto__'),
      /^parameters\[0\]\.identifier: /,
    ],
    [
      'a duplicate parameter identifier',
      d =>
        d.parameters.push(
          { identifier: 'region', name: 'Region', type: 'string' },
          { identifier: 'size', name: 'Size', type: 'string' },
          { identifier: 'region', name: 'Region again', type: 'string' },
        ),
      /^parameters\[3\]\.identifier: duplicate 'region'$/,
    ],
    [
      'parameter identifiers differing only in case',
      d =>
        d.parameters.push({ identifier: 'Reason', name: 'R', type: 'string' }),
      /^parameters\[1\]\.identifier: duplicate 'Reason'/,
    ],
    [
      'a missing parameter name',
      d => delete d.parameters[0].name,
      /^parameters\[0\]\.name: required/,
    ],
    [
      'a long parameter description',
      d => (d.parameters[0].description = 'x'.repeat(2001)),
      /^parameters\[0\]\.description: /,
    ],
    [
      'a missing parameter type',
      d => delete d.parameters[0].type,
      /^parameters\[0\]\.type: required/,
    ],
    [
      'an unknown parameter type',
      d => (d.parameters[0].type = 'entity'),
      /^parameters\[0\]\.type: /,
    ],
    [
      'a non-boolean required',
      d => (d.parameters[0].required = 'true'),
      /^parameters\[0\]\.required: /,
    ],
    [
      'options on a string parameter',
      d => (d.parameters[0].options = ['a']),
      /^parameters\[0\]\.options: /,
    ],
    [
      'a select parameter without options',
      d =>
        (d.parameters[0] = { identifier: 'env', name: 'Env', type: 'select' }),
      /^parameters\[0\]\.options: a select parameter needs at least one option$/,
    ],
    [
      'a select parameter with empty options',
      d =>
        (d.parameters[0] = {
          identifier: 'env',
          name: 'Env',
          type: 'select',
          options: [],
        }),
      /^parameters\[0\]\.options: a select parameter needs at least one option$/,
    ],
    [
      'options that are not an array',
      d =>
        (d.parameters[0] = {
          identifier: 'env',
          name: 'Env',
          type: 'select',
          options: 'dev,prod',
        }),
      /^parameters\[0\]\.options: must be an array/,
    ],
    [
      'a duplicate option',
      d =>
        (d.parameters[0] = {
          identifier: 'env',
          name: 'Env',
          type: 'select',
          options: ['dev', 'prod', ' dev '],
        }),
      /^parameters\[0\]\.options\[2\]: duplicate 'dev'/,
    ],
    [
      'an empty option',
      d =>
        (d.parameters[0] = {
          identifier: 'env',
          name: 'Env',
          type: 'select',
          options: ['dev', ''],
        }),
      /^parameters\[0\]\.options\[1\]: /,
    ],
    [
      'a non-string option',
      d =>
        (d.parameters[0] = {
          identifier: 'env',
          name: 'Env',
          type: 'select',
          options: [1],
        }),
      /^parameters\[0\]\.options\[0\]: /,
    ],
    [
      'a long option',
      d =>
        (d.parameters[0] = {
          identifier: 'env',
          name: 'Env',
          type: 'select',
          options: ['o'.repeat(201)],
        }),
      /^parameters\[0\]\.options\[0\]: /,
    ],
    [
      'a select default that is not an option',
      d =>
        (d.parameters[0] = {
          identifier: 'env',
          name: 'Env',
          type: 'select',
          options: ['dev', 'prod'],
          default: 'staging',
        }),
      /^parameters\[0\]\.default: /,
    ],
    [
      'a numeric string default',
      d => (d.parameters[0].default = 5),
      /^parameters\[0\]\.default: /,
    ],
    [
      'a fractional integer default',
      d =>
        (d.parameters[0] = {
          identifier: 'n',
          name: 'N',
          type: 'integer',
          default: 1.5,
        }),
      /^parameters\[0\]\.default: /,
    ],
    [
      'an unsafe integer default',
      d =>
        (d.parameters[0] = {
          identifier: 'n',
          name: 'N',
          type: 'integer',
          default: 2 ** 53,
        }),
      /^parameters\[0\]\.default: /,
    ],
    [
      'a string integer default',
      d =>
        (d.parameters[0] = {
          identifier: 'n',
          name: 'N',
          type: 'integer',
          default: '3',
        }),
      /^parameters\[0\]\.default: /,
    ],
    [
      'an infinite float default',
      d =>
        (d.parameters[0] = {
          identifier: 'f',
          name: 'F',
          type: 'float',
          default: Infinity,
        }),
      /^parameters\[0\]\.default: /,
    ],
    [
      'a string boolean default',
      d =>
        (d.parameters[0] = {
          identifier: 'b',
          name: 'B',
          type: 'boolean',
          default: 'true',
        }),
      /^parameters\[0\]\.default: /,
    ],
    // request
    ['a missing request', d => delete d.request, /^request: required/],
    [
      'an unknown request field',
      d => (d.request.timeout = 5),
      /^request\.timeout: unknown field/,
    ],
    [
      'a missing method',
      d => delete d.request.method,
      /^request\.method: required/,
    ],
    [
      'an unknown method',
      d => (d.request.method = 'HEAD'),
      /^request\.method: /,
    ],
    ['a numeric method', d => (d.request.method = 1), /^request\.method: /],
    ['a missing url', d => delete d.request.url, /^request\.url: required/],
    ['a numeric url', d => (d.request.url = 1), /^request\.url: /],
    [
      'a long url',
      d => (d.request.url = `https://x.example.com/${'a'.repeat(2000)}`),
      /^request\.url: /,
    ],
    ['a relative url', d => (d.request.url = '/freeze'), /^request\.url: /],
    [
      'an ftp url',
      d => (d.request.url = 'ftp://x.example.com/a'),
      /^request\.url: /,
    ],
    [
      'a url with a bad port',
      d => (d.request.url = 'https://x.example.com:99999/a'),
      /^request\.url: /,
    ],
    [
      'a url without a host',
      d => (d.request.url = 'https:///{{data.reason}}'),
      /^request\.url: /,
    ],
    [
      'a url with spaces',
      d => (d.request.url = 'https://x.example.com/a b'),
      /^request\.url: /,
    ],
    [
      'a url with credentials',
      d => (d.request.url = 'https://user:pass@x.example.com/a'),
      /^request\.url: credentials/,
    ],
    [
      'a variable host',
      d => (d.request.url = 'https://{{data.reason}}.example.com/a'),
      /^request\.url: variables are not allowed in the scheme or host$/,
    ],
    [
      'a variable at the end of the host',
      d => (d.request.url = 'https://example.com{{data.reason}}'),
      /^request\.url: variables are not allowed in the scheme or host$/,
    ],
    [
      'a variable port',
      d => (d.request.url = 'https://example.com:{{data.reason}}/a'),
      /^request\.url: variables are not allowed in the scheme or host$/,
    ],
    [
      'a variable scheme',
      d => (d.request.url = '{{secrets.DEPLOY_TOKEN}}/a'),
      /^request\.url: /,
    ],
    [
      'a url that is all variable',
      d => (d.request.url = 'https://{{secrets.DEPLOY_TOKEN}}'),
      /^request\.url: variables are not allowed in the scheme or host$/,
    ],
    [
      'a malformed url placeholder',
      d => (d.request.url = 'https://x.example.com/{{data.reason | upper}}'),
      /^request\.url: malformed placeholder \{\{data\.reason \| upper\}\}$/,
    ],
    [
      'an unknown parameter variable in the url',
      d => (d.request.url = 'https://x.example.com/{{data.region}}'),
      /^request\.url: unknown variable \{\{data\.region\}\} \(no parameter 'region'\)$/,
    ],
    [
      'an entity variable in a global workflow',
      d => (d.request.url = 'https://x.example.com/{{entity.identifier}}'),
      /^request\.url: \{\{entity\.identifier\}\} is only available for entity-scoped workflows$/,
    ],
    [
      'headers that are not an object',
      d => (d.request.headers = [['a', 'b']]),
      /^request\.headers: /,
    ],
    [
      'an invalid header name',
      d => (d.request.headers = { 'X Token': 'a' }),
      /^request\.headers: invalid header name/,
    ],
    [
      'an empty header name',
      d => (d.request.headers = { '': 'a' }),
      /^request\.headers: invalid header name/,
    ],
    [
      'a variable in a header name',
      d => (d.request.headers = { 'X-{{data.reason}}': 'a' }),
      /^request\.headers: variables are not allowed in header names/,
    ],
    [
      'duplicate header names ignoring case',
      d => (d.request.headers = { 'content-type': 'a', 'Content-Type': 'b' }),
      /^request\.headers\.Content-Type: duplicate header/,
    ],
    [
      'a Content-Length header',
      d => (d.request.headers = { 'Content-Length': '5' }),
      /^request\.headers\.Content-Length: /,
    ],
    [
      'a Host header',
      d => (d.request.headers = { Host: 'evil.example.com' }),
      /^request\.headers\.Host: /,
    ],
    [
      'a numeric header value',
      d => (d.request.headers = { 'X-Count': 5 }),
      /^request\.headers\.X-Count: must be a string/,
    ],
    [
      'a header value with a line break',
      d => (d.request.headers = { 'X-A': 'a\r\nX-B: b' }),
      /^request\.headers\.X-A: /,
    ],
    [
      'a header value with a NUL',
      d => (d.request.headers = { 'X-A': 'a\0b' }),
      /^request\.headers\.X-A: /,
    ],
    [
      'a long header value',
      d => (d.request.headers = { 'X-A': 'a'.repeat(8193) }),
      /^request\.headers\.X-A: /,
    ],
    [
      'an unknown secret in a header',
      d =>
        (d.request.headers = {
          Authorization: 'Bearer {{secrets.GITHUB_TOKEN}}',
        }),
      /^request\.headers\.Authorization: unknown secret \{\{secrets\.GITHUB_TOKEN\}\}; configure selfService\.secrets\.GITHUB_TOKEN$/,
    ],
    [
      'a malformed header placeholder',
      d => (d.request.headers = { 'X-A': '{{}}' }),
      /^request\.headers\.X-A: malformed placeholder \{\{\}\}$/,
    ],
    ['a non-string body', d => (d.request.body = { a: 1 }), /^request\.body: /],
    [
      'a body on a GET request',
      d => {
        d.request.method = 'get';
        d.request.body = '{}';
      },
      /^request\.body: /,
    ],
    [
      'a body over 1 MB',
      d => (d.request.body = 'é'.repeat(512 * 1024 + 1)),
      /^request\.body: /,
    ],
    [
      'an expression placeholder in the body',
      d => (d.request.body = '{"n": {{data.x + 1}}}'),
      /^request\.body: malformed placeholder \{\{data\.x \+ 1\}\}$/,
    ],
    [
      'an unclosed placeholder in the body',
      d => (d.request.body = '{"n": "{{data.reason"}'),
      /^request\.body: malformed placeholder/,
    ],
    [
      'a triple-brace placeholder',
      d => (d.request.body = '{{{data.reason}}}'),
      /^request\.body: malformed placeholder/,
    ],
    [
      'a placeholder broken over lines',
      d => (d.request.body = '{{data.\nreason}}'),
      /^request\.body: malformed placeholder/,
    ],
    [
      'an unknown namespace',
      d => (d.request.body = '{{env.HOME}}'),
      /^request\.body: unknown variable \{\{env\.HOME\}\}$/,
    ],
    [
      'an unknown run variable',
      d => (d.request.body = '{{run.secret}}'),
      /^request\.body: unknown variable \{\{run\.secret\}\}$/,
    ],
    [
      'a bare namespace',
      d => (d.request.body = '{{data}}'),
      /^request\.body: unknown variable \{\{data\}\}$/,
    ],
    [
      'a nested data path',
      d => (d.request.body = '{{data.reason.length}}'),
      /^request\.body: unknown variable \{\{data\.reason\.length\}\}$/,
    ],
    [
      'a parameter variable of another case',
      d => (d.request.body = '{{data.Reason}}'),
      /^request\.body: unknown variable \{\{data\.Reason\}\} \(no parameter 'Reason'\)$/,
    ],
    [
      'an unknown secret in the body',
      d => (d.request.body = '{{secrets.deploy_token}}'),
      /^request\.body: unknown secret \{\{secrets\.deploy_token\}\}/,
    ],
    [
      'an entity variable in the body of a global workflow',
      d => (d.request.body = '{{entity.ref}}'),
      /^request\.body: \{\{entity\.ref\}\} is only available for entity-scoped workflows$/,
    ],
  ])('refuses %s', (_, edit, message) => {
    expect(() => validate(edited(minimalDraft, edit))).toThrow(message);
  });

  it.each<[string, (d: Draft) => void, RegExp]>([
    [
      'an unknown entity variable',
      d => (d.request.body = '{{entity.owner}}'),
      /^request\.body: unknown variable \{\{entity\.owner\}\}$/,
    ],
    [
      'an empty types entry',
      d => (d.scope.types = ['service', '']),
      /^scope\.types\[1\]: /,
    ],
    [
      'a kind with a slash',
      d => (d.scope.kinds = ['Component/service']),
      /^scope\.kinds\[0\]: /,
    ],
  ])('refuses %s in an entity-scoped workflow', (_, edit, message) => {
    expect(() => validate(edited(fullDraft, edit))).toThrow(message);
  });

  it('reports the first problem in document order', () => {
    const draft = edited(minimalDraft, d => {
      d.name = '';
      d.scope = { type: 'nope' };
      d.request.url = 'ftp://x';
    });
    expect(() => validate(draft)).toThrow(/^name: /);
  });

  it('checks secrets against the configured names', () => {
    const draft = edited(minimalDraft, d => {
      d.request.headers = { Authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}' };
    });
    expect(validate(draft).request.headers).toEqual({
      Authorization: 'Bearer {{secrets.DEPLOY_TOKEN}}',
    });
    expect(() =>
      validateWorkflowDefinition(draft, { ...options, secretNames: new Set() }),
    ).toThrow(
      /^request\.headers\.Authorization: unknown secret \{\{secrets\.DEPLOY_TOKEN\}\}; configure selfService\.secrets\.DEPLOY_TOKEN$/,
    );
  });

  describe('JSON bodies', () => {
    const withBody = (body: string, headers?: Record<string, string>) =>
      edited(minimalDraft, d => {
        d.request.body = body;
        if (headers) {
          d.request.headers = headers;
        }
      });

    it.each<[string, string, Record<string, string> | undefined]>([
      ['an object', '{"reason": "{{data.reason}}", "n": 1}', undefined],
      ['an array', '[{{data.reason}}, "x-{{run.id}}"]', undefined],
      ['a string', '  "because {{data.reason}}"  ', undefined],
      [
        'a lone variable under a JSON content type',
        '{{data.reason}}',
        { 'Content-Type': 'application/json' },
      ],
      ['a text body', 'reason={{data.reason}}', undefined],
      ['a lone variable as text', '{{data.reason}}', undefined],
    ])('accepts %s', (_what, body, headers) => {
      expect(validate(withBody(body, headers)).request.body).toBe(body);
    });

    it.each<[string, string, Record<string, string> | undefined, RegExp]>([
      [
        'a trailing comma',
        '{"reason": "{{data.reason}}",}',
        undefined,
        /^request\.body: a JSON body must be valid JSON, with each variable a whole value or inside a string: .* at line 1, column 30 \(near '}'\)$/,
      ],
      [
        'text after the document',
        '{"a": 1} {{data.reason}}',
        undefined,
        /^request\.body: a JSON body must be valid JSON/,
      ],
      [
        'text that only its content type calls JSON',
        'reason={{data.reason}}',
        { 'content-type': 'application/json; charset=utf-8' },
        /^request\.body: a JSON body must be valid JSON/,
      ],
      [
        'a variable in a key',
        '{"{{data.reason}}": true}',
        undefined,
        /^request\.body: variables are not allowed in JSON object keys$/,
      ],
      [
        'JSON without variables that does not parse',
        '{"a": }',
        undefined,
        /^request\.body: a JSON body must be valid JSON/,
      ],
      [
        'a content type made of variables',
        'reason={{data.reason}}',
        { 'content-type': '{{data.reason}}' },
        /^request\.headers\.content-type: variables are not allowed in the content type$/,
      ],
    ])('refuses %s when it is saved', (_what, body, headers, message) => {
      expect(() => validate(withBody(body, headers))).toThrow(message);
    });
  });

  describe('headers that carry credentials', () => {
    const withHeaders = (headers: Record<string, string>) =>
      edited(minimalDraft, d => {
        d.request.headers = headers;
      });

    it.each([
      ['Authorization', 'Bearer {{secrets.DEPLOY_TOKEN}}'],
      ['X-Api-Key', '{{secrets.DEPLOY_TOKEN}}'],
      ['Cookie', 'session={{secrets.DEPLOY_TOKEN}}; theme=dark'],
      ['X-Run-Token', '{{run.token}}'],
      ['X-Requested-By', 'platform-team'],
      ['Idempotency-Key', '{{run.id}}'],
      ['X-Session', 'run {{run.id}}'],
    ])('accepts %s: %s', (name, value) => {
      expect(validate(withHeaders({ [name]: value })).request.headers).toEqual({
        [name]: value,
      });
    });

    it.each([
      ['Authorization', 'Bearer abc123def456'],
      ['authorization', 'Basic {{data.reason}}'],
      ['X-API-KEY', 'k-123'],
      ['X-Auth-Signature', 'v1,abcdef'],
      ['Cookie', 'session=abc'],
      ['X-Session', 'abc123-{{run.id}}'],
      ['Idempotency-Key', 'fixed-key-1'],
      ['X-Api-Key', '{{data.reason}}'],
      ['Proxy-Authorization', ''],
      ['X-SSO-Assertion', 'assertion'],
      ['X-Jwt', 'eyJhbGciOi'],
      ['X-Password', 'hunter2'],
      ['X-Credential', 'c'],
      ['Digest', 'sha-256=abc'],
      ['X-Secret', 's'],
    ])('refuses a literal credential in %s', (name, value) => {
      expect(() => validate(withHeaders({ [name]: value }))).toThrow(
        new InputError(
          `request.headers.${name}: this header carries a credential, which must not be written into the workflow: put it in selfService.secrets in app-config and use {{secrets.NAME}} (or {{run.token}}); a literal prefix like 'Bearer ' is fine`,
        ),
      );
    });
  });

  it('does not modify its input', () => {
    const draft = fullDraft();
    const copy = JSON.parse(JSON.stringify(draft));
    validate(draft);
    expect(draft).toEqual(copy);
  });
});

describe('validateWorkflowDefinition: where the request may go', () => {
  const KEY = 'selfService.request.allowedHosts';
  const withUrl = (url: string) =>
    edited(minimalDraft, d => {
      d.request.url = url;
    });
  /** As the local demo: the backend at localhost:7007. */
  const demo = (allowedHosts: string[] = []): ValidationOptions => ({
    ...options,
    egressPolicy: new EgressPolicy({
      allowedHosts: AllowedHosts.parse(allowedHosts, KEY),
      backendBaseUrl: 'http://localhost:7007',
      backendListenPort: 7007,
    }),
  });

  // The URLs the issue found saved with 201.
  it.each([
    ['http://169.254.169.254/latest/meta-data/', 'a cloud metadata service'],
    ['http://[::ffff:169.254.169.254]/', 'a cloud metadata service'],
    ['http://10.0.0.1/admin', 'a private address (10.0.0.0/8)'],
    [
      'http://metadata.google.internal/computeMetadata/v1/',
      'a cloud metadata service',
    ],
    [
      'http://localhost:7007/api/catalog/entities',
      'is this Backstage backend (backend.baseUrl)',
    ],
    ['http://0x7f000001:7007/', 'where this Backstage backend listens'],
    ['http://127.1:7007/', 'where this Backstage backend listens'],
  ])('refuses %s, naming request.url and the key', (url, reason) => {
    expect(() => validateWorkflowDefinition(withUrl(url), demo())).toThrow(
      InputError,
    );
    expect(() => validateWorkflowDefinition(withUrl(url), demo())).toThrow(
      new RegExp(`^request\\.url: .*${escape(reason)}.*${escape(KEY)}`),
    );
  });

  it.each([
    ['http://0x7f000001/{{data.reason}}', '127.0.0.1 is a loopback address'],
    ['http://2130706433/x', '127.0.0.1 is a loopback address'],
    ['http://127.1/x?q={{data.reason}}', '127.0.0.1 is a loopback address'],
    ['http://0177.0.0.1/x', '127.0.0.1 is a loopback address'],
    ['http://[::1]:8080/x', '[::1] is the loopback address'],
    ['http://[::]/x', '[::] is the unspecified address'],
    ['http://0.0.0.0:9000/x', '0.0.0.0 is a "this network" address'],
    ['https://172.20.1.1/x', '172.20.1.1 is a private address'],
    ['https://192.168.0.10/x', '192.168.0.10 is a private address'],
    ['http://100.100.100.200/x', '100.100.100.200 is a cloud metadata service'],
    ['http://100.64.1.1/x', '100.64.1.1 is a carrier-grade NAT address'],
    ['http://[fe80::1]/x', '[fe80::1] is a link-local address'],
    ['http://[fd00::1]/x', '[fd00::1] is a unique-local address'],
    ['http://224.0.0.1/x', '224.0.0.1 is a multicast address'],
    [
      'http://[::ffff:10.0.0.1]/x',
      '[::ffff:a00:1] is the IPv4-mapped form of 10.0.0.1',
    ],
    [
      'http://[::ffff:7f00:1]/x',
      '[::ffff:7f00:1] is the IPv4-mapped form of 127.0.0.1',
    ],
    ['http://[::127.0.0.1]/x', '[::7f00:1] is an IPv4-compatible address'],
    [
      'http://[64:ff9b::192.168.0.1]/x',
      '[64:ff9b::c0a8:1] is the NAT64 form of 192.168.0.1',
    ],
    [
      'http://[2002:c0a8:1::]/x',
      '[2002:c0a8:1::] is the 6to4 form of 192.168.0.1',
    ],
    ['http://localhost:3000/x', 'localhost resolves to 127.0.0.1'],
    ['http://metadata/computeMetadata/v1/', 'metadata is a cloud metadata'],
  ])('refuses %s: %s', (url, message) => {
    expect(() => validate(withUrl(url))).toThrow(`request.url: ${message}`);
  });

  it('accepts what selfService.request.allowedHosts allows', () => {
    const allowing = demo(['localhost:7008', '10.0.0.0/8', '[::1]:9000']);
    for (const url of [
      'http://localhost:7008/pipelines/{{data.reason}}',
      'http://10.0.0.1/admin',
      'http://[::1]:9000/x',
    ]) {
      expect(
        validateWorkflowDefinition(withUrl(url), allowing).request?.url,
      ).toBe(url);
    }
    expect(() =>
      validateWorkflowDefinition(withUrl('http://localhost:7009/'), allowing),
    ).toThrow(/^request\.url: localhost resolves to 127\.0\.0\.1/);
    expect(() =>
      validateWorkflowDefinition(
        withUrl('http://localhost:7007/'),
        demo(['localhost', '0.0.0.0/0']),
      ),
    ).toThrow(`${KEY} cannot allow it`);
  });

  it('leaves names to be checked when a run connects', () => {
    for (const url of [
      'https://deploy.example.com/x',
      'https://internal.corp.example/x',
      'https://127.0.0.1.nip.io/x',
    ]) {
      expect(validate(withUrl(url)).request.url).toBe(url);
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
