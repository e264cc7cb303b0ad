"""Kinesis Data Streams with boto3: create to delete, resharding, tags, enhanced fan-out (SubscribeToShard's event
stream, which botocore reads over HTTP/1.1)."""
import time

from checks import ACCOUNT, FAST_WAIT, REGION, StepFailed, check, check_equal, is_recent, step

MAX_HASH_KEY = 2**128 - 1
MID_HASH_KEY = 2**127


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
