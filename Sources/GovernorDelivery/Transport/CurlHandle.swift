import CCurl
import Foundation
import GovernorCore

/// One libcurl easy handle, used by one worker thread at a time. Reusing the handle keeps its
/// connection cache: keep-alive connections (and HTTP/2 sessions) survive between requests.
final class CurlHandle {
  private let curl: UnsafeMutableRawPointer

  /// Seconds a kept-alive connection may sit idle and still be reused.
  static let maxIdleReuse = 4

  static let globalInit: Void = {
    // Not thread-safe in libcurl, so it runs once, before the first handle.
    curl_global_init(Int(CURL_GLOBAL_DEFAULT))
  }()

  init() {
    _ = Self.globalInit
    guard let curl = curl_easy_init() else { fatalError("libcurl could not create a handle") }
    self.curl = curl
  }

  deinit {
    curl_easy_cleanup(curl)
  }

  /// Blocks this thread until the exchange ends: call it on a transport worker, never on an
  /// event loop.
  func perform(_ request: SenderRequest, configuration: CurlTransport.Configuration)
    throws(TransportError) -> SenderResponse
  {
    // Reset clears the options and keeps the live connections, TLS sessions and DNS cache.
    curl_easy_reset(curl)
    let received = Received()
    let upload = Upload()
    let context = Unmanaged.passUnretained(received).toOpaque()
    var headerList: UnsafeMutablePointer<curl_slist>?
    defer { curl_slist_free_all(headerList) }
    var errorBuffer = [CChar](repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)

    let code: CURLcode = errorBuffer.withUnsafeMutableBufferPointer { errorPointer in
      request.body.withUnsafeBytes { body -> CURLcode in
        set(CURLOPT_ERRORBUFFER, pointer: errorPointer.baseAddress)
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
          set(CURLOPT_POSTFIELDSIZE, body.count)
          upload.bytes = body
          governor_curl_set_callback(curl, CURLOPT_READFUNCTION, Upload.read)
          set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(upload).toOpaque())
          set(CURLOPT_MAXAGE_CONN, Self.maxIdleReuse)
        }
        // No "Expect: 100-continue" round trip before larger bodies.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Expect:"] {
          headerList = curl_slist_append(headerList, line)
        }
        governor_curl_set_headers(curl, headerList)
        governor_curl_set_callback(curl, CURLOPT_WRITEFUNCTION, Received.appendBody)
        set(CURLOPT_WRITEDATA, pointer: context)
        governor_curl_set_callback(curl, CURLOPT_HEADERFUNCTION, Received.appendHeader)
        set(CURLOPT_HEADERDATA, pointer: context)
        return curl_easy_perform(curl)
      }
    }
    guard code == CURLE_OK else {
      let message = String(
        decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
      let detail = message.isEmpty ? String(cString: curl_easy_strerror(code)) : message
      // Bytes of the request already written (headers count): a timeout or reset after that
      // leaves the sender's side unknown; one before it (refused, DNS, connect timeout) does not.
      var requestBytes = 0
      governor_curl_get_long(curl, CURLINFO_REQUEST_SIZE, &requestBytes)
      throw TransportError(Self.kind(of: code), detail, mayHaveArrived: requestBytes > 0)
    }
    var status = 0
    governor_curl_get_long(curl, CURLINFO_RESPONSE_CODE, &status)
    var version = 0
    governor_curl_get_long(curl, CURLINFO_HTTP_VERSION, &version)
    var response = SenderResponse(status: status, headers: received.headers, body: received.body)
    response.httpVersion = Self.versionName(version)
    return response
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
    governor_curl_set_long(curl, option, value)
  }

  private func set(_ option: CURLoption, _ value: String) {
    // libcurl copies string options (since 7.17), so the temporary C string may go.
    governor_curl_set_string(curl, option, value)
  }

  private func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) {
    governor_curl_set_pointer(curl, option, pointer)
  }

  private func set(_ option: CURLoption, pointer: UnsafeMutablePointer<CChar>?) {
    governor_curl_set_pointer(curl, option, pointer)
  }
}

/// The request body as libcurl reads it, once.
private final class Upload {
  var bytes = UnsafeRawBufferPointer(start: nil, count: 0)
  var offset = 0

  static let read: governor_curl_data_callback = { buffer, size, count, context in
    guard let buffer, let context else { return 0 }
    let upload = Unmanaged<Upload>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, upload.bytes.count - upload.offset)
    guard length > 0, let start = upload.bytes.baseAddress else { return 0 }
    UnsafeMutableRawPointer(buffer).copyMemory(from: start + upload.offset, byteCount: length)
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
    let line = String(
      decoding: UnsafeRawBufferPointer(start: data, count: size * count), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
      // A new response (after a 100 Continue or a redirect): only the last one's headers count.
      received.headers = [:]
    } else if let colon = line.firstIndex(of: ":") {
      let name = line[..<colon].lowercased()
      received.headers[name] = String(line[line.index(after: colon)...].trimmingWhitespace())
    }
    return size * count
  }
}
