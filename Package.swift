// swift-tools-version:6.1
import PackageDescription

let package = Package(
  name: "mail-governor",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "governor", targets: ["governor"]),
    .library(name: "GovernorCore", targets: ["GovernorCore"]),
    // The API client a Swift campaign tool builds on, generated from openapi.yaml.
    .library(name: "GovernorClient", targets: ["GovernorClient"]),
  ],
  dependencies: [
    .package(url: "https://github.com/jpsim/Yams.git", from: "6.0.0"),
    .package(url: "https://github.com/apple/swift-crypto.git", "3.0.0"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
    .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.0.0"),
    .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.21.0"),
    .package(url: "https://github.com/apple/swift-log.git", from: "1.5.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.0.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.0.0"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.80.0"),
    .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.29.0"),
    .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
    .package(url: "https://github.com/apple/swift-distributed-tracing.git", from: "1.1.0"),
    // SNS signing certificates: their chains, and the RSA keys in them.
    .package(url: "https://github.com/apple/swift-certificates.git", from: "1.10.0"),
    .package(url: "https://github.com/apple/swift-asn1.git", from: "1.1.0"),
    // OTLP over HTTP only: the gRPC exporter would add grpc-swift to every build.
    .package(url: "https://github.com/swift-otel/swift-otel.git", from: "1.6.0", traits: ["OTLPHTTP"]),
    // The generated client's runtime, and the transport its test (and the README) use.
    .package(url: "https://github.com/apple/swift-openapi-runtime.git", from: "1.8.0"),
    .package(url: "https://github.com/apple/swift-openapi-urlsession.git", from: "1.0.0"),
    .package(url: "https://github.com/apple/swift-http-types.git", from: "1.0.0"),
  ],
  targets: [
    .target(
      name: "GovernorCore",
      dependencies: [
        .product(name: "Yams", package: "Yams"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .target(
      name: "GovernorStore",
      dependencies: [
        "GovernorCore",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "PostgresNIO", package: "postgres-nio"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    .systemLibrary(
      name: "CCurl",
      pkgConfig: "libcurl",
      providers: [.apt(["libcurl4-openssl-dev"])]
    ),
    .target(
      name: "GovernorDelivery",
      dependencies: [
        "GovernorCore", "CCurl", .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
    // The pipeline with no transport in it: every front door hands it messages.
    .target(
      name: "GovernorService",
      dependencies: [
        "GovernorCore", "GovernorStore", "GovernorDelivery",
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "SwiftASN1", package: "swift-asn1"),
        .product(name: "_CryptoExtras", package: "swift-crypto"),
      ]
    ),
    // Routes, pages and problems only. No GovernorStore or GovernorDelivery here: the
    // compiler keeps every route going through the service.
    .target(
      name: "GovernorHTTP",
      dependencies: [
        "GovernorCore", "GovernorService", "GovernorTLS",
        .product(name: "Hummingbird", package: "hummingbird"),
        // TLS on the listener, HTTP/2 where the client offers it by ALPN.
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "HummingbirdHTTP2", package: "hummingbird"),
        .product(name: "Tracing", package: "swift-distributed-tracing"),
        .product(name: "Instrumentation", package: "swift-distributed-tracing"),
        .product(name: "Mustache", package: "swift-mustache"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        // Mailgun's API takes multipart/form-data.
        .product(name: "MultipartKit", package: "multipart-kit"),
        // The served openapi.yaml, with the policy's enums written in.
        .product(name: "Yams", package: "Yams"),
      ]
    ),
    // The SMTP door: sessions, AUTH, STARTTLS; each message handed to the service.
    // The listeners' certificates, read again on SIGHUP; shared by the HTTP and SMTP doors.
    .target(
      name: "GovernorTLS",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ]
    ),
    .target(
      name: "GovernorSMTP",
      dependencies: [
        "GovernorCore", "GovernorService", "GovernorTLS",
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ]
    ),
    // Generated by `make client` (swift-openapi-generator) and committed, so that neither the
    // gateway's build nor a campaign tool's compiles the generator; a test holds it to the spec.
    .target(
      name: "GovernorClient",
      dependencies: [
        .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
        .product(name: "HTTPTypes", package: "swift-http-types"),
      ],
      exclude: ["Generated/openapi.yaml.sha256"]
    ),
    .executableTarget(
      name: "governor",
      dependencies: [
        "GovernorSMTP",
        "GovernorCore",
        "GovernorStore",
        "GovernorDelivery",
        "GovernorService",
        "GovernorHTTP",
        "GovernorTLS",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdCore", package: "hummingbird"),
        .product(name: "OTel", package: "swift-otel"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // Test helper: reserves from a separate process, so tests can kill it mid-send or race
    // two processes on one store.
    .executableTarget(
      name: "store-probe",
      dependencies: ["GovernorCore", "GovernorStore"]
    ),
    .target(name: "FuzzSupport"),
    .executableTarget(
      name: "rewriter-fuzz",
      dependencies: ["GovernorCore", "FuzzSupport"]
    ),
    .executableTarget(
      name: "policy-fuzz",
      dependencies: ["GovernorCore", "FuzzSupport"]
    ),
    .executableTarget(
      name: "mime-fuzz",
      dependencies: ["GovernorCore", "FuzzSupport"]
    ),
    .executableTarget(
      name: "smtp-fuzz",
      dependencies: ["GovernorSMTP", "FuzzSupport"]
    ),
    .executableTarget(
      name: "governor-bench",
      dependencies: [
        "GovernorCore", "GovernorStore", "GovernorDelivery", "CCurl",
        .product(name: "GRDB", package: "GRDB.swift"),
        .product(name: "Hummingbird", package: "hummingbird"),
      ]
    ),
    .testTarget(
      name: "GovernorCoreTests",
      dependencies: ["GovernorCore"]
    ),
    // Test helper: raw SQL on a store's database and throwaway PostgreSQL databases, shared
    // by the store and the command-line tests.
    .target(
      name: "TestDatabases",
      dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
      path: "Tests/TestDatabases"
    ),
    // Test helper: a real HTTP server on loopback standing in for the mail sender.
    .target(
      name: "TestPeers",
      dependencies: [
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      path: "Tests/TestPeers"
    ),
    .testTarget(
      name: "GovernorStoreTests",
      dependencies: [
        "GovernorCore", "GovernorStore", "ServiceFixtures", "TestDatabases",
        .product(name: "GRDB", package: "GRDB.swift"),
      ]
    ),
    .testTarget(
      name: "GovernorDeliveryTests",
      dependencies: [
        "GovernorCore", "GovernorDelivery", "TestPeers",
        .product(name: "Hummingbird", package: "hummingbird"),
      ]
    ),
    // Test helper: the policies and the consenting customers the tests share.
    .target(
      name: "ServiceFixtures",
      dependencies: ["GovernorCore", "GovernorStore"],
      path: "Tests/ServiceFixtures"
    ),
    .testTarget(
      name: "GovernorServiceTests",
      dependencies: [
        "GovernorCore", "GovernorStore", "GovernorDelivery", "GovernorService", "ServiceFixtures",
        "TestPeers",
      ]
    ),
    .testTarget(
      name: "GovernorHTTPTests",
      dependencies: [
        "GovernorCore", "GovernorStore", "GovernorDelivery", "GovernorService", "GovernorHTTP",
        "ServiceFixtures", "TestDatabases", "TestPeers",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "X509", package: "swift-certificates"),
        .product(name: "_CryptoExtras", package: "swift-crypto"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Yams", package: "Yams"),
      ]
    ),
    .testTarget(
      name: "GovernorSMTPTests",
      dependencies: ["GovernorSMTP"]
    ),
    .testTarget(
      name: "GovernorCLITests",
      dependencies: [
        "GovernorCore", "GovernorStore", "GovernorDelivery", "ServiceFixtures", "TestDatabases",
        "TestPeers", .product(name: "GRDB", package: "GRDB.swift"),
        "GovernorClient",
        .product(name: "OpenAPIRuntime", package: "swift-openapi-runtime"),
        .product(name: "OpenAPIURLSession", package: "swift-openapi-urlsession"),
        .product(name: "Crypto", package: "swift-crypto"),
      ]
    ),
  ],
  swiftLanguageModes: [.v6]
)
