import {
  coreServices,
  createBackendModule,
} from '@backstage/backend-plugin-api';
import { NotAllowedError } from '@backstage/errors';
import {
  authProvidersExtensionPoint,
  createProxyAuthProviderFactory,
} from '@backstage/plugin-auth-node';

/** The header the development sign-in page sends the chosen user name in. */
export const DEV_USER_HEADER = 'x-dev-user';

const USER_NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/i;

/**
 * Development-only sign-in as any user of the catalog, so that a requester,
 * an approver and an entity owner can be tried in one browser. It registers
 * the `dev-users` provider only when `auth.providers.dev-users` is configured
 * and `auth.environment` is `development`, and signs in only users that
 * exist in the catalog.
 */
export const devUsersAuthModule = createBackendModule({
  pluginId: 'auth',
  moduleId: 'dev-users-provider',
  register(reg) {
    reg.registerInit({
      deps: {
        providers: authProvidersExtensionPoint,
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ providers, config, logger }) {
        const environment =
          config.getOptionalString('auth.environment') ?? 'development';
        if (!config.has('auth.providers.dev-users')) {
          return;
        }
        if (environment !== 'development') {
          logger.warn(
            `auth.providers.dev-users is ignored outside development (auth.environment is '${environment}')`,
          );
          return;
        }
        providers.registerProvider({
          providerId: 'dev-users',
          factory: createProxyAuthProviderFactory<{ name: string }>({
            authenticator: {
              defaultProfileTransform: async ({ name }) => ({
                profile: { displayName: name },
              }),
              initialize: () => undefined,
              async authenticate({ req }) {
                const name = req.header(DEV_USER_HEADER) ?? '';
                if (!USER_NAME.test(name)) {
                  throw new NotAllowedError(
                    `${DEV_USER_HEADER}: name a user of the catalog, like ada`,
                  );
                }
                return { result: { name } };
              },
            },
            async signInResolver({ result }, ctx) {
              return ctx.signInWithCatalogUser({
                entityRef: {
                  kind: 'User',
                  namespace: 'default',
                  name: result.name,
                },
              });
            },
          }),
        });
      },
    });
  },
});
