/**
 * What a batch needs from the component (third-party platform) library: the typed operations for
 * one authoriser, and the authorisers a page at a time. `createComponentClient` gives exactly this;
 * the interface keeps the batch's own code and tests independent of how tokens are obtained.
 */
export interface OperationOutcome {
  readonly errCode: number;
  readonly errMsg: string;
  readonly retryable: boolean;
  readonly attempts: number;
}

export type OperationCall = (request: Record<string, unknown>) => Promise<OperationOutcome>;

export interface AuthorizerPageLike {
  readonly errCode: number;
  readonly errMsg: string;
  readonly authorizers: ReadonlyArray<{ readonly authorizerAppid: string }>;
}

export interface BatchComponent {
  forAuthorizer(authorizerAppid: string): Readonly<Record<string, OperationCall>>;
  listAuthorizers(): AsyncIterable<AuthorizerPageLike>;
  /**
   * Optional: fetches and stores an authoriser's refresh token (api_get_authorizer_info answers with
   * it), for an authoriser named in a file whose token the store does not hold yet.
   */
  fetchRefreshToken?(authorizerAppid: string): Promise<OperationOutcome>;
  /** Optional: read ahead what the calls for these authorisers will need (their tokens). */
  prime?(authorizerAppids: readonly string[]): Promise<void>;
  /** Optional: WeChat answered 45011 (the platform's rate limit): slow down; answers the new rate when it changed. */
  slowDown?(): number | undefined;
}
