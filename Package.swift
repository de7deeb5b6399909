// swift-tools-version: 6.0
// Tern: a userspace TCP/IP stack in Swift. See README.md for the layout.
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

/// The engine's hot paths touch class state from several files, where Swift cannot prove
/// exclusive access statically and checks it at run time on every access. Measured
/// 2026-12-08, without the flag against with it: tern-enginebench 20 under callgrind ran
/// 194.0 M instructions against 139.6 M (swift_beginAccess and swift_endAccess alone 11 %
/// of the former); ternd (run_all.sh tern, two alternated rounds) used 0.76 against 0.64
/// server CPU s per GiB downloaded, and 13.7 against 12.5 µs per request at wrk -c16
/// keep-alive. Debug builds, and so the tests, keep the checks.
let engine: [SwiftSetting] = strict + [
    .unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release)),
]

/// A command-line companion under Tools/NAME; `exclude` lists non-source files beside it.
func tool(_ name: String, _ dependencies: [Target.Dependency], exclude: [String] = []) -> Target {
    .executableTarget(name: name, dependencies: dependencies, path: "Tools/\(name)", exclude: exclude, swiftSettings: strict)
}

let package = Package(
    name: "Tern",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ternd", targets: ["ternd"]),
        .library(name: "TernWire", targets: ["TernWire"]),
        .library(name: "TernStack", targets: ["TernStack"]),
        .library(name: "TernLink", targets: ["TernLink"]),
        .library(name: "TernServices", targets: ["TernServices"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections", exact: "1.6.0"),
    ],
    targets: [
        // The only C: device open, interface configuration, privilege drop, epoll/timerfd/signalfd.
        .target(name: "CShims", path: "CShims", linkerSettings: [.linkedLibrary("cap")]),
        .target(name: "TernWire", swiftSettings: engine),
        .target(
            name: "TernStack",
            dependencies: [
                "TernWire",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: engine),
        .target(name: "TernLink", dependencies: ["TernWire", "CShims"], swiftSettings: strict),
        .target(name: "TernServices", dependencies: ["TernStack", "TernWire"], swiftSettings: engine),
        .executableTarget(
            name: "ternd",
            dependencies: [
                "TernWire", "TernStack", "TernLink", "TernServices", "CShims",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict),

        // Tools: clients and learning companions (docs/tools.md).
        .target(name: "TernToolSupport", dependencies: ["TernWire", .product(name: "ArgumentParser", package: "swift-argument-parser")], path: "Tools/TernToolSupport", swiftSettings: strict),
        tool("tern-chat", ["TernServices", "TernToolSupport", "TernWire", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        tool("tern-time", ["TernServices", "TernToolSupport", "TernWire", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        tool("tern-get", ["TernToolSupport", "TernWire", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        tool("tern-checksum", ["TernWire", "TernStack", "TernToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        tool("tern-subnet", ["TernWire", "TernToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        tool("tern-route", ["TernWire", "TernServices", "TernToolSupport", .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "HeapModule", package: "swift-collections")], exclude: ["examples"]),
        tool("tern-words", ["TernServices", "TernToolSupport", "TernWire", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        tool("tern-microbench", ["TernWire"]),
        tool("tern-enginebench", ["TernStack", "TernWire", "TernTestSupport"]),

        // Fuzz targets: Tools/fuzz.sh builds them with libFuzzer and AddressSanitizer; a plain
        // build makes a tool that replays saved inputs.
        .executableTarget(name: "fuzz-wire", dependencies: ["FuzzSupport", "TernWire"], path: "Fuzz/fuzz-wire", swiftSettings: strict),
        .target(name: "FuzzSupport", path: "Fuzz/FuzzSupport", swiftSettings: strict),
        .executableTarget(name: "fuzz-stack", dependencies: ["FuzzSupport", "TernStack", "TernWire", "TernTestSupport"],
                          path: "Fuzz/fuzz-stack",
                          swiftSettings: strict),
        .executableTarget(name: "fuzz-http", dependencies: ["FuzzSupport", "TernServices"], path: "Fuzz/fuzz-http",
                          swiftSettings: strict),
        .executableTarget(name: "fuzz-chat", dependencies: ["FuzzSupport", "TernServices"], path: "Fuzz/fuzz-chat",
                          swiftSettings: strict),

        .testTarget(name: "TernWireTests", dependencies: ["TernWire"], exclude: ["Golden"], swiftSettings: strict),
        // What the engine's tests, the stack fuzzer and the engine bench share: stacks and links
        // on a virtual clock. Built as the engine is, since the bench runs it beside the engine
        // (tern-enginebench 20 under callgrind: 144.8 M instructions with its checks, 140.1 M without).
        .target(name: "TernTestSupport", dependencies: ["TernStack", "TernWire"], path: "Tests/TernTestSupport",
                swiftSettings: engine),
        .testTarget(name: "TernStackTests", dependencies: ["TernStack", "TernWire", "TernLink", "TernTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "TernLinkTests", dependencies: ["TernLink", "TernWire"], swiftSettings: strict),
        .testTarget(name: "TernServicesTests", dependencies: ["TernServices", "TernStack", "TernWire", "TernTestSupport"],
                    swiftSettings: strict),
        // The learning companions' logic, tested in process; test data under Tests/Data.
        .testTarget(name: "TernToolsTests", dependencies: ["tern-checksum", "tern-subnet", "tern-route", "tern-chat", "tern-time", "tern-get", "tern-words", "TernServices", "TernToolSupport", "TernWire"], swiftSettings: strict),
    ]
)
