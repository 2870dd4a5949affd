import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { setupServer } from 'msw/node';
import { http, HttpResponse } from 'msw';
import {
  mockApis,
  registerMswTestHooks,
  renderInTestApp,
  TestApiProvider,
} from '@backstage/test-utils';
import {
  configApiRef,
  discoveryApiRef,
  type IdentityApi,
} from '@backstage/core-plugin-api';
import { DevSignInPage } from './DevSignInPage';

const config = mockApis.config({
  data: {
    app: {
      devSignIn: {
        users: [
          { name: 'ada', title: 'Ada Lovelace (Platform Team)' },
          { name: 'grace', title: 'Grace Hopper (Payments Team)' },
        ],
      },
    },
  },
});

describe('DevSignInPage', () => {
  const server = setupServer();
  registerMswTestHooks(server);

  beforeEach(() => window.localStorage.clear());

  it('signs in as the chosen example user, and forgets the choice on sign-out', async () => {
    const sentUsers: Array<string | null> = [];
    server.use(
      http.get(
        'http://backstage.test/api/auth/dev-users/refresh',
        ({ request }) => {
          sentUsers.push(request.headers.get('x-dev-user'));
          return HttpResponse.json({
            profile: { displayName: 'grace' },
            backstageIdentity: {
              token: 'header.eyJzdWIiOiJ1c2VyOmRlZmF1bHQvZ3JhY2UifQ.signature',
              identity: {
                type: 'user',
                userEntityRef: 'user:default/grace',
                ownershipEntityRefs: ['user:default/grace'],
              },
            },
          });
        },
      ),
      http.post('http://backstage.test/api/auth/dev-users/logout', () =>
        HttpResponse.json({}),
      ),
    );
    const onSignInSuccess = jest.fn<void, [IdentityApi]>();

    await renderInTestApp(
      <TestApiProvider
        apis={[
          [configApiRef, config],
          [
            discoveryApiRef,
            mockApis.discovery({ baseUrl: 'http://backstage.test' }),
          ],
        ]}
      >
        <DevSignInPage onSignInSuccess={onSignInSuccess} />
      </TestApiProvider>,
    );

    expect(screen.getByRole('radio', { name: /Ada Lovelace/ })).toBeChecked();
    expect(screen.getByRole('radio', { name: /Guest/ })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('radio', { name: /Grace Hopper/ }));
    await userEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    await waitFor(() => expect(onSignInSuccess).toHaveBeenCalled());
    expect(sentUsers).toContain('grace');
    const identity = onSignInSuccess.mock.calls[0][0];
    await expect(identity.getBackstageIdentity()).resolves.toMatchObject({
      userEntityRef: 'user:default/grace',
    });
    expect(window.localStorage.getItem('self-service-dev-sign-in')).toBe(
      'grace',
    );

    await identity.signOut().catch(() => undefined);
    expect(window.localStorage.getItem('self-service-dev-sign-in')).toBeNull();
  });

  it('is the usual guest sign-in without example users', async () => {
    await renderInTestApp(
      <TestApiProvider
        apis={[
          [
            configApiRef,
            mockApis.config({
              data: {
                app: { title: 'Test' },
                backend: { baseUrl: 'http://backstage.test' },
              },
            }),
          ],
          [
            discoveryApiRef,
            mockApis.discovery({ baseUrl: 'http://backstage.test' }),
          ],
        ]}
      >
        <DevSignInPage onSignInSuccess={jest.fn()} />
      </TestApiProvider>,
    );
    expect(screen.queryByRole('radio')).not.toBeInTheDocument();
    expect(screen.getAllByText(/guest/i).length).toBeGreaterThan(0);
    expect(screen.getByRole('button', { name: /enter/i })).toBeInTheDocument();
  });
});
