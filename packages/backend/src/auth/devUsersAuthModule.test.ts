import {
  TestDatabases,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import authPlugin from '@backstage/plugin-auth-backend';
import type { JsonObject } from '@backstage/types';
import request from 'supertest';
import { devUsersAuthModule } from './devUsersAuthModule';

const grace = {
  apiVersion: 'backstage.io/v1alpha1',
  kind: 'User',
  metadata: { name: 'grace', namespace: 'default' },
  spec: { memberOf: ['payments-team'] },
  relations: [{ type: 'memberOf', targetRef: 'group:default/payments-team' }],
};

/*
 * The auth plugin's database comes from TestDatabases, which destroys it
 * after the suite. The test backend's default database service leaves its
 * SQLite clients open, and their pool reapers kept the Jest worker that ran
 * this suite alive at the end of a run ("A worker process has failed to exit
 * gracefully").
 */
const databases = TestDatabases.create({ ids: ['SQLITE_3'] });

async function start(auth: JsonObject) {
  const knex = await databases.init('SQLITE_3');
  const { server } = await startTestBackend({
    features: [
      authPlugin,
      devUsersAuthModule,
      mockServices.database.factory({ knex }),
      catalogServiceMock.factory({ entities: [grace] }),
      mockServices.rootConfig.factory({
        data: {
          app: { baseUrl: 'http://localhost:3000' },
          backend: { baseUrl: 'http://localhost:7007' },
          auth,
        },
      }),
    ],
  });
  return (name: string) =>
    request(server)
      .get('/api/auth/dev-users/refresh')
      .set('x-dev-user', name)
      .set('x-requested-with', 'XMLHttpRequest');
}

describe('devUsersAuthModule', () => {
  it('signs in a catalog user with their groups', async () => {
    const signIn = await start({ providers: { 'dev-users': {} } });
    const res = await signIn('grace');
    expect(res.status).toBe(200);
    expect(res.body.backstageIdentity.identity).toEqual({
      type: 'user',
      userEntityRef: 'user:default/grace',
      ownershipEntityRefs: expect.arrayContaining([
        'user:default/grace',
        'group:default/payments-team',
      ]),
    });
  });

  it('refuses users that are not in the catalog, and malformed names', async () => {
    const signIn = await start({ providers: { 'dev-users': {} } });
    expect((await signIn('nobody')).status).toBe(404);
    expect((await signIn('../admin')).status).toBe(403);
  });

  it('does not exist outside development or unless configured', async () => {
    const production = await start({
      environment: 'production',
      providers: { 'dev-users': {} },
    });
    expect((await production('grace')).status).toBe(404);
    const unconfigured = await start({ providers: {} });
    expect((await unconfigured('grace')).status).toBe(404);
  });
});
