import { readFile } from 'node:fs/promises';

/**
 * Where the component_verify_ticket comes from. WeChat pushes it every 10 minutes to the platform's
 * own server (nothing can pull it), and it stays valid 12 hours: the platform's push receiver keeps
 * the latest one, and this client reads it whenever it needs a new component token.
 * - a string: the ticket itself;
 * - a function: asked each time (the receiver's own storage);
 * - `{ file }`: a file the receiver writes, read each time (surrounding white space ignored).
 * Without one, the ticket last written to the store (`setVerifyTicket`) is used.
 */
export type VerifyTicketSource = string | (() => Promise<string> | string) | { readonly file: string };

export async function readVerifyTicket(source: VerifyTicketSource | undefined): Promise<string | undefined> {
  if (source === undefined) return undefined;
  const value = typeof source === 'string' ? source : typeof source === 'function' ? await source() : await readFile(source.file, 'utf8');
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
