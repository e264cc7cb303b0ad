"""Kinesis Video Streams with boto3: the control plane, then the data plane on the endpoints GetDataEndpoint gives
(GetMedia, ListFragments, GetMediaForFragmentList, HLS and DASH fetched with urllib as a player would, GetClip,
GetImages) over the 4 s of media the spec put with PutMedia (no SDK has PutMedia)."""
import base64
import datetime
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

from checks import ACCOUNT, REGION, check, check_equal, is_recent, step

EBML_MAGIC = bytes.fromhex('1a45dfa3')


def data_client(clients, service, stream, api_name):
    """A data-plane client on the endpoint GetDataEndpoint gives for `api_name`, as the KVS docs tell users to."""
    endpoint = clients.client('kinesisvideo').get_data_endpoint(StreamName=stream, APIName=api_name)['DataEndpoint']
    return clients.client(service, endpoint)


def kvs_control(clients, stream):
    kvs = clients.client('kinesisvideo')
    arn = {}
    with step('kvs.create_stream'):
        out = kvs.create_stream(StreamName=stream, DataRetentionInHours=24, MediaType='video/h264')
        prefix = f'arn:aws:kinesisvideo:{REGION}:{ACCOUNT}:stream/{stream}/'
        suffix = out['StreamARN'][len(prefix):]
        check(out['StreamARN'].startswith(prefix) and suffix.isdigit() and len(suffix) == 13, f'StreamARN {out["StreamARN"]!r}')
        arn['value'] = out['StreamARN']

    with step('kvs.describe_stream until ACTIVE'):
        info = {}
        for _ in range(200):
            info = kvs.describe_stream(StreamName=stream)['StreamInfo']
            if info['Status'] == 'ACTIVE':
                break
            time.sleep(0.05)
        check_equal(info['Status'], 'ACTIVE', 'Status')
        check_equal((info['StreamName'], info['StreamARN']), (stream, arn['value']), 'StreamName and StreamARN')
        check_equal((info['MediaType'], info['DataRetentionInHours']), ('video/h264', 24), 'MediaType and DataRetentionInHours')
        check(isinstance(info['Version'], str) and info['Version'] != '', 'Version')
        check(is_recent(info['CreationTime']), f'CreationTime {info["CreationTime"]!r}')
        by_arn = kvs.describe_stream(StreamARN=arn['value'])['StreamInfo']
        check_equal(by_arn['StreamName'], stream, 'DescribeStream by StreamARN')

    with step('kvs.list_streams'):
        out = kvs.list_streams(StreamNameCondition={'ComparisonOperator': 'BEGINS_WITH', 'ComparisonValue': stream})
        check_equal([s['StreamName'] for s in out['StreamInfoList']], [stream], 'listed streams')

    with step('kvs.tag_stream + list_tags_for_stream'):
        kvs.tag_stream(StreamName=stream, Tags={'camera': 'front-door'})
        check_equal(kvs.list_tags_for_stream(StreamName=stream)['Tags'], {'camera': 'front-door'}, 'Tags')

    with step('kvs.get_data_endpoint for every APIName of the model'):
        api_names = kvs.meta.service_model.shape_for('APIName').enum
        check(len(api_names) >= 8, f'APIName enum {api_names}')
        for api_name in api_names:
            endpoint = kvs.get_data_endpoint(StreamName=stream, APIName=api_name)['DataEndpoint']
            parsed = urllib.parse.urlparse(endpoint)
            check(parsed.scheme in ('http', 'https') and parsed.netloc and parsed.path in ('', '/'),
                  f'{api_name}: DataEndpoint {endpoint!r}')


def fetch(url):
    with urllib.request.urlopen(url, timeout=30) as res:
        return res.status, res.headers.get('Content-Type'), res.read()


def mp4_boxes(data):
    """Top-level box types of an MP4 (ISO/IEC 14496-12 §4.2: 32-bit size, then the four-character type)."""
    boxes, at = [], 0
    while at + 8 <= len(data):
        size = int.from_bytes(data[at:at + 4], 'big')
        boxes.append(data[at + 4:at + 8].decode('latin-1'))
        if size < 8:
            break
        at += size
    return boxes


