/**
 * Where a run's authorisers come from, a page at a time: every one the platform lists, a file
 * (read again on resume), or the program's own iterable, each appid checked as it comes. Also the
 * rate a run takes when started without one, asked of WeChat with one of them.
 */
import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import { APPID_PATTERN } from '../core/fields';
import type { CheckedAuthorizers } from './api-options';
import { authorizerFilePages } from './authorizer-file';
import type { BatchComponent } from './component';
import { listedPages } from './paced-component';
import { platformRate } from './platform-rate';
import { firstLine, type Session } from './session';

/** Authorisers given by the program are enqueued this many at a time. */
const GIVEN_PAGE = 500;

/** The program's authorisers, a page at a time, each checked as it comes: a bad one ends the listing. */
async function* givenPages(appids: Iterable<string> | AsyncIterable<string>): AsyncGenerator<string[]> {
  let page: string[] = [];
  let index = 0;
  try {
    for await (const appid of appids as AsyncIterable<string>) {
      if (typeof appid !== 'string' || !APPID_PATTERN.test(appid)) {
        throw new OperationError(ProjectCode.INVALID_APPID, { detail: `authorizers:fail authoriser #${index} given is not an appid: pass "wx" followed by 16 lowercase hex digits` });
      }
      index += 1;
      page.push(appid);
      if (page.length === GIVEN_PAGE) {
        yield page;
        page = [];
      }
    }
  } catch (error) {
    if (error instanceof OperationError) throw error;
    throw new OperationError(ProjectCode.BATCH_OPTIONS_INVALID, { detail: `authorizers:fail the authorisers given could not be read (${firstLine(error)}): fix what iterates them` });
  }
  if (page.length) yield page;
}

/** A run's file, read again a page at a time: a file gone or unreadable since ends the listing, said so. */
async function* filePages(file: string): AsyncGenerator<string[]> {
  try {
    yield* authorizerFilePages(file);
  } catch (error) {
    throw new OperationError(ProjectCode.BATCH_OPTIONS_INVALID, { detail: `authorizers:fail the run's file of authorisers could not be read (${firstLine(error)}): put it back where it was when the run started, then resume` });
  }
}

/** A run's authorisers, a page at a time, from where it said they come. */
export const pagesOf = (session: Session, source: CheckedAuthorizers, rate: number): AsyncIterable<readonly string[]> =>
  source.kind === 'all' ? listedPages(session.component(rate)) : source.kind === 'file' ? filePages(source.file) : givenPages(source.appids);

/**
 * The rate of a run started without one: half WeChat's figure for the platform, asked with one
 * authoriser's token (the file's first, the program's first when it is an array, or the
 * listing's first), else the default.
 */
export async function defaultRate(component: BatchComponent, source: CheckedAuthorizers): Promise<number> {
  let probe: string | undefined;
  try {
    if (source.kind === 'file') {
      for await (const page of authorizerFilePages(source.file)) {
        probe = page[0];
        break;
      }
    } else if (source.kind === 'given') probe = Array.isArray(source.appids) ? (source.appids[0] as string | undefined) : undefined;
    else {
      for await (const page of component.listAuthorizers({ pageSize: 1 })) {
        probe = page.authorizers[0]?.authorizerAppid;
        break;
      }
    }
  } catch {
    // No authoriser to ask: the default rate.
  }
  return (await platformRate(component, probe)).rate;
}
