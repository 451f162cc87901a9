/**
 * An error the user can fix: bad input file, bad flag, inconsistent config. The CLI prints its
 * message as one line (`albert: <message>`) and exits non-zero, with no stack trace.
 * Name the file and the problem in the message: `config.json: hidden_size must be divisible by ...`.
 */
export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserError';
  }
}

/** A UserError about one file: "<file>: <problem>". */
export function fileError(file: string, problem: string): UserError {
  return new UserError(`${file}: ${problem}`);
}
