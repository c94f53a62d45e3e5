import { describe, expect, it } from 'vitest';
import { numberPlaceholders } from './pg-db.js';

describe('numberPlaceholders', () => {
  it('numbers each ? in order and leaves one inside a quoted literal', () => {
    expect(numberPlaceholders(`UPDATE t SET a = ?, b = 'why?' WHERE c = ? AND d = ''''`)).toBe(
      `UPDATE t SET a = $1, b = 'why?' WHERE c = $2 AND d = ''''`,
    );
  });
});
