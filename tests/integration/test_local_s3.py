"""The local runtime's S3 (`infra.local.s3`): SeaweedFS behind the S3 front, provisioned from a small template of
this module's own, with moto server as the SQS the notifications go to. SeaweedFS starts once for the module.

What is checked is what a browser, the media function and the local runtime rely on: a presigned POST uploaded
as a browser uploads it (a multipart form, the file last) is stored, and one the policy does not admit is
refused with S3's answer and stores nothing; each created or deleted object is notified to the queue in S3's
event shape; CORS is the template's; the CloudFront stand-in serves media/ keys with their headers, ranges and
conditional answers, and never uploads/; objects survive a restart of SeaweedFS on the same folder."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import boto3
import pytest
import requests
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from infra.local.aws import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, AwsClients, ServiceEndpoints
from infra.local.emulators import free_port
from infra.local.gateway import ApiGateway, ApiSettings, GatewayHttpServer, RouteTable
from infra.local.intrinsics import PseudoParameters, Resolver, parameter_values
from infra.local.provision import ProvisionContext, ProvisionedResource, provision_all, skipped_resource_ids
from infra.local.s3.cdn import bucket_domains, cloudfront_stand_in
from infra.local.s3.service import LocalS3
from infra.local.template import Template, TemplateError, load_template_text

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
ORIGIN = "http://127.0.0.1:8000"
PSEUDO = PseudoParameters(region=REGION, account_id=ACCOUNT_ID, stack_name="s3test")
TEMPLATE = f"""
Resources:
  UploadsQueue:
    Type: AWS::SQS::Queue
  UploadsQueuePolicy:
    Type: AWS::SQS::QueuePolicy
    Properties:
      Queues: [!Ref UploadsQueue]
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: s3.amazonaws.com}}
            Action: sqs:SendMessage
            Resource: !GetAtt UploadsQueue.Arn
            Condition:
              ArnLike: {{aws:SourceArn: !Sub "arn:${{AWS::Partition}}:s3:::s3test-mediabucket"}}
              StringEquals: {{aws:SourceAccount: !Ref AWS::AccountId}}
  MediaBucket:
    Type: AWS::S3::Bucket
    DependsOn: UploadsQueuePolicy
    Properties:
      CorsConfiguration:
        CorsRules:
          - {{AllowedMethods: [POST], AllowedOrigins: ["{ORIGIN}"], AllowedHeaders: ["*"], MaxAge: 3000}}
      NotificationConfiguration:
        QueueConfigurations:
          - Event: "s3:ObjectCreated:*"
            Queue: !GetAtt UploadsQueue.Arn
            Filter: {{S3Key: {{Rules: [{{Name: prefix, Value: uploads/}}]}}}}
          - Event: "s3:ObjectRemoved:*"
            Queue: !GetAtt UploadsQueue.Arn
            Filter: {{S3Key: {{Rules: [{{Name: prefix, Value: uploads/}}]}}}}
  MediaBucketPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref MediaBucket
      PolicyDocument:
        Statement:
          - Effect: Allow
            Principal: {{Service: cloudfront.amazonaws.com}}
            Action: s3:GetObject
            Resource: !Sub "${{MediaBucket.Arn}}/media/*"
            Condition:
              StringEquals:
                AWS:SourceArn: !Sub "arn:aws:cloudfront::${{AWS::AccountId}}:distribution/${{MediaDistribution}}"
  MediaDistribution:
    Type: AWS::CloudFront::Distribution
    Properties:
      DistributionConfig:
        Enabled: true
        Origins:
          - Id: media
            DomainName: !GetAtt MediaBucket.RegionalDomainName
            S3OriginConfig: {{OriginAccessIdentity: ""}}
        CacheBehaviors:
          - {{PathPattern: media/*, TargetOriginId: media, AllowedMethods: [GET, HEAD]}}
        DefaultCacheBehavior: {{TargetOriginId: media}}
"""
UNSENDABLE_TEMPLATE = """
Resources:
  LockedQueue:
    Type: AWS::SQS::Queue
  OtherBucket:
    Type: AWS::S3::Bucket
    Properties:
      NotificationConfiguration:
        QueueConfigurations:
          - {Event: "s3:ObjectCreated:*", Queue: !GetAtt LockedQueue.Arn}
"""


@dataclass
class Stack:
    """The module's S3 (replaced when a test restarts it), its SQS and what provisioning returned."""

    root: Path
    s3: LocalS3
    clients: AwsClients
    resolver: Resolver
    template: Template
    provisioned: list[ProvisionedResource]
    moto_url: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def output(self, logical_id: str) -> ProvisionedResource:
        return next(resource for resource in self.provisioned if resource.logical_id == logical_id)

    @property
    def bucket(self) -> str:
        return self.output("MediaBucket").outputs.ref

    def client(self) -> Any:
        """An S3 client as the functions have one: the runtime's endpoint, its key pair, SigV4, path-style."""
        return boto3.client(
            "s3",
            endpoint_url=self.s3.url,
            region_name=REGION,
            aws_access_key_id=DUMMY_ACCESS_KEY,
            aws_secret_access_key=DUMMY_SECRET_KEY,
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

    def received(self) -> list[dict[str, Any]]:
        """Every message the uploads queue got so far (bodies, parsed), oldest first."""
        self.s3.wait_for_notifications()
        sqs = self.clients.client("sqs")
        url = self.output("UploadsQueue").outputs.ref
        while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            self.messages += [json.loads(message["Body"]) for message in batch]
            sqs.delete_message_batch(
                QueueUrl=url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)],
            )
        return self.messages

    def records_for(self, key: str) -> list[dict[str, Any]]:
        return [
            message["Records"][0]
            for message in self.received()
            if "Records" in message and message["Records"][0]["s3"]["object"]["key"] == key
        ]


def start_s3(root: Path, port: int | None = None) -> LocalS3:
    s3 = LocalS3(root / "s3", root / "logs", REGION, {DUMMY_ACCESS_KEY: DUMMY_SECRET_KEY}, port)
    s3.spawn()
    s3.wait_until_serving(60)
    return s3


def provision(template_text: str, root: Path, s3: LocalS3, clients: AwsClients) -> tuple[Template, Resolver, Any]:
    template = Template(load_template_text(template_text), base_dir=root)
    resolver = Resolver(
        template, parameter_values(template, {}), PSEUDO, placeholder_ids=skipped_resource_ids(template)
    )
    context = ProvisionContext(clients, resolver, "s3test-", secrets_dir=root / "secrets", local_s3=s3)
    return template, resolver, provision_all(template, context)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    root = tmp_path_factory.mktemp("local-s3")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_ACCESS_KEY_ID", DUMMY_ACCESS_KEY)
        patch.setenv("AWS_SECRET_ACCESS_KEY", DUMMY_SECRET_KEY)
        for name in ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_PROFILE", "AWS_ENDPOINT_URL"):
            patch.delenv(name, raising=False)
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
        moto.start()
        s3 = start_s3(root)
        try:
            moto_url = f"http://127.0.0.1:{moto._server.server_port}"  # type: ignore[union-attr]
            clients = AwsClients(REGION, ServiceEndpoints(default=moto_url, dynamodb=None, s3=s3.url))
            template, resolver, provisioned = provision(TEMPLATE, root, s3, clients)
            stack = Stack(root, s3, clients, resolver, template, provisioned, moto_url)
            yield stack
        finally:
            stack.s3.stop() if "stack" in locals() else s3.stop()
            moto.stop()


def browser_post(post: dict[str, Any], content: bytes, content_type: str = "image/png") -> requests.Response:
    """The POST a browser sends: FormData with the presigned fields, the file last, from the app's origin."""
    files: list[tuple[str, Any]] = [(name, (None, value)) for name, value in post["fields"].items()]
    files.append(("file", ("a.png", content, content_type)))
    return requests.post(post["url"], files=files, headers={"Origin": ORIGIN}, timeout=30)


def image_post(stack: Stack, key: str, size: int) -> dict[str, Any]:
    """A presigned POST as the media API makes it: exact key, Content-Type eq, content-length-range."""
    return dict(
        stack.client().generate_presigned_post(
            Bucket=stack.bucket,
            Key=key,
            Fields={"Content-Type": "image/png"},
            Conditions=[{"Content-Type": "image/png"}, ["content-length-range", 1, size]],
            ExpiresIn=900,
        )
    )


def stored(stack: Stack, key: str) -> bool:
    try:
        stack.client().head_object(Bucket=stack.bucket, Key=key)
    except ClientError as error:
        assert error.response["Error"]["Code"] in ("404", "NoSuchKey")
        return False
    return True


# ---------------------------------------------------------------------- provisioning
def test_provisioning_creates_the_bucket_and_s3s_test_event_reaches_the_queue(stack: Stack) -> None:
    # Given the provisioned template (in the fixture)
    # When the queue is read
    tests = [message for message in stack.received() if message.get("Event") == "s3:TestEvent"]
    # Then the bucket exists on SeaweedFS, and S3's test event came when its notifications were configured
    assert stack.bucket in [bucket["Name"] for bucket in stack.client().list_buckets()["Buckets"]]
    assert tests and tests[0]["Service"] == "Amazon S3" and tests[0]["Bucket"] == stack.bucket
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", tests[0]["Time"])


def test_an_unchanged_configuration_sends_no_new_test_event_and_a_changed_one_does(stack: Stack) -> None:
    # Given the test events received so far
    def count() -> int:
        return sum(1 for message in stack.received() if message.get("Event") == "s3:TestEvent")

    before = count()
    sqs = stack.clients.client("sqs")
    arn = stack.output("UploadsQueue").outputs.attributes["Arn"]
    configuration = {
        "QueueConfigurations": [
            {
                "QueueArn": arn,
                "Events": [event],
                "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "uploads/"}]}},
            }
            for event in ("s3:ObjectCreated:*", "s3:ObjectRemoved:*")
        ]
    }
    cors = [{"AllowedMethods": ["POST"], "AllowedOrigins": [ORIGIN], "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]
    # When the same configuration is put again (a restart), then a different one, then the original
    stack.s3.configure_bucket(stack.bucket, cors, configuration, sqs, ACCOUNT_ID)
    unchanged = count()
    changed = {"QueueConfigurations": configuration["QueueConfigurations"][:1]}
    stack.s3.configure_bucket(stack.bucket, cors, changed, sqs, ACCOUNT_ID)
    after_change = count()
    stack.s3.configure_bucket(stack.bucket, cors, configuration, sqs, ACCOUNT_ID)
    # Then only the changes sent one
    assert (unchanged, after_change) == (before, before + 1)


def test_a_queue_whose_policy_does_not_let_s3_send_fails_the_configuration(stack: Stack) -> None:
    # Given a template whose bucket notifies a queue with no policy (AWS would refuse the configuration)
    # When it is provisioned
    with pytest.raises(TemplateError) as raised:
        provision(UNSENDABLE_TEMPLATE, stack.root, stack.s3, stack.clients)
    # Then the start fails, naming the bucket, the queue and what is missing
    assert "s3test-otherbucket" in str(raised.value)
    assert "s3.amazonaws.com" in str(raised.value) and "LockedQueue" in str(raised.value)


# ---------------------------------------------------------------------- browser uploads
def test_a_browser_post_within_its_policy_is_stored_and_answered_with_the_templates_cors(stack: Stack) -> None:
    # Given a presigned POST for 8 bytes of image/png at an exact key
    post = image_post(stack, "uploads/7/100", 8)
    # When the browser posts 8 bytes
    response = browser_post(post, b"\x89PNG1234")
    # Then S3's 204, readable by the app's origin, and the object stored with its type
    assert response.status_code == 204, response.text
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    head = stack.client().head_object(Bucket=stack.bucket, Key="uploads/7/100")
    assert (head["ContentLength"], head["ContentType"]) == (8, "image/png")


def test_an_oversized_post_is_entity_too_large_and_nothing_is_stored(stack: Stack) -> None:
    # Given a presigned POST for at most 8 bytes
    post = image_post(stack, "uploads/7/101", 8)
    # When the browser posts 9
    response = browser_post(post, b"123456789")
    # Then S3's 400 EntityTooLarge (readable by the page), and no object
    assert response.status_code == 400
    assert "<Code>EntityTooLarge</Code>" in response.text and "<MaxSizeAllowed>8</MaxSizeAllowed>" in response.text
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert not stored(stack, "uploads/7/101")


def test_a_post_with_another_content_type_is_refused_and_nothing_is_stored(stack: Stack) -> None:
    # Given a presigned POST for image/png, whose Content-Type field the page changes to text/html
    post = image_post(stack, "uploads/7/102", 8)
    post["fields"] = {**post["fields"], "Content-Type": "text/html"}
    # When the browser posts it
    response = browser_post(post, b"<html>", "text/html")
    # Then S3's 403 naming the condition, and no object
    error = ElementTree.fromstring(response.content)
    assert response.status_code == 403
    assert error.findtext("Code") == "AccessDenied"
    assert error.findtext("Message") == (
        'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "image/png"]'
    )
    assert not stored(stack, "uploads/7/102")


def test_a_preflight_from_an_origin_the_template_does_not_allow_is_refused(stack: Stack) -> None:
    # Given the template's CORS: POST from the app's origin only
    url = f"{stack.s3.url}/{stack.bucket}"
    # When two origins ask to POST
    allowed = requests.options(url, headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}, timeout=10)
    other = requests.options(
        url, headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}, timeout=10
    )
    # Then only the app's origin is allowed (SeaweedFS alone would allow any)
    assert allowed.status_code == 200
    assert allowed.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert allowed.headers["Access-Control-Max-Age"] == "3000"
    assert other.status_code == 403 and "<Code>AccessForbidden</Code>" in other.text


# ---------------------------------------------------------------------- notifications
def test_the_uploads_notification_lands_in_the_queue_in_s3s_event_shape(stack: Stack) -> None:
    # Given a browser upload of 5 bytes
    response = browser_post(image_post(stack, "uploads/8/200", 5), b"12345")
    assert response.status_code == 204
    # When the queue is read
    (record,) = stack.records_for("uploads/8/200")
    # Then one record, as S3 sends it
    assert record["eventVersion"] == "2.1"
    assert record["eventSource"] == "aws:s3"
    assert record["awsRegion"] == REGION
    assert record["eventName"] == "ObjectCreated:Post"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", record["eventTime"])
    assert record["userIdentity"] == {"principalId": f"AWS:{DUMMY_ACCESS_KEY}"}
    assert record["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
    assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
    s3 = record["s3"]
    assert s3["s3SchemaVersion"] == "1.0"
    assert s3["configurationId"]
    assert s3["bucket"]["name"] == stack.bucket
    assert s3["bucket"]["arn"] == f"arn:aws:s3:::{stack.bucket}"
    assert s3["bucket"]["ownerIdentity"]["principalId"]
    assert s3["object"]["size"] == 5
    assert s3["object"]["eTag"] == response.headers["ETag"].strip('"')
    assert re.fullmatch(r"[0-9A-F]{18}", s3["object"]["sequencer"])


def test_put_copy_multipart_and_delete_are_notified_with_keys_url_encoded_as_s3_does(stack: Stack) -> None:
    # Given objects written every other way S3 knows, one key with a space and a plus, then deleted
    client = stack.client()
    client.put_object(Bucket=stack.bucket, Key="uploads/9/red flower+1.jpg", Body=b"abc", ContentType="image/jpeg")
    client.copy_object(
        Bucket=stack.bucket,
        Key="uploads/9/copy",
        CopySource={"Bucket": stack.bucket, "Key": "uploads/9/red flower+1.jpg"},
    )
    upload = client.create_multipart_upload(Bucket=stack.bucket, Key="uploads/9/parts")
    part = client.upload_part(
        Bucket=stack.bucket, Key="uploads/9/parts", UploadId=upload["UploadId"], PartNumber=1, Body=b"x" * 1000
    )
    client.complete_multipart_upload(
        Bucket=stack.bucket,
        Key="uploads/9/parts",
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    client.delete_object(Bucket=stack.bucket, Key="uploads/9/copy")
    client.delete_objects(Bucket=stack.bucket, Delete={"Objects": [{"Key": "uploads/9/parts"}]})
    # When the queue is read
    put = stack.records_for("uploads/9/red+flower%2B1.jpg")
    copy = stack.records_for("uploads/9/copy")
    parts = stack.records_for("uploads/9/parts")
    # Then each event, named as S3 names it, with the created objects' sizes and the deletions' without
    assert [(r["eventName"], r["s3"]["object"]["size"]) for r in put] == [("ObjectCreated:Put", 3)]
    assert [r["eventName"] for r in copy] == ["ObjectCreated:Copy", "ObjectRemoved:Delete"]
    assert copy[0]["s3"]["object"]["size"] == 3
    assert [r["eventName"] for r in parts] == ["ObjectCreated:CompleteMultipartUpload", "ObjectRemoved:Delete"]
    assert parts[0]["s3"]["object"]["size"] == 1000
    assert set(copy[1]["s3"]["object"]) == {"key", "sequencer"}
    assert copy[0]["s3"]["configurationId"] != copy[1]["s3"]["configurationId"]
    assert copy[0]["s3"]["object"]["sequencer"] < copy[1]["s3"]["object"]["sequencer"]


def test_objects_outside_the_filter_are_not_notified(stack: Stack) -> None:
    # Given an object written under media/ (the filter names uploads/)
    stack.client().put_object(Bucket=stack.bucket, Key="media/9/thumb.webp", Body=b"webp")
    # When the queue is read
    records = stack.records_for("media/9/thumb.webp")
    # Then nothing was sent for it
    assert records == []


# ---------------------------------------------------------------------- the CloudFront stand-in
@pytest.fixture(scope="module")
def cdn_url(stack: Stack) -> Iterator[str]:
    """The API's HTTP server with the distribution's stand-in (and no API route: anything else is a 404)."""
    server = GatewayHttpServer(("127.0.0.1", 0), gateway=None)
    server.gateway = ApiGateway(RouteTable([]), ApiSettings(stage="Prod", account_id=ACCOUNT_ID), lambda *_: None)
    server.cdn = cloudfront_stand_in(
        stack.template, stack.resolver, bucket_domains(stack.provisioned), stack.clients.client("s3")
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_distributions_domain_is_the_api_address(stack: Stack) -> None:
    # When the distribution's DomainName is resolved
    domain = stack.resolver.resolve({"Fn::GetAtt": ["MediaDistribution", "DomainName"]})
    # Then it is where the runtime serves it
    assert domain == PSEUDO.gateway_address


def test_the_cdn_serves_a_media_key_with_its_headers_ranges_and_conditional_answers(stack: Stack, cdn_url: str) -> None:
    # Given a variant written as the media function writes them
    body = bytes(range(256)) * 4
    stack.client().put_object(
        Bucket=stack.bucket,
        Key="media/5/680.webp",
        Body=body,
        ContentType="image/webp",
        CacheControl="public, max-age=31536000, immutable",
    )
    # When it is fetched whole, in part, and again with its ETag
    whole = requests.get(f"{cdn_url}/media/5/680.webp", timeout=10)
    part = requests.get(f"{cdn_url}/media/5/680.webp", headers={"Range": "bytes=10-19"}, timeout=10)
    again = requests.get(f"{cdn_url}/media/5/680.webp", headers={"If-None-Match": whole.headers["ETag"]}, timeout=10)
    head = requests.head(f"{cdn_url}/media/5/680.webp", timeout=10)
    # Then the object with its headers, its bytes 10-19 as a 206, and a 304
    assert whole.status_code == 200 and whole.content == body
    assert whole.headers["Content-Type"] == "image/webp"
    assert whole.headers["Content-Length"] == str(len(body))
    assert whole.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert whole.headers["ETag"] and whole.headers["Last-Modified"]
    assert part.status_code == 206 and part.content == body[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(body)}"
    assert again.status_code == 304 and again.content == b""
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(body)) and head.content == b""


def test_the_cdn_never_serves_uploads_nor_what_the_bucket_policy_does_not_grant(stack: Stack, cdn_url: str) -> None:
    # Given an upload in the bucket
    stack.client().put_object(Bucket=stack.bucket, Key="uploads/5/1", Body=b"raw upload")
    # When it is asked for through the distribution, directly and by climbing out of media/
    direct = requests.get(f"{cdn_url}/uploads/5/1", timeout=10)
    climbing = requests.get(f"{cdn_url}/media/%2E%2E/uploads/5/1", timeout=10)
    missing = requests.get(f"{cdn_url}/media/5/nothing.webp", timeout=10)
    posted = requests.post(f"{cdn_url}/media/5/680.webp", data=b"x", timeout=10)
    # Then: not a path of the distribution (the API's 404), refused, S3's 403 for a missing key (CloudFront may
    # not list the bucket), and CloudFront's 403 for a method the behavior does not allow
    assert direct.status_code == 404 and b"raw upload" not in direct.content
    assert climbing.status_code == 400 and b"raw upload" not in climbing.content
    assert missing.status_code == 403 and "<Code>AccessDenied</Code>" in missing.text
    assert posted.status_code == 403


# ---------------------------------------------------------------------- persistence (last: it restarts SeaweedFS)
def test_objects_survive_a_restart_of_seaweedfs_on_the_same_folder(stack: Stack) -> None:
    # Given an object uploaded through the browser flow
    assert browser_post(image_post(stack, "uploads/6/kept", 4), b"kept").status_code == 204
    # When SeaweedFS and the front stop and start again on the same folder (and the front's port)
    port = int(stack.s3.url.rsplit(":", 1)[1])
    stack.s3.stop()
    stack.s3 = start_s3(stack.root, port)
    provision(TEMPLATE, stack.root, stack.s3, stack.clients)
    # Then the bucket and the object are still there, and the bucket takes new uploads
    assert stack.client().get_object(Bucket=stack.bucket, Key="uploads/6/kept")["Body"].read() == b"kept"
    assert browser_post(image_post(stack, "uploads/6/after", 5), b"after").status_code == 204
