import { configFromEnv } from './env';
import { createLogger } from './log';
import { startServer } from './server';

// `npm start` execs `node dist-server/index.js`, so the signals a supervisor (or Ctrl-C) sends to the
// process it started land here, and the server stops fully before the process exits.

const log = createLogger();
const running = await startServer(configFromEnv(), { log });

let signalled = false;
function stop(signal: NodeJS.Signals) {
  if (signalled) return;
  signalled = true;
  log.info({ signal }, 'shutting down');
  // A stuck drain must not keep a stopped server alive: exit with an error after the deadline.
  setTimeout(() => process.exit(1), 15_000).unref();
  running.shutdown().then(
    () => process.exit(0),
    (error: unknown) => {
      log.error({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
