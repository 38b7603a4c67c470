// swift-tools-version:6.1
// Builds swift-openapi-generator for `make client`, which writes Sources/GovernorClient/Generated
// from openapi.yaml. Kept out of the main package so no build of the gateway compiles the
// generator (OpenAPIKit alone is two minutes on two cores).
import PackageDescription

let package = Package(
  name: "openapi-generator",
  dependencies: [
    .package(url: "https://github.com/apple/swift-openapi-generator.git", exact: "1.14.3")
  ],
  targets: []
)
