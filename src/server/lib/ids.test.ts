import { describe, expect, it } from 'vitest';
import { newId, requestIdGenerator } from './ids.ts';
import { hashSecret, hashSecretMemo } from './secrets.ts';

describe('request ids', () => {
  it('are unique within a process and between generators (instances)', () => {
    const a = requestIdGenerator();
    const b = requestIdGenerator();
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      ids.add(a());
      ids.add(b());
    }
    expect(ids.size).toBe(10_000);
    // Safe as a log field and as the x-request-id header we also accept from clients.
    for (const id of [...ids].slice(0, 50)) expect(id).toMatch(/^[\w.-]{1,100}$/);
  });

  it('row ids stay time-ordered UUIDv7', () => {
    const first = newId();
    const second = newId();
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second > first).toBe(true);
  });
});

describe('hashSecretMemo', () => {
  it('answers exactly like hashSecret, per key, also after many other secrets went through', () => {
    const first = hashSecretMemo('key-1', 'token-a');
    expect(first).toBe(hashSecret('key-1', 'token-a'));
    expect(hashSecretMemo('key-2', 'token-a')).toBe(hashSecret('key-2', 'token-a'));
    expect(hashSecretMemo('key-2', 'token-a')).not.toBe(first);
    for (let i = 0; i < 10_000; i++) hashSecretMemo('key-1', `other-${i}`);
    expect(hashSecretMemo('key-1', 'token-a')).toBe(first);
    expect(hashSecretMemo('key-1', 'other-9999')).toBe(hashSecret('key-1', 'other-9999'));
  });
});
