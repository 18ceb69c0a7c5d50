"""The local runtime's provisioner for `AWS::OpenSearchService::Domain` (`infra.local.provision`): no server, so the
domain is a folder of the embedded engine (or CHIRP_OPENSEARCH_URL), named and given an ARN as AWS would; a function
gets its endpoint through `!GetAtt Domain.DomainEndpoint`. No AWS call is made."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from infra.local.aws import AwsClients, ServiceEndpoints
from infra.local.functions import function_specs
from infra.local.intrinsics import PseudoParameters, Resolver, parameter_values
from infra.local.provision import ProvisionContext, ProvisionedResource, provision_all, skipped_resource_ids
from infra.local.template import Template, TemplateError, load_template_text

PSEUDO = PseudoParameters(region="eu-west-1", account_id="123456789012", stack_name="chirp-local")
TEMPLATE_TEXT = """
Transform: AWS::Serverless-2016-10-31
Resources:
  SearchDomain:
    Type: AWS::OpenSearchService::Domain
    Properties:
      EngineVersion: OpenSearch_2.19
  Indexer:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: functions/indexer/
      Handler: handler.handler
      Environment:
        Variables:
          SEARCH_ENDPOINT: !GetAtt SearchDomain.DomainEndpoint
          SEARCH_DOMAIN: !Ref SearchDomain
          SEARCH_DOMAIN_ARN: !GetAtt SearchDomain.Arn
"""


def template_with(
    domain_properties: str = "EngineVersion: OpenSearch_2.19", logical_id: str = "SearchDomain"
) -> Template:
    text = TEMPLATE_TEXT.replace("SearchDomain", logical_id).replace(
        "EngineVersion: OpenSearch_2.19", domain_properties
    )
    return Template(document=load_template_text(text), base_dir=Path("/app"))


def provisioned(
    template: Template, data_dir: Path, prefix: str = "chirp-local-", opensearch_url: str | None = None
) -> tuple[list[ProvisionedResource], Resolver]:
    resolver = Resolver(template, parameter_values(template, {}), PSEUDO, skipped_resource_ids(template))
    context = ProvisionContext(
        AwsClients("eu-west-1", ServiceEndpoints(default=None, dynamodb=None)),
        resolver,
        prefix,
        secrets_dir=data_dir / "secrets",
        search_dir=data_dir / "search",
        opensearch_url=opensearch_url,
    )
    return provision_all(template, context), resolver


def test_a_domain_is_a_folder_of_the_embedded_engine_with_the_name_and_arn_aws_gives(tmp_path: Path) -> None:
    # When
    resources, _ = provisioned(template_with(), tmp_path)
    # Then
    domain = next(resource for resource in resources if resource.logical_id == "SearchDomain")
    folder = tmp_path / "search" / "chirp-local-searchdomain"
    assert domain.type == "AWS::OpenSearchService::Domain"
    assert domain.outputs.ref == "chirp-local-searchdomain"
    assert domain.outputs.attributes == {
        "Arn": "arn:aws:es:eu-west-1:123456789012:domain/chirp-local-searchdomain",
        "DomainArn": "arn:aws:es:eu-west-1:123456789012:domain/chirp-local-searchdomain",
        "DomainEndpoint": f"embedded:{folder}",
    }
    assert folder.is_dir()


def test_a_function_is_given_the_domains_endpoint_name_and_arn(tmp_path: Path) -> None:
    # Given
    template = template_with()
    _, resolver = provisioned(template, tmp_path)
    # When
    (indexer,) = function_specs(template, resolver)
    # Then
    assert indexer.environment == {
        "SEARCH_ENDPOINT": f"embedded:{tmp_path / 'search' / 'chirp-local-searchdomain'}",
        "SEARCH_DOMAIN": "chirp-local-searchdomain",
        "SEARCH_DOMAIN_ARN": "arn:aws:es:eu-west-1:123456789012:domain/chirp-local-searchdomain",
    }


def test_an_opensearch_url_is_every_domains_endpoint_and_no_folder_is_made(tmp_path: Path) -> None:
    # When CHIRP_OPENSEARCH_URL names a developer's own OpenSearch
    resources, _ = provisioned(template_with(), tmp_path, opensearch_url="http://127.0.0.1:9200")
    # Then
    domain = next(resource for resource in resources if resource.logical_id == "SearchDomain")
    assert domain.outputs.attributes["DomainEndpoint"] == "http://127.0.0.1:9200"
    assert domain.outputs.ref == "chirp-local-searchdomain"
    assert not (tmp_path / "search").exists()


def test_a_domain_named_in_the_template_keeps_its_name(tmp_path: Path) -> None:
    # When
    resources, _ = provisioned(template_with("DomainName: chirp-search"), tmp_path)
    # Then
    assert resources[0].outputs.ref == "chirp-search"
    assert (tmp_path / "search" / "chirp-search").is_dir()


@pytest.mark.parametrize("name", ["Chirp", "ab", "9chirp", "chirp_search", "a-name-longer-than-twenty-eight"])
def test_a_domain_name_opensearch_refuses_is_refused(tmp_path: Path, name: str) -> None:
    # When / Then
    with pytest.raises(TemplateError, match="would be refused by OpenSearch Service"):
        provisioned(template_with(f"DomainName: {name}"), tmp_path)


@pytest.mark.parametrize(
    ("prefix", "logical_id", "expected"),
    [
        ("chirp-local-", "SearchDomain", r"chirp-local-searchdomain"),
        ("chirp_local.", "Search", r"chirp-local-search"),
        ("1-", "Search", r"search"),
        ("chirp-local-", "TweetSearchDomainForTrends", r"chirp-local-tweetsear-[0-9a-z]{6}"),
        ("", "Ab", r"ab-[0-9a-z]{6}"),
    ],
)
def test_a_domains_derived_name_follows_opensearchs_rule(
    tmp_path: Path, prefix: str, logical_id: str, expected: str
) -> None:
    # When
    resources, _ = provisioned(template_with(logical_id=logical_id), tmp_path, prefix=prefix)
    # Then
    name = resources[0].outputs.ref
    assert re.fullmatch(expected, name)
    assert re.fullmatch(r"[a-z][a-z0-9\-]{2,27}", name)


def test_a_derived_name_is_the_same_at_every_start(tmp_path: Path) -> None:
    # When
    first, _ = provisioned(template_with(logical_id="TweetSearchDomainForTrends"), tmp_path)
    again, _ = provisioned(template_with(logical_id="TweetSearchDomainForTrends"), tmp_path)
    # Then
    assert first[0].outputs.ref == again[0].outputs.ref


def test_without_a_search_dir_the_indexes_go_beside_the_secrets(tmp_path: Path) -> None:
    # Given a context made as before search domains existed
    template = template_with()
    resolver = Resolver(template, parameter_values(template, {}), PSEUDO, skipped_resource_ids(template))
    clients = AwsClients("eu-west-1", ServiceEndpoints(default=None, dynamodb=None))
    context = ProvisionContext(clients, resolver, "chirp-local-", secrets_dir=tmp_path / "secrets")
    # When
    provision_all(template, context)
    # Then
    assert (tmp_path / "search" / "chirp-local-searchdomain").is_dir()
