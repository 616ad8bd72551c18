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

/// An account file nsbuild cannot read is reported as such, with its path and errno, not as a name it lacks.
@Suite struct UnreadableAccountFileTests: ScratchFolderTests {
  @Test(
    .enabled(if: NSBuildProcess.isRoot, "binds over /etc/passwd in a mount namespace of its own, which needs root"),
    .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/unshare"), "needs unshare(1)"))
  func anUnreadablePasswdFileIsReportedWithItsErrno() throws {
    try withFolder { folder in
      let spec = try write(
        """
        version = 1
        [process]
        args = ["/bin/true"]
        env = { WHO = "${USER}" }
        """, to: folder)
      // Mode 0: uid 65534, without CAP_DAC_OVERRIDE, gets EACCES from open(2); only this mount namespace sees it.
      let closed = folder + "/passwd"
      try Data("nobody:x:65534:65534::/:/bin/sh\n".utf8).write(to: URL(fileURLWithPath: closed))
      try FileManager.default.setAttributes([.posixPermissions: 0], ofItemAtPath: closed)
      let result = try NSBuildProcess.runCommand(
        "/usr/bin/unshare",
        [
          "--mount", "--propagation", "private", "/bin/sh", "-c",
          "mount --bind \"$1\" /etc/passwd && exec setpriv --reuid=65534 --regid=65534 --clear-groups \"$2\" check \"$3\"",
          "sh", closed, folder + "/nsbuild", spec,
        ])
      #expect(result.status == 1, "\(result.stderr)")
      #expect(result.stderr.contains("/etc/passwd: open(2): EACCES"), "\(result.stderr)")
      #expect(!result.stderr.contains("has no name"), "\(result.stderr)")
    }
  }
}