def producer_range(start_ms, end_ms):
    return {'StartTimestamp': datetime.datetime.fromtimestamp(start_ms / 1000, datetime.timezone.utc),
            'EndTimestamp': datetime.datetime.fromtimestamp(end_ms / 1000, datetime.timezone.utc)}


def kvs_media(clients, stream, start_ms):
    fragments = []
    with step('kvs.list_fragments'):
        archived = data_client(clients, 'kinesis-video-archived-media', stream, 'LIST_FRAGMENTS')
        out = archived.list_fragments(StreamName=stream, FragmentSelector={
            'FragmentSelectorType': 'PRODUCER_TIMESTAMP', 'TimestampRange': producer_range(start_ms - 1000, start_ms + 60_000)})
        fragments = sorted(out['Fragments'], key=lambda f: f['ProducerTimestamp'])
        check_equal(len(fragments), 4, 'fragments of 4 s of media, one keyframe a second')
        offsets = [round(f['ProducerTimestamp'].timestamp() * 1000) - start_ms for f in fragments]
        check_equal(offsets, [0, 1000, 2000, 3000], 'ProducerTimestamp - start (ms)')
        for f in fragments:
            check(f['FragmentNumber'].isdigit() and f['FragmentSizeInBytes'] > 0, f'fragment {f!r}')
            check(900 <= f['FragmentLengthInMilliseconds'] <= 1000, f'FragmentLengthInMilliseconds {f!r}')
            check(is_recent(f['ServerTimestamp']), f'ServerTimestamp {f!r}')

    with step('kvs.get_media (Matroska payload, every fragment)'):
        media = data_client(clients, 'kinesis-video-media', stream, 'GET_MEDIA')
        out = media.get_media(StreamName=stream, StartSelector={'StartSelectorType': 'EARLIEST'})
        check_equal(out['ContentType'], 'video/webm', 'ContentType')
        payload, body = b'', out['Payload']
        wanted = [f['FragmentNumber'].encode('ascii') for f in fragments]
        try:
            # Live GetMedia stays open for new fragments: read until every fragment number has gone by.
            while not all(w in payload for w in wanted) and len(payload) < 8 * 1024 * 1024:
                chunk = body.read(512)
                if not chunk:
                    break
                payload += chunk
        finally:
            body.close()
        check_equal(payload[:4].hex(), EBML_MAGIC.hex(), 'first four bytes (EBML magic)')
        check(all(w in payload for w in wanted), f'fragment numbers missing from {len(payload)} payload bytes')

    with step('kvs.get_media_for_fragment_list'):
        archived = data_client(clients, 'kinesis-video-archived-media', stream, 'GET_MEDIA_FOR_FRAGMENT_LIST')
        numbers = [f['FragmentNumber'] for f in fragments[1:3]]
        out = archived.get_media_for_fragment_list(StreamName=stream, Fragments=numbers)
        check_equal(out['ContentType'], 'video/webm', 'ContentType')
        payload = out['Payload'].read()
        check_equal(payload[:4].hex(), EBML_MAGIC.hex(), 'first four bytes (EBML magic)')
        check_equal([payload.count(n.encode('ascii')) >= 1 for n in numbers], [True, True], 'both fragment numbers in the payload')
        check(fragments[0]['FragmentNumber'].encode('ascii') not in payload, 'a fragment that was not asked for is in the payload')

    kvs_hls(clients, stream, start_ms)

    with step('kvs.get_clip (MP4)'):
        clip = data_client(clients, 'kinesis-video-archived-media', stream, 'GET_CLIP')
        out = clip.get_clip(StreamName=stream, ClipFragmentSelector={
            'FragmentSelectorType': 'PRODUCER_TIMESTAMP', 'TimestampRange': producer_range(start_ms, start_ms + 3000)})
        check_equal(out['ContentType'], 'video/mp4', 'ContentType')
        data = out['Payload'].read()
        check_equal(data[4:8], b'ftyp', 'first box')
        check_equal(mp4_boxes(data), ['ftyp', 'moov', 'mdat'], 'top-level boxes')

    with step('kvs.get_images (JPEG, base64)'):
        images = data_client(clients, 'kinesis-video-archived-media', stream, 'GET_IMAGES')
        # botocore 1.29's model has SamplingInterval >= 3000 (today's AWS takes 200): 0 s and 3 s of the 4 s.
        out = images.get_images(StreamName=stream, ImageSelectorType='PRODUCER_TIMESTAMP', SamplingInterval=3000,
                                Format='JPEG', WidthPixels=160, HeightPixels=120, **producer_range(start_ms, start_ms + 3999))
        got = out['Images']
        check_equal([round(i['TimeStamp'].timestamp() * 1000) - start_ms for i in got], [0, 3000], 'image times - start (ms)')
        for image in got:
            jpeg = base64.b64decode(image['ImageContent'], validate=True)
            check(jpeg[:2] == b'\xff\xd8' and jpeg[-2:] == b'\xff\xd9', f'not a JPEG: {jpeg[:4].hex()}…{jpeg[-2:].hex()}')
            check_equal(jpeg_size(jpeg), (160, 120), 'JPEG width and height')


