import pino from 'pino';
import { handleProcessFailures } from '../src/process-failures';

// A process with the server's failure handling: `rejection` leaves a rejected promise unobserved
// (as a fire-and-forget Redis command does when its connection closes), `exception` throws out
// of a timer. Either way it then tries to go on for a moment.
const logger = pino({ base: null });
handleProcessFailures(logger);
if (process.argv[2] === 'rejection') void Promise.reject(new Error('Connection is closed.'));
else
  setTimeout(() => {
    throw new Error('state left half-changed');
  }, 0);
setTimeout(() => logger.info('still serving'), 100);
