// swift-tools-version:6.2
import PackageDescription

/// Settings for the project's own Swift targets: Swift 6 language mode (strict concurrency)
/// and every warning an error. Dependencies keep their own settings.
let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "FieldSync",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "field", targets: ["field"]),
        .executable(name: "center", targets: ["center"]),
        .library(name: "Shared", targets: ["Shared"]),
        .library(name: "Client", targets: ["Client"]),
        .library(name: "Server", targets: ["Server"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        // Hummingbird's own: the HTTP parts the center's connection guard sees.
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // Hummingbird's own; the tests shut a server down gracefully with it.
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .systemLibrary(
            name: "CZstd",
            pkgConfig: "libzstd",
            providers: [.apt(["libzstd-dev"])]
        ),
        // glibc's allocator settings (`Allocator`): part of the C library, nothing to install or link.
        .systemLibrary(name: "CMalloc"),
        // zstd bodies and the choice of a coding, for the center and the devices alike.
        .target(
            name: "ContentCoding",
            dependencies: ["CZstd", "Shared"],
            swiftSettings: strict
        ),
        .target(
            name: "Shared",
            dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "Samples",
            dependencies: ["Shared"],
            swiftSettings: strict
        ),
        .target(
            name: "Storage",
            dependencies: ["Shared", "CSQLite", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .target(
            name: "Console",
            dependencies: [
                "Shared", "Storage", "CMalloc", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Client",
            dependencies: ["Shared", "Storage", "Console", "CCurl", "ContentCoding"],
            swiftSettings: strict
        ),
        .target(
            name: "Server",
            dependencies: [
                "Shared", "Storage", "Console", "ContentCoding",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            resources: [.copy("openapi.yaml")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "field",
            dependencies: [
                "Client", "Console", "Storage", .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "center",
            dependencies: [
                "Server", "Console", "Storage", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "benchmark",
            dependencies: [
                "Shared", "Storage", "Client", "Console", "Samples", "Server", "ContentCoding",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/benchmark",
            swiftSettings: strict
        ),
        // Every reader of outside bytes fed arbitrary input; scripts/fuzz runs it under libFuzzer.
        .executableTarget(
            name: "fuzz",
            dependencies: ["Shared", "Storage", "ContentCoding", "Console"],
            path: "Fuzz/fuzz",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "demo",
            dependencies: ["Shared", "Storage", "Client", "Samples"],
            path: "Demo/demo",
            swiftSettings: strict
        ),
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared", "Samples", "ContentCoding"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ClientTests",
            dependencies: [
                "Client", "Storage", "Console", "Samples", "CSQLite", "CCurl",
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        // Runs the built `field` and `center` as their users do; shared by the tests of both.
        .target(name: "ProgramTesting", path: "Tests/ProgramTesting", swiftSettings: strict),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Storage", "Client", "Console", "Samples", "ProgramTesting", "ContentCoding",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "FieldTests",
            dependencies: ["field", "center", "Client", "ProgramTesting"],
            swiftSettings: strict
        ),
    ]
)
