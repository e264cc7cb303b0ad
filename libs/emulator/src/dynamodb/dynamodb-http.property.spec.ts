// Property-based tests of the emulator's DynamoDB route (issue 12, "Fuzzing"): handleDynamoDb over an in-memory
// dynalite store, no socket (dynamodb-http.arbitraries.ts, shared with the soak bench), bounded count.
import { checkFuzzTarget } from '@tributary/runtime/testing';
import { noopLogger } from '../logger';
import { closeDynamoDbFuzzService, dynamoDbHttpFuzzTarget } from './dynamodb-http.arbitraries';
import { DynamoDbService } from './dynamodb-service';

describe('DynamoDB route properties', () => {
  afterAll(() => closeDynamoDbFuzzService());

  it('answers any operation, headers and body with a 200 or an AWS-style 400/404/413, never a 500', async () => {
    await checkFuzzTarget(dynamoDbHttpFuzzTarget, { numRuns: 400 });
  });

  // Regression (found by the property above): dynalite's validations walk attribute maps without checking for
  // JSON null, so `"Item":{"n":null}` or `"RequestItems":{"fuzz-a":null}` threw a TypeError inside them and the
  // emulator answered 500 InternalServerError (retried by every SDK) to a request that can never succeed.
  describe('null where dynalite expects an object', () => {
    let dynamo: DynamoDbService;
    beforeAll(async () => {
      dynamo = await DynamoDbService.open({ delays: { create: 0, delete: 0, update: 0 }, accountId: '000000000000', region: 'us-east-1', logger: noopLogger });
    });
    afterAll(() => dynamo.close());

    it.each([
      ['PutItem', { TableName: 'fuzz-a', Key: {}, Item: { n: null, '#x': { B: 'AAAA' } } }],
      ['UpdateItem', { TableName: 'fuzz-b', Key: { '': null } }],
      ['BatchGetItem', { RequestItems: { 'fuzz-a': null } }],
    ])('%s is a 400 SerializationException', async (operation, body) => {
      const answer = await dynamo.call(operation, body as Record<string, unknown>);
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).__type).toBe('com.amazon.coral.service#SerializationException');
    });
  });
});
