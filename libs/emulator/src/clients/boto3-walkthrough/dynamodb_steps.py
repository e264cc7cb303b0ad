"""DynamoDB with boto3: the client API, the resource API with boto3.dynamodb.conditions, a refused condition."""
import time

from boto3.dynamodb.conditions import Key

from checks import FAST_WAIT, StepFailed, check, check_equal, check_error, step


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
