import Builder
import Foundation
import Testing

/// nsbuild's own reading of /etc/passwd and /etc/group (``AccountFile``) against glibc's through NSS (getent(1)).
@Suite struct AccountFileTests {
  @Test func namesComeFromTheFirstMatchingWellFormedLine() {
    let passwd = Array(
      """
      # a comment:x:7:7
      root:x:0:0:root:/root:/bin/bash

      :x:5:5:no name
      short:x
      signed:x:+7:7
      big:x:4294967296:0
      daemon:x:1:1::/:/usr/sbin/nologin
      second-root:x:0:0
        spaced:x:42:42::/:/bin/sh
      +compat:x:43:1::/:/bin/sh
      -minus:x:44:1::/:/bin/sh
      nogid:x:45:
      nogid-either:x:46
      \ttabbed:x:47:1
      """.utf8)
    #expect(AccountFile.name(of: 0, in: passwd, database: .passwd) == "root")
    #expect(AccountFile.name(of: 1, in: passwd, database: .passwd) == "daemon")
    #expect(AccountFile.name(of: 5, in: passwd, database: .passwd) == nil)
    #expect(AccountFile.name(of: 7, in: passwd, database: .passwd) == nil)
    // As glibc's files module: leading blanks skipped, NIS compat lines and lines without a GID name nobody.
    #expect(AccountFile.name(of: 42, in: passwd, database: .passwd) == "spaced")
    #expect(AccountFile.name(of: 43, in: passwd, database: .passwd) == nil)
    #expect(AccountFile.name(of: 44, in: passwd, database: .passwd) == nil)
    #expect(AccountFile.name(of: 45, in: passwd, database: .passwd) == nil)
    #expect(AccountFile.name(of: 46, in: passwd, database: .passwd) == nil)
    #expect(AccountFile.name(of: 47, in: passwd, database: .passwd) == "tabbed")
    // A group line needs no field after its GID.
    #expect(AccountFile.name(of: 0, in: Array("group:x:0:".utf8), database: .group) == "group")
    #expect(AccountFile.name(of: 46, in: passwd, database: .group) == "nogid-either")
    #expect(AccountFile.name(of: 3, in: [], database: .group) == nil)
  }

  /// Every ID in this machine's files has the name getent(1) gives it (the files are what NSS reads here).
  @Test(arguments: [
    ("passwd", AccountFile.users, AccountFile.Database.passwd), ("group", AccountFile.groups, .group),
  ])
  func eachIDHasTheNameGetentGives(_ database: String, _ path: String, _ kind: AccountFile.Database) throws {
    let getent = "/usr/bin/getent"
    try #require(FileManager.default.isExecutableFile(atPath: getent), "getent(1) is needed")
    let contents = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    let ids = String(decoding: contents, as: UTF8.self).split(separator: "\n").compactMap {
      $0.split(separator: ":", omittingEmptySubsequences: false).dropFirst(2).first.flatMap { UInt32($0) }
    }
    try #require(!ids.isEmpty, "\(path) lists no ID")
    for id in Set(ids) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: getent)
      process.arguments = [database, String(id)]
      let output = Pipe()
      process.standardOutput = output
      try process.run()
      let line = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      let expected = line.split(separator: ":", omittingEmptySubsequences: false).first.map(String.init)
      #expect(AccountFile.name(of: id, in: contents, database: kind) == expected, "\(database) \(id)")
    }
  }
}
