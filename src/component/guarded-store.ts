import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';
import type { ComponentStore } from './store';

/**
 * A store whose failures are the project's: anything a store throws that is not already an
 * OperationError (a file that cannot be written, a database that is down) becomes -930305, its
 * cause kept for the log and never shown. Failures of the work run under a lock pass as they are.
 */
export function guardedStore(store: ComponentStore): ComponentStore {
  const guard = <A extends unknown[], R>(method: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    try {
      return await method.apply(store, args);
    } catch (caught) {
      throw caught instanceof OperationError ? caught : new OperationError(ProjectCode.TOKEN_STORE_FAILED, { cause: caught });
    }
  };
  return {
    readTicket: guard(store.readTicket),
    writeTicket: guard(store.writeTicket),
    readComponentToken: guard(store.readComponentToken),
    writeComponentToken: guard(store.writeComponentToken),
    readRefreshToken: guard(store.readRefreshToken),
    writeRefreshToken: guard(store.writeRefreshToken),
    writeRefreshTokens: guard(store.writeRefreshTokens),
    readAuthorizerToken: guard(store.readAuthorizerToken),
    writeAuthorizerToken: guard(store.writeAuthorizerToken),
    withLock: <T>(name: string, work: () => Promise<T>) => guard(store.withLock as (name: string, work: () => Promise<T>) => Promise<T>)(name, work),
  };
}
