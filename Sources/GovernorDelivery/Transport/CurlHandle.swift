import CCurl
import Foundation
import GovernorCore

/// One libcurl easy handle and what its current exchange needs until it ends: the transport's
/// loop thread prepares it, adds it to the multi handle, and reads its outcome when libcurl
/// says it is done. Easy handles are reused; the connections themselves live in the multi
/// handle's cache, shared by all of them (keep-alive connections and HTTP/2 sessions survive
/// between requests).
final class CurlHandle {
  let easy: UnsafeMutableRawPointer
  private var received = Received()
  private var upload = Upload()
  private var headerList: UnsafeMutablePointer<curl_slist>?
  private let errorBuffer: UnsafeMutablePointer<CChar>

  /// Seconds a kept-alive connection may sit idle and still be reused.
  static let maxIdleReuse = 4

  static let globalInit: Void = {
    // Not thread-safe in libcurl, so it runs once, before the first handle.
    curl_global_init(Int(CURL_GLOBAL_DEFAULT))
  }()

  init() {
    _ = Self.globalInit
    guard let easy = curl_easy_init() else { fatalError("libcurl could not create a handle") }
    self.easy = easy
    errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
  }

  deinit {
    curl_easy_cleanup(easy)
    curl_slist_free_all(headerList)
    errorBuffer.deallocate()
  }

  /// Sets the handle up for `request`; the caller then adds it to its multi handle.
  func prepare(_ request: SenderRequest, configuration: CurlTransport.Configuration) {
    // Reset clears the options and keeps the TLS sessions and DNS cache.
    curl_easy_reset(easy)
    curl_slist_free_all(headerList)
    headerList = nil
    received = Received()
    upload = Upload(request.body)
    errorBuffer[0] = 0
    set(CURLOPT_PRIVATE, pointer: Unmanaged.passUnretained(self).toOpaque())
    set(CURLOPT_ERRORBUFFER, pointer: errorBuffer)
    set(CURLOPT_URL, request.url)
    set(CURLOPT_PROTOCOLS_STR, "http,https")
    set(CURLOPT_NOSIGNAL, 1)
    set(CURLOPT_TCP_KEEPALIVE, 1)
    set(CURLOPT_HTTP_VERSION, Int(CURL_HTTP_VERSION_2TLS))
    set(CURLOPT_CONNECTTIMEOUT_MS, Int(configuration.connectTimeout * 1000))
    set(CURLOPT_TIMEOUT_MS, Int(configuration.totalTimeout * 1000))
    set(CURLOPT_SSL_VERIFYPEER, 1)
    set(CURLOPT_SSL_VERIFYHOST, 2)
    if let caFile = configuration.caFile { set(CURLOPT_CAINFO, caFile) }
    switch request.method {
    case "GET": set(CURLOPT_HTTPGET, 1)
    case "POST": break
    default: set(CURLOPT_CUSTOMREQUEST, request.method)
    }
    if request.method != "GET" {
      // The body through a read callback with no way to rewind it, not POSTFIELDS: when a
      // reused connection dies before any answer, libcurl silently sends the request again
      // on a new one, and the sender may already have acted on the first (a reset after
      // reading it). Without a rewind the transfer fails instead, and the delivery counts
      // as unknown. Idle connections are not reused past `maxIdleReuse`, before common
      // keep-alive timeouts (5 s), so the usual stale-connection race stays rare.
      set(CURLOPT_POST, 1)
      set(CURLOPT_POSTFIELDSIZE, request.body.count)
      governor_curl_set_callback(easy, CURLOPT_READFUNCTION, Upload.read)
      set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(upload).toOpaque())
      set(CURLOPT_MAXAGE_CONN, Self.maxIdleReuse)
    }
    // No "Expect: 100-continue" round trip before larger bodies.
    for (name, value) in request.headers {
      headerList = curl_slist_append(headerList, "\(name): \(value)")
    }
    headerList = curl_slist_append(headerList, "Expect:")
    governor_curl_set_headers(easy, headerList)
    let context = Unmanaged.passUnretained(received).toOpaque()
    governor_curl_set_callback(easy, CURLOPT_WRITEFUNCTION, Received.appendBody)
    set(CURLOPT_WRITEDATA, pointer: context)
    governor_curl_set_callback(easy, CURLOPT_HEADERFUNCTION, Received.appendHeader)
    set(CURLOPT_HEADERDATA, pointer: context)
  }

  /// The handle whose `CURLOPT_PRIVATE` points at it.
  static func owning(_ easy: UnsafeMutableRawPointer) -> CurlHandle? {
    var handle: UnsafeMutableRawPointer?
    governor_curl_get_pointer(easy, CURLINFO_PRIVATE, &handle)
    return handle.map { Unmanaged<CurlHandle>.fromOpaque($0).takeUnretainedValue() }
  }

  /// The exchange's outcome once libcurl ended it with `code`.
  func outcome(_ code: CURLcode) -> Result<SenderResponse, TransportError> {
    defer {
      // The body may be large; it is not kept while the handle waits for its next request.
      upload = Upload()
    }
    guard code == CURLE_OK else {
      let message = String(cString: errorBuffer)
      let detail = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
      // Bytes of the request already written (headers count): a timeout or reset after that
      // leaves the sender's side unknown; one before it (refused, DNS, connect timeout) does not.
      var requestBytes = 0
      governor_curl_get_long(easy, CURLINFO_REQUEST_SIZE, &requestBytes)
      return .failure(
        TransportError(Self.kind(of: code), detail, mayHaveArrived: requestBytes > 0))
    }
    var status = 0
    governor_curl_get_long(easy, CURLINFO_RESPONSE_CODE, &status)
    var version = 0
    governor_curl_get_long(easy, CURLINFO_HTTP_VERSION, &version)
    var response = SenderResponse(status: status, headers: received.headers, body: received.body)
    response.httpVersion = Self.versionName(version)
    return .success(response)
  }

  static func versionName(_ version: Int) -> String {
    switch version {
    case Int(CURL_HTTP_VERSION_1_0): return "1.0"
    case Int(CURL_HTTP_VERSION_1_1): return "1.1"
    case Int(CURL_HTTP_VERSION_2_0): return "2"
    case Int(CURL_HTTP_VERSION_3): return "3"
    default: return ""
    }
  }

  static func kind(of code: CURLcode) -> TransportError.Kind {
    switch code {
    case CURLE_OPERATION_TIMEDOUT: return .timeout
    case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL: return .invalidRequest
    default: return .connection
    }
  }

  private func set(_ option: CURLoption, _ value: Int) {
    governor_curl_set_long(easy, option, value)
  }

  private func set(_ option: CURLoption, _ value: String) {
    // libcurl copies string options (since 7.17), so the temporary C string may go.
    governor_curl_set_string(easy, option, value)
  }

  private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) {
    governor_curl_set_pointer(easy, option, pointer)
  }

  private func set(_ option: CURLoption, pointer: UnsafeMutablePointer<CChar>?) {
    governor_curl_set_pointer(easy, option, pointer)
  }
}

