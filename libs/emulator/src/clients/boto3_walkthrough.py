"""What a Python user does with boto3 against the emulator, asserting on every answer.

Run by boto3-walkthrough.int.spec.ts with Debian's interpreter and boto3 (`/usr/bin/python3 -I`, package
python3-boto3: boto3 1.26, botocore 1.29), one section per call:

    boto3_walkthrough.py --endpoint URL kds
    boto3_walkthrough.py --endpoint URL kvs-control STREAM
    boto3_walkthrough.py --endpoint URL kvs-media STREAM START_MS   (after the spec put 4 s of media from START_MS)
    boto3_walkthrough.py --endpoint URL kvs-dash STREAM START_MS
    boto3_walkthrough.py --endpoint URL dynamodb
    boto3_walkthrough.py --endpoint URL errors

The clients are built the way a Python user points them at a local endpoint: `endpoint_url` and dummy keys (the
botocore 1.29 line predates AWS_ENDPOINT_URL). Each step prints `ok <step>`; the first failure prints
`FAILED <step>: <what>` with the traceback and exits 1, so the spec names the step that broke.
"""
import argparse
import base64
import datetime
import sys
import time
import traceback
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from contextlib import contextmanager

import boto3
from boto3.dynamodb.conditions import Key
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = 'us-east-1'
ACCOUNT = '000000000000'
MAX_HASH_KEY = 2**128 - 1
MID_HASH_KEY = 2**127
# Waiters poll every 10-20 s by default; a local endpoint answers in milliseconds.
FAST_WAIT = {'Delay': 0.1, 'MaxAttempts': 100}
EBML_MAGIC = bytes.fromhex('1a45dfa3')


class StepFailed(Exception):
    pass


def check(condition, message):
    if not condition:
        raise StepFailed(message)


def check_equal(actual, expected, what):
    if actual != expected:
        raise StepFailed(f'{what}: expected {expected!r}, got {actual!r}')


@contextmanager
def step(name):
    try:
        yield
    except Exception as err:  # noqa: BLE001 - any failure ends the walk-through, named by its step
        print(f'FAILED {name}: {type(err).__name__}: {err}', flush=True)
        traceback.print_exc(file=sys.stdout)
        sys.stdout.flush()
        sys.exit(1)
    print(f'ok {name}', flush=True)


class Clients:
    def __init__(self, endpoint):
        self.endpoint = endpoint
        self.session = boto3.session.Session(
            aws_access_key_id='test', aws_secret_access_key='test', region_name=REGION)
        # One attempt: a retried call would hide a wrong first answer.
        self.config = Config(retries={'max_attempts': 0, 'mode': 'standard'}, connect_timeout=5, read_timeout=30)

    def client(self, service, endpoint=None):
        return self.session.client(service, endpoint_url=endpoint or self.endpoint, config=self.config)

    def resource(self, service):
        return self.session.resource(service, endpoint_url=self.endpoint, config=self.config)


def is_recent(value):
    now = datetime.datetime.now(datetime.timezone.utc)
    return isinstance(value, datetime.datetime) and value.tzinfo is not None and abs((now - value).total_seconds()) < 600


def error_of(call, **kwargs):
    """The ClientError a call raises, as a Python user catches it; fails the step when it succeeds."""
    try:
        call(**kwargs)
    except ClientError as err:
        return err
    raise StepFailed(f'{call.__name__}({kwargs}) succeeded; an error was expected')


def check_error(err, code, status, message=None):
    error = err.response['Error']
    check_equal(error['Code'], code, 'Error.Code')
    check_equal(err.response['ResponseMetadata']['HTTPStatusCode'], status, 'HTTP status')
    if message is not None:
        check_equal(error['Message'], message, 'Error.Message')


# ---------------------------------------------------------------------------------------------------------------
# Kinesis Data Streams


def shard_id(n):
    return f'shardId-{n:012d}'


