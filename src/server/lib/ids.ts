import { v7 } from 'uuid';

/** Time-ordered ids (UUIDv7): index-friendly on both engines and sortable by creation. */
export function newId(): string {
  return v7();
}

/**
 * Request ids for logs and the x-request-id header: unique across instances (a random prefix per
 * process) and cheap (a counter), since every request makes one. Not for stored rows.
 */
export function requestIdGenerator(): () => string {
  const prefix = v7().slice(-12);
  let counter = 0;
  return () => {
    counter += 1;
    return `${prefix}-${counter.toString(36)}`;
  };
}
