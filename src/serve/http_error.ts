// The errors a client gets, in TEI's shape: a status and the body {error, error_type}, error_type
// named as TEI's enum (Overloaded 429, Validation 422, Empty 400, Backend 424, Unhealthy 503).
export type ErrorType = 'Overloaded' | 'Validation' | 'Tokenizer' | 'Empty' | 'Backend' | 'Unhealthy' | 'NotFound' | 'PayloadTooLarge';

export class HttpError extends Error {
  constructor(readonly status: number, readonly type: ErrorType, message: string, readonly headers: Record<string, string> = {}) {
    super(message);
  }

  body(): { error: string; error_type: ErrorType } {
    return { error: this.message, error_type: this.type };
  }
}

/** 422: the request's fields are wrong (TEI's "Input validation error: ..."). */
export const invalid = (message: string) => new HttpError(422, 'Validation', `Input validation error: ${message}`);

/** 400: no inputs at all. */
export const emptyInputs = () => new HttpError(400, 'Empty', 'Input validation error: `inputs` cannot be empty');

export const overloaded = (retryAfterSeconds: number) =>
  new HttpError(429, 'Overloaded', 'Model is overloaded', { 'retry-after': String(retryAfterSeconds) });
