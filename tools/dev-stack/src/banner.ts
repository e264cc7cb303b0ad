/** What `npm start` prints once the platform is up: where it is and how to talk to it. */
export function banner(url: string, dataDir: string): string {
  const env = `AWS_ENDPOINT_URL=${url} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1`;
  return [
    '',
    `  tributary is up: Kinesis Data Streams on ${url} (HTTP/1.1 and HTTP/2)`,
    `  data folder: ${dataDir}   (delete it to start from scratch)`,
    '',
    '  Point SDKs and tools at it:',
    `    export ${env}`,
    '',
    '  Try it with the AWS CLI:',
    `    aws --endpoint-url ${url} kinesis create-stream --stream-name demo --shard-count 2`,
    `    aws --endpoint-url ${url} kinesis put-record --stream-name demo --partition-key device-1 --data aGVsbG8= `,
    `    aws --endpoint-url ${url} kinesis list-shards --stream-name demo`,
    `    aws --endpoint-url ${url} kinesis get-shard-iterator --stream-name demo --shard-id shardId-000000000000 --shard-iterator-type TRIM_HORIZON`,
    `    aws --endpoint-url ${url} kinesis get-records --shard-iterator <ShardIterator from above>`,
    '',
    '  Ctrl-C stops it; the next `npm start` resumes from the data folder.',
    '',
  ].join('\n');
}
