import './calls.css';

// Calls are small and must be ready the moment one rings, so this module loads with the app.
export { CallLayer } from './CallLayer';
export { CallButtons } from './CallButtons';