/// The request body as libcurl reads it, once.
private final class Upload {
  let bytes: Data
  var offset = 0

  init(_ bytes: Data = Data()) {
    self.bytes = bytes
  }

  static let read: governor_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, upload.bytes.count - upload.offset)
    guard length > 0 else { return 0 }
    upload.bytes.withUnsafeBytes { bytes in
      guard let start = bytes.baseAddress else { return }
      UnsafeMutableRawPointer(buffer).copyMemory(from: start + upload.offset, byteCount: length)
    }
    upload.offset += length
    return length
  }
}

/// What one exchange received, filled in by libcurl's callbacks.
private final class Received {
  var body = Data()
  var headers: [String: String] = [:]

  static let appendBody: governor_curl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let received = Unmanaged<Received>.fromOpaque(context).takeUnretainedValue()
    received.body.append(
      UnsafeRawPointer(data).assumingMemoryBound(to: UInt8.self), count: size * count)
    return size * count
  }

  static let appendHeader: governor_curl_data_callback = { data, size, count, context in
    guard let data, let context else { return 0 }
    let received = Unmanaged<Received>.fromOpaque(context).takeUnretainedValue()
    received.header(UnsafeRawBufferPointer(start: data, count: size * count))
    return size * count
  }

  /// One header line as libcurl hands it over, CRLF included. Read as bytes, with only
  /// HTTP's own whitespace trimmed (RFC 9110 § 5.6.3: space and tab, and the line's CRLF):
  /// this runs for every line of every answer on the transport's one thread, and trimming
  /// `Character`s looked up Unicode properties for each byte (6% of the transport's CPU).
  private func header(_ line: UnsafeRawBufferPointer) {
    if line.starts(with: "HTTP/".utf8) {
      // A new response (after a 100 Continue or a redirect): only the last one's headers count.
      // Room for a usual answer's headers, so the dictionary does not grow line by line.
      headers = Dictionary(minimumCapacity: 12)
      return
    }
    guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
    let name = String(unsafeUninitializedCapacity: colon) { name in
      for index in 0..<colon { name[index] = line[index].asciiLowercased }
      return colon
    }
    var start = colon + 1
    var end = line.count
    while start < end, line[start].isHTTPWhitespace { start += 1 }
    while end > start, line[end - 1].isHTTPWhitespace { end -= 1 }
    headers[name] = String(
      decoding: UnsafeRawBufferPointer(rebasing: line[start..<end]), as: UTF8.self)
  }
}

extension UInt8 {
  fileprivate var isHTTPWhitespace: Bool {
    self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") || self == UInt8(ascii: "\r")
      || self == UInt8(ascii: "\n")
  }
}
