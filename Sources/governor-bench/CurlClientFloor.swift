import CCurl
import Foundation
import GovernorDelivery

/// `governor-bench curl URL libcurl|transport [SECONDS]`: what posting to a sink costs on the
/// client side alone, with no server in front. `libcurl` drives 64 easy handles through one
/// multi handle in the tightest loop libcurl allows (what a C client would do); `transport`
/// sends the same bodies through the governor's `CurlTransport` from 64 tasks at once. The
/// gap between the two is the transport's own cost: queueing, the thread hand-offs and
/// reading the answer into Swift values.
func curlClientFloor(url: String, mode: String, seconds: Double) async throws {
  let transfers = 64
  let body = Data(
    #"{"id":"bench-1","customer_id":"cust-1","to":"cust-1@example.com","from":"shop@shop.example","subject":"Your receipt","text":"Thank you for your order.","category":"transactional"}"#
      .utf8)
  let cpuBefore = processCPUSeconds()
  let start = ContinuousClock.now
  let completed: Int
  let failed: Int
  switch mode {
  case "libcurl":
    (completed, failed) = rawMultiLoop(
      url: url, body: body, transfers: transfers, seconds: seconds)
  case "transport":
    (completed, failed) = await transportLoop(
      url: url, body: body, transfers: transfers, seconds: seconds)
  default:
    FileHandle.standardError.write(Data("curl: mode is libcurl or transport\n".utf8))
    exit(2)
  }
  let elapsed = start.duration(to: .now)
  let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
  let cpu = processCPUSeconds() - cpuBefore
  print(
    String(
      format: "curl %@: %.0f requests/s, %.1f µs of CPU per request (%d requests)", mode,
      Double(completed) / wall, cpu * 1e6 / Double(max(completed, 1)), completed))
  if failed > 0 {
    print("curl \(mode): \(failed) requests failed (not counted above)")
  }
}

/// No transfer may outlive this: a sink that stops answering ends the run instead of
/// holding it (and whoever waits for its output) forever.
private let transferTimeoutMilliseconds = 10_000

/// libcurl's multi interface with no Swift in the loop but the loop itself: each handle is
/// set up again and re-added as soon as its transfer ends. Only transfers that got an answer
/// count as requests; the rest are counted apart.
private func rawMultiLoop(url: String, body: Data, transfers: Int, seconds: Double)
  -> (completed: Int, failed: Int)
{
  curl_global_init(Int(CURL_GLOBAL_DEFAULT))
  guard let multi = curl_multi_init() else { fatalError("libcurl could not create a handle") }
  governor_curl_multi_set_long(multi, CURLMOPT_MAXCONNECTS, transfers * 2)
  var headers: UnsafeMutablePointer<curl_slist>? = curl_slist_append(
    nil, "Content-Type: application/json")
  headers = curl_slist_append(headers, "Expect:")
  let discard: governor_curl_data_callback = { _, size, count, _ in size * count }
  let bodyBytes = body.withUnsafeBytes { Array($0.bindMemory(to: CChar.self)) } + [0]
  func setUp(_ easy: UnsafeMutableRawPointer) {
    governor_curl_set_string(easy, CURLOPT_URL, url)
    governor_curl_set_long(easy, CURLOPT_NOSIGNAL, 1)
    governor_curl_set_long(easy, CURLOPT_TIMEOUT_MS, transferTimeoutMilliseconds)
    governor_curl_set_long(easy, CURLOPT_POSTFIELDSIZE, body.count)
    governor_curl_set_string(easy, CURLOPT_COPYPOSTFIELDS, bodyBytes)
    governor_curl_set_headers(easy, headers)
    governor_curl_set_callback(easy, CURLOPT_WRITEFUNCTION, discard)
  }
  for _ in 0..<transfers {
    guard let easy = curl_easy_init() else { fatalError("libcurl could not create a handle") }
    setUp(easy)
    curl_multi_add_handle(multi, easy)
  }
  let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
  var completed = 0
  var failed = 0
  var inFlight = transfers
  var running: Int32 = 0
  var left: Int32 = 0
  // Past the deadline no transfer starts again, and the loop ends once the last one has
  // ended: leaving with requests in flight would hang up on the sink mid-answer.
  while inFlight > 0 {
    curl_multi_perform(multi, &running)
    while let message = curl_multi_info_read(multi, &left) {
      guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else {
        continue
      }
      if message.pointee.data.result == CURLE_OK { completed += 1 } else { failed += 1 }
      curl_multi_remove_handle(multi, easy)
      if ContinuousClock.now < deadline {
        curl_easy_reset(easy)
        setUp(easy)
        curl_multi_add_handle(multi, easy)
      } else {
        curl_easy_cleanup(easy)
        inFlight -= 1
      }
    }
    if inFlight > 0 { curl_multi_poll(multi, nil, 0, 100, nil) }
  }
  curl_multi_cleanup(multi)
  curl_slist_free_all(headers)
  return (completed, failed)
}

private func transportLoop(url: String, body: Data, transfers: Int, seconds: Double)
  async -> (completed: Int, failed: Int)
{
  let transport = CurlTransport(
    configuration: .init(
      totalTimeout: Double(transferTimeoutMilliseconds) / 1000, maxConcurrent: transfers))
  defer { transport.shutdown() }
  let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
  let request = SenderRequest(
    method: "POST", url: url, headers: [("Content-Type", "application/json")], body: body)
  return await withTaskGroup(of: (Int, Int).self) { group in
    for _ in 0..<transfers {
      group.addTask {
        var completed = 0
        var failed = 0
        while ContinuousClock.now < deadline {
          do {
            _ = try await transport.send(request)
            completed += 1
          } catch {
            failed += 1
          }
        }
        return (completed, failed)
      }
    }
    return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
  }
}

private func processCPUSeconds() -> Double {
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
    + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
}
