import { describe, expect, it } from 'vitest';
import { apiErrorFromResponse, errorDetails } from '../../src/api/http-errors.js';

describe('API error details', () => {
  it('keeps details given as a string, not only as an array', () => {
    const body = { errors: [{ error_code: 400, description: 'Bad Request', details: 'name is too long' }] };
    expect(errorDetails(body)).toEqual({ description: 'Bad Request', details: ['name is too long'] });
    const e = apiErrorFromResponse({
      method: 'POST',
      path: '/v1/event_streams',
      status: 400,
      body,
      attempts: 1,
    });
    expect(e.message).toBe('POST /v1/event_streams → HTTP 400 Bad Request: name is too long');
  });

  it('keeps string and number details of an array', () => {
    const body = { errors: [{ details: ['a', 2, { x: 1 }] }] };
    expect(errorDetails(body).details).toEqual(['a', '2']);
  });
});
