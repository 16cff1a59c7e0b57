"""boto3: clients and resources for DynamoDB and S3, offline."""
import boto3

session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret", region_name="eu-west-3")
for service in ("dynamodb", "s3"):
    client = session.client(service)
    resource = session.resource(service)
    print(service, client.meta.region_name, type(resource).__name__, client.meta.endpoint_url)
print(session.resource("s3").Bucket("demo").name)
print(session.resource("dynamodb").Table("users").name)
