import { useState } from 'react';
import {
  Content,
  Header,
  InfoCard,
  Page,
  ProxiedSignInPage,
  SignInPage,
} from '@backstage/core-components';
import {
  configApiRef,
  type IdentityApi,
  useApi,
} from '@backstage/frontend-plugin-api';
import type { SignInPageProps } from '@backstage/plugin-app-react';
import {
  Box,
  Button,
  FormControlLabel,
  Radio,
  RadioGroup,
  Typography,
} from '@material-ui/core';

const CHOICE_KEY = 'self-service-dev-sign-in';
const GUEST = 'guest';

interface DevUser {
  name: string;
  title: string;
}

/** Forgets the chosen user when they sign out, so the chooser shows again. */
function forgetChoiceOnSignOut(identity: IdentityApi): IdentityApi {
  return {
    getProfileInfo: () => identity.getProfileInfo(),
    getBackstageIdentity: () => identity.getBackstageIdentity(),
    getCredentials: () => identity.getCredentials(),
    signOut: async () => {
      window.localStorage.removeItem(CHOICE_KEY);
      await identity.signOut();
    },
  };
}

/**
 * The same page as packages/app's (src/components/signIn/DevSignInPage.tsx),
 * typed for the new frontend system's sign-in page extension.
 *
 * Local sign-in: guest, or any example user listed in `app.devSignIn.users`
 * (signed in by the backend's development-only `dev-users` provider), so that
 * a requester, an approver and an owner can be tried in one browser. Without
 * that configuration it is the usual guest sign-in page.
 */
export function DevSignInPage(props: SignInPageProps) {
  const config = useApi(configApiRef);
  const users: DevUser[] =
    config.getOptionalConfigArray('app.devSignIn.users')?.map(user => ({
      name: user.getString('name'),
      title: user.getString('title'),
    })) ?? [];
  const [chosen, setChosen] = useState<string | null>(() =>
    window.localStorage.getItem(CHOICE_KEY),
  );
  const [selection, setSelection] = useState<string>(users[0]?.name ?? GUEST);

  const onSignInSuccess = (identity: IdentityApi) =>
    props.onSignInSuccess(forgetChoiceOnSignOut(identity));

  if (users.length === 0 || chosen === GUEST) {
    return (
      <SignInPage
        {...props}
        onSignInSuccess={onSignInSuccess}
        auto={chosen === GUEST}
        providers={['guest']}
      />
    );
  }
  if (chosen) {
    return (
      <ProxiedSignInPage
        {...props}
        onSignInSuccess={onSignInSuccess}
        provider="dev-users"
        headers={{ 'x-dev-user': chosen }}
        ErrorComponent={({ error }) => (
          <Page themeId="home">
            <Header title="Could not sign in" />
            <Content>
              <Typography paragraph>
                {`Signing in as ${chosen} failed: ${
                  error?.message ?? 'unknown error'
                }`}
              </Typography>
              <Button
                variant="contained"
                color="primary"
                onClick={() => {
                  window.localStorage.removeItem(CHOICE_KEY);
                  setChosen(null);
                }}
              >
                Choose another user
              </Button>
            </Content>
          </Page>
        )}
      />
    );
  }

  return (
    <Page themeId="home">
      <Header
        title="Backstage Self-Service"
        subtitle="Local sign-in for development"
      />
      <Content>
        <Box maxWidth={560}>
          <InfoCard title="Sign in as">
            <form
              onSubmit={event => {
                event.preventDefault();
                window.localStorage.setItem(CHOICE_KEY, selection);
                setChosen(selection);
              }}
            >
              <RadioGroup
                aria-label="Example user"
                name="dev-user"
                value={selection}
                onChange={event => setSelection(event.target.value)}
              >
                {users.map(user => (
                  <FormControlLabel
                    key={user.name}
                    value={user.name}
                    control={<Radio />}
                    label={user.title}
                  />
                ))}
                <FormControlLabel
                  value={GUEST}
                  control={<Radio />}
                  label="Guest (owns nothing)"
                />
              </RadioGroup>
              <Box mt={2}>
                <Button type="submit" variant="contained" color="primary">
                  Sign in
                </Button>
              </Box>
            </form>
          </InfoCard>
        </Box>
      </Content>
    </Page>
  );
}
