import { z } from 'zod';

/** Validation shared by the server and the web app. */

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email('must be a valid email address'));

export const passwordSchema = z.string().min(10, 'must be at least 10 characters').max(200);

export const personNameSchema = z.string().trim().min(1, 'is required').max(120);

function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');

const currencies = new Set(Intl.supportedValuesOf('currency'));
export const currencySchema = z
  .string()
  .length(3)
  .toUpperCase()
  .refine((c) => currencies.has(c), 'must be an ISO 4217 currency code such as USD');

export const fiscalMonthSchema = z.number().int().min(1).max(12);

export const roleSchema = z.enum(['admin', 'manager', 'rep']);
