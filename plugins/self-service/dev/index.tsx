import { createDevApp } from '@backstage/dev-utils';
import { selfServicePlugin, SelfServicePage } from '../src/plugin';

createDevApp()
  .registerPlugin(selfServicePlugin)
  .addPage({
    element: <SelfServicePage />,
    title: 'Self-Service',
    path: '/self-service',
  })
  .render();
