import { ProjectCode } from '../core/codes';
import { OperationError } from '../core/errors';

/**
 * The HTTPS API's base URL: http or https, no credentials, query or fragment (a token or secret put
 * there would travel to every endpoint, and a query would break `?access_token=`). A path prefix is
 * kept, for gateways that serve WeChat's API under one. `name` is what the caller called it, so
 * the message names the setting to fix (`baseUrl`, or `WECHAT_API_BASE_URL` on the command line).
 */
export function parseBaseUrl(raw: string, name: string): string {
  const refuse = (what: string): never => {
    throw new OperationError(ProjectCode.INVALID_BASE_URL, {
      detail: `${name} ${what}: set it to an http(s) URL such as https://api.weixin.qq.com, or leave it unset`,
    });
  };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse('is not a URL');
  }
  // A URL's protocol always ends in its one ':' (`ftp:`): shown without it.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') refuse(`uses ${url.protocol.slice(0, -1)}, not http or https`);
  if (url.username || url.password) refuse('carries credentials');
  if (url.search || raw.includes('?')) refuse('carries a query');
  if (url.hash || raw.includes('#')) refuse('carries a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