def jpeg_size(jpeg):
    """(width, height) from the first SOFn segment (ITU T.81 B.2.2: marker, length, precision, height, width)."""
    at = 2
    while at + 9 < len(jpeg):
        marker, length = jpeg[at + 1], int.from_bytes(jpeg[at + 2:at + 4], 'big')
        if 0xc0 <= marker <= 0xcf and marker not in (0xc4, 0xc8, 0xcc):
            return int.from_bytes(jpeg[at + 7:at + 9], 'big'), int.from_bytes(jpeg[at + 5:at + 7], 'big')
        at += 2 + length
    return None


def kvs_hls(clients, stream, start_ms):
    with step('kvs.get_hls_streaming_session_url + playlists and fMP4 over urllib'):
        hls = data_client(clients, 'kinesis-video-archived-media', stream, 'GET_HLS_STREAMING_SESSION_URL')
        url = hls.get_hls_streaming_session_url(StreamName=stream, PlaybackMode='ON_DEMAND', HLSFragmentSelector={
            'FragmentSelectorType': 'PRODUCER_TIMESTAMP', 'TimestampRange': producer_range(start_ms - 1000, start_ms + 60_000)},
        )['HLSStreamingSessionURL']
        check('/hls/v1/getHLSMasterPlaylist.m3u8?SessionToken=' in url, f'HLSStreamingSessionURL {url!r}')
        status, ctype, body = fetch(url)
        check_equal((status, ctype), (200, 'application/vnd.apple.mpegurl'), 'master playlist status and Content-Type')
        lines = body.decode('utf-8').splitlines()
        check_equal(lines[0], '#EXTM3U', 'master playlist first line')
        at = next(i for i, line in enumerate(lines) if line.startswith('#EXT-X-STREAM-INF:'))
        media_url = urllib.parse.urljoin(url, lines[at + 1])
        status, ctype, body = fetch(media_url)
        playlist = body.decode('utf-8')
        check_equal(status, 200, 'media playlist status')
        check_equal(playlist.count('#EXTINF:'), 4, 'segments in the media playlist')
        check(playlist.rstrip().endswith('#EXT-X-ENDLIST'), 'an ON_DEMAND playlist ends with #EXT-X-ENDLIST')
        init_uri = playlist.split('#EXT-X-MAP:URI="', 1)[1].split('"', 1)[0]
        init = fetch(urllib.parse.urljoin(media_url, init_uri))[2]
        check_equal(mp4_boxes(init)[:2], ['ftyp', 'moov'], 'init segment boxes')
        first = [line for line in playlist.splitlines() if line and not line.startswith('#')][0]
        segment = fetch(urllib.parse.urljoin(media_url, first))[2]
        check('moof' in mp4_boxes(segment) and 'mdat' in mp4_boxes(segment), f'media segment boxes {mp4_boxes(segment)}')


