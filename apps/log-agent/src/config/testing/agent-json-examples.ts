/**
 * agent.json files published with the Kinesis Agent and in its AWS documentation, verbatim (JSON-parsed), each
 * with where it comes from. Specs parse them to show that an existing configuration is read as the agent reads it.
 */

/** awslabs/amazon-kinesis-agent configuration/example/agent.json (commit 1f62dea1748f5afe7c295dcafd4f4618a3cb1bab). */
export const AGENT_REPO_EXAMPLE: unknown = JSON.parse(`{
  "checkpointFile": "/tmp/aws-kinesis-agent-checkpoints/main.log",
  "cloudwatch.emitMetrics": true,
  "cloudwatch.endpoint": "https://monitoring.us-west-2.amazonaws.com",
  "kinesis.endpoint": "https://kinesis.us-west-2.amazonaws.com",
  "awsAccessKeyId": "ACCESSKEY",
  "awsSecretAccessKey": "SECRETKEY",
  "flows": [
    {
      "filePattern": "/tmp/aws-kinesis-agent-test1.log*",
      "initialPosition": "END_OF_FILE",
      "kinesisStream": "aws-kinesis-agent-test1",
      "dataProcessingOptions": [
        {
          "optionName": "CSVTOJSON",
          "customFieldNames": [ "field1", "field2", "field3" ],
          "delimiter": "\\\\t"
        }
      ]
    },
    {
      "filePattern": "/tmp/aws-kinesis-agent-test2.log*",
      "initialPosition": "START_OF_FILE",
      "kinesisStream": "aws-kinesis-agent-test2",
      "dataProcessingOptions": [
        {
          "optionName": "LOGTOJSON",
          "logFormat": "COMMONAPACHELOG"
        }
      ]
    }
  ]
}`);

/**
 * awslabs/amazon-kinesis-agent configuration/release/aws-kinesis-agent.json (commit e88c9339c0d268f2b206b45f2f8ed674e9555be5),
 * the file `setup --install` puts at /etc/aws-kinesis/agent.json. Its second flow is a Firehose flow.
 */
export const AGENT_REPO_RELEASE: unknown = JSON.parse(`{
  "cloudwatch.emitMetrics": true,
  "kinesis.endpoint": "",
  "firehose.endpoint": "",
  "flows": [
    {
      "filePattern": "/tmp/app.log*",
      "kinesisStream": "yourkinesisstream",
      "partitionKeyOption": "RANDOM"
    },
    {
      "filePattern": "/tmp/app.log*",
      "deliveryStream": "yourdeliverystream"
    }
  ]
}`);

/**
 * AWS documentation, "Configure multiple file directories and streams"
 * (https://docs.aws.amazon.com/firehose/latest/dev/sim-writes.html). Its second flow is a Firehose flow.
 */
export const DOCS_MULTIPLE_STREAMS: unknown = JSON.parse(`{
  "cloudwatch.emitMetrics": true,
  "kinesis.endpoint": "https://your/kinesis/endpoint",
  "firehose.endpoint": "https://your/firehose/endpoint",
  "flows": [
    { "filePattern": "/tmp/app1.log*", "kinesisStream": "yourkinesisstream" },
    { "filePattern": "/tmp/app2.log*", "deliveryStream": "yourfirehosedeliverystream" }
  ]
}`);

/**
 * The documentation's "Convert Multi-Line Records" flow (Firehose developer guide, writing-with-agents.html,
 * "Use the agent to Preprocess Data"), with `kinesisStream` in place of its `deliveryStream`.
 */
export const DOCS_MULTI_LINE_FLOW: unknown = JSON.parse(`{
    "flows": [
        {
            "filePattern": "/tmp/app.log*",
            "kinesisStream": "my-delivery-stream",
            "multiLineStartPattern": "\\\\[SEQUENCE=",
            "dataProcessingOptions": [
                {
                    "optionName": "SINGLELINE"
                },
                {
                    "optionName": "CSVTOJSON",
                    "customFieldNames": [ "field1", "field2", "field3" ],
                    "delimiter": "\\\\t"
                }
            ]
        }
    ]
}`);

/** The processing options as the AWS documentation shows them ("Pre-process data with agents", pre-processing.html). */
export const DOCS_PROCESSING_OPTIONS: readonly unknown[] = [
  { optionName: 'SINGLELINE' },
  { optionName: 'CSVTOJSON', customFieldNames: ['field1', 'field2'], delimiter: ',' },
  { optionName: 'LOGTOJSON', logFormat: 'COMMONAPACHELOG' },
  {
    optionName: 'LOGTOJSON',
    logFormat: 'COMMONAPACHELOG',
    matchPattern: '^([\\d.]+) (\\S+) (\\S+) \\[([\\w:/]+\\s[+\\-]\\d{4})\\] "(.+?)" (\\d{3})',
    customFieldNames: ['host', 'ident', 'authuser', 'datetime', 'request', 'response'],
  },
];
