export { SelfServiceContent, SelfServicePage } from './SelfServicePage';
