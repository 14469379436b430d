import type { FastifyBaseLogger } from 'fastify';
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. List-Unsubscribe. */
  headers?: Record<string, string>;
}

export interface Mailer {
  /** False when SMTP_URL is unset: nothing is sent. */
  readonly enabled: boolean;
  /** Sends one message; resolves 'skipped' when mail is disabled. Throws on SMTP failure (the job retries). */
  send(message: MailMessage): Promise<'sent' | 'skipped'>;
  close(): void;
}

/**
 * SMTP through nodemailer. Without SMTP_URL the app still works (notifications stay in-app), and
 * says so once in the log at start-up instead of once per message.
 */
export function createMailer(smtpUrl: string | undefined, from: string, log: FastifyBaseLogger): Mailer {
  if (!smtpUrl) {
    log.info('SMTP_URL is not set: emails are not sent (in-app notifications still work)');
    return {
      enabled: false,
      async send() {
        return 'skipped';
      },
      close() {},
    };
  }
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    enabled: true,
    async send(message) {
      await transport.sendMail({
        from,
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: message.headers,
      });
      return 'sent';
    },
    close() {
      transport.close();
    },
  };
}
