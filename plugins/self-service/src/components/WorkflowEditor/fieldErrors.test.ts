import {
  editorDefinition,
  stepsDefinition,
} from '../../testUtils/editorFixtures';
import { makeResponseError } from '../../testUtils/fixtures';
import {
  checkForm,
  errorMessage,
  errorStatus,
  fieldKeyForPath,
  headerFieldKey,
  mapErrorMessages,
  parameterFieldKey,
  parseErrorMessage,
  previewInputKey,
  pruneErrors,
} from './fieldErrors';
import {
  WorkflowForm,
  emptyForm,
  emptyParameter,
  toForm,
} from './workflowForm';

function form(overrides: Partial<WorkflowForm> = {}): WorkflowForm {
  return { ...toForm(editorDefinition()), ...overrides };
}

describe('fieldErrors', () => {
  describe('parseErrorMessage', () => {
    it('splits the field path from the message', () => {
      expect(
        parseErrorMessage(
          'parameters[2].options: a select parameter needs at least one option',
        ),
      ).toEqual({
        path: 'parameters[2].options',
        detail: 'a select parameter needs at least one option',
      });
      expect(
        parseErrorMessage(
          "request.url: unknown variable {{data.region}} (no parameter 'region')",
        ),
      ).toEqual({
        path: 'request.url',
        detail: "unknown variable {{data.region}} (no parameter 'region')",
      });
    });

    it('drops the definition. prefix of the preview endpoint', () => {
      expect(parseErrorMessage('definition.name: required')).toEqual({
        path: 'name',
        detail: 'required',
      });
    });

    it('keeps header names with punctuation in the path', () => {
      expect(
        parseErrorMessage('request.headers.x-api_key.v2: must be a string'),
      ).toEqual({
        path: 'request.headers.x-api_key.v2',
        detail: 'must be a string',
      });
    });

    it.each([
      'Request failed with 500 Internal Server Error',
      'Error: something broke',
      'body: a workflow definition must be a JSON object',
      'no path here',
    ])('finds no field in %j', message => {
      expect(parseErrorMessage(message)).toBeUndefined();
    });
  });

  describe('fieldKeyForPath', () => {
    const f = form();
    const [reason, replicas, , , env] = f.parameters;
    const [contentType, authorization] = f.headers;

    it.each([
      ['name', 'name'],
      ['identifier', 'identifier'],
      ['color', 'color'],
      ['scope.kinds', 'scope.kinds'],
      ['scope.kinds[1]', 'scope.kinds'],
      ['scope.types[0]', 'scope.types'],
      ['execution.timeoutSeconds', 'execution.timeoutSeconds'],
      ['access.type', 'access.type'],
      ['access.approvers', 'access.approvers'],
      ['access.approvers[0]', 'access.approvers'],
      ['request.url', 'request.url'],
      ['request.body', 'request.body'],
      ['request.method', 'request.method'],
      ['parameters', 'parameters'],
    ])('maps %s to %s', (path, key) => {
      expect(fieldKeyForPath(path, 'x', f)).toBe(key);
    });

    it('maps parameter paths to that parameter row', () => {
      expect(fieldKeyForPath('parameters[0].name', 'required', f)).toBe(
        parameterFieldKey(reason.key, 'name'),
      );
      expect(fieldKeyForPath('parameters[4].options', 'x', f)).toBe(
        parameterFieldKey(env.key, 'options'),
      );
      expect(fieldKeyForPath('parameters[4].options[1]', 'x', f)).toBe(
        parameterFieldKey(env.key, 'options'),
      );
      expect(fieldKeyForPath('parameters[1].default', 'x', f)).toBe(
        parameterFieldKey(replicas.key, 'default'),
      );
      expect(fieldKeyForPath('parameters[1]', 'must be an object', f)).toBe(
        parameterFieldKey(replicas.key),
      );
      expect(fieldKeyForPath('parameters[1].secret', 'unknown field', f)).toBe(
        parameterFieldKey(replicas.key),
      );
      expect(fieldKeyForPath('parameters[9].name', 'x', f)).toBe('parameters');
    });

    it('puts options of a non-select parameter at its type', () => {
      expect(
        fieldKeyForPath(
          'parameters[0].options',
          'only select parameters have options, not string',
          f,
        ),
      ).toBe(parameterFieldKey(reason.key, 'type'));
    });

    it('maps header paths to that header row', () => {
      expect(
        fieldKeyForPath('request.headers.authorization', 'unknown secret', f),
      ).toBe(headerFieldKey(authorization.key, 'value'));
      expect(
        fieldKeyForPath(
          'request.headers.content-type',
          "duplicate header (same as 'Content-Type')",
          f,
        ),
      ).toBe(headerFieldKey(contentType.key, 'name'));
      expect(
        fieldKeyForPath(
          'request.headers',
          "invalid header name 'content-type'",
          f,
        ),
      ).toBe(headerFieldKey(contentType.key, 'name'));
      expect(
        fieldKeyForPath(
          'request.headers.authorization',
          'must be at most 8192 characters',
          f,
        ),
      ).toBe(headerFieldKey(authorization.key, 'value'));
      expect(fieldKeyForPath('request.headers', 'at most 100 headers', f)).toBe(
        'request.headers',
      );
      expect(fieldKeyForPath('request.headers.x-other', 'x', f)).toBe(
        'request.headers',
      );
    });

    it('puts headers the HTTP client sets at the header name', () => {
      const host = { key: 'h-host', name: 'Host', value: 'example.com' };
      const withHost = form({ headers: [...f.headers, host] });
      expect(
        fieldKeyForPath(
          'request.headers.Host',
          'is set by the HTTP client; remove it',
          withHost,
        ),
      ).toBe(headerFieldKey(host.key, 'name'));
      expect(
        mapErrorMessages(
          ['request.headers.Host: is set by the HTTP client; remove it'],
          withHost,
        ),
      ).toEqual({
        fields: {
          [headerFieldKey(host.key, 'name')]:
            'is set by the HTTP client; remove it',
        },
        general: [],
      });
    });

    it('maps preview inputs and the entity ref to the preview fields', () => {
      expect(
        fieldKeyForPath('inputs.replicas', 'must be a whole number', f),
      ).toBe(previewInputKey(replicas.key));
      expect(
        fieldKeyForPath('inputs.unknown', 'unknown parameter', f),
      ).toBeUndefined();
      expect(fieldKeyForPath('entityRef', 'no entity', f)).toBe(
        'preview.entityRef',
      );
    });

    it('gives no field for fields the form does not show', () => {
      const global = form({ scopeType: 'global', accessType: 'everyone' });
      expect(fieldKeyForPath('scope.kinds', 'x', global)).toBeUndefined();
      expect(fieldKeyForPath('access.approvers', 'x', global)).toBeUndefined();
      expect(fieldKeyForPath('access.members', 'x', global)).toBeUndefined();
      expect(fieldKeyForPath('entityRef', 'x', global)).toBeUndefined();
      expect(fieldKeyForPath('scope.unknown', 'x', global)).toBeUndefined();
      expect(
        fieldKeyForPath(
          'execution.timeoutSeconds',
          'only event-driven workflows have a timeout',
          form({ executionType: 'simple' }),
        ),
      ).toBe('execution.type');
    });
  });

  describe('mapErrorMessages', () => {
    it('puts messages at their fields and the rest in general', () => {
      const f = form();
      expect(
        mapErrorMessages(
          [
            'parameters[4].options: a select parameter needs at least one option',
            "request.url: unknown variable {{data.region}} (no parameter 'region')",
            'Request failed with 500 Internal Server Error',
            'access.members: needs at least one user or group',
          ],
          f,
        ),
      ).toEqual({
        fields: {
          [parameterFieldKey(f.parameters[4].key, 'options')]:
            'a select parameter needs at least one option',
          'request.url':
            "unknown variable {{data.region}} (no parameter 'region')",
        },
        general: [
          'Request failed with 500 Internal Server Error',
          'access.members: needs at least one user or group',
        ],
      });
    });
  });

  describe('errorMessage and errorStatus', () => {
    it('read the backend message and status of a response error', async () => {
      const error = await makeResponseError(
        409,
        'ConflictError',
        "Workflow 'x' was edited meanwhile",
      );
      expect(errorMessage(error)).toBe("Workflow 'x' was edited meanwhile");
      expect(errorStatus(error)).toBe(409);
    });

    it('read plain errors', () => {
      expect(errorMessage(new Error('boom'))).toBe('boom');
      expect(errorStatus(new Error('boom'))).toBeUndefined();
      expect(
        errorStatus(Object.assign(new Error('x'), { statusCode: 400 })),
      ).toBe(400);
    });
  });

  describe('checkForm', () => {
    it('finds nothing wrong with a valid workflow', () => {
      expect(checkForm(form())).toEqual({});
    });

    it('does not ask a workflow of steps for the request fields it does not save', () => {
      const steps = toForm(stepsDefinition());
      expect(steps.url).toBe('');
      expect(checkForm(steps)).toEqual({});
      expect(checkForm({ ...steps, name: '' })).toEqual({
        name: 'Enter a name',
      });
    });

    it('asks for the required fields of a new workflow', () => {
      expect(checkForm(emptyForm())).toEqual({
        name: 'Enter a name',
        identifier: 'Enter an identifier',
        'request.url': 'Enter the URL to call',
      });
    });

    it('checks parameters, access, scope, timeout and headers', () => {
      const select = {
        ...emptyParameter(),
        name: 'Env',
        identifier: 'env',
        type: 'select' as const,
      };
      const duplicate = {
        ...emptyParameter(),
        name: 'Env 2',
        identifier: 'ENV',
        type: 'integer' as const,
        default: '1.5',
      };
      const f = form({
        scopeType: 'global',
        kinds: [],
        accessType: 'owners',
        executionType: 'event-driven',
        timeout: '31',
        timeoutUnit: 'hours',
        parameters: [select, duplicate],
        headers: [
          { key: 'h1', name: 'x-a', value: '1' },
          { key: 'h2', name: 'X-A', value: '2' },
          { key: 'h3', name: '', value: 'orphan' },
        ],
        method: 'GET',
      });
      expect(checkForm(f)).toEqual({
        'access.type':
          'Entity owners only is available for entity-specific workflows',
        [parameterFieldKey(select.key, 'options')]:
          'A select parameter needs at least one option',
        [parameterFieldKey(duplicate.key, 'identifier')]:
          "Another parameter is already 'ENV'",
        [parameterFieldKey(duplicate.key, 'default')]: 'Enter a whole number',
        [headerFieldKey('h2', 'name')]: 'This header is already set',
        [headerFieldKey('h3', 'name')]: 'Enter a header name',
        'request.body': 'A GET request cannot have a body',
      });
      expect(
        checkForm(
          form({
            executionType: 'event-driven',
            timeout: '721',
            timeoutUnit: 'hours',
          }),
        ),
      ).toEqual({
        'execution.timeoutSeconds': 'Enter a timeout from 1 minute to 30 days',
      });
      expect(
        checkForm(
          form({
            scopeType: 'entity',
            kinds: [],
            accessType: 'approval',
            approvers: [],
          }),
        ),
      ).toEqual({
        'scope.kinds': 'Choose at least one kind',
        'access.approvers': 'Choose at least one user or group',
      });
    });
  });

  describe('delivery', () => {
    it('puts the backend messages about delivery at its fields', () => {
      const f = form();
      expect(
        mapErrorMessages(
          [
            "delivery.signingKey: no key 'cii' in selfService.signing.keys (configured: ci)",
            'delivery.maxAttempts: must be a whole number from 1 to 10',
            'delivery: must be an object',
          ],
          f,
        ),
      ).toEqual({
        fields: {
          'delivery.signingKey':
            "no key 'cii' in selfService.signing.keys (configured: ci)",
          'delivery.maxAttempts': 'must be a whole number from 1 to 10',
        },
        general: ['delivery: must be an object'],
      });
    });

    it('puts a Standard Webhooks header the workflow sets at its name', () => {
      const header = { key: 'h-id', name: 'webhook-id', value: 'x' };
      expect(
        fieldKeyForPath(
          'request.headers.webhook-id',
          'is set on every attempt (Standard Webhooks: the delivery id, and signatures with delivery.signingKey); remove it',
          form({ headers: [header] }),
        ),
      ).toBe(headerFieldKey(header.key, 'name'));
    });

    it.each(['0', '11', '2.5', 'three', '-1'])(
      'refuses %s attempts before sending',
      maxAttempts => {
        expect(checkForm(form({ maxAttempts }))).toEqual({
          'delivery.maxAttempts': 'Enter a whole number from 1 to 10',
        });
      },
    );

    it.each(['', '1', '10', ' 3 '])('takes "%s" attempts', maxAttempts => {
      expect(checkForm(form({ maxAttempts }))).toEqual({});
    });

    it('drops the error of a delivery field once it changes', () => {
      const before = form();
      const errors = {
        'delivery.maxAttempts': 'bad',
        'delivery.signingKey': 'no such key',
      };
      expect(
        pruneErrors(errors, before, { ...before, signingKey: 'ci-2' }),
      ).toEqual({ 'delivery.maxAttempts': 'bad' });
      expect(
        pruneErrors(errors, before, { ...before, maxAttempts: '4' }),
      ).toEqual({ 'delivery.signingKey': 'no such key' });
    });
  });

  describe('pruneErrors', () => {
    it('drops the error of a field once it changes and keeps the others', () => {
      const before = form();
      const [reason, replicas] = before.parameters;
      const errors = {
        'request.url': 'bad',
        name: 'bad name',
        [parameterFieldKey(reason.key, 'name')]: 'bad',
        [parameterFieldKey(replicas.key, 'default')]: 'bad',
      };
      const after = {
        ...before,
        url: 'https://example.com/',
        parameters: [
          reason,
          { ...replicas, default: '3' },
          ...before.parameters.slice(2),
        ],
      };
      expect(pruneErrors(errors, before, after)).toEqual({
        name: 'bad name',
        [parameterFieldKey(reason.key, 'name')]: 'bad',
      });
    });

    it('keeps errors of a parameter that only moved', () => {
      const before = form();
      const [first, second, ...rest] = before.parameters;
      const errors = { [parameterFieldKey(first.key, 'name')]: 'bad' };
      const after = { ...before, parameters: [second, first, ...rest] };
      expect(pruneErrors(errors, before, after)).toBe(errors);
    });
  });
});
