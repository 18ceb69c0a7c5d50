"""Start, run and stop the whole local system: `python -m infra.local`.

Order of start: lock the data dir and bind the API port (fail fast), start the emulators (on the default
target: DynamoDB Local, moto server, SQS and SNS from SQLite (`infra.local.sqs`), and SeaweedFS behind the S3
front, `infra.local.s3`), provision
the template's resources (and serve its CloudFront distributions' bucket paths on the API's port), set
the functions' environment, expand their IAM policies (SAM's translation runs in a thread from the start)
and check what Lambda needs from them, import the handlers (each sandbox enforces
its function's policies on every AWS call), start the pollers and the functions' schedules
(`infra.local.schedules`), serve the template's WebSocket APIs (on the API's port: `infra.local.websocket`),
upload the built web client to the bucket its distribution serves (`infra.web_deploy`, as `make deploy-web`
does on AWS), write `<data>/endpoints.json`, serve the API (its health check answers 200 only once that file
is written), print the ready line.
Ctrl-C or SIGTERM stops everything that was started, in reverse order, and the process exits 0.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from infra import web_deploy
from infra.local.aws import DUMMY_ACCESS_KEY, DUMMY_SECRET_KEY, AwsClients, ServiceEndpoints, have_credentials
from infra.local.checkpoints import CheckpointStore
from infra.local.config import ConfigError, RuntimeConfig, Target, config_from_environ
from infra.local.emulators import (
    ChildProcess,
    EmulatorError,
    free_port,
    start_dynamodb_local,
    start_local_sqs,
    start_moto_server,
)
from infra.local.faults import FaultInjector, fault_settings_from_environ
from infra.local.functions import (
    EventSource,
    FunctionSpec,
    function_specs,
    layer_paths,
    shared_environment,
)
from infra.local.gateway import DEFAULT_STAGE, ApiGateway, ApiSettings, GatewayHttpServer, Route, RouteTable
from infra.local.iam.authority import Authority
from infra.local.iam.enforcement import RoleTranslation, runtime_authority
from infra.local.intrinsics import PseudoParameters, Resolver, parameter_values, parse_parameter_overrides
from infra.local.pollers import (
    PollerThread,
    function_logs_elsewhere,
    log,
    sqs_mapping_settings,
    stream_mapping_settings,
)
from infra.local.provision import ProvisionContext, ProvisionedResource, provision_all, skipped_resource_ids
from infra.local.s3.cdn import bucket_domains, cloudfront_stand_in
from infra.local.s3.service import LocalS3
from infra.local.sandbox import HandlerLoadError, Invoker, SandboxPool, SandboxSettings, in_parallel
from infra.local.schedules import (
    SCHEDULE_EVENT_TYPES,
    Clock,
    ScheduleNaming,
    ScheduleSettings,
    ScheduleThread,
    SystemClock,
    function_schedules,
)
from infra.local.sqs_poller import SqsPoller
from infra.local.status import RuntimeStatus
from infra.local.stream_poller import StreamPoller
from infra.local.subscriptions import check_sqs_subscriptions, subscription_properties
from infra.local.template import JsonValue, Template, TemplateError, load_template
from infra.local.websocket import ConnectionLimits, WebSocketGateway, WebSocketStage, websocket_stages

MOTO_ACCOUNT_ID = "123456789012"  # moto server's default account
EMULATOR_START_TIMEOUT_SECONDS = 120.0
_HANDLED_EVENT_TYPES = {"HttpApi", "DynamoDB", "SQS", *SCHEDULE_EVENT_TYPES}


class ShutdownRequested(BaseException):
    """Raised in the main thread by SIGTERM or SIGINT."""


@dataclass
class LocalRuntime:
    config: RuntimeConfig
    # Services someone else started (tests); None: start or choose them from the config's target.
    given_services: ServiceEndpoints | None = None
    children: list[ChildProcess] = field(default_factory=list)
    local_s3: LocalS3 | None = None  # the embedded target's S3: SeaweedFS behind the S3 front
    pollers: list[PollerThread] = field(default_factory=list)
    server: GatewayHttpServer | None = None
    endpoints: ServiceEndpoints | None = None
    provisioned: list[ProvisionedResource] = field(default_factory=list)
    functions: list[FunctionSpec] = field(default_factory=list)
    invoker: Invoker | None = None
    api_url: str = ""
    websocket_stages: list[WebSocketStage] = field(default_factory=list)
    websocket_limits: ConnectionLimits = field(default_factory=ConnectionLimits)  # tests shorten them
    schedule_clock: Clock = field(default_factory=SystemClock)  # tests move it rather than wait
    faults: FaultInjector = field(default_factory=FaultInjector)  # CHIRP_FAULT_*, read at start (off by default)
    _lock_file: IO[str] | None = None
    _server_thread: threading.Thread | None = None

    @property
    def data_dir(self) -> Path:
        return self.config.data_dir

    # ------------------------------------------------------------------ start
    def start(self) -> None:
        self.faults = FaultInjector(fault_settings_from_environ(os.environ))  # a bad share stops the start here
        if self.faults.enabled:
            print(f"[chirp-local] fault injection on: {self.faults.settings.describe()}", file=sys.stderr, flush=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock_data_dir()
        template = load_template(self.config.template_path)
        roles = RoleTranslation(template, self._parameters(template), self.config.region)  # SAM's, in a thread
        server = self.server = GatewayHttpServer((self.config.host, self.config.port), gateway=None)
        self._server_thread = threading.Thread(target=server.serve_forever, name="api-server", daemon=True)
        self._server_thread.start()  # answers 503 until the API is ready
        with _phase("emulators"):
            endpoints = self.endpoints = self._start_services()
        self._prepare_process_environment(endpoints)
        clients = AwsClients(self.config.region, endpoints)
        resolver = self._resolver(template, clients, server)
        context = ProvisionContext(
            clients,
            resolver,
            self.config.resource_prefix,
            secrets_dir=self.data_dir / "secrets",
            search_dir=self.data_dir / "search",
            opensearch_url=self.config.opensearch_url,
            local_s3=self.local_s3,
        )
        with _phase("resources"):
            self.provisioned = provision_all(template, context)
            check_sqs_subscriptions(clients, self.provisioned, subscription_properties(template, resolver))
        server.cdn = cloudfront_stand_in(template, resolver, bucket_domains(self.provisioned), clients.client("s3"))
        self.functions = function_specs(template, resolver)
        naming = ScheduleNaming(self.config.resource_prefix, self.config.region, resolver.pseudo.account_id)
        schedules = function_schedules(self.functions, naming)  # a rate AWS refuses stops the start here
        with _phase("policies"):
            authority = runtime_authority(roles, template, self.functions, resolver)
        with _phase("handlers"):
            invoker = self.invoker = self._warm_sandboxes(self.functions, layer_paths(template), authority)
        self.pollers = self._start_pollers(self.functions, clients, invoker, schedules)
        self._serve_websockets(server, template, resolver, invoker)
        self._deploy_web_client(server, template, resolver, clients)
        self._serve_api(server, template, resolver, invoker, endpoints)  # from here on, requests are answered

    def _lock_data_dir(self) -> None:
        self._lock_file = (self.data_dir / ".lock").open("w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConfigError(f"another local runtime is using {self.data_dir}") from None

    def _start_services(self) -> ServiceEndpoints:
        if self.given_services is not None:
            return self.given_services
        if self.config.target is Target.AWS:
            return ServiceEndpoints(default=None, dynamodb=None)
        if self.config.target is Target.ENDPOINT:
            return ServiceEndpoints(default=self.config.endpoint_url, dynamodb=None)
        dynamodb_port = self.config.dynamodb_port or free_port()
        moto_port = self.config.moto_port or free_port()
        logs = self.data_dir / "logs"
        install_dir = self.config.dynamodb_local_dir
        credentials = {DUMMY_ACCESS_KEY: DUMMY_SECRET_KEY}
        s3 = self.local_s3 = LocalS3(self.data_dir / "s3", logs, self.config.region, credentials, self.config.s3_port)
        s3.spawn()
        self.children.append(start_dynamodb_local(install_dir, self.data_dir / "dynamodb", dynamodb_port, logs))
        self.children.append(start_moto_server(moto_port, logs))
        # SQS and SNS from SQLite (`infra.local.sqs`): moto keeps them in memory, and a kill -9 lost every queued event.
        sqs_port = self.config.sqs_port or free_port()
        self.children.append(start_local_sqs(self.data_dir / "sqs", sqs_port, self.config.region, logs))
        for child in self.children:
            child.wait_until_serving(EMULATOR_START_TIMEOUT_SECONDS)
        s3.wait_until_serving(EMULATOR_START_TIMEOUT_SECONDS)
        return ServiceEndpoints(
            default=f"http://127.0.0.1:{moto_port}",
            dynamodb=f"http://127.0.0.1:{dynamodb_port}",
            s3=s3.url,
            sqs=f"http://127.0.0.1:{sqs_port}",
        )

    def _prepare_process_environment(self, endpoints: ServiceEndpoints) -> None:
        """Region, credentials and endpoints for boto3, in this process (the handlers' too)."""
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = self.config.region
        if self.config.target is Target.AWS:
            if not have_credentials():
                raise ConfigError("CHIRP_TARGET=aws needs AWS credentials (environment, profile or SSO)")
        elif self.local_s3 is not None or not have_credentials():
            # The embedded S3 checks signatures (presigned POSTs included) and knows the dummy pair alone; no
            # emulator needs a developer's real credentials, so they stay out of every emulator's requests.
            os.environ["AWS_ACCESS_KEY_ID"] = DUMMY_ACCESS_KEY
            os.environ["AWS_SECRET_ACCESS_KEY"] = DUMMY_SECRET_KEY
            os.environ.pop("AWS_SESSION_TOKEN", None)
            os.environ.pop("AWS_SECURITY_TOKEN", None)  # botocore still reads the old name: a token the S3 refuses
        os.environ.update(endpoints.environment())
        os.environ["POWERTOOLS_TRACE_DISABLED"] = "true"
        os.environ.setdefault("AWS_XRAY_SDK_ENABLED", "false")

    def _resolver(self, template: Template, clients: AwsClients, server: GatewayHttpServer) -> Resolver:
        host, port = server.server_address[:2]
        pseudo = PseudoParameters(
            region=self.config.region,
            account_id=self._account_id(clients),
            stack_name=self.config.stack_name,
            gateway_address=f"{host!s}:{port}",  # where the WebSocket APIs' ApiEndpoint points
        )
        return Resolver(template, self._parameters(template), pseudo, placeholder_ids=skipped_resource_ids(template))

    def _parameters(self, template: Template) -> dict[str, JsonValue]:
        return parameter_values(template, parse_parameter_overrides(self.config.parameter_overrides))

    def _account_id(self, clients: AwsClients) -> str:
        if self.config.target is Target.EMULATORS:
            return MOTO_ACCOUNT_ID
        try:
            return str(clients.client("sts").get_caller_identity()["Account"])
        except Exception as error:  # an endpoint without STS: any account id will do
            if self.config.target is Target.AWS:
                raise ConfigError(f"cannot read the AWS account id: {error}") from error
            return "000000000000"

    def _warm_sandboxes(self, functions: list[FunctionSpec], layers: list[Path], authority: Authority) -> Invoker:
        """Start each function's first sandbox, all at once (each imports its handler, its IAM guard first)."""
        # The functions' own logs (Powertools' JSON lines) to a file each, unless CHIRP_FUNCTION_LOGS=terminal:
        # the terminal keeps one line per request and per batch, and a failure's traceback with its line.
        log_dir = None if not function_logs_elsewhere() else self.data_dir / "logs" / "functions"
        if log_dir is not None:
            print(
                f"[chirp-local] the functions' own logs: {_display_path(log_dir)}/<Function>.log "
                "(CHIRP_FUNCTION_LOGS=terminal: here)",
                file=sys.stderr,
                flush=True,
            )
        settings = SandboxSettings(
            base_environment=dict(os.environ),
            layer_paths=layers,
            authority=authority,
            faults=self.faults,
            log_dir=log_dir,
        )
        pools = {
            function.logical_id: SandboxPool(function, self.config.concurrency, settings) for function in functions
        }
        invoker = Invoker(pools)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, len(pools))) as executor:
            for started in [executor.submit(pool.warm) for pool in pools.values()]:
                started.result()
        return invoker

    def _start_pollers(
        self,
        functions: list[FunctionSpec],
        clients: AwsClients,
        invoker: Invoker,
        schedules: dict[tuple[str, str], ScheduleSettings],
    ) -> list[PollerThread]:
        pollers: list[PollerThread] = []
        for function in functions:
            for event in function.events:
                poller = self._poller_for(function, event, clients, invoker, schedules)
                if poller is not None:
                    pollers.append(poller)
                elif event.type not in _HANDLED_EVENT_TYPES:
                    log(f"{function.logical_id}.{event.name}: {event.type} events are not emulated locally")
        for poller in pollers:
            poller.start()
        return pollers

    def _poller_for(
        self,
        function: FunctionSpec,
        event: EventSource,
        clients: AwsClients,
        invoker: Invoker,
        schedules: dict[tuple[str, str], ScheduleSettings],
    ) -> PollerThread | None:
        if event.type in SCHEDULE_EVENT_TYPES:
            schedule = schedules.get((function.logical_id, event.name))  # None: disabled or one-time
            return None if schedule is None else self._schedule_thread(schedule, invoker)
        if event.type == "DynamoDB":
            settings = stream_mapping_settings(function.logical_id, event.name, event.properties)
            checkpoints = CheckpointStore(self.data_dir / "pollers" / f"{settings.name}.json", settings.source_arn)
            poller: PollerThread = StreamPoller(settings, clients, invoker, checkpoints, self.faults)
        elif event.type == "SQS":
            settings = sqs_mapping_settings(function.logical_id, event.name, event.properties)
            poller = SqsPoller(settings, clients, invoker, self.faults)
        else:
            return None
        return poller if settings.enabled else None

    def _schedule_thread(self, settings: ScheduleSettings, invoker: Invoker) -> ScheduleThread:
        """The thread that runs a `Schedule` or `ScheduleV2` event, on the sandboxes the other sources use."""
        return ScheduleThread(
            settings,
            invoker,
            workers=invoker.pools[settings.function_id].size,
            clock=self.schedule_clock,
            first_run_seconds=self.config.schedule_first_run_seconds,
        )

    def _serve_api(
        self,
        server: GatewayHttpServer,
        template: Template,
        resolver: Resolver,
        invoker: Invoker,
        endpoints: ServiceEndpoints,
    ) -> None:
        routes = RouteTable(api_routes(self.functions))
        settings = ApiSettings(stage=api_stage_name(template, resolver), account_id=resolver.pseudo.account_id)
        host, port = server.server_address[:2]
        self.api_url = f"http://{host!s}:{port}{common_route_prefix(routes.routes)}"
        # endpoints.json before the first answer: whoever sees /api/health answer 200 finds the file written.
        self._write_endpoints_file(endpoints)
        server.status = RuntimeStatus(self)  # GET /_local/status, `make status`
        server.gateway = ApiGateway(routes, settings, invoker.invoke)

    def _serve_websockets(
        self, server: GatewayHttpServer, template: Template, resolver: Resolver, invoker: Invoker
    ) -> None:
        """Serve the template's WebSocket APIs, if it declares any, on the API's port."""
        self.websocket_stages = websocket_stages(template, resolver, self.functions)
        if not self.websocket_stages:
            return
        for stage in self.websocket_stages:
            for route in stage.routes.values():
                if route.function_id is not None and not route.invoke_allowed:
                    why = f"no AWS::Lambda::Permission lets API Gateway invoke {route.function_id}"
                    log(f"{stage.api_logical_id} {route.route_key}: {why}; the route fails, as it would on AWS")
        server.websockets = WebSocketGateway(self.websocket_stages, invoker.invoke, self.websocket_limits)

    def _deploy_web_client(
        self, server: GatewayHttpServer, template: Template, resolver: Resolver, clients: AwsClients
    ) -> None:
        """web/dist and its config.json (the WebSocket URL the template's output names, resolved here) into the
        bucket the distribution in front of the API serves, so `/` is the app, as after `make deploy-web`."""
        if server.cdn is None or server.cdn.default is None:
            return
        dist_dir = self.config.template_path.parent / "web" / "dist"
        if not web_deploy.is_built(dist_dir):
            log("web client not built: run make web")
            return
        output = (template.document.get("Outputs") or {}).get(web_deploy.WEBSOCKET_URL_OUTPUT) or {}
        websocket_url = resolver.resolve_string(output.get("Value", ""), web_deploy.WEBSOCKET_URL_OUTPUT)
        web_deploy.upload_web_client(clients.client("s3"), server.cdn.default.bucket, dist_dir, websocket_url)

    def websocket_url(self, stage: WebSocketStage) -> str:
        """Where clients connect to `stage`; over http, its `@connections` management endpoint."""
        host, port = self.server.server_address[:2] if self.server else (self.config.host, self.config.port)
        return f"ws://{host!s}:{port}{stage.path}"

    def _write_endpoints_file(self, endpoints: ServiceEndpoints) -> None:
        document = {
            "target": self.config.target.value,
            "region": self.config.region,
            "api": self.api_url,
            "websockets": {
                f"{stage.api_logical_id}/{stage.stage}": {
                    "url": self.websocket_url(stage),
                    "managementEndpoint": "http" + self.websocket_url(stage).removeprefix("ws"),
                    "apiId": stage.api_id,
                    "stage": stage.stage,
                }
                for stage in self.websocket_stages
            },
            "dynamodb": endpoints.for_service("dynamodb"),
            "s3": endpoints.for_service("s3"),
            "sqs": endpoints.for_service("sqs"),  # SQS and SNS
            "moto": endpoints.default if self.config.target is Target.EMULATORS else None,
            "endpointUrl": endpoints.default,
            "environment": {**shared_environment(self.functions), **endpoints.environment()},
            "functions": {
                function.logical_id: {"name": function.name, "environment": function.environment}
                for function in self.functions
            },
            "resources": {
                resource.logical_id: {
                    "type": resource.type,
                    "ref": resource.outputs.ref,
                    "attributes": resource.outputs.attributes,
                }
                for resource in self.provisioned
            },
            "pid": os.getpid(),
        }
        path = self.data_dir / "endpoints.json"
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        temporary.replace(path)

    def ready_line(self, started: float) -> str:
        services = ", ".join(f"{child.name} :{child.url.split(':')[2].split('/')[0]}" for child in self.children)
        if self.local_s3 is not None and self.local_s3.front is not None:
            services += f", S3 (SeaweedFS) :{self.local_s3.url.rsplit(':', 1)[1]}"
        where = services or (self.endpoints.default if self.endpoints and self.endpoints.default else "AWS")
        urls = ", ".join([self.api_url, *(self.websocket_url(stage) for stage in self.websocket_stages)])
        return (f"Chirp is running: {urls} ({where}, data {_display_path(self.data_dir)}) "
                f"- ready in {time.monotonic() - started:.1f} s")  # fmt: skip

    # ------------------------------------------------------------------ stop
    def stop(self) -> None:
        """Stop whatever was started, newest first; safe to call after a failed start."""
        if self.server is not None:
            if self._server_thread is not None:
                self.server.shutdown()
            self.server.server_close()
            if self.server.websockets is not None:
                self.server.websockets.close_all()
        in_parallel(poller.stop for poller in self.pollers)
        if self.invoker is not None:
            self.invoker.close()
        in_parallel([*([self.local_s3.stop] if self.local_s3 is not None else []), *(c.stop for c in self.children)])
        (self.data_dir / "endpoints.json").unlink(missing_ok=True)
        if self._lock_file is not None:
            self._lock_file.close()


