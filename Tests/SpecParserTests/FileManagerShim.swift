import Foundation

/// File reading for tests (tests may use Foundation; the SpecParser target may not).
enum FileManagerShim {
  static func contents(_ path: String) -> [UInt8]? {
    FileManager.default.contents(atPath: path).map { [UInt8]($0) }
  }
}

enum SpecDirectory {
  static func tomlFiles(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".toml") }.sorted()
  }
}
