import { InputError } from '@backstage/errors';
import { validateRunEntity, type RunEntityRules } from './validateRunEntity';

const rules: RunEntityRules = {
  allowedKinds: ['Component', 'Resource', 'System'],
  runId: 'run-1',
  workflowIdentifier: 'provision-preview',
  runUrl: 'http://localhost:7007/api/self-service/runs/run-1',
  requesterGroups: ['group:default/team-a', 'group:default/team-b'],
  anyOwner: false,
};

const resource = (extra: Record<string, unknown> = {}) => ({
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'Resource',
  metadata: { name: 'preview-pr-42' },
  spec: { type: 'environment' },
  ...extra,
});

async function refusal(body: unknown, overrides: Partial<RunEntityRules> = {}) {
  const error = await validateRunEntity(body, { ...rules, ...overrides }).then(
    () => undefined,
    e => e,
  );
  expect(error).toBeInstanceOf(InputError);
  return (error as Error).message;
}

describe('validateRunEntity', () => {
  it('annotates the entity with its run, workflow and location, owned by the first group by default', async () => {
    const { entity, entityRef } = await validateRunEntity(resource(), rules);
    expect(entityRef).toBe('resource:default/preview-pr-42');
    expect(entity.metadata.namespace).toBe('default');
    expect(entity.spec?.owner).toBe('group:default/team-a');
    expect(entity.metadata.annotations).toEqual({
      'backstage.io/managed-by-location': `url:${rules.runUrl}`,
      'backstage.io/managed-by-origin-location': `url:${rules.runUrl}`,
      'backstage.io/view-url': '/self-service/runs/run-1',
      'self-service.backstage.io/run-id': 'run-1',
      'self-service.backstage.io/workflow': 'provision-preview',
    });
  });

  it("takes an owner among the requester's groups, written short", async () => {
    const { entity } = await validateRunEntity(
      resource({ spec: { type: 'environment', owner: 'team-b' } }),
      rules,
    );
    expect(entity.spec?.owner).toBe('group:default/team-b');
  });

  it('refuses an owner the requester does not belong to, unless the workflow allows any', async () => {
    const body = resource({
      spec: { type: 'environment', owner: 'group:platform' },
    });
    expect(await refusal(body)).toMatch(
      /^spec\.owner: 'group:platform' is not a group/,
    );
    const { entity } = await validateRunEntity(body, {
      ...rules,
      anyOwner: true,
    });
    expect(entity.spec?.owner).toBe('group:default/platform');
  });

  it('refuses a default owner when the requester is in no group', async () => {
    expect(await refusal(resource(), { requesterGroups: [] })).toMatch(
      /^spec\.owner: required/,
    );
  });

  it('refuses kinds not allowed, naming the setting', async () => {
    const message = await refusal(resource({ kind: 'Group' }));
    expect(message).toMatch(/^kind: 'Group' may not be created by runs/);
    expect(message).toContain('selfService.catalog.allowedKinds');
    // Kinds compare as the catalog compares them, and are written as configured.
    const { entity } = await validateRunEntity(
      resource({ kind: 'resource' }),
      rules,
    );
    expect(entity.kind).toBe('Resource');
  });

  it('refuses malformed entities, naming the field', async () => {
    expect(await refusal('nope')).toMatch(/^entity: must be an object/);
    expect(await refusal(resource({ kind: undefined }))).toMatch(
      /^kind: required/,
    );
    expect(await refusal(resource({ metadata: 'x' }))).toMatch(
      /^metadata: required/,
    );
    expect(
      await refusal(resource({ metadata: { name: 'Not a valid name!' } })),
    ).toMatch(/^entity: .*metadata\.name/);
    // The kind's own schema: a Resource needs its spec.type.
    expect(await refusal(resource({ spec: {} }))).toMatch(/^entity: .*type/);
    expect(await refusal(resource({ status: 'x', other: 1 }))).toMatch(
      /^entity: /,
    );
  });
});
