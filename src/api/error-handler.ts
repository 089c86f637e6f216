import type { FastifyError, FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../db/errors.js';
import { AppError, type ErrorCode, httpStatusOf } from '../errors.js';
import { describeSchemaErrors } from '../schema-errors.js';
import { errorEnvelope } from './envelope.js';

/** Maps every failure to the envelope: clear 4xx for bad input, 503 for an absent database, 500 last. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const { code, status, message } = classify(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    return reply.status(status).send(errorEnvelope(request, code, message));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    return reply.status(404).send(errorEnvelope(request, 'RESOURCE_NOT_FOUND', `no route ${request.method} ${path.slice(0, 300)}`));
  });
}

function classify(error: FastifyError): { code: ErrorCode; status: number; message: string } {
  if (error instanceof AppError) return { code: error.code, status: error.statusCode, message: error.message };
  if (error.validation) {
    return { code: 'CLIENT_ERROR', status: 400, message: describeSchemaErrors(error.validation) };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { code: 'CLIENT_ERROR', status: 413, message: 'request body is larger than 1 MiB' };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { code: 'CLIENT_ERROR', status: 415, message: 'Content-Type must be application/json' };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'CLIENT_ERROR', status: 400, message: 'body is empty; send a JSON object' };
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return { code: 'CLIENT_ERROR', status: 400, message: 'body is not valid JSON' };
  }
  if (error instanceof SyntaxError) return { code: 'CLIENT_ERROR', status: 400, message: 'body is not valid JSON' };
  if (isDatabaseUnavailable(error)) {
    return { code: 'SERVICE_UNAVAILABLE', status: 503, message: 'the database is unavailable; try again shortly' };
  }
  const status = error.statusCode ?? 500;
  if (status >= 400 && status < 500) return { code: status === 429 ? 'TOO_MANY_REQUESTS' : status === 404 ? 'RESOURCE_NOT_FOUND' : 'CLIENT_ERROR', status, message: error.message };
  return { code: 'SERVER_ERROR', status: httpStatusOf.SERVER_ERROR, message: 'internal error; the request was logged' };
}
