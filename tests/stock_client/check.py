"""A stock gRPC client that knows nothing of Onaltu's code: grpcio with grpcio-reflection and
grpcio-health-checking, as an e-government integrator's script or notebook would use them.

It discovers each server's services by reflection (v1alpha, all these libraries speak), builds
messages from the descriptors it receives, and checks health, a public read, a bad IIN refused with
its field violation (decoded from grpc-status-details-bin) and a permission refusal.

Usage: check.py --server ADDR=SERVICE [--server ...] --operator-token T --citizen-token T
                --centre-name NAME
"""

import argparse
import sys

import grpc
from google.protobuf import descriptor_pool, message_factory
from google.rpc import error_details_pb2, status_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
    ProtoReflectionDescriptorDatabase,
)

REGISTRY = "onaltu.registry.v1.RegistryService"
RATING = "onaltu.rating.v1.RatingService"


class Server:
    """One server as reflection describes it."""

    def __init__(self, addr):
        self.addr = addr
        self.channel = grpc.insecure_channel(addr)
        grpc.channel_ready_future(self.channel).result(timeout=30)
        self.reflection = ProtoReflectionDescriptorDatabase(self.channel)
        self.pool = descriptor_pool.DescriptorPool(self.reflection)

    def services(self):
        return list(self.reflection.get_services())

    def method(self, service, name):
        """A callable for `service/name` and its request class, from descriptors only."""
        method = self.pool.FindServiceByName(service).FindMethodByName(name)
        request = message_factory.GetMessageClass(method.input_type)
        response = message_factory.GetMessageClass(method.output_type)
        call = self.channel.unary_unary(
            f"/{service}/{name}",
            request_serializer=request.SerializeToString,
            response_deserializer=response.FromString,
        )
        return call, request

    def message(self, full_name):
        return message_factory.GetMessageClass(self.pool.FindMessageTypeByName(full_name))


def bearer(token):
    return [("authorization", f"Bearer {token}")]


def details(error):
    """The google.rpc.Status carried in the grpc-status-details-bin trailer."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    raise AssertionError(f"no grpc-status-details-bin in {error.code()} {error.details()}")


def check(condition, what):
    if not condition:
        raise AssertionError(what)
    print(f"ok: {what}")


def check_server(server, expected):
    names = server.services()
    check(expected in names, f"{server.addr} lists {expected} by reflection v1alpha ({names})")
    check("grpc.health.v1.Health" in names, f"{server.addr} lists grpc.health.v1.Health")
    health = health_pb2_grpc.HealthStub(server.channel)
    for name in (expected, ""):
        status = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=10).status
        check(
            status == health_pb2.HealthCheckResponse.SERVING,
            f"{server.addr} health of {name or 'the server'} is SERVING",
        )


def check_registry(server, args):
    list_centers, ListCenters = server.method(REGISTRY, "ListCenters")
    answer = list_centers(ListCenters(region_code="KZ-71"), timeout=10)
    names = [c.name.kk for c in answer.centers]
    check(args.centre_name in names, f"public ListCenters without a token finds {args.centre_name!r}")

    create, CreatePerson = server.method(REGISTRY, "CreatePerson")
    Person = server.message("onaltu.registry.v1.Person")
    request = CreatePerson(
        request_id="0191e3a2-7c4e-7000-8000-000000000001",
        person=Person(iin="12345", surname="Test", given_name="Stock", region_code="KZ-71"),
    )
    try:
        create(request, metadata=bearer(args.operator_token), timeout=10)
        raise AssertionError("a bad IIN was accepted")
    except grpc.RpcError as error:
        check(error.code() == grpc.StatusCode.INVALID_ARGUMENT, "a bad IIN is INVALID_ARGUMENT")
        violations = []
        for detail in details(error).details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                violations += [(v.field, v.description) for v in bad.field_violations]
        check(
            any(field == "person.iin" for field, _ in violations),
            f"the BadRequest names person.iin ({violations})",
        )

    try:
        create(request, metadata=bearer(args.citizen_token), timeout=10)
        raise AssertionError("a citizen created a person")
    except grpc.RpcError as error:
        check(
            error.code() == grpc.StatusCode.PERMISSION_DENIED,
            f"a citizen's CreatePerson is PERMISSION_DENIED ({error.details()})",
        )


def check_rating(server):
    get, GetMethodology = server.method(RATING, "GetMethodology")
    methodology = get(GetMethodology(), timeout=10).methodology
    check(len(methodology.indicators) > 0, f"public GetMethodology {methodology.version} lists indicators")
    weights = sum(w.weight for w in methodology.criterion_weights)
    check(abs(weights - 1.0) < 1e-9, f"the criterion weights sum to 1 ({weights})")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", action="append", required=True, help="ADDR=SERVICE")
    parser.add_argument("--operator-token", required=True)
    parser.add_argument("--citizen-token", required=True)
    parser.add_argument("--centre-name", required=True)
    args = parser.parse_args()
    for spec in args.server:
        addr, service = spec.split("=", 1)
        server = Server(addr)
        check_server(server, service)
        if service == REGISTRY:
            check_registry(server, args)
        if service == RATING:
            check_rating(server)
    print("all checks passed")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
