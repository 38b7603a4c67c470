import OTel
import ServiceLifecycle

/// `serve --otlp-endpoint`: spans to an OpenTelemetry collector over OTLP/HTTP, through
/// swift-otel. Traces only: metrics are Prometheus's (`GET /metrics`) and the log is stderr.
enum Tracing {
  /// Sets the process's tracer; the service it returns exports spans in batches until the
  /// service group shuts down, and flushes them then.
  static func bootstrap(endpoint: String) throws -> some Service {
    var configuration = OTel.Configuration.default
    configuration.serviceName = "mail-governor"
    configuration.diagnosticLogLevel = .warning
    configuration.logs.enabled = false
    configuration.metrics.enabled = false
    configuration.traces.otlpExporter.endpoint =
      endpoint.hasSuffix("/v1/traces")
      ? endpoint
      : endpoint.trimmingSuffix("/") + "/v1/traces"
    configuration.traces.otlpExporter.protocol = .httpProtobuf
    configuration.traces.batchSpanProcessor.scheduleDelay = .seconds(1)
    return try OTel.bootstrap(configuration: configuration)
  }
}

extension String {
  fileprivate func trimmingSuffix(_ suffix: String) -> String {
    hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
  }
}
