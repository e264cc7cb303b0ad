"""What a Python user does with boto3 against the emulator, asserting on every answer.

Run by ../boto3-walkthrough.int.spec.ts with Debian's interpreter and boto3 (`/usr/bin/python3 -I`, package
python3-boto3: boto3 1.26, botocore 1.29), one section per call:

    walkthrough.py --endpoint URL kds
    walkthrough.py --endpoint URL kvs-control STREAM
    walkthrough.py --endpoint URL kvs-media STREAM START_MS   (after the spec put 4 s of media from START_MS)
    walkthrough.py --endpoint URL kvs-dash STREAM START_MS
    walkthrough.py --endpoint URL dynamodb
    walkthrough.py --endpoint URL errors

The clients are built the way a Python user points them at a local endpoint: `endpoint_url` and dummy keys (the
botocore 1.29 line predates AWS_ENDPOINT_URL). Each step prints `ok <step>`; the first failure prints
`FAILED <step>: <what>` with the traceback and exits 1, so the spec names the step that broke.
"""
import argparse
import os
import sys

# -I leaves the script's folder off sys.path (Python 3.11's -P): the step modules beside it are put back explicitly.
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import boto3  # noqa: E402

from checks import Clients  # noqa: E402
from dynamodb_steps import dynamodb_walkthrough  # noqa: E402
from error_steps import errors_walkthrough  # noqa: E402
from kds_steps import kds_walkthrough  # noqa: E402
from kvs_steps import kvs_control, kvs_dash, kvs_media  # noqa: E402

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