def kds_walkthrough(clients):
    kinesis = clients.client('kinesis')
    name = f'boto3-walkthrough-{int(time.time() * 1000)}'
    arn = f'arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{name}'
    put = []

    with step('kds.create_stream + waiter stream_exists'):
        kinesis.create_stream(StreamName=name, ShardCount=1)
        kinesis.get_waiter('stream_exists').wait(StreamName=name, WaiterConfig=FAST_WAIT)

    with step('kds.describe_stream_summary'):
        s = kinesis.describe_stream_summary(StreamName=name)['StreamDescriptionSummary']
        check_equal(s['StreamName'], name, 'StreamName')
        check_equal(s['StreamARN'], arn, 'StreamARN')
        check_equal(s['StreamStatus'], 'ACTIVE', 'StreamStatus')
        check_equal(s['StreamModeDetails'], {'StreamMode': 'PROVISIONED'}, 'StreamModeDetails')
        check_equal(s['RetentionPeriodHours'], 24, 'RetentionPeriodHours')
        check_equal(s['OpenShardCount'], 1, 'OpenShardCount')
        check_equal(s['ConsumerCount'], 0, 'ConsumerCount')
        check_equal(s['EncryptionType'], 'NONE', 'EncryptionType')
        check(is_recent(s['StreamCreationTimestamp']), f'StreamCreationTimestamp {s["StreamCreationTimestamp"]!r}')
        request_id = kinesis.describe_stream_summary(StreamName=name)['ResponseMetadata'].get('RequestId')
        check(bool(request_id), 'no x-amzn-RequestId in ResponseMetadata')

    with step('kds.list_shards'):
        shards = kinesis.list_shards(StreamName=name)['Shards']
        check_equal([x['ShardId'] for x in shards], [shard_id(0)], 'shard ids')
        check_equal(shards[0]['HashKeyRange'], {'StartingHashKey': '0', 'EndingHashKey': str(MAX_HASH_KEY)}, 'HashKeyRange')
        check('EndingSequenceNumber' not in shards[0]['SequenceNumberRange'], 'an open shard has no EndingSequenceNumber')

    with step('kds.put_record (bytes, not UTF-8, with NUL)'):
        data = bytes([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff, 0x0a, 0x22, 0x5c])
        out = kinesis.put_record(StreamName=name, PartitionKey='pk-0', Data=data)
        check_equal(out['ShardId'], shard_id(0), 'ShardId')
        check(out['SequenceNumber'].isdigit() and len(out['SequenceNumber']) == 56, f'SequenceNumber {out["SequenceNumber"]!r}')
        put.append((out['SequenceNumber'], data, 'pk-0'))

    with step('kds.put_records'):
        batch = [(b'first of batch', 'pk-1'), ('héllo ✓'.encode('utf-8'), 'pk-2'), (bytes(range(256)), 'pk-3')]
        out = kinesis.put_records(StreamName=name, Records=[{'Data': d, 'PartitionKey': k} for d, k in batch])
        check_equal(out['FailedRecordCount'], 0, 'FailedRecordCount')
        check_equal([r['ShardId'] for r in out['Records']], [shard_id(0)] * 3, 'ShardIds')
        put.extend((r['SequenceNumber'], d, k) for r, (d, k) in zip(out['Records'], batch))
        seqs = [int(p[0]) for p in put]
        check(seqs == sorted(seqs) and len(set(seqs)) == len(seqs), f'sequence numbers not increasing: {seqs}')

    with step('kds.get_shard_iterator + get_records (bytes round trip)'):
        iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType='TRIM_HORIZON')['ShardIterator']
        out = kinesis.get_records(ShardIterator=iterator)
        got = [(r['SequenceNumber'], r['Data'], r['PartitionKey']) for r in out['Records']]
        check_equal(got, put, 'records (sequence number, data bytes, partition key)')
        check(all(isinstance(r['Data'], bytes) for r in out['Records']), 'Data is not bytes')
        check(all(is_recent(r['ApproximateArrivalTimestamp']) for r in out['Records']), 'ApproximateArrivalTimestamp')
        check_equal(out['MillisBehindLatest'], 0, 'MillisBehindLatest')
        check(isinstance(out.get('NextShardIterator'), str), 'NextShardIterator missing on an open shard')
        after = kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType='AFTER_SEQUENCE_NUMBER',
                                           StartingSequenceNumber=put[1][0])['ShardIterator']
        check_equal([r['SequenceNumber'] for r in kinesis.get_records(ShardIterator=after)['Records']],
                    [p[0] for p in put[2:]], 'records AFTER_SEQUENCE_NUMBER')

    kds_resharding(kinesis, name, put)
    kds_tags(kinesis, name)
    kds_fan_out(kinesis, name, arn)

    with step('kds.delete_stream + waiter stream_not_exists'):
        kinesis.delete_stream(StreamName=name)
        kinesis.get_waiter('stream_not_exists').wait(StreamName=name, WaiterConfig=FAST_WAIT)
        check(name not in kinesis.list_streams()['StreamNames'], 'the deleted stream is still listed')


