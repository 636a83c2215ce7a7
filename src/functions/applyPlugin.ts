// The applyPlugin cloud function: esbuild bundles this file into cloudfunctions/applyPlugin/index.js.
import * as cloud from 'wx-server-sdk';
import { createCloudFunction } from '../cloud/cloud-function';
import { applyPlugin } from '../core/operations/apply-plugin';

export const main = createCloudFunction(applyPlugin, { sdk: cloud });