MPD_NS = '{urn:mpeg:dash:schema:mpd:2011}'


def kvs_dash(clients, stream, start_ms):
    with step('kvs.get_dash_streaming_session_url + MPD, init and first media segment over urllib'):
        dash = data_client(clients, 'kinesis-video-archived-media', stream, 'GET_DASH_STREAMING_SESSION_URL')
        url = dash.get_dash_streaming_session_url(
            StreamName=stream, PlaybackMode='ON_DEMAND', DisplayFragmentNumber='ALWAYS', DASHFragmentSelector={
                'FragmentSelectorType': 'PRODUCER_TIMESTAMP', 'TimestampRange': producer_range(start_ms - 1000, start_ms + 60_000)},
        )['DASHStreamingSessionURL']
        check('/dash/v1/getDASHManifest.mpd?SessionToken=' in url, f'DASHStreamingSessionURL {url!r}')
        status, _, body = fetch(url)
        check_equal(status, 200, 'MPD status')
        mpd = ET.fromstring(body)
        check_equal(mpd.tag, f'{MPD_NS}MPD', 'root element')
        check_equal(mpd.get('type'), 'static', 'MPD@type of an ON_DEMAND session')
        reps = mpd.findall(f'.//{MPD_NS}Representation')
        check(len(reps) >= 1, 'no Representation')
        video = reps[0]
        check((video.get('codecs') or '').startswith('avc1.'), f'Representation@codecs {video.get("codecs")!r}')
        check_equal((video.get('width'), video.get('height')), ('320', '240'), 'Representation width and height')
        template = mpd.find(f'.//{MPD_NS}SegmentTemplate')
        check(template is not None, 'no SegmentTemplate')
        timeline = template.findall(f'{MPD_NS}SegmentTimeline/{MPD_NS}S')
        check_equal(sum(1 + int(s.get('r', '0')) for s in timeline), 4, 'segments in the SegmentTimeline')
        # DisplayFragmentNumber=ALWAYS: each S names its fragment (AWS's attribute namespace is not documented).
        numbers = [next((v for k, v in s.attrib.items() if k.endswith('}fn')), None) for s in timeline]
        check_equal(numbers, list_fragment_numbers(clients, stream, start_ms), 'fragment numbers on the S elements')
        fill = {'$RepresentationID$': video.get('id', ''), '$Bandwidth$': video.get('bandwidth', ''),
                '$Number$': template.get('startNumber', '1'), '$Time$': timeline[0].get('t', '0')}
        init = fetch(urllib.parse.urljoin(url, substitute(template.get('initialization', ''), fill)))[2]
        check_equal(mp4_boxes(init)[:2], ['ftyp', 'moov'], 'init segment boxes')
        segment = fetch(urllib.parse.urljoin(url, substitute(template.get('media', ''), fill)))[2]
        check('moof' in mp4_boxes(segment) and 'mdat' in mp4_boxes(segment), f'media segment boxes {mp4_boxes(segment)}')


def substitute(template, values):
    """A SegmentTemplate URL with its identifiers filled in (ISO/IEC 23009-1 §5.3.9.4.4)."""
    for key, value in values.items():
        template = template.replace(key, value)
    return template


def list_fragment_numbers(clients, stream, start_ms):
    archived = data_client(clients, 'kinesis-video-archived-media', stream, 'LIST_FRAGMENTS')
    fragments = archived.list_fragments(StreamName=stream, FragmentSelector={
        'FragmentSelectorType': 'PRODUCER_TIMESTAMP', 'TimestampRange': producer_range(start_ms - 1000, start_ms + 60_000)})['Fragments']
    return [f['FragmentNumber'] for f in sorted(fragments, key=lambda f: f['ProducerTimestamp'])]
