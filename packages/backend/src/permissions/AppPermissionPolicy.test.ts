import {
  AuthorizeResult,
  createPermission,
} from '@backstage/plugin-permission-common';
import {
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowRunPermission,
} from '@backstage-self-service/plugin-self-service-common';
import { mockCredentials } from '@backstage/backend-test-utils';
import { AppPermissionPolicy } from './AppPermissionPolicy';

describe('AppPermissionPolicy', () => {
  const user = {
    credentials: mockCredentials.user('user:default/ada'),
    info: {
      userEntityRef: 'user:default/ada',
      ownershipEntityRefs: ['user:default/ada', 'group:default/platform'],
    },
  };

  it('allows what no rule decides, including self-service permissions', async () => {
    const policy = new AppPermissionPolicy();
    await expect(
      policy.handle({ permission: selfServiceWorkflowCreatePermission }, user),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
    await expect(
      policy.handle({ permission: selfServiceWorkflowRunPermission }, user),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
  });

  it('lets the first rule that decides win', async () => {
    const deleteThings = createPermission({
      name: 'things.delete',
      attributes: { action: 'delete' },
    });
    const policy = new AppPermissionPolicy([
      req =>
        req.permission.attributes.action === 'delete'
          ? { result: AuthorizeResult.DENY }
          : undefined,
      () => ({ result: AuthorizeResult.ALLOW }),
    ]);
    await expect(
      policy.handle({ permission: deleteThings }, user),
    ).resolves.toEqual({ result: AuthorizeResult.DENY });
    await expect(
      policy.handle({ permission: selfServiceWorkflowCreatePermission }, user),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
  });
});
