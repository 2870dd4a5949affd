export { permissionPolicyModule as default } from './permissions/permissionPolicyModule';
