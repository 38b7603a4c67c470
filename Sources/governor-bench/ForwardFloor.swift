import Foundation
import GovernorDelivery
import Hummingbird

/// `governor-bench floor PORT SINK_URL`: the least a gateway on this stack can do per request
/// — Hummingbird takes `POST /v1/messages`, its body is posted to the sink over the governor's
/// own libcurl transport, and the sink's answer goes back. No key, no decision, no store.
/// `.ci/http-bench` loads it beside nginx and the governor, so the report shows how much of
/// the gap to nginx is the stack itself and how much is the governor's work.
func forwardFloor(port: Int, sink: String) async throws {
  let transport = CurlTransport()
  let router = Router()
  router.post("/v1/messages") { request, _ -> Response in
    let body = try await request.body.collect(upTo: 1 << 20)
    if sink == "none" {
      return Response(
        status: .ok, headers: [.contentType: "application/json"],
        body: .init(byteBuffer: ByteBuffer(string: #"{"id":"floor"}"#)))
    }
    let answer = try await transport.send(
      SenderRequest(
        method: "POST", url: sink, headers: [("Content-Type", "application/json")],
        body: Data(buffer: body)))
    return Response(
      status: .init(code: answer.status),
      headers: [.contentType: "application/json"],
      body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
  }
  let app = Application(
    router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
    onServerRunning: { channel in
      let bound = channel.localAddress?.port ?? port
      FileHandle.standardOutput.write(Data("floor listening on http://127.0.0.1:\(bound)\n".utf8))
    })
  try await app.runService()
}
