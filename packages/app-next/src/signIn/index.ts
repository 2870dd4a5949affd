import { createFrontendModule } from '@backstage/frontend-plugin-api';
import { SignInPageBlueprint } from '@backstage/plugin-app-react';

/**
 * Replaces the app's sign-in page with the local one that lists the example
 * users (`app.devSignIn.users`) and guest. Sign-in page extensions belong to
 * the app plugin, hence a module of it.
 */
export const signInModule = createFrontendModule({
  pluginId: 'app',
  extensions: [
    SignInPageBlueprint.make({
      params: {
        loader: () => import('./DevSignInPage').then(m => m.DevSignInPage),
      },
    }),
  ],
});