def api_routes(functions: list[FunctionSpec]) -> list[Route]:
    """The functions' `HttpApi` events (a REST API's `Api` events are not emulated: its answers differ)."""
    return [
        Route(
            path=str(event.properties["Path"]),
            method=str(event.properties["Method"]),
            function_id=function.logical_id,
        )
        for function in functions
        for event in function.events_of_type("HttpApi")
    ]


def api_stage_name(template: Template, resolver: Resolver) -> str:
    """The StageName of the template's HTTP API (without one, SAM's HTTP API serves the `$default` stage)."""
    for resource in template.resources_of_type("AWS::Serverless::HttpApi"):
        if "StageName" in resource.properties:
            return resolver.resolve_string(resource.properties["StageName"], f"{resource.logical_id}.StageName")
    return DEFAULT_STAGE


def common_route_prefix(routes: list[Route]) -> str:
    """The leading path segments every route shares (`/api` for `/api/...` routes)."""
    if not routes:
        return ""
    shared: list[str] = []
    for segments in zip(*(route.segments for route in routes), strict=False):
        if len(set(segments)) != 1 or segments[0].startswith("{"):
            break
        shared.append(segments[0])
    return "".join(f"/{segment}" for segment in shared)


@contextlib.contextmanager
def _phase(name: str) -> Iterator[None]:
    started = time.monotonic()
    yield
    print(f"[chirp-local] {name} ready in {time.monotonic() - started:.1f} s", file=sys.stderr, flush=True)


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _raise_shutdown(signal_number: int, _frame: FrameType | None) -> None:
    raise ShutdownRequested(signal.Signals(signal_number).name)


def _ignore_signal(_signal_number: int, _frame: FrameType | None) -> None:
    """While stopping, a second Ctrl-C or SIGTERM must not interrupt the clean-up."""


def main() -> int:
    started = time.monotonic()
    signal.signal(signal.SIGTERM, _raise_shutdown)
    signal.signal(signal.SIGINT, _raise_shutdown)
    runtime: LocalRuntime | None = None
    try:
        runtime = LocalRuntime(config_from_environ(os.environ))
        runtime.start()
        print(runtime.ready_line(started), flush=True)
        while True:
            time.sleep(3600)
    except ShutdownRequested as request:
        print(f"[chirp-local] {request.args[0]}: stopping", file=sys.stderr, flush=True)
        return 0
    except (ConfigError, TemplateError, EmulatorError, HandlerLoadError, OSError) as error:
        print(f"[chirp-local] cannot start: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, _ignore_signal)
        signal.signal(signal.SIGINT, _ignore_signal)
        if runtime is not None:
            runtime.stop()
            print("[chirp-local] stopped", file=sys.stderr, flush=True)
