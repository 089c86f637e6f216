// One catalogue of the ways a call can fail. Every layer throws AppError; the API maps `code` to
// the envelope's responseCode and HTTP status.
export const ResponseCode = {
  OK: 'OK',
  CLIENT_ERROR: 'CLIENT_ERROR',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  RESOURCE_NOT_FOUND: 'RESOURCE_NOT_FOUND',
  CONFLICT: 'CONFLICT',
  TOO_MANY_REQUESTS: 'TOO_MANY_REQUESTS',
  SERVER_ERROR: 'SERVER_ERROR',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
} as const;
export type ResponseCode = (typeof ResponseCode)[keyof typeof ResponseCode];
export type ErrorCode = Exclude<ResponseCode, 'OK'>;

export const httpStatusOf: Record<ResponseCode, number> = {
  OK: 200,
  CLIENT_ERROR: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  RESOURCE_NOT_FOUND: 404,
  CONFLICT: 409,
  TOO_MANY_REQUESTS: 429,
  SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
};

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; statusCode?: number },
  ) {
    super(message, options);
    this.statusCode = options?.statusCode ?? httpStatusOf[code];
  }
  readonly statusCode: number;
}

export const clientError = (message: string) => new AppError('CLIENT_ERROR', message);
export const forbidden = (message: string) => new AppError('FORBIDDEN', message);
/** A user token that cannot be trusted (bad signature, expired, wrong issuer or audience). */
export const unauthorized = (message: string) => new AppError('UNAUTHORIZED', message);
export const unavailable = (message: string) => new AppError('SERVICE_UNAVAILABLE', message);
export const notFound = (message: string) => new AppError('RESOURCE_NOT_FOUND', message);
/** The request is in a state that does not allow the call (cancelling a final request). */
export const conflict = (message: string) => new AppError('CONFLICT', message);