def kds_resharding(kinesis, name, put):
    with step('kds.split_shard + waiter stream_exists (UPDATING -> ACTIVE)'):
        kinesis.split_shard(StreamName=name, ShardToSplit=shard_id(0), NewStartingHashKey=str(MID_HASH_KEY))
        kinesis.get_waiter('stream_exists').wait(StreamName=name, WaiterConfig=FAST_WAIT)

    with step('kds.list_shards after split (closed parent, two children)'):
        shards = kinesis.list_shards(StreamName=name)['Shards']
        check_equal([x['ShardId'] for x in shards], [shard_id(i) for i in range(3)], 'shard ids')
        check('EndingSequenceNumber' in shards[0]['SequenceNumberRange'], 'the split parent is not closed')
        check_equal([x.get('ParentShardId') for x in shards], [None, shard_id(0), shard_id(0)], 'ParentShardId')
        check_equal([x['HashKeyRange'] for x in shards[1:]], [
            {'StartingHashKey': '0', 'EndingHashKey': str(MID_HASH_KEY - 1)},
            {'StartingHashKey': str(MID_HASH_KEY), 'EndingHashKey': str(MAX_HASH_KEY)},
        ], 'children HashKeyRange')

    with step('kds.get_records on the closed parent ends with ChildShards'):
        iterator = kinesis.get_shard_iterator(StreamName=name, ShardId=shard_id(0), ShardIteratorType='TRIM_HORIZON')['ShardIterator']
        seen, out = [], {}
        for _ in range(5):
            out = kinesis.get_records(ShardIterator=iterator)
            seen.extend(r['SequenceNumber'] for r in out['Records'])
            iterator = out.get('NextShardIterator')
            if iterator is None:
                break
        check_equal(seen, [p[0] for p in put], 'records of the parent')
        check(iterator is None, 'a closed shard read to its end still has a NextShardIterator')
        check_equal([(c['ShardId'], c['ParentShards']) for c in out.get('ChildShards', [])],
                    [(shard_id(1), [shard_id(0)]), (shard_id(2), [shard_id(0)])], 'ChildShards')

    with step('kds.merge_shards + waiter stream_exists'):
        kinesis.merge_shards(StreamName=name, ShardToMerge=shard_id(1), AdjacentShardToMerge=shard_id(2))
        kinesis.get_waiter('stream_exists').wait(StreamName=name, WaiterConfig=FAST_WAIT)

    with step('kds.list_shards after merge (both parents of the merged shard)'):
        shards = kinesis.list_shards(StreamName=name)['Shards']
        check_equal([x['ShardId'] for x in shards], [shard_id(i) for i in range(4)], 'shard ids')
        merged = shards[3]
        check_equal((merged.get('ParentShardId'), merged.get('AdjacentParentShardId')), (shard_id(1), shard_id(2)), 'merged parents')
        check_equal(merged['HashKeyRange'], {'StartingHashKey': '0', 'EndingHashKey': str(MAX_HASH_KEY)}, 'merged HashKeyRange')
        check(all('EndingSequenceNumber' in x['SequenceNumberRange'] for x in shards[:3]), 'a parent is still open')
        open_only = kinesis.list_shards(StreamName=name, ShardFilter={'Type': 'AT_LATEST'})['Shards']
        check_equal([x['ShardId'] for x in open_only], [shard_id(3)], 'open shards (ShardFilter AT_LATEST)')
        summary = kinesis.describe_stream_summary(StreamName=name)['StreamDescriptionSummary']
        check_equal((summary['StreamStatus'], summary['OpenShardCount']), ('ACTIVE', 1), 'status and OpenShardCount')

    with step('kds.describe_stream paginator (one shard a page)'):
        pages = list(kinesis.get_paginator('describe_stream').paginate(StreamName=name, PaginationConfig={'PageSize': 1}))
        check_equal([[x['ShardId'] for x in p['StreamDescription']['Shards']] for p in pages],
                    [[shard_id(i)] for i in range(4)], 'shards by page')
        check_equal([p['StreamDescription']['HasMoreShards'] for p in pages], [True, True, True, False], 'HasMoreShards')


