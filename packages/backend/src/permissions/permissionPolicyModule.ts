import { createBackendModule } from '@backstage/backend-plugin-api';
import { policyExtensionPoint } from '@backstage/plugin-permission-node/alpha';
import { AppPermissionPolicy } from './AppPermissionPolicy';
import { selfServiceRules } from './selfServiceRules';

/** Installs {@link AppPermissionPolicy} as the permission backend's policy. */
export const permissionPolicyModule = createBackendModule({
  pluginId: 'permission',
  moduleId: 'app-policy',
  register(reg) {
    reg.registerInit({
      deps: { policy: policyExtensionPoint },
      async init({ policy }) {
        policy.setPolicy(new AppPermissionPolicy(selfServiceRules));
      },
    });
  },
});
