import { mockCredentials } from '@backstage/backend-test-utils';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  selfServiceRunReadPermission,
  selfServiceWorkflowCreatePermission,
  selfServiceWorkflowDeletePermission,
  selfServiceWorkflowRunPermission,
  selfServiceWorkflowUpdatePermission,
} from '@backstage-self-service/plugin-self-service-common';
import { AppPermissionPolicy } from './AppPermissionPolicy';
import { selfServiceRules } from './selfServiceRules';

function user(ref: string, groups: string[]) {
  return {
    credentials: mockCredentials.user(ref),
    info: { userEntityRef: ref, ownershipEntityRefs: [ref, ...groups] },
  };
}

const ada = user('user:default/ada', ['group:default/platform-team']);
const grace = user('user:default/grace', ['group:default/payments-team']);
const policy = new AppPermissionPolicy(selfServiceRules);

describe('self-service rules of the app policy', () => {
  it.each([
    selfServiceWorkflowCreatePermission,
    selfServiceWorkflowUpdatePermission,
    selfServiceWorkflowDeletePermission,
  ])('lets only the platform team $name', async permission => {
    await expect(policy.handle({ permission }, ada)).resolves.toEqual({
      result: AuthorizeResult.ALLOW,
    });
    await expect(policy.handle({ permission }, grace)).resolves.toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('lets the platform team see every run and leaves others to the built-in visibility', async () => {
    const permission = selfServiceRunReadPermission;
    await expect(policy.handle({ permission }, ada)).resolves.toEqual({
      result: AuthorizeResult.ALLOW,
    });
    await expect(policy.handle({ permission }, grace)).resolves.toEqual({
      result: AuthorizeResult.DENY,
    });
  });

  it('lets everyone run workflows, within their access modes', async () => {
    await expect(
      policy.handle({ permission: selfServiceWorkflowRunPermission }, grace),
    ).resolves.toEqual({ result: AuthorizeResult.ALLOW });
  });
});
