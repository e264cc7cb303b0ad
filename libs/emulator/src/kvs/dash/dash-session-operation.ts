/**
 * `POST /getDASHStreamingSessionURL` (kvs-reference.md §5.7). Member shapes are checked by kvs-shapes.ts. The model
 * doc gives DASH HLS's rules, member for member (DASHFragmentSelector = HLSFragmentSelector, MaxManifestFragmentResults
 * = MaxMediaPlaylistFragmentResults, same defaults: LIVE, SERVER_TIMESTAMP, Expires 300 s, 5 fragments for LIVE and
 * LIVE_REPLAY and 1,000 for ON_DEMAND; TimestampRange absent for LIVE, required for the others, EndTimestamp required
 * for ON_DEMAND; NoDataRetentionException, "Data retention must be greater than 0"; ResourceNotFoundException for a
 * range without fragments or a LIVE stream without a fragment in the last 30 s; track 1 must be H.264/H.265 video;
 * DASHTimestampRange: EndTimestamp "within 24 hours of the specified StartTimestamp", as HLS's),
 * so the session is decided by the HLS operation itself and re-signed as a DASH session with DisplayFragmentNumber.
 *
 * The URL is `<data endpoint>/dash/v1/getDASHManifest.mpd?SessionToken=<token>` (observed URL, kvs-reference.md §5.7,
 * also what moto answers), on the origin the caller used (or `dataEndpoint`).
 */
import type { KvsEnv, KvsRequestContext } from '../kvs-context';
import { kvsErrors } from '../kvs-errors';
import { getHlsStreamingSessionUrl } from '../hls/hls-session-operation';
import { hlsRuntimeOf } from '../hls/hls-runtime';
import { dashRuntimeOf } from './dash-session';

type In = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- validated by kvs-shapes.ts

export const DASH_MANIFEST_PATH = '/dash/v1/getDASHManifest.mpd';

/** The DASH input in HLS's member names (only members that are present). */
function asHlsInput(input: In): In {
  const out: In = {};
  const copy = (from: string, to: string = from): void => {
    if (input[from] !== undefined) out[to] = input[from];
  };
  copy('StreamName');
  copy('StreamARN');
  copy('PlaybackMode');
  copy('DASHFragmentSelector', 'HLSFragmentSelector');
  copy('DisplayFragmentTimestamp');
  copy('Expires');
  copy('MaxManifestFragmentResults', 'MaxMediaPlaylistFragmentResults');
  return out;
}

export function getDashStreamingSessionUrl(env: KvsEnv, input: In, ctx: KvsRequestContext): object {
  const hls = getHlsStreamingSessionUrl(env, asHlsInput(input), ctx) as { HLSStreamingSessionURL?: string };
  const hlsToken = hls.HLSStreamingSessionURL ? new URL(hls.HLSStreamingSessionURL).searchParams.get('SessionToken') : null;
  if (!hlsToken) throw kvsErrors.internalFailure('The streaming session could not be made.');
  const session = hlsRuntimeOf(env).tokens.verify(hlsToken, env.clock.now());
  const token = dashRuntimeOf(env).tokens.sign({ ...session, displayFragmentNumber: input.DisplayFragmentNumber === 'ALWAYS' });
  const base = (env.settings.dataEndpoint ?? ctx.origin).replace(/\/+$/, '');
  return { DASHStreamingSessionURL: `${base}${DASH_MANIFEST_PATH}?SessionToken=${token}` };
}
