import { createApp } from '@backstage/frontend-defaults';
import catalogPlugin from '@backstage/plugin-catalog/alpha';
import notificationsPlugin from '@backstage/plugin-notifications/alpha';
import orgPlugin from '@backstage/plugin-org/alpha';
import signalsPlugin from '@backstage/plugin-signals/alpha';
import userSettingsPlugin from '@backstage/plugin-user-settings/alpha';
import selfServicePlugin from '@backstage-self-service/plugin-self-service/alpha';
import { signInModule } from './signIn';

/**
 * The app on the new frontend system: every page, nav item, entity tab and
 * API comes from the features below (packages/app is the same app on the
 * legacy system).
 */
const app = createApp({
  features: [
    catalogPlugin,
    orgPlugin,
    notificationsPlugin,
    signalsPlugin,
    userSettingsPlugin,
    selfServicePlugin,
    signInModule,
  ],
});

export default app.createRoot();