def kds_tags(kinesis, name):
    with step('kds.add_tags_to_stream + list_tags_for_stream'):
        kinesis.add_tags_to_stream(StreamName=name, Tags={'team': 'video', 'env': 'test', 'empty': ''})
        out = kinesis.list_tags_for_stream(StreamName=name)
        check_equal(sorted((t['Key'], t.get('Value')) for t in out['Tags']),
                    [('empty', ''), ('env', 'test'), ('team', 'video')], 'Tags')
        check_equal(out['HasMoreTags'], False, 'HasMoreTags')
        page = kinesis.list_tags_for_stream(StreamName=name, Limit=1)
        check_equal((len(page['Tags']), page['HasMoreTags']), (1, True), 'a page of one tag')

    with step('kds.remove_tags_from_stream'):
        kinesis.remove_tags_from_stream(StreamName=name, TagKeys=['env', 'empty'])
        tags = kinesis.list_tags_for_stream(StreamName=name)['Tags']
        check_equal([(t['Key'], t['Value']) for t in tags], [('team', 'video')], 'Tags after removal')


def wait_for_consumer(kinesis, consumer_arn, status):
    last = None
    for _ in range(200):
        try:
            last = kinesis.describe_stream_consumer(ConsumerARN=consumer_arn)['ConsumerDescription']['ConsumerStatus']
        except kinesis.exceptions.ResourceNotFoundException:
            last = 'GONE'
        if last == status:
            return
        time.sleep(0.05)
    raise StepFailed(f'consumer {consumer_arn} did not become {status} (last seen: {last})')


def kds_fan_out(kinesis, name, arn):
    consumer = {}
    with step('kds.register_stream_consumer, then ACTIVE'):
        c = kinesis.register_stream_consumer(StreamARN=arn, ConsumerName='py-efo')['Consumer']
        check_equal(c['ConsumerName'], 'py-efo', 'ConsumerName')
        check(c['ConsumerARN'].startswith(f'{arn}/consumer/py-efo:'), f'ConsumerARN {c["ConsumerARN"]!r}')
        check(c['ConsumerStatus'] in ('CREATING', 'ACTIVE'), f'ConsumerStatus {c["ConsumerStatus"]!r}')
        check(is_recent(c['ConsumerCreationTimestamp']), 'ConsumerCreationTimestamp')
        wait_for_consumer(kinesis, c['ConsumerARN'], 'ACTIVE')
        d = kinesis.describe_stream_consumer(StreamARN=arn, ConsumerName='py-efo')['ConsumerDescription']
        check_equal((d['ConsumerARN'], d['StreamARN']), (c['ConsumerARN'], arn), 'ConsumerDescription ARNs')
        consumer.update(c)

    with step('kds.subscribe_to_shard (event stream): records already in, then one put while subscribed'):
        before = [bytes([i]) * (i + 1) for i in range(3)]
        out = kinesis.put_records(StreamName=name, Records=[{'Data': d, 'PartitionKey': f'efo-{i}'} for i, d in enumerate(before)])
        check_equal(out['FailedRecordCount'], 0, 'FailedRecordCount')
        check_equal({r['ShardId'] for r in out['Records']}, {shard_id(3)}, 'records go to the merged shard')
        sub = kinesis.subscribe_to_shard(ConsumerARN=consumer['ConsumerARN'], ShardId=shard_id(3),
                                         StartingPosition={'Type': 'TRIM_HORIZON'})
        check_equal(sub['ResponseMetadata']['HTTPStatusCode'], 200, 'HTTP status')
        stream = sub['EventStream']
        live = b'\xffput while subscribed\x00'
        got, events = [], 0
        try:
            for event in stream:
                events += 1
                check('SubscribeToShardEvent' in event, f'unexpected event {event!r}')
                e = event['SubscribeToShardEvent']
                check(e['ContinuationSequenceNumber'].isdigit(), 'ContinuationSequenceNumber')
                check(isinstance(e['MillisBehindLatest'], int), 'MillisBehindLatest')
                got.extend(r['Data'] for r in e['Records'])
                if got == before:
                    kinesis.put_record(StreamName=name, PartitionKey='efo-live', Data=live)
                if len(got) >= len(before) + 1 or events >= 10:
                    break
        finally:
            stream.close()
        check_equal(got, before + [live], 'records delivered by SubscribeToShard')

    with step('kds.deregister_stream_consumer'):
        kinesis.deregister_stream_consumer(StreamARN=arn, ConsumerName='py-efo')
        wait_for_consumer(kinesis, consumer['ConsumerARN'], 'GONE')
        check_equal(kinesis.list_stream_consumers(StreamARN=arn)['Consumers'], [], 'Consumers')


# ---------------------------------------------------------------------------------------------------------------
# Kinesis Video Streams


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


# ---------------------------------------------------------------------------------------------------------------
# DynamoDB


