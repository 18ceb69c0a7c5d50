"""template.yaml hosts the web client as the web contract says: one CloudFront distribution serves the app from a
private bucket (Origin Access Control, a bucket policy for this distribution alone) and forwards `api/*`, never
cached, to the HTTP API; the app's routes (no "." in the last segment) are answered with index.html by a
CloudFront Function; the outputs are what `make deploy-web` (infra/web_deploy.py) reads."""

from __future__ import annotations

from typing import Any

import pytest

from infra import web_deploy
from tests.template.support import Template, references

CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}


def properties(template: Template, logical_id: str) -> dict[str, Any]:
    resource = template["Resources"][logical_id]
    result: dict[str, Any] = resource["Properties"]
    return result


def distribution(template: Template) -> dict[str, Any]:
    config: dict[str, Any] = properties(template, "WebDistribution")["DistributionConfig"]
    return config


def origins(template: Template) -> dict[str, dict[str, Any]]:
    return {origin["Id"]: origin for origin in distribution(template)["Origins"]}


def test_the_web_bucket_is_private_encrypted_and_owned_by_the_account(template: Template) -> None:
    # Given the web bucket
    bucket = properties(template, "WebBucket")
    # Then no public access, SSE-S3, ACLs off, and no website endpoint (only CloudFront serves it)
    assert set(bucket["PublicAccessBlockConfiguration"].values()) == {True}
    assert len(bucket["PublicAccessBlockConfiguration"]) == 4
    encryption = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert bucket["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    assert "WebsiteConfiguration" not in bucket and "CorsConfiguration" not in bucket


def test_the_bucket_policy_lets_only_this_distribution_read_and_list_over_tls(template: Template) -> None:
    # Given the web bucket's policy
    policy = properties(template, "WebBucketPolicy")
    statements = policy["PolicyDocument"]["Statement"]
    allows = [statement for statement in statements if statement["Effect"] == "Allow"]
    denies = [statement for statement in statements if statement["Effect"] == "Deny"]
    # Then it is the web bucket's; every Allow is CloudFront's, for WebDistribution only, reading or listing
    assert policy["Bucket"] == {"Ref": "WebBucket"}
    assert {statement["Action"] for statement in allows} == {"s3:GetObject", "s3:ListBucket"}
    for statement in allows:
        assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        source_arn = statement["Condition"]["StringEquals"]["AWS:SourceArn"]
        assert references(source_arn) == {"WebDistribution"}, source_arn
        assert references(statement["Resource"]) == {"WebBucket"}
    # And anything without TLS is refused
    assert [deny["Condition"] for deny in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]


def test_the_bucket_origin_signs_with_origin_access_control(template: Template) -> None:
    # Given the distribution's bucket origin and its OAC
    origin = origins(template)["WebBucket"]
    oac = properties(template, "WebOriginAccessControl")["OriginAccessControlConfig"]
    # Then CloudFront signs every request (SigV4) with the OAC, and no legacy identity is used
    assert origin["DomainName"] == {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}
    assert origin["OriginAccessControlId"] == {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]}
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )


def test_api_paths_go_to_the_http_api_uncached_with_every_method(template: Template) -> None:
    # Given the behaviors, and the API origin
    behaviors = distribution(template)["CacheBehaviors"]
    api = origins(template)["ChirpApi"]
    # Then api/* is the first behavior, to the HTTP API's stage over https, with every method, never cached,
    # every viewer header but Host forwarded
    assert behaviors[0]["PathPattern"] == "api/*" and behaviors[0]["TargetOriginId"] == "ChirpApi"
    assert references(api["DomainName"]) == {"ChirpApi"} and ".execute-api." in api["DomainName"]["Fn::Sub"]
    assert api["OriginPath"] == {"Fn::Sub": "/${StageName}"}
    assert api["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert set(behaviors[0]["AllowedMethods"]) == ALL_METHODS
    assert behaviors[0]["CachePolicyId"] == CACHING_DISABLED
    assert behaviors[0]["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST_HEADER
    assert behaviors[0]["Compress"] is True and behaviors[0]["ViewerProtocolPolicy"] == "redirect-to-https"


def test_everything_else_is_the_app_cached_compressed_and_rewritten_by_the_function(template: Template) -> None:
    # Given the default behavior and the function
    config = distribution(template)
    default = config["DefaultCacheBehavior"]
    function = properties(template, "WebSpaFunction")
    # Then the app's bucket, cached as its Cache-Control says, compressed, https only, the root its index
    assert config["DefaultRootObject"] == "index.html"
    assert default["TargetOriginId"] == "WebBucket" and set(default["AllowedMethods"]) == {"GET", "HEAD"}
    assert default["CachePolicyId"] == CACHING_OPTIMIZED and default["Compress"] is True
    assert default["ViewerProtocolPolicy"] == "redirect-to-https"
    # And the SPA function runs on each viewer request (the one whose rule the local runtime knows)
    associations = default["FunctionAssociations"]
    assert [association["EventType"] for association in associations] == ["viewer-request"]
    assert references(associations[0]["FunctionARN"]) == {"WebSpaFunction"}
    assert function["FunctionConfig"]["Runtime"] == "cloudfront-js-2.0" and function["AutoPublish"] is True
    assert "chirp:spa-rewrite" in function["FunctionCode"] and len(function["FunctionCode"]) < 1024
    # And the security headers policy is on the app's files
    assert default["ResponseHeadersPolicyId"] == {"Ref": "WebSecurityHeadersPolicy"}


@pytest.mark.parametrize(
    ("output", "names"),
    [
        ("WebUrl", {"WebDistribution"}),
        ("WebBucketName", {"WebBucket"}),
        ("WebDistributionId", {"WebDistribution"}),
        (web_deploy.WEBSOCKET_URL_OUTPUT, {"WebSocketApi", "WebSocketStage"}),
    ],
)
def test_the_outputs_deploy_web_reads_are_there(template: Template, output: str, names: set[str]) -> None:
    assert references(template["Outputs"][output]["Value"]) == names
