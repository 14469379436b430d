import { describe, expect, it } from 'vitest';
import { matchField } from './use-form-errors.ts';

const fields = ['email', 'password', 'teamId'] as const;

describe('matchField', () => {
  it('maps the field paths the API reports to the form field they name', () => {
    expect(matchField('email', fields)).toBe('email');
    expect(matchField('body.email', fields)).toBe('email');
    expect(matchField('/teamId', fields)).toBe('teamId');
    expect(matchField('password.length', fields)).toBe('password');
  });

  it('names no field for paths the form does not have', () => {
    expect(matchField('orgName', fields)).toBeNull();
    expect(matchField('', fields)).toBeNull();
  });
});
