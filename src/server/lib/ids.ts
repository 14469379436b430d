import { v7 } from 'uuid';

/** Time-ordered ids (UUIDv7): index-friendly on both engines and sortable by creation. */
export function newId(): string {
  return v7();
}