def dynamodb_walkthrough(clients):
    ddb = clients.client('dynamodb')
    table = f'boto3-walkthrough-{int(time.time() * 1000)}'
    with step('dynamodb.create_table + waiter table_exists'):
        out = ddb.create_table(
            TableName=table, BillingMode='PAY_PER_REQUEST',
            KeySchema=[{'AttributeName': 'pk', 'KeyType': 'HASH'}, {'AttributeName': 'sk', 'KeyType': 'RANGE'}],
            AttributeDefinitions=[{'AttributeName': 'pk', 'AttributeType': 'S'}, {'AttributeName': 'sk', 'AttributeType': 'N'}])
        check_equal(out['TableDescription']['TableName'], table, 'TableName')
        ddb.get_waiter('table_exists').wait(TableName=table, WaiterConfig=FAST_WAIT)
        check_equal(ddb.describe_table(TableName=table)['Table']['TableStatus'], 'ACTIVE', 'TableStatus')

    item = {'pk': {'S': 'camera-1'}, 'sk': {'N': '1'}, 'blob': {'B': b'\x00\xff'}, 'tags': {'SS': ['a', 'b']}, 'count': {'N': '1'}}
    with step('dynamodb.put_item + get_item'):
        ddb.put_item(TableName=table, Item=item)
        for sk in ('2', '3'):
            ddb.put_item(TableName=table, Item={'pk': {'S': 'camera-1'}, 'sk': {'N': sk}})
        got = ddb.get_item(TableName=table, Key={'pk': {'S': 'camera-1'}, 'sk': {'N': '1'}}, ConsistentRead=True)['Item']
        check_equal(got, item, 'Item')

    with step('dynamodb.query (client, then resource with boto3.dynamodb.conditions)'):
        out = ddb.query(TableName=table, KeyConditionExpression='pk = :p AND sk >= :s',
                        ExpressionAttributeValues={':p': {'S': 'camera-1'}, ':s': {'N': '2'}})
        check_equal([i['sk']['N'] for i in out['Items']], ['2', '3'], 'sort keys')
        check_equal(out['Count'], 2, 'Count')
        rows = clients.resource('dynamodb').Table(table).query(
            KeyConditionExpression=Key('pk').eq('camera-1') & Key('sk').lt(3), ScanIndexForward=False)['Items']
        check_equal([int(r['sk']) for r in rows], [2, 1], 'sort keys (descending, resource API)')

    with step('dynamodb.update_item: a passing condition, then a failing one (ConditionalCheckFailedException)'):
        key = {'pk': {'S': 'camera-1'}, 'sk': {'N': '1'}}
        out = ddb.update_item(TableName=table, Key=key, UpdateExpression='SET #c = #c + :one',
                              ConditionExpression='#c = :one', ExpressionAttributeNames={'#c': 'count'},
                              ExpressionAttributeValues={':one': {'N': '1'}}, ReturnValues='UPDATED_NEW')
        check_equal(out['Attributes'], {'count': {'N': '2'}}, 'Attributes (UPDATED_NEW)')
        try:
            ddb.update_item(TableName=table, Key=key, UpdateExpression='SET #c = :zero', ConditionExpression='attribute_not_exists(pk)',
                            ExpressionAttributeNames={'#c': 'count'}, ExpressionAttributeValues={':zero': {'N': '0'}})
            raise StepFailed('the conditional update succeeded')
        except ddb.exceptions.ConditionalCheckFailedException as err:
            check_error(err, 'ConditionalCheckFailedException', 400, 'The conditional request failed')
        got = ddb.get_item(TableName=table, Key=key, ConsistentRead=True)['Item']
        check_equal(got['count'], {'N': '2'}, 'count after the refused update')

    with step('dynamodb.delete_table + waiter table_not_exists'):
        ddb.delete_table(TableName=table)
        ddb.get_waiter('table_not_exists').wait(TableName=table, WaiterConfig=FAST_WAIT)
        check(table not in ddb.list_tables()['TableNames'], 'the deleted table is still listed')


# ---------------------------------------------------------------------------------------------------------------
# Errors as a Python user sees them


