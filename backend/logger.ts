import { pino, type Logger } from 'pino';

/** The backend's logger: JSON lines; tokens and passwords never reach a log line, wherever they sit. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { svc: 'wanwatch' },
    redact: {
      paths: [
        'authorization',
        '*.authorization',
        'req.headers.authorization',
        'headers.authorization',
        'token',
        '*.token',
        'adminToken',
        '*.adminToken',
        'password',
        '*.password',
      ],
      censor: '[redacted]',
    },
  });
}
