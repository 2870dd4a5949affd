export { devUsersAuthModule as default } from './auth/devUsersAuthModule';