def errors_walkthrough(clients):
    kinesis = clients.client('kinesis')
    missing = f'boto3-missing-{int(time.time() * 1000)}'
    with step('errors.kinesis missing stream: ResourceNotFoundException (modeled exception class)'):
        try:
            kinesis.describe_stream_summary(StreamName=missing)
            raise StepFailed('describe_stream_summary of a missing stream succeeded')
        except kinesis.exceptions.ResourceNotFoundException as err:
            check_error(err, 'ResourceNotFoundException', 400, f'Stream {missing} under account {ACCOUNT} not found.')

    with step('errors.kinesis bad stream name: ValidationException'):
        err = error_of(kinesis.create_stream, StreamName='bad name!', ShardCount=1)
        check_error(err, 'ValidationException', 400,
                    "1 validation error detected: Value 'bad name!' at 'streamName' failed to satisfy constraint: "
                    'Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+')

    with step('errors.kinesis bad argument: InvalidArgumentException'):
        name = f'boto3-errors-{int(time.time() * 1000)}'
        kinesis.create_stream(StreamName=name, ShardCount=2)
        kinesis.get_waiter('stream_exists').wait(StreamName=name, WaiterConfig=FAST_WAIT)
        err = error_of(kinesis.get_shard_iterator, StreamName=name, ShardId=shard_id(0), ShardIteratorType='AT_TIMESTAMP')
        check_error(err, 'InvalidArgumentException', 400, 'Must specify timestampInMillis parameter for iterator of type '
                    'AT_TIMESTAMP. Current request has no timestamp parameter.')
        err = error_of(kinesis.increase_stream_retention_period, StreamName=name, RetentionPeriodHours=10)
        check_error(err, 'InvalidArgumentException', 400,
                    'Minimum allowed retention period is 24 hours. Requested retention period (10 hours) is too short.')

    with step('errors.kinesis list_shards paginator sends StreamName with NextToken: refused as AWS does (botocore#2009)'):
        paginator = kinesis.get_paginator('list_shards')
        err = error_of(lambda **kw: list(paginator.paginate(**kw)), StreamName=name, PaginationConfig={'PageSize': 1})
        check_error(err, 'InvalidArgumentException', 400, 'NextToken and StreamName cannot be provided together.')
        # What works on AWS: the stream on the first call only, then NextToken alone.
        page = kinesis.list_shards(StreamName=name, MaxResults=1)
        ids = [x['ShardId'] for x in page['Shards']]
        while page.get('NextToken'):
            page = kinesis.list_shards(NextToken=page['NextToken'], MaxResults=1)
            ids.extend(x['ShardId'] for x in page['Shards'])
        check_equal(ids, [shard_id(0), shard_id(1)], 'shards over NextToken pages')
        kinesis.delete_stream(StreamName=name)

    with step('errors.kinesisvideo missing stream: ResourceNotFoundException'):
        kvs = clients.client('kinesisvideo')
        try:
            kvs.describe_stream(StreamName=missing)
            raise StepFailed('describe_stream of a missing video stream succeeded')
        except kvs.exceptions.ResourceNotFoundException as err:
            check_error(err, 'ResourceNotFoundException', 404, 'The requested stream is not found or not active.')

    with step('errors.dynamodb missing table: ResourceNotFoundException'):
        ddb = clients.client('dynamodb')
        try:
            ddb.describe_table(TableName=missing)
            raise StepFailed('describe_table of a missing table succeeded')
        except ddb.exceptions.ResourceNotFoundException as err:
            check_error(err, 'ResourceNotFoundException', 400, f'Requested resource not found: Table: {missing} not found')


SECTIONS = {
    'kds': lambda c, a: kds_walkthrough(c),
    'kvs-control': lambda c, a: kvs_control(c, a.stream),
    'kvs-media': lambda c, a: kvs_media(c, a.stream, a.start_ms),
    'kvs-dash': lambda c, a: kvs_dash(c, a.stream, a.start_ms),
    'dynamodb': lambda c, a: dynamodb_walkthrough(c),
    'errors': lambda c, a: errors_walkthrough(c),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--endpoint', required=True)
    parser.add_argument('section', choices=sorted(SECTIONS))
    parser.add_argument('stream', nargs='?')
    parser.add_argument('start_ms', nargs='?', type=int)
    args = parser.parse_args()
    if args.section.startswith('kvs') and args.stream is None:
        parser.error(f'{args.section} needs STREAM')
    if args.section in ('kvs-media', 'kvs-dash') and args.start_ms is None:
        parser.error(f'{args.section} needs START_MS')
    print(f'boto3 {boto3.__version__}, botocore {boto3.session.botocore.__version__}, section {args.section}', flush=True)
    SECTIONS[args.section](Clients(args.endpoint), args)
    print('done', flush=True)


if __name__ == '__main__':
    main()
