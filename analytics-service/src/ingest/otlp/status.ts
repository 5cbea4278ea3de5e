/**
 * OTLP's error answers: every 4xx and 5xx of an OTLP/HTTP endpoint carries a `google.rpc.Status` in the request's
 * encoding (OTLP specification, "Failures"). The message type is declared through protobufjs' reflection API — the
 * two fields of googleapis' google/rpc/status.proto that we fill; `details` (field 3) is left empty.
 */
import protobuf from 'protobufjs';

const StatusType = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'));
new protobuf.Root().define('google.rpc').add(StatusType);

/** HTTP status → google.rpc.Code, as gRPC's HTTP mapping pairs them. */
export function rpcCode(httpStatus: number): number {
  switch (httpStatus) {
    case 400:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 413:
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 503:
      return 14; // UNAVAILABLE
    default:
      return httpStatus >= 500 ? 13 : 2; // INTERNAL, UNKNOWN
  }
}

export function encodeStatus(status: { code: number; message: string }): Uint8Array {
  return StatusType.encode(StatusType.fromObject(status)).finish();
}
