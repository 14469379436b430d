import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './webhook-signing.ts';
import { refusedAddress, webhookUrlProblem } from './webhook-url.ts';

describe('webhook URL checks', () => {
  it('accepts public http and https URLs', () => {
    expect(webhookUrlProblem('https://hooks.example.com/outfield?x=1', false)).toBeNull();
    expect(webhookUrlProblem('http://203.0.113.10:8080/hook', false)).toBeNull();
  });

  it('refuses other schemes, credentials and over-long URLs', () => {
    expect(webhookUrlProblem('ftp://example.com/x', false)).toMatch(/http or https/);
    expect(webhookUrlProblem('javascript:alert(1)', false)).toMatch(/http or https/);
    expect(webhookUrlProblem('not a url', false)).toMatch(/absolute URL/);
    expect(webhookUrlProblem('https://user:pw@example.com/', false)).toMatch(/user name or password/);
    expect(webhookUrlProblem(`https://example.com/${'a'.repeat(2100)}`, false)).toMatch(/at most 2048/);
  });

  it('refuses metadata, link-local and (outside tests) loopback targets', () => {
    expect(webhookUrlProblem('http://169.254.169.254/latest/meta-data', true)).toMatch(/metadata/);
    expect(webhookUrlProblem('http://metadata.google.internal/computeMetadata/v1', true)).toMatch(/metadata/);
    expect(webhookUrlProblem('http://169.254.10.1/', true)).toMatch(/link-local/);
    expect(webhookUrlProblem('http://[fe80::1]/', true)).toMatch(/link-local/);
    expect(webhookUrlProblem('http://[::ffff:169.254.169.254]/', true)).toMatch(/metadata/);
    expect(webhookUrlProblem('http://0.0.0.0:80/', true)).toMatch(/unicast/);
    expect(webhookUrlProblem('http://127.0.0.1:9000/', false)).toMatch(/loopback/);
    expect(webhookUrlProblem('http://localhost:9000/', false)).toMatch(/loopback/);
    expect(webhookUrlProblem('http://[::1]:9000/', false)).toMatch(/loopback/);
    expect(webhookUrlProblem('http://127.0.0.1:9000/', true)).toBeNull();
  });

  it('classifies resolved addresses the same way', () => {
    expect(refusedAddress('::ffff:127.0.0.1', false)).toMatch(/loopback/);
    expect(refusedAddress('10.0.0.5', false)).toBeNull();
  });
});

describe('Standard Webhooks signatures', () => {
  // The test vector published with the Standard Webhooks specification.
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const id = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const timestamp = 1614265330;
  const body = '{"test": 2432232314}';

  it('signs the published test vector', () => {
    expect(signWebhook(secret, id, timestamp, body)).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies within the tolerance and refuses tampering or stale timestamps', () => {
    const signature = signWebhook(secret, id, timestamp, body);
    const headers = { id, timestamp: String(timestamp), signature: `v1,bogus ${signature}` };
    expect(verifyWebhook(secret, headers, body, timestamp + 10)).toBe(true);
    expect(verifyWebhook(secret, headers, `${body} `, timestamp + 10)).toBe(false);
    expect(verifyWebhook(secret, headers, body, timestamp + 3600)).toBe(false);
  });
});
