"""What every step of the walk-through shares: the clients as a Python user builds them, and the checks.

Each step prints `ok <step>`; the first failure prints `FAILED <step>: <what>` with the traceback and exits 1.
"""
import datetime
import sys
import traceback
from contextlib import contextmanager

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

REGION = 'us-east-1'
ACCOUNT = '000000000000'
# Waiters poll every 10-20 s by default; a local endpoint answers in milliseconds.
FAST_WAIT = {'Delay': 0.1, 'MaxAttempts': 100}


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
