"""Errors as a Python user meets them: botocore's ClientError and the client's modeled exception classes."""
import time

from checks import ACCOUNT, FAST_WAIT, StepFailed, check_equal, check_error, error_of, step
from kds_steps import shard_id


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
